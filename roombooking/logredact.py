"""Secrets in URLs kept out of the logs: a calendar feed's URL (``/calendars/<token>.ics``) is
its only credential, and Django logs the path of every 4xx/5xx response (``django.request``), the
web server every request line. Both pass through ``redact``."""

from __future__ import annotations

import logging
import re

_FEED_PATH = re.compile(r"(/calendars/)[^/\s'\"?#]+")
REDACTED = r"\1<redacted>"


def redact(text: str) -> str:
    return _FEED_PATH.sub(REDACTED, text)


class RedactFeedTokensFilter(logging.Filter):
    """Rewrites a record whose message or ``request`` (an extra of ``django.request``, which JSON
    formatters print) names a feed URL. Records without one pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/calendars/" in message:
            record.msg, record.args = redact(message), None
        request = getattr(record, "request", None)
        if request is not None and "/calendars/" in getattr(request, "path", ""):
            record.request = redact(str(request))  # its repr names the path
        return True
