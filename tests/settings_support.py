"""What the tests that start their own Python process share (settings are read once per
process, at start-up): an environment without the caller's YISHI_* and DATABASE_URL, a run
of the interpreter in the repository, and a probe script whose last line is JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**values: str | None) -> dict[str, str]:
    """The current environment without YISHI_* and DATABASE_URL, plus the import path, the
    settings module and `values` (a None value leaves that variable out)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("YISHI_", "DATABASE_URL"))
    }
    env.update(PYTHONPATH=str(ROOT / "src"), DJANGO_SETTINGS_MODULE="yishi.settings")
    env.update(values)
    return {key: value for key, value in env.items() if value is not None}


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def probe(script: str, env: dict[str, str]) -> dict:
    """Run `script` in a new interpreter; the JSON it prints last."""
    done = run_python(["-c", script], env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
