"""gunicorn's access log without calendar feed tokens (``gunicorn.conf.py``: ``logger_class``).
Kept apart from the Django modules, which never import gunicorn."""

from __future__ import annotations

from gunicorn.glogging import Logger

from roombooking.logredact import redact

_URL_ATOMS = ("r", "U", "f")  # request line, path, referer


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _URL_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        for key, value in atoms.items():  # request headers ({referer}i and the like)
            if key.startswith("{") and isinstance(value, str) and "/calendars/" in value:
                atoms[key] = redact(value)
        return atoms
