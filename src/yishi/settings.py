"""Settings for yishi. Every knob is an environment variable read through yishi.env."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF

from yishi.core.storage import storage_backend
from yishi.env import env_bool, env_int, env_json_file, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("YISHI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("YISHI_DEBUG", True)
# Demo mode (`make run`): plain HTTP on the loopback address, the demo accounts sign in
# without a second factor, SMS messages (codes included) go to the console log. Nothing else
# differs from production; it never serves another address (see ALLOWED_HOSTS below).
DEMO = env_bool("YISHI_DEMO", False)
# Production is neither: HTTPS only, second factor for staff, an SMS gateway.
PRODUCTION = not DEBUG and not DEMO
# Read by the staff sign-in (django-otp): demo accounts have no enrolled device.
STAFF_SECOND_FACTOR_REQUIRED = not DEMO and not DEBUG

# Keys come from the environment (X or X_FILE), else from the key folder: one file per key,
# named after its variable, that `python -m yishi.keys` generates on the first `make run`
# (yishi/keys.py). The folder lives apart from the database and is backed up apart from it.
# With DEBUG off it is always read (default var/keys/); with DEBUG on only when YISHI_KEY_DIR
# is set (`make dev`), so tests keep the fixed development keys and never depend on it.
# Development keys are fixed and public on purpose: with DEBUG off a missing key stops start-up.
KEY_DIR = Path(env_str("YISHI_KEY_DIR", str(VAR_DIR / "keys"))).resolve()
_KEYS_FROM = KEY_DIR if not DEBUG or env_str("YISHI_KEY_DIR", "") else None
_DEV = "insecure-development-only"
SECRET_KEY = env_secret(
    "YISHI_SECRET_KEY",
    _DEV + "-django-secret-key-0123456789abcdef" if DEBUG else None,
    key_dir=_KEYS_FROM,
)
# SM4 key (32 hex chars = 128 bits) for personal fields at rest, and the HMAC-SM3 key for
# their search index. Rotation: add the new key first in YISHI_FIELD_KEYS (id:hex,...).
FIELD_KEYS = [
    key.strip()
    for key in env_secret(
        "YISHI_FIELD_KEYS",
        "k1:00112233445566778899aabbccddeeff" if DEBUG else None,
        key_dir=_KEYS_FROM,
    ).split(",")
    if key.strip()
]
INDEX_KEY = env_secret(
    "YISHI_INDEX_KEY", "dev-index-key-0123456789abcdef" if DEBUG else None, key_dir=_KEYS_FROM
)

ALLOWED_HOSTS = env_list("YISHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("YISHI_CSRF_TRUSTED_ORIGINS", [])
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}
if DEMO and not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS:
    from yishi.env import ConfigError

    raise ConfigError(
        "YISHI_DEMO=true serves the loopback address only (no second factor, SMS codes in "
        f"the log); YISHI_ALLOWED_HOSTS={','.join(ALLOWED_HOSTS)!r} names another host"
    )

INSTALLED_APPS = [
    "yishi.core.admin_site.YishiAdminConfig",  # django.contrib.admin, lazy app list
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "yishi.core.apps.TasksDbConfig",
    "yishi.core",
    "yishi.people",
    "yishi.catalog",
    "yishi.themes",
    "yishi.cases",
    "yishi.credit",
    "yishi.supervision",
    "yishi.licences",
    "yishi.policies",
    "yishi.hall",
    "yishi.ratings",
    "yishi.assist",
    "yishi.reports",
    "yishi.exchange",
    "yishi.remote",
    "yishi.stats",
    "yishi.governance",
    "yishi.training",
    "yishi.companies",
    "yishi.enterprise",
    "yishi.portal",
    "yishi.workbench",
    # Staff second factor: TOTP and single-use recovery codes (yishi.workbench.second_factor).
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    # Request counts and latency including every middleware (django-prometheus; /metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # A request id on the request, its response and each of its log lines; one access line.
    "yishi.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /healthz, /readyz, /metrics: answered here, before host checks and sessions
    # (yishi.core.probes; SECURE_REDIRECT_EXEMPT below).
    "yishi.core.probes.ProbeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response from here on (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "yishi.core.hostile.HostileInputMiddleware",
    # request.htmx; a redirect answering an htmx poll (an ended session) loads as a page.
    "django_htmx.middleware.HtmxMiddleware",
    "yishi.core.htmx.HtmxRedirectMiddleware",
    # Public pages kept for anonymous visitors, answered before sessions and sign-in
    # (yishi.core.page_cache).
    "yishi.core.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on personal answers (the service worker keeps none).
    "yishi.portal.pwa.PrivateCacheMiddleware",
    # Right after the user is known: an ended session is signed out before anything else.
    "yishi.core.session_limits.SessionLimitsMiddleware",
    "yishi.workbench.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yishi.core.middleware.ApiProblemMiddleware",
    # A view that lost the database answers 503 + Retry-After, not 500 (core.db_unavailable).
    "yishi.core.db_unavailable.DatabaseUnavailableMiddleware",
    "yishi.core.middleware.CalendarScopeMiddleware",
    # Requests by view, method and status, latency by view (django-prometheus).
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as axes requires: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yishi.urls"
WSGI_APPLICATION = "yishi.wsgi.application"
ASGI_APPLICATION = "yishi.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yishi.core.context.site",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yishi.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("YISHI_DB_CONN_MAX_AGE", 60),
        # A kept connection is pinged before a request reuses it: after a database restart
        # the application reconnects by itself instead of failing each stale connection once.
        conn_health_checks=env_bool("YISHI_DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # yishi.core.rows binds the hot paths' statements server-side; psycopg prepares each on a
    # connection from its second run. Django's own cursors bind client-side and are never
    # prepared. 0 turns it off (e.g. behind PgBouncer < 1.21 in transaction pooling).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        env_int("YISHI_DB_PREPARE_THRESHOLD", 2) or None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("YISHI_TEST_SQLITE", "") or None}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A copy of the database's folder must not carry the keys that decrypt it.
    _DB_DIR = Path(DATABASES["default"]["NAME"]).resolve().parent
    if _KEYS_FROM is not None and (_DB_DIR == KEY_DIR or KEY_DIR in _DB_DIR.parents):
        from yishi.env import ConfigError

        raise ConfigError(
            f"YISHI_KEY_DIR={str(KEY_DIR)!r} holds the database {DATABASE_URL!r}: keep the "
            "keys in a folder of their own, backed up apart from the database"
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Our translations of the admin strings Django leaves untranslated (src/yishi/locale).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Browser libraries come from npm (package.json, `npm ci` in `make setup`) and are served as
# static files: htmx as {% static 'vendor/htmx/htmx.min.js' %}.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist"),
    # The service map (hall): Leaflet and its marker clustering.
    ("vendor/leaflet", PROJECT_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/markercluster", PROJECT_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Stored files: local files under MEDIA_ROOT, or an S3-compatible object store shared by every
# app machine (YISHI_STORAGE_URL=s3://bucket?endpoint_url=...; yishi/core/storage.py).
try:
    _DEFAULT_STORAGE = storage_backend(env_str("YISHI_STORAGE_URL", ""))
except ValueError as _exc:
    from yishi.env import ConfigError

    raise ConfigError(str(_exc)) from _exc
STORAGES = {
    "default": _DEFAULT_STORAGE,
    # `collectstatic` also writes gzip copies, which whitenoise serves to browsers that take them.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# With DEBUG off (`make run`, production) whitenoise serves what `collectstatic` put under
# STATIC_ROOT, as a production server would; with DEBUG on, straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG

# Caches. With YISHI_CACHE_URL (redis://host:port/db) every app machine shares one Redis;
# without it each process keeps its own in memory (one machine, `make run`, tests).
# `pages` holds public pages rendered for anonymous visitors (yishi.core.page_cache) for
# YISHI_PAGE_CACHE_SECONDS (0: off); an edit of what they show replaces them at once (in
# every process with Redis; with the memory cache in the editing process only).
CACHE_URL = env_str("YISHI_CACHE_URL", "")
# Shared, an edit replaces the pages everywhere at once, so they may be kept longer.
PAGE_CACHE_SECONDS = env_int("YISHI_PAGE_CACHE_SECONDS", 600 if CACHE_URL else 60)


def _cache(prefix: str, entries: int) -> dict:
    if CACHE_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": f"yishi:{prefix}",
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"yishi-{prefix}",
        "OPTIONS": {"MAX_ENTRIES": entries},
    }


CACHES = {"default": _cache("default", 1000), "pages": _cache("pages", 500)}

LOGIN_URL = "/admin/login/"
# Django's database sessions, read with a precompiled statement (yishi.core.sessions).
SESSION_ENGINE = "yishi.core.sessions"
# Staff sessions end after this many idle minutes, every session this many hours after
# sign-in (yishi.core.session_limits); the cookie and the row live no longer than that.
SESSION_IDLE_MINUTES = env_int("YISHI_SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("YISHI_SESSION_MAX_HOURS", 12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    from yishi.env import ConfigError

    raise ConfigError("YISHI_SESSION_IDLE_MINUTES and YISHI_SESSION_MAX_HOURS must be >= 1")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600

# Background work: django-tasks, in one of two modes (README, Configuration).
# - database (the default): django-tasks-db keeps the queue in this database; the worker is
#   `python -m yishi db_worker --queue-name '*'`. Nothing else to run.
# - YISHI_TASK_BACKEND=rq: RQ on Redis (the optional dependency set `yishi[rq]`), for several
#   workers on several machines; YISHI_RQ_URL names the Redis (default
#   redis://127.0.0.1:6379/0); the worker is `python -m yishi rqworker default`.
# YISHI_TASK_BACKEND=immediate runs tasks inline (tests); any other value is a backend's
# dotted path. `make worker` starts the worker of the mode set here. In both modes the
# periodic jobs are enqueued by one `python -m yishi scheduler` (yishi/schedule.py).
TASK_BACKEND = env_str("YISHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
TASK_BACKEND = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}.get(TASK_BACKEND, TASK_BACKEND)
TASKS = {"default": {"BACKEND": TASK_BACKEND}}
RQ_URL = env_str("YISHI_RQ_URL", "redis://127.0.0.1:6379/0")
# One RQ queue per django-tasks queue name (the tasks use "default"). A job running longer
# than DEFAULT_TIMEOUT seconds is stopped by the worker and counts as failed.
RQ_QUEUES = {"default": {"URL": RQ_URL, "DEFAULT_TIMEOUT": 1800}}
# The job class that runs a django-tasks task (its context, signals and result), for the
# worker too, so that plain `rqworker default` runs our tasks; a worker that stops within a
# second (yishi.core.rq_worker).
RQ = {"JOB_CLASS": "django_tasks_rq.Job", "WORKER_CLASS": "yishi.core.rq_worker.Worker"}
if TASK_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS.append("django_rq")  # the rqworker command and the backend's checks
# A database-backend task RUNNING longer than this is taken for one a killed worker left and
# is re-queued (core.task_recovery, command `recover_tasks`, every 5 minutes by the scheduler);
# keep it above the longest task (RQ_QUEUES stops a job after 1800 s on RQ).
TASK_LEASE_SECONDS = env_int("YISHI_TASK_LEASE_SECONDS", 1800)

# 远程虚拟窗口 (yishi.remote): STUN/TURN servers for WebRTC from the JSON file
# YISHI_REMOTE_ICE_SERVERS_FILE ({"iceServers": [{"urls": …, "username": …, "credential": …}]});
# unset: none (host candidates: one machine or one LAN). Days a recording made with the person's
# consent is kept (purge_remote_recordings); the largest recording piece and recording; open
# remote tickets per account and day.
YISHI_REMOTE_ICE_SERVERS = env_json_file("YISHI_REMOTE_ICE_SERVERS", {}).get("iceServers", [])
YISHI_REMOTE_RECORDING_DAYS = env_int("YISHI_REMOTE_RECORDING_DAYS", 90)
YISHI_REMOTE_RECORDING_CHUNK_BYTES = env_int("YISHI_REMOTE_RECORDING_CHUNK_BYTES", 1024 * 1024)
YISHI_REMOTE_RECORDING_MAX_BYTES = env_int("YISHI_REMOTE_RECORDING_MAX_BYTES", 1024**3)
YISHI_REMOTE_TICKETS_PER_ACCOUNT = env_int("YISHI_REMOTE_TICKETS_PER_ACCOUNT", 2)

# Real-time (django-channels: 帮办 chat, later the remote window): an in-memory channel layer
# serves one process (`make run`); set YISHI_CHANNEL_REDIS_URL to share it between processes
# and machines through Redis (channels-redis).
CHANNEL_REDIS_URL = env_str("YISHI_CHANNEL_REDIS_URL", "")
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_REDIS_URL]},
        }
        if CHANNEL_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

# Seeing what runs (yishi.core.probes): /readyz warns about outbox messages due for longer
# than this; /metrics answers the addresses of YISHI_METRICS_ALLOW (CIDR list) and callers
# with `Authorization: Bearer <YISHI_METRICS_TOKEN>` (unset: no token opens it), 404 anyone
# else. Several worker processes: set PROMETHEUS_MULTIPROC_DIR (README, "Seeing what runs").
YISHI_READY_OUTBOX_MAX_AGE_SECONDS = env_int("YISHI_READY_OUTBOX_MAX_AGE_SECONDS", 900)
YISHI_METRICS_TOKEN = env_secret("YISHI_METRICS_TOKEN", "")


def _networks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    from yishi.env import ConfigError

    try:
        return [ipaddress.ip_network(cidr, strict=False) for cidr in env_list(name, default)]
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc} (a comma-separated list of CIDR blocks)") from exc


YISHI_METRICS_ALLOW = _networks("YISHI_METRICS_ALLOW", ["127.0.0.0/8", "::1/128"])

# Outbox delivery: attempts before a message becomes a dead letter, and the first back-off.
OUTBOX_MAX_ATTEMPTS = env_int("YISHI_OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_BACKOFF_SECONDS = env_int("YISHI_OUTBOX_BACKOFF_SECONDS", 30)
OUTBOX_HTTP_TIMEOUT = env_int("YISHI_OUTBOX_HTTP_TIMEOUT", 10)
# Receivers of outside pushes: {"name": {"url": "...", "secret": "..."}}, used as "http:name".
OUTBOX_ENDPOINTS = env_json_file("YISHI_OUTBOX_ENDPOINTS", {})
# Enqueue a delivery task right after each commit that wrote to the outbox.
OUTBOX_KICK_ON_COMMIT = env_bool("YISHI_OUTBOX_KICK_ON_COMMIT", False)

# Cases: the yellow warning starts this many working days before a deadline.
CASE_WARN_WORKING_DAYS = env_int("YISHI_CASE_WARN_WORKING_DAYS", 2)
# How long a worker may serve a theme's structure from memory (see themes.queries).
THEME_CACHE_SECONDS = env_int("YISHI_THEME_CACHE_SECONDS", 60)
# Credit: where commitment/credit documents go ("http:credit" with OUTBOX_ENDPOINTS in
# production), and how many working days before a deferred material is due the reminder goes.
YISHI_CREDIT_PUSH_DESTINATION = env_str("YISHI_CREDIT_PUSH_DESTINATION", "log")
YISHI_COMMITMENT_REMIND_DAYS = env_int("YISHI_COMMITMENT_REMIND_DAYS", 3)
# Supervision (审管衔接): where approvals and results go ("http:supervision" in production).
YISHI_SUPERVISION_PUSH_DESTINATION = env_str("YISHI_SUPERVISION_PUSH_DESTINATION", "log")
# E-licences: the public address printed in QR codes (unset: the address each request came
# to), and where issued/revoked licences go.
YISHI_PUBLIC_URL = env_str("YISHI_PUBLIC_URL", "")
YISHI_LICENCE_PUSH_DESTINATION = env_str("YISHI_LICENCE_PUSH_DESTINATION", "log")
# 跨域通办 (yishi.exchange): who we are to partner regions (GB/T 2260 code, name, the base
# URL partners post to), the signed envelopes' freshness window and how long nonces are kept,
# how long a partner's working-day calendar is cached, the HTTP timeout, and whether the
# committed test keys of docs/exchange/test-keys/ may be used (never in production). Our SM2
# private key is the key-folder file YISHI_EXCHANGE_SM2_KEY (`python -m yishi exchange_keygen`).
EXCHANGE_REGION = env_str("YISHI_EXCHANGE_REGION", env_str("YISHI_DISTRICT_CODE", "420702"))
EXCHANGE_REGION_NAME = env_str("YISHI_EXCHANGE_REGION_NAME", "鄂州市梁子湖区")
EXCHANGE_PUBLIC_URL = env_str("YISHI_EXCHANGE_PUBLIC_URL", "http://127.0.0.1:8000")
EXCHANGE_FRESHNESS_SECONDS = env_int("YISHI_EXCHANGE_FRESHNESS_SECONDS", 600)
EXCHANGE_NONCE_HOURS = env_int("YISHI_EXCHANGE_NONCE_HOURS", 24)
EXCHANGE_CALENDAR_CACHE_SECONDS = env_int("YISHI_EXCHANGE_CALENDAR_CACHE_SECONDS", 86400)
EXCHANGE_HTTP_TIMEOUT = env_int("YISHI_EXCHANGE_HTTP_TIMEOUT", 10)
EXCHANGE_ALLOW_TEST_KEYS = env_bool("YISHI_EXCHANGE_ALLOW_TEST_KEYS", not PRODUCTION)
# 持证上岗 (yishi.training): signing on to a 综合窗口 without a valid 行政办事员 certificate is
# refused ("block"), allowed with a warning ("warn") or not checked ("off"); certificates
# expiring within this many days are flagged; a certificate issued on passing lasts this many
# years. 五级同: the compared elements (comma-separated matter dict keys; unset: every one).
YISHI_CERTIFICATE_GATE = env_str("YISHI_CERTIFICATE_GATE", "warn")
YISHI_CERTIFICATE_WARN_DAYS = env_int("YISHI_CERTIFICATE_WARN_DAYS", 60)
YISHI_CERTIFICATE_YEARS = env_int("YISHI_CERTIFICATE_YEARS", 3)
_five_level = env_str("YISHI_FIVE_LEVEL_ELEMENTS", "")
YISHI_FIVE_LEVEL_ELEMENTS = (
    [e.strip() for e in _five_level.split(",") if e.strip()] if _five_level else None
)
# 好差评 (yishi.ratings): the one invitation goes this many days after 办结; a 差评's 回访
# and 整改 limits in working days from the day after the rating; warnings this many working
# days ahead; how long a signed SMS rating link lives; where ratings and follow-ups go
# ("http:province_ratings" with OUTBOX_ENDPOINTS in production).
YISHI_RATING_INVITE_DAYS = env_int("YISHI_RATING_INVITE_DAYS", 3)
YISHI_RATING_VISIT_DAYS = env_int("YISHI_RATING_VISIT_DAYS", 5)
YISHI_RATING_RECTIFY_DAYS = env_int("YISHI_RATING_RECTIFY_DAYS", 15)
YISHI_RATING_WARN_DAYS = env_int("YISHI_RATING_WARN_DAYS", 1)
YISHI_RATING_LINK_DAYS = env_int("YISHI_RATING_LINK_DAYS", 30)
YISHI_RATING_PUSH_DESTINATION = env_str("YISHI_RATING_PUSH_DESTINATION", "file:province_ratings")
# 帮办代办 (yishi.assist): first-response limits in minutes of the assist service's hours
# (chat, call-back, on-site help and 代办); those hours in the JSON file YISHI_ASSIST_HOURS_FILE
# ({ISO weekday: [[from, to], …]};
# unset: the district centre's opening hours on the working-day calendar); the longest a
# 代办 authorisation may run, in days.
YISHI_ASSIST_CHAT_RESPONSE_MINUTES = env_int("YISHI_ASSIST_CHAT_RESPONSE_MINUTES", 10)
YISHI_ASSIST_CALLBACK_RESPONSE_MINUTES = env_int("YISHI_ASSIST_CALLBACK_RESPONSE_MINUTES", 60)
YISHI_ASSIST_ONSITE_RESPONSE_MINUTES = env_int("YISHI_ASSIST_ONSITE_RESPONSE_MINUTES", 10)
YISHI_ASSIST_HOURS = env_json_file("YISHI_ASSIST_HOURS", None)
YISHI_ASSIST_PROXY_MAX_DAYS = env_int("YISHI_ASSIST_PROXY_MAX_DAYS", 365)
# 办不成事反映 (yishi.reports), in working days after the report day: the first answer, the
# resolution, the warning ahead of a deadline, an improvement item's default deadline.
YISHI_REPORT_ANSWER_WORKING_DAYS = env_int("YISHI_REPORT_ANSWER_WORKING_DAYS", 1)
YISHI_REPORT_RESOLVE_WORKING_DAYS = env_int("YISHI_REPORT_RESOLVE_WORKING_DAYS", 5)
YISHI_REPORT_WARN_WORKING_DAYS = env_int("YISHI_REPORT_WARN_WORKING_DAYS", 1)
YISHI_REPORT_IMPROVEMENT_WORKING_DAYS = env_int("YISHI_REPORT_IMPROVEMENT_WORKING_DAYS", 15)
# Smart recognition (OCR): onnxruntime threads per recognition (one keeps a busy host usable).
OCR_THREADS = env_int("YISHI_OCR_THREADS", 1)

# The district this deployment serves (GB/T 2260 code) and its display name.
DISTRICT_CODE = env_str("YISHI_DISTRICT_CODE", "420702")
SITE_NAME = env_str("YISHI_SITE_NAME", "梁子湖区政务服务")

# Map tiles for the digital map (天地图 in production; key in the URL).
MAP_TILE_URL = env_str("YISHI_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")


def _tile_origin(url: str) -> str:
    """The CSP source of the map tiles: scheme and host of the tile URL, its leading
    subdomain template ({s}) as a wildcard (https://t{s}.tianditu.gov.cn → https://*.…)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


MAP_TILE_ORIGIN = _tile_origin(MAP_TILE_URL)

# Font used for PDFs (one-time notices, licences): a CJK font file; the default comes from
# the noto-cjk-sans-otc package so no system font is needed.
PDF_FONT_PATH = env_str("YISHI_PDF_FONT", "")

# Every handler carries the personal-data mask (yishi.core.logmask): ID and mobile numbers reach
# the log as 4207**********1234 / 139****0000, in messages, arguments, request paths and
# tracebacks. Django's own defaults are replaced, not extended: its "django" and "django.server"
# handlers (unmasked console, runserver access lines, mail_admins — ADMINS is unset) would
# otherwise keep writing beside these. No logger is exempt: the development SMS sink
# (YISHI_SMS_DESTINATION=log) writes through yishi.people.services and the outbox's log
# adapter, which print the code in full and the phone already masked, and the mask leaves a
# 6-digit code alone. A WSGI server's own access log (gunicorn --access-logfile) is configured
# outside Django and is not covered here; uvicorn's (`make run`) is: its loggers are below.
#
# YISHI_LOG_FORMAT: "json" (one object a line: time, level, logger, message, request_id and
# an access line's fields; yishi.core.logjson) or "plain"; production defaults to json, demo
# and development to plain. Every line carries the id of the request it was written for
# (yishi.core.request_id): the request-id filter runs before the mask on every handler.
LOG_FORMAT = env_str("YISHI_LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    from yishi.env import ConfigError

    raise ConfigError(f"YISHI_LOG_FORMAT={LOG_FORMAT!r} must be 'json' or 'plain'")
_LOG_FILTERS = ["request_id", "mask_personal_data"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "yishi.core.request_id.RequestIdFilter"},
        "mask_personal_data": {"()": "yishi.core.logmask.PersonalDataMaskFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s [%(request_id)s]"},
        "json": {
            "()": "yishi.core.logjson.MaskedJsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": _LOG_FILTERS,
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": _LOG_FILTERS,
        },
    },
    "root": {"handlers": ["console"], "level": env_str("YISHI_LOG_LEVEL", "INFO")},
    "loggers": {
        # No handlers of their own: they propagate to the root's masked console.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # uvicorn's own handlers are replaced: its access lines carry paths and query strings.
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The scheduler logs each enqueued run itself (yishi.core.scheduler); APScheduler's own
        # lines ("executed successfully" every 30 s) only when something goes wrong.
        "apscheduler": {"level": "WARNING"},
    },
}

# Production is HTTPS only (`check --deploy` passes: tests/core/test_deploy_settings.py).
# Demo and development serve plain HTTP on loopback, where Secure cookies would never come back.
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    # Load balancers and Prometheus ask over plain HTTP, by the machine's address
    # (yishi.core.probes): /healthz, /readyz and /metrics are never redirected to HTTPS.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every page: scripts, styles, images, fonts and
# fetches from this origin only; no inline script or <style>, no style="" attribute, no eval
# (htmx runs with allowEval off and no indicator styles: hall/_poll.html). Browsers post what
# they block to /csp-report/, which logs it at WARNING (yishi.core.csp_report).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:", MAP_TILE_ORIGIN],  # map tiles (MAP_TILE_URL)
        "connect-src": [CSP_SELF],
        "font-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "report-uri": ["/csp-report/"],
    },
}
# Only when the TLS-terminating proxy sets X-Forwarded-Proto on every request (and drops a
# client's own): otherwise a client could claim HTTPS.
if env_bool("YISHI_PROXY_SETS_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- uploads and idempotency ---
# Largest accepted material upload (scans, photos), in bytes; also set the web server's body
# limit (e.g. nginx client_max_body_size) a little above it.
UPLOAD_MAX_BYTES = env_int("YISHI_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Largest request body other than a file upload (JSON, form posts): larger ones get 413.
YISHI_MAX_BODY_BYTES = env_int("YISHI_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = YISHI_MAX_BODY_BYTES
# Largest multipart body: the materials page posts one file per material line at once.
YISHI_MAX_MULTIPART_BYTES = env_int("YISHI_MAX_MULTIPART_BYTES", 8 * UPLOAD_MAX_BYTES + 1024 * 1024)
# Largest image, in pixels, the platform accepts as a material or decodes for recognition
# (a 60000×60000 PNG is a few hundred KB on disk and 10 GB decoded).
YISHI_MAX_IMAGE_PIXELS = env_int("YISHI_MAX_IMAGE_PIXELS", 40_000_000)
# How long a stored Idempotency-Key outcome is replayed before `purge_idempotency` drops it.
IDEMPOTENCY_TTL_HOURS = env_int("YISHI_IDEMPOTENCY_TTL_HOURS", 24)

# --- applicant accounts and single sign-on ---
# Applicants log in locally (phone + password or SMS code) by default; YISHI_AUTH=oidc hands
# login to the province's unified identity (OpenID Connect) and turns the local backends off.
# Staff keep Django's ModelBackend either way (the back-office login).
SMS_DESTINATION = env_str("YISHI_SMS_DESTINATION", "log")  # outbox destination of SMS codes
if PRODUCTION and not SMS_DESTINATION.startswith("http:"):
    from yishi.env import ConfigError

    # The console is for development and demo: in production codes would end up in a log.
    raise ConfigError(
        f"YISHI_SMS_DESTINATION={SMS_DESTINATION!r}: production (YISHI_DEBUG=false, "
        "YISHI_DEMO=false) needs an SMS gateway, 'http:<name>' in YISHI_OUTBOX_ENDPOINTS"
    )
# Outbox destination of 免申即享 payment lists (the paying system).
YISHI_PAYMENT_PUSH_DESTINATION = env_str("YISHI_PAYMENT_PUSH_DESTINATION", "log")

# Service hall: how much earlier a green-channel / on-time appointment ticket counts as having
# arrived (the largest is the fairness bound), how late a booking may check in and keep its
# priority, recalls before a no-show, and the no-show limit on booking.
YISHI_HALL_GREEN_BONUS_MINUTES = env_int("YISHI_HALL_GREEN_BONUS_MINUTES", 30)
YISHI_HALL_APPOINTMENT_BONUS_MINUTES = env_int("YISHI_HALL_APPOINTMENT_BONUS_MINUTES", 15)
YISHI_HALL_APPOINTMENT_GRACE_MINUTES = env_int("YISHI_HALL_APPOINTMENT_GRACE_MINUTES", 10)
YISHI_HALL_MAX_RECALLS = env_int("YISHI_HALL_MAX_RECALLS", 3)
YISHI_APPOINTMENT_NO_SHOW_LIMIT = env_int("YISHI_APPOINTMENT_NO_SHOW_LIMIT", 3)
YISHI_APPOINTMENT_BLOCK_DAYS = env_int("YISHI_APPOINTMENT_BLOCK_DAYS", 30)
# Open tickets one phone (session) / one API caller (address) may hold at an outlet per day.
YISHI_HALL_TICKETS_PER_PHONE = env_int("YISHI_HALL_TICKETS_PER_PHONE", 3)
YISHI_HALL_TICKETS_PER_API_CLIENT = env_int("YISHI_HALL_TICKETS_PER_API_CLIENT", 200)
SMS_CODE_TTL_SECONDS = env_int("YISHI_SMS_CODE_TTL_SECONDS", 300)
SMS_RESEND_SECONDS = env_int("YISHI_SMS_RESEND_SECONDS", 60)
SMS_MAX_ATTEMPTS = env_int("YISHI_SMS_MAX_ATTEMPTS", 5)
# Codes (sent or not: an unknown phone gets a pretend send) per phone / per client address an hour.
SMS_MAX_PER_PHONE_HOUR = env_int("YISHI_SMS_MAX_PER_PHONE_HOUR", 5)
SMS_MAX_PER_ADDRESS_HOUR = env_int("YISHI_SMS_MAX_PER_ADDRESS_HOUR", 20)
LOGIN_MAX_FAILURES = env_int("YISHI_LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("YISHI_LOGIN_FAILURE_WINDOW_SECONDS", 900)

YISHI_AUTH = env_str("YISHI_AUTH", "local").strip().lower()
if YISHI_AUTH not in {"local", "oidc"}:
    from yishi.env import ConfigError

    raise ConfigError(f"YISHI_AUTH={YISHI_AUTH!r} must be 'local' or 'oidc'")

# First: axes refuses a locked-out staff sign-in before any backend checks a password.
AUTHENTICATION_BACKENDS = [
    "yishi.core.lockout.SignInLockoutBackend",
    "yishi.core.auth.ModelBackend",
]
# Staff sign-in lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords lock the username
# (from any address), STAFF_ADDRESS_MAX_FAILURES wrong passwords for any usernames lock the
# address, for AXES_COOLOFF_TIME (yishi.core.lockout.SignInLockoutHandler: the address rule is
# looser, an office shares one NAT address). Applicants (phone) are not counted here:
# yishi.core.lockout.not_a_staff_sign_in, and LOGIN_MAX_FAILURES per phone.
AXES_FAILURE_LIMIT = env_int("YISHI_STAFF_LOGIN_MAX_FAILURES", 5)
STAFF_ADDRESS_MAX_FAILURES = env_int("YISHI_STAFF_ADDRESS_MAX_FAILURES", 30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("YISHI_STAFF_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "yishi.core.lockout.SignInLockoutHandler"
AXES_WHITELIST_CALLABLE = "yishi.core.lockout.not_a_staff_sign_in"
AXES_LOCKOUT_CALLABLE = "yishi.core.lockout.lockout_response"
# Successful sign-ins are not logged by axes (a row per sign-in; the audit log keeps what
# matters); failures are, in AccessAttempt, for the lockout.
AXES_DISABLE_ACCESS_LOG = True
# Claim names of the province IdP's userinfo (configurable: IdPs differ).
OIDC_CLAIM_ID_NUMBER = env_str("YISHI_OIDC_CLAIM_ID_NUMBER", "id_card_number")
OIDC_CLAIM_NAME = env_str("YISHI_OIDC_CLAIM_NAME", "name")
OIDC_CLAIM_PHONE = env_str("YISHI_OIDC_CLAIM_PHONE", "phone_number")
if YISHI_AUTH == "oidc":
    INSTALLED_APPS += ["mozilla_django_oidc"]
    AUTHENTICATION_BACKENDS += ["yishi.people.oidc.ProvinceOIDCBackend"]
    OIDC_RP_CLIENT_ID = env_str("YISHI_OIDC_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env_secret("YISHI_OIDC_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("YISHI_OIDC_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("YISHI_OIDC_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("YISHI_OIDC_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("YISHI_OIDC_JWKS_ENDPOINT", "") or None
    OIDC_RP_SIGN_ALGO = env_str("YISHI_OIDC_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env_str("YISHI_OIDC_SCOPES", "openid profile")
    OIDC_CREATE_USER = True
    OIDC_TIMEOUT = env_int("YISHI_OIDC_TIMEOUT", 10)
    # The OIDC views live in the "account" URL namespace (yishi.portal.account_urls).
    OIDC_AUTHENTICATION_CALLBACK_URL = "account:oidc_authentication_callback"
    LOGIN_REDIRECT_URL = "/account/"
    LOGIN_REDIRECT_URL_FAILURE = "/account/login/?sso=failed"
    LOGOUT_REDIRECT_URL = "/"
else:
    AUTHENTICATION_BACKENDS += [
        "yishi.people.auth.PhonePasswordBackend",
        "yishi.people.auth.SmsCodeBackend",
    ]

# --- staff second factor (django-otp; yishi.workbench.second_factor) ---
# The name authenticator apps show beside the account; STAFF_SECOND_FACTOR_REQUIRED (above)
# decides whether staff must enrol.
OTP_TOTP_ISSUER = SITE_NAME
