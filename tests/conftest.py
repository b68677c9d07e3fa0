"""Suite-wide fixtures. Under CI=true a missing Chromium or PostgreSQL fails the run; on a
developer machine it skips with the reason."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

CHROMIUM = os.environ.get("YISHI_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser and PostgreSQL tests may not skip)")
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark the tests that commit (live server, transactional database) "transactional", so
    `make test` can run them apart from the tests that roll back (see the Makefile)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        if (
            "live_server" in names
            or "transactional_db" in names
            or (marker is not None and marker.kwargs.get("transaction"))
        ):
            item.add_marker(pytest.mark.transactional)


# Rows that data migrations seed, by app: (model, migration modules with their seed function).
# The flush after each transactional test empties them; the next transactional test puts
# them back (serialized_rollback restores only what the run serialised at its start).
SEEDED = [
    ("licences.LicenceType", [("licences", "0002_seed_licence_types", "seed"),
                              ("licences", "0005_seed_licence_subjects", "seed")]),
    ("ratings.IndicatorSet", [("ratings", "0002_seed_indicator_sets", "seed")]),
    ("training.CertificateLevel", [("training", "0002_certificate_levels", "load")]),
]  # fmt: skip


def reseed_migration_data() -> None:
    import importlib

    from django.apps import apps

    for label, seeds in SEEDED:
        if apps.get_model(label).objects.exists():
            continue
        for app, module, function in seeds:
            getattr(importlib.import_module(f"yishi.{app}.migrations.{module}"), function)(
                apps, None
            )


@pytest.fixture(autouse=True)
def _migration_data_back(request):
    """Before a transactional test: the migration-seeded rows, if a flush took them."""
    if request.node.get_closest_marker("transactional") is None:
        yield
        return
    request.getfixturevalue("transactional_db")
    reseed_migration_data()
    yield


@pytest.fixture(autouse=True)
def _no_kept_pages():
    """Each test starts without kept public pages: one kept by an earlier test shows a
    database that test has rolled back (yishi.core.page_cache)."""
    from yishi.core import page_cache

    page_cache.clear()


@pytest.fixture
def applicant():
    """A registered applicant account; `.user` logs in or submits, `.person` is the registry."""
    from tests.cases.factories import ApplicantFactory

    return ApplicantFactory()


@pytest.fixture
def window():
    """A window staff member of a department; `.user` acts."""
    from tests.cases.factories import StaffFactory

    return StaffFactory()


@pytest.fixture(autouse=True)
def _require_postgres(request):
    # The SQLite pass of .ci/run deselects these (-m "not postgres"); anywhere else under CI a
    # PostgreSQL test without PostgreSQL is an error, not a skip.
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in the main thread; Django then
    # refuses ORM calls from that thread (SynchronousOnlyOperation) although they are
    # synchronous in fact. Playwright's documented remedy for Django tests:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; `page.base_url` is the live server."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _fresh_search_cache():
    """The unified search caches synonyms, themes and policies per process; a rolled-back
    test's rows fire no signal, so each test starts from the database."""
    from yishi.catalog.unified_search import cache

    cache.invalidate()
    yield
    cache.invalidate()


@pytest.fixture(autouse=True)
def _fresh_district_centre():
    """The district centre's id is memoised per process; each test's catalog is its own."""
    from yishi.catalog.centres import forget_district_centre

    forget_district_centre()
    yield
    forget_district_centre()


# ---------------------------------------------------------------- S3 (moto's server mode)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 emulator (moto's server mode, real HTTP on a free port) for this run."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    """Stored files go to a fresh private bucket of the emulator, configured the way
    YISHI_STORAGE_URL configures production; `.url` is that setting, `.storage` the storage,
    `.names()` every object name in the bucket."""
    import uuid
    from types import SimpleNamespace

    import boto3
    from django.core.files.storage import storages

    from yishi.core.storage import storage_backend

    bucket = f"yishi-test-{uuid.uuid4().hex[:12]}"
    url = f"s3://test:secret@{bucket}?endpoint_url={s3_endpoint}&region_name=cn-north-1"
    url += "&addressing_style=path"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="cn-north-1",
        aws_access_key_id="test",
        aws_secret_access_key="secret",  # noqa: S106 - the emulator's
    )
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
    )
    settings.STORAGES = {**settings.STORAGES, "default": storage_backend(url)}
    storage = storages["default"]
    return SimpleNamespace(
        url=url,
        bucket=bucket,
        client=client,
        storage=storage,
        names=lambda: sorted(o.key for o in storage.bucket.objects.all()),
    )
