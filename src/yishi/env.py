"""Typed readers for settings from the environment: a bad value fails loudly at start-up."""

from __future__ import annotations

import json
import os
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None, key_dir: Path | None = None) -> str:
    """A secret from the file named by NAME_FILE, from NAME, or from the file NAME in the key
    folder (yishi.keys), in that order; else the default."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name)
    if value:
        return value
    if key_dir is not None and (key_dir / name).exists():
        value = (key_dir / name).read_text(encoding="utf-8").strip()
        if not value:
            raise ConfigError(f"key file {key_dir / name} is empty")
        return value
    if default is None:
        if key_dir is None:
            raise ConfigError(f"environment variable {name} is required")
        raise ConfigError(
            f"environment variable {name} is required, or the key file {key_dir / name}: "
            "`python -m yishi.keys` generates the missing key files"
        )
    return default


def env_json_file(name: str, default: dict) -> dict:
    """A JSON object from the file named by NAME_FILE (it may hold secrets), or the default."""
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return default
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{name}_FILE={path!r} is not a readable JSON file: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"{name}_FILE={path!r} must hold a JSON object")
    return value
