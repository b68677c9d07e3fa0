"""The key folder (yishi/keys.py): `make run` generates its secrets once into var/keys/, one
file per key, readable by the owner alone, never overwritten; the settings read them when the
environment gives none. Settings are read once per process, so each case starts its own."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.settings_support import clean_env, probe, run_python
from yishi.keys import GENERATORS, init_keys

PROBE = """
import json, django
django.setup()
from django.conf import settings
from yishi.core.crypto import sm4_decrypt, sm4_encrypt
print(json.dumps({"SECRET_KEY": settings.SECRET_KEY, "FIELD_KEYS": settings.FIELD_KEYS,
                  "INDEX_KEY": settings.INDEX_KEY, "round_trip": sm4_decrypt(sm4_encrypt("x"))}))
"""


def _env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    defaults = dict(
        YISHI_DEBUG="false",
        YISHI_DEMO="true",
        YISHI_KEY_DIR=str(tmp_path / "keys"),
        YISHI_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        YISHI_LOG_LEVEL="WARNING",
    )
    return clean_env(**{**defaults, **overrides})


def _run(args: list[str], env: dict[str, str]):
    return run_python(args, env)


def _probe(env: dict[str, str]) -> dict:
    return probe(PROBE, env)


def test_init_keys_writes_each_key_once_readable_by_the_owner_alone(tmp_path):
    key_dir = tmp_path / "keys"
    assert init_keys(key_dir) == ["YISHI_SECRET_KEY", "YISHI_FIELD_KEYS", "YISHI_INDEX_KEY"]
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert sorted(p.name for p in key_dir.iterdir()) == sorted(GENERATORS)  # no temporary left
    for name in GENERATORS:
        assert stat.S_IMODE((key_dir / name).stat().st_mode) == 0o600
    field_key = (key_dir / "YISHI_FIELD_KEYS").read_text().strip()
    key_id, _, hex_key = field_key.partition(":")
    assert key_id == "k1"
    assert len(bytes.fromhex(hex_key)) == 16  # SM4 is 128-bit
    assert len((key_dir / "YISHI_SECRET_KEY").read_text().strip()) >= 50  # check --deploy
    assert len(bytes.fromhex((key_dir / "YISHI_INDEX_KEY").read_text().strip())) == 32


def test_a_second_run_changes_nothing_and_never_overwrites_a_key(tmp_path):
    key_dir = tmp_path / "keys"
    init_keys(key_dir)
    (key_dir / "YISHI_INDEX_KEY").write_text("an operator's own key\n")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in key_dir.iterdir()}
    assert init_keys(key_dir) == []
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in key_dir.iterdir()}
    assert after == before


def test_init_keys_fills_in_only_the_missing_ones(tmp_path):
    key_dir = tmp_path / "keys"
    init_keys(key_dir)
    kept = (key_dir / "YISHI_SECRET_KEY").read_bytes()
    (key_dir / "YISHI_FIELD_KEYS").unlink()
    assert init_keys(key_dir) == ["YISHI_FIELD_KEYS"]
    assert (key_dir / "YISHI_SECRET_KEY").read_bytes() == kept


def test_the_command_line_generates_then_reports_nothing_to_do(tmp_path):
    env = _env(tmp_path)
    first = _run(["-m", "yishi.keys"], env)
    assert first.returncode == 0, first.stderr
    assert "已在" in first.stdout and "YISHI_FIELD_KEYS" in first.stdout
    second = _run(["-m", "yishi.keys"], env)
    assert second.returncode == 0, second.stderr
    assert "齐全，未做改动" in second.stdout


def test_demo_mode_with_debug_off_reads_its_keys_from_the_folder(tmp_path):
    init_keys(tmp_path / "keys")
    probe = _probe(_env(tmp_path))
    folder = {name: (tmp_path / "keys" / name).read_text().strip() for name in GENERATORS}
    assert probe["SECRET_KEY"] == folder["YISHI_SECRET_KEY"]
    assert probe["FIELD_KEYS"] == [folder["YISHI_FIELD_KEYS"]]
    assert probe["INDEX_KEY"] == folder["YISHI_INDEX_KEY"]
    assert probe["round_trip"] == "x"


def test_the_environment_wins_over_the_folder(tmp_path):
    init_keys(tmp_path / "keys")
    probe = _probe(_env(tmp_path, YISHI_INDEX_KEY="from-the-environment"))
    assert probe["INDEX_KEY"] == "from-the-environment"
    assert probe["SECRET_KEY"] == (tmp_path / "keys" / "YISHI_SECRET_KEY").read_text().strip()


def test_debug_off_without_any_key_refuses_to_start(tmp_path):
    for demo in ("true", "false"):
        done = _run(["manage.py", "check"], _env(tmp_path, YISHI_DEMO=demo))
        assert done.returncode != 0
        assert "ConfigError" in done.stderr
        assert "YISHI_SECRET_KEY is required" in done.stderr
        assert "python -m yishi.keys" in done.stderr


def test_debug_keeps_the_development_keys_unless_a_key_folder_is_named(tmp_path):
    # A key folder at the default place (var/keys) is not read by tests or DEBUG runs.
    init_keys(tmp_path / "var" / "keys")
    debug = _env(tmp_path, YISHI_DEBUG="true", YISHI_KEY_DIR=None)
    assert _probe(debug)["FIELD_KEYS"] == ["k1:00112233445566778899aabbccddeeff"]
    named = _env(tmp_path, YISHI_DEBUG="true", YISHI_KEY_DIR=str(tmp_path / "var" / "keys"))
    folder_key = (tmp_path / "var" / "keys" / "YISHI_FIELD_KEYS").read_text().strip()
    assert _probe(named)["FIELD_KEYS"] == [folder_key]


def test_the_key_folder_may_not_hold_the_database(tmp_path):
    init_keys(tmp_path / "keys")
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'keys' / 'db.sqlite3'}")
    done = _run(["manage.py", "check"], env)
    assert done.returncode != 0
    assert "keep the keys in a folder of their own" in done.stderr
