"""Settings for yishi. Every knob is an environment variable read through yishi.env."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from yishi.env import env_bool, env_int, env_json_file, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("YISHI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("YISHI_DEBUG", True)

# Development keys are fixed and public on purpose: production must set its own.
_DEV = "insecure-development-only"
SECRET_KEY = env_secret(
    "YISHI_SECRET_KEY", _DEV + "-django-secret-key-0123456789abcdef" if DEBUG else None
)
# SM4 key (32 hex chars = 128 bits) for personal fields at rest, and the HMAC-SM3 key for
# their search index. Rotation: add the new key first in YISHI_FIELD_KEYS (id:hex,...).
FIELD_KEYS = env_list("YISHI_FIELD_KEYS", ["k1:00112233445566778899aabbccddeeff"] if DEBUG else [])
INDEX_KEY = env_secret("YISHI_INDEX_KEY", "dev-index-key-0123456789abcdef" if DEBUG else None)

ALLOWED_HOSTS = env_list("YISHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("YISHI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "yishi.portal",
    "yishi.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yishi.core.middleware.ApiProblemMiddleware",
    "yishi.core.middleware.CalendarScopeMiddleware",
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
        DATABASE_URL, conn_max_age=env_int("YISHI_DB_CONN_MAX_AGE", 60)
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/admin/login/"
# Django's database sessions, read with a precompiled statement (yishi.core.sessions).
SESSION_ENGINE = "yishi.core.sessions"

# Background work: django-tasks with the database backend by default. Set
# YISHI_TASK_BACKEND=immediate to run tasks inline (tests), or a Celery backend at scale.
TASK_BACKEND = env_str("YISHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
if TASK_BACKEND == "immediate":
    TASK_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"
TASKS = {"default": {"BACKEND": TASK_BACKEND}}

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
# E-licences: the public address printed in QR codes, and where issued/revoked licences go.
YISHI_PUBLIC_URL = env_str("YISHI_PUBLIC_URL", "http://127.0.0.1:8000")
YISHI_LICENCE_PUSH_DESTINATION = env_str("YISHI_LICENCE_PUSH_DESTINATION", "log")
# Smart recognition (OCR): onnxruntime threads per recognition (one keeps a busy host usable).
OCR_THREADS = env_int("YISHI_OCR_THREADS", 1)

# The district this deployment serves (GB/T 2260 code) and its display name.
DISTRICT_CODE = env_str("YISHI_DISTRICT_CODE", "420702")
SITE_NAME = env_str("YISHI_SITE_NAME", "梁子湖区政务服务")

# Map tiles for the digital map (天地图 in production; key in the URL).
MAP_TILE_URL = env_str("YISHI_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# Font used for PDFs (one-time notices, licences): a CJK font file; the default comes from
# the noto-cjk-sans-otc package so no system font is needed.
PDF_FONT_PATH = env_str("YISHI_PDF_FONT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("YISHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("YISHI_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- uploads and idempotency ---
# Largest accepted material upload (scans, photos), in bytes; also set the web server's body
# limit (e.g. nginx client_max_body_size) a little above it.
UPLOAD_MAX_BYTES = env_int("YISHI_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# How long a stored Idempotency-Key outcome is replayed before `purge_idempotency` drops it.
IDEMPOTENCY_TTL_HOURS = env_int("YISHI_IDEMPOTENCY_TTL_HOURS", 24)

# --- applicant accounts and single sign-on ---
# Applicants log in locally (phone + password or SMS code) by default; YISHI_AUTH=oidc hands
# login to the province's unified identity (OpenID Connect) and turns the local backends off.
# Staff keep Django's ModelBackend either way (the back-office login).
SMS_DESTINATION = env_str("YISHI_SMS_DESTINATION", "log")  # outbox destination of SMS codes
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
LOGIN_MAX_FAILURES = env_int("YISHI_LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("YISHI_LOGIN_FAILURE_WINDOW_SECONDS", 900)

YISHI_AUTH = env_str("YISHI_AUTH", "local").strip().lower()
if YISHI_AUTH not in {"local", "oidc"}:
    from yishi.env import ConfigError

    raise ConfigError(f"YISHI_AUTH={YISHI_AUTH!r} must be 'local' or 'oidc'")

AUTHENTICATION_BACKENDS = ["yishi.core.auth.ModelBackend"]
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
