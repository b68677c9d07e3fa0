"""One private PostgreSQL cluster for all fault tests (started, migrated once, stopped at the
end), and the live yishi processes the tests start on it. The suite's own database serves
the tests that run in this process (receiver down, storage full)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import _unavailable
from tests.faults.cluster import PG_BIN, PrivateCluster, YishiEnv

DATABASE = "faults"


@pytest.fixture(scope="session")
def faults_env(django_db_setup, django_db_blocker):
    """A migrated database on a private cluster with the tests' data: (cluster, YishiEnv);
    `env.world` holds what `tests.faults.world.build_world` returned. The schema is copied
    from the suite's own test database (pg_dump, pg_restore: seconds, where `migrate` takes
    most of a minute on this machine)."""
    if connection.vendor != "postgresql":
        _unavailable("the fault tests run in the PostgreSQL pass")
    if not (PG_BIN / "initdb").exists():
        _unavailable(f"PostgreSQL server binaries not found in {PG_BIN} (YISHI_PG_BIN)")
    started = time.monotonic()
    cluster = PrivateCluster()
    directory = None
    cluster.start()
    try:
        cluster.psql(f"CREATE DATABASE {DATABASE}")
        with django_db_blocker.unblock():
            cluster.copy_from(connection.settings_dict, DATABASE)
        directory = Path(tempfile.mkdtemp(prefix="yishi_faults_app_"))
        env = YishiEnv(cluster, DATABASE, directory)
        env.run("-m", "yishi.keys")
        copied = time.monotonic()
        env.world = env.call("tests.faults.world:build_world")
        print(f"\n[faults] private cluster on :{cluster.port}: schema copied in "
              f"{copied - started:.1f}s, data built in {time.monotonic() - copied:.1f}s")  # fmt: skip
        yield cluster, env
    finally:
        cluster.stop()
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def task_backend() -> str:
    """ "db" (django-tasks-db, the default) or "rq", from YISHI_TASK_BACKEND."""
    return "rq" if os.environ.get("YISHI_TASK_BACKEND", "").lower() == "rq" else "db"
