"""`make run`'s server as it runs: DEBUG off in demo mode, keys from a fresh key folder, static
files collected and served by whitenoise, one uvicorn process. It answers pages in Chinese, a
wrong address with the Chinese 404 page (never Django's technical one), static files, and
writes masked access lines.

PostgreSQL pass only: the server uses the test database pytest-django has already migrated
(a fresh SQLite database would need every migration again, half a minute here)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.settings_support import clean_env, run_python

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers (names in their canonical case: uvicorn's httptools parser passes them
    on as the application wrote them, which may be lower case) and body."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (loopback)
            return response.status, _headers(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, _headers(error.headers), error.read().decode()


def _headers(message) -> dict[str, str]:
    return {"-".join(p.capitalize() for p in k.split("-")): v for k, v in message.items()}


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_the_make_run_recipe_serves_with_debug_off_through_uvicorn():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export YISHI_DEBUG ?= false" in makefile
    assert "run: export YISHI_DEMO ?= true" in makefile
    recipe = re.search(r"^run: setup keys migrate static demo.*\n\t(.+)$", makefile, re.M)
    assert recipe, "the run target's prerequisites changed: update this test"
    assert "uvicorn yishi.asgi:application" in recipe[1]
    assert "runserver" not in recipe[1]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_demo_server_answers_in_chinese_with_static_files_and_masked_logs(tmp_path):
    env = clean_env(
        YISHI_DEBUG="false",
        YISHI_DEMO="true",
        YISHI_VAR_DIR=str(tmp_path / "var"),
        YISHI_KEY_DIR=str(tmp_path / "keys"),
        DATABASE_URL=_database_url(),
        YISHI_DB_CONN_MAX_AGE="0",
    )
    for step in (["-m", "yishi.keys"], ["-m", "yishi", "collectstatic", "--noinput", "-v", "0"]):
        done = run_python(step, env)
        assert done.returncode == 0, done.stderr[-2000:]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "yishi.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-proxy-headers",
                "--no-server-header",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)

        status, headers, html = _get(base + "/")
        assert status == 200
        assert "梁子湖区政务服务" in html

        status, headers, html = _get(base + "/no-such-page/")
        assert status == 404
        assert "页面不存在" in html
        for technical in ("URLconf", "Page not found", "DEBUG = True", "^api/"):
            assert technical not in html

        status, headers, css = _get(base + "/static/yishi/site.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert css == (ROOT / "src/yishi/static/yishi/site.css").read_text()

        status, headers, _ = _get(base + "/static/vendor/htmx/htmx.min.js")
        assert status == 200

        status, headers, body = _get(base + "/api/no-such-operation")
        assert status == 404
        assert headers["Content-Type"].startswith("application/problem+json")

        status, _, _ = _get(base + "/matters/?q=13912345678")
        assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)

    output = log.read_text()
    assert '"GET /no-such-page/ HTTP/1.1" 404' in output  # uvicorn's access lines, in our log
    assert "139****5678" in output
    assert "13912345678" not in output
    assert "Traceback" not in output
