"""The exchange's settings: our region, our SM2 key, the protocol's windows.

Each is read from settings (``EXCHANGE_<NAME>``, or ``YISHI_EXCHANGE_<NAME>``), then from the
environment variable ``YISHI_EXCHANGE_<NAME>``, then the default below, so that a second
instance (``make partner``) can be configured through its environment alone.

Test keys: docs/exchange/test-keys/ holds public, committed SM2 key pairs for the demo regions.
They are refused in production (DEBUG and DEMO both off) unless EXCHANGE_ALLOW_TEST_KEYS says
otherwise; a refused key stops sending and receiving with a clear message.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from tongsuopy.crypto import serialization

from yishi.core.crypto import sm3_hex
from yishi.keys import PROJECT_DIR

DOCS_DIR = PROJECT_DIR / "docs" / "exchange"
SCHEMA_DIR = DOCS_DIR / "schemas"
TEST_KEY_DIR = DOCS_DIR / "test-keys"
KEY_FILE_NAME = "YISHI_EXCHANGE_SM2_KEY"  # our private key in the key folder (PKCS#8 PEM)
INBOX_PATH = "/api/v1/exchange/inbox"
CALENDAR_PATH = "/api/v1/calendar/days"

DEFAULTS: dict[str, Any] = {
    "REGION": "420702",
    "REGION_NAME": "鄂州市梁子湖区",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "FRESHNESS_SECONDS": 600,
    "NONCE_HOURS": 24,
    "CALENDAR_CACHE_SECONDS": 86400,
    "HTTP_TIMEOUT": 10,
}


def _get(name: str) -> Any:
    for attr in (f"EXCHANGE_{name}", f"YISHI_EXCHANGE_{name}"):
        if hasattr(settings, attr):
            return getattr(settings, attr)
    value = os.environ.get(f"YISHI_EXCHANGE_{name}")
    if value not in (None, ""):
        return value
    return DEFAULTS.get(name)


def region() -> str:
    return str(_get("REGION"))


def region_name() -> str:
    return str(_get("REGION_NAME"))


def public_url() -> str:
    return str(_get("PUBLIC_URL")).rstrip("/")


def freshness_seconds() -> int:
    return int(_get("FRESHNESS_SECONDS"))


def nonce_hours() -> int:
    return int(_get("NONCE_HOURS"))


def calendar_cache_seconds() -> int:
    return int(_get("CALENDAR_CACHE_SECONDS"))


def http_timeout() -> float:
    return float(_get("HTTP_TIMEOUT"))


def allow_test_keys() -> bool:
    value = _get("ALLOW_TEST_KEYS")
    if value is None:
        return not getattr(settings, "PRODUCTION", False)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def public_key_fingerprint(public_pem: str) -> str:
    """SM3 of the key's SubjectPublicKeyInfo DER: the same on every platform."""
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return sm3_hex(der)


@lru_cache(maxsize=1)
def test_key_fingerprints() -> frozenset[str]:
    return frozenset(
        public_key_fingerprint(path.read_text("ascii"))
        for path in TEST_KEY_DIR.glob("*-TEST-public.pem")
    )


def is_test_key(public_pem: str) -> bool:
    try:
        return public_key_fingerprint(public_pem) in test_key_fingerprints()
    except (ValueError, TypeError):
        return False


class ExchangeKeyMissing(ImproperlyConfigured):
    """No SM2 key of ours is configured: the exchange is not set up here (nothing is sent or
    accepted until it is)."""


def _private_pem_source() -> tuple[str, str]:
    """(PEM, where it came from): EXCHANGE_PRIVATE_KEY, the file EXCHANGE_PRIVATE_KEY_FILE,
    the key folder's YISHI_EXCHANGE_SM2_KEY, else (outside production) our test key."""
    pem = _get("PRIVATE_KEY")
    if pem:
        return str(pem), "EXCHANGE_PRIVATE_KEY"
    path = _get("PRIVATE_KEY_FILE")
    if path:
        return Path(path).read_text("ascii"), str(path)
    key_dir = Path(getattr(settings, "KEY_DIR", PROJECT_DIR / "var" / "keys"))
    if (key_dir / KEY_FILE_NAME).exists():
        return (key_dir / KEY_FILE_NAME).read_text("ascii"), str(key_dir / KEY_FILE_NAME)
    test = TEST_KEY_DIR / f"{region()}-TEST-private.pem"
    if test.exists() and allow_test_keys():
        return test.read_text("ascii"), str(test)
    raise ExchangeKeyMissing(
        f"跨域通办：没有本地区（{region()}）的 SM2 私钥；请设置 YISHI_EXCHANGE_PRIVATE_KEY_FILE "
        f"或执行 python -m yishi exchange_keygen 在密钥目录生成 {KEY_FILE_NAME}"
    )


@lru_cache(maxsize=4)
def _load_private(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None)


def private_key() -> Any:
    """Our SM2 private key; a test key is refused where test keys are not allowed."""
    pem, source = _private_pem_source()
    key = _load_private(pem)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    if not allow_test_keys() and is_test_key(public_pem):
        raise ImproperlyConfigured(
            f"跨域通办：{source} 是公开的测试密钥，生产环境不得使用（EXCHANGE_ALLOW_TEST_KEYS）"
        )
    return key


def public_key_pem() -> str:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
