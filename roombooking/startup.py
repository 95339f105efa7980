"""Turning configuration mistakes into one line that names the variable to fix."""

from __future__ import annotations

from django.db import OperationalError

from roombooking.config import ConfigError


def explain_startup_failure(exc: BaseException) -> str | None:
    """A one-line explanation for a configuration problem, or None for any other error."""
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, OperationalError) and _database_unreachable():
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"DATABASE_URL: cannot connect to the database ({reason})"
    return None


def _database_unreachable() -> bool:
    from django.db import connection

    try:
        connection.close()
        connection.ensure_connection()
    except OperationalError:
        return True
    return False
