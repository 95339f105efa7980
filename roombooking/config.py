"""Reading configuration from the environment (12-factor).

Every setting the project reads from the environment goes through this module, so that a bad value
stops start-up with one line naming the variable (see ``manage.py``), never a traceback.
"""

from __future__ import annotations

import warnings
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgres",
}


class ConfigError(ImproperlyConfigured):
    """A configuration variable is missing or malformed; the message starts with its name."""


def _read(name: str, cast: Any, default: Any) -> Any:
    try:
        return env.get_value(name, cast=cast, default=default)
    except (ValueError, TypeError, ImproperlyConfigured) as exc:
        raise ConfigError(f"{name}: {exc}") from None


def text(name: str, default: Any = environ.Env.NOTSET) -> str:
    return _read(name, str, default)


def boolean(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    return raw.lower() in {"1", "true", "yes", "on"}


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _read(name, int, default)
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def optional_integer(name: str, default: int, *, minimum: int | None = None) -> int | None:
    """``integer``, or None when the variable says ``off``."""
    if env.str(name, default="").strip().lower() == "off":
        return None
    return integer(name, default, minimum=minimum)


def string_list(name: str, default: list[str]) -> list[str]:
    return [item for item in _read(name, list, default) if item]


def database(name: str, default: str) -> dict[str, Any]:
    url = env.str(name, default=default)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # environ warns on unknown schemes; we raise instead
        try:
            config = env.db_url_config(url)
        except Exception as exc:  # environ raises assorted errors on malformed URLs
            raise ConfigError(f"{name}: cannot parse {url!r} ({exc})") from None
    if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES:
        raise ConfigError(
            f"{name}: unsupported database URL {url!r}; use sqlite:///path or "
            "postgres://user:password@host:port/name"
        )
    if not config.get("NAME"):
        raise ConfigError(f"{name}: the URL {url!r} names no database")
    return config


def database_vendor(config: dict[str, Any]) -> str:
    return SUPPORTED_DATABASE_ENGINES[config["ENGINE"]]
