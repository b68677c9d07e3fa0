"""Where stored files live: local files under MEDIA_ROOT by default, an S3-compatible object
store when YISHI_STORAGE_URL is set, so that several app machines see the same files.

    YISHI_STORAGE_URL=s3://bucket?endpoint_url=http://127.0.0.1:9000&region_name=cn-north-1
        &addressing_style=path

Credentials come from the URL's user:password or, when it has none, from boto3's own chain
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role). Every object is
private: no public ACL and no presigned or public URL ever leaves the platform. A stored
file's `.url` is our own /media/<name> route; only the public prefixes (`PUBLIC_PREFIXES`) are
served there, read from the storage (`public_media`); personal files reach their owners only
through the file routes that ask the access policy and stream `storage.open()`.

Code that touches stored files goes through the storage API (`open`, `save`, `exists`,
`delete`, `listdir`), never through `.path` or MEDIA_ROOT, so both kinds work.

No Django import at module level: the settings call `storage_backend` while they load.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "yishi.core.s3.PrivateS3Storage"
# Public files: the admin's blank forms and samples of a matter, a hall's photos.
PUBLIC_PREFIXES = ("catalog/forms/", "catalog/samples/", "hall/photos/")

# The S3Storage options a URL may set in its query (all strings, as boto3 takes them).
_QUERY_OPTIONS = {
    "endpoint_url",
    "region_name",
    "addressing_style",
    "signature_version",
    "location",
    "verify",
    "use_ssl",
    "max_memory_size",
}
_BOOL_OPTIONS = {"use_ssl"}
_INT_OPTIONS = {"max_memory_size"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def storage_options(url: str) -> dict[str, Any]:
    """django-storages S3Storage OPTIONS parsed from an s3:// URL; ValueError when it is not
    one or names an option we do not know (a typo must not silently fall back to a default)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ValueError(f"YISHI_STORAGE_URL must look like s3://bucket?..., not {url!r}")
    options: dict[str, Any] = {
        "bucket_name": parts.hostname,
        # Private objects: the bucket's own policy decides, and nothing is public.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    for name, value in parse_qsl(parts.query, keep_blank_values=False, strict_parsing=False):
        if name not in _QUERY_OPTIONS:
            raise ValueError(f"YISHI_STORAGE_URL: unknown option {name!r}")
        if name == "verify":
            # false: no certificate check (a test emulator); true: boto3's bundle; else a path
            lowered = value.lower()
            options[name] = False if lowered in _FALSE else None if lowered in _TRUE else value
        elif name in _BOOL_OPTIONS:
            options[name] = value.lower() in _TRUE
        elif name in _INT_OPTIONS:
            options[name] = int(value)
        else:
            options[name] = value
    return options


def storage_backend(url: str) -> dict[str, Any]:
    """The STORAGES["default"] entry for YISHI_STORAGE_URL ("" means local files)."""
    if not url:
        return {"BACKEND": LOCAL_BACKEND}
    return {"BACKEND": S3_BACKEND, "OPTIONS": storage_options(url)}


def is_public(name: str) -> bool:
    """True for a stored name under a public prefix, without tricks (.., absolute, empty)."""
    if not name or name.startswith("/") or "\\" in name:
        return False
    if any(part in ("", ".", "..") for part in name.split("/")):
        return False
    return name.startswith(PUBLIC_PREFIXES)


def walk(storage: Any, top: str = "") -> list[str]:
    """Every file name in `storage` under `top`, sorted: local folders and S3 prefixes alike."""
    names: list[str] = []
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        prefix = f"{folder}/" if folder else ""
        names.extend(prefix + f for f in files)
        pending.extend(prefix + d for d in dirs)
    return sorted(names)
