"""Request-level limits: body size and sign-in attempts.

- A body larger than ``API_MAX_BODY_BYTES`` is refused with 413 before any view reads it.
- After ``LOGIN_MAX_FAILURES`` failed sign-ins for one username from one address within
  ``LOGIN_LOCKOUT_SECONDS``, the admin and browsable-API login pages answer 429 with
  ``Retry-After`` until the window passes. Counters live in the cache; if it is down, sign-in
  still works (and the failure is logged).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from roombooking.errors import json_error

logger = logging.getLogger(__name__)

LOGIN_PATHS = ("/admin/login/", "/api-auth/login/")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        too_big = self._body_too_large(request)
        if too_big is not None:
            return too_big
        if request.method == "POST" and request.path in LOGIN_PATHS:
            locked = _lockout_remaining(request, request.POST.get("username", ""))
            if locked:
                response = json_error(
                    request,
                    429,
                    "Too many failed sign-ins; try again later.",
                    code="login_throttled",
                )
                response["Retry-After"] = str(locked)
                return response
        return self.get_response(request)

    @staticmethod
    def _body_too_large(request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(request, 400, "Invalid Content-Length header.")
        if length > settings.API_MAX_BODY_BYTES:
            return json_error(
                request,
                413,
                f"The request body is {length} bytes; the limit is "
                f"{settings.API_MAX_BODY_BYTES} bytes.",
                code="request_too_large",
            )
        return None


def _key(request: HttpRequest | None, username: str) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    digest = hashlib.sha256(f"{address}|{username.lower()}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def _lockout_remaining(request: HttpRequest, username: str) -> int:
    try:
        failures = cache.get(_key(request, username), 0)
    except Exception as exc:
        logger.warning("login throttle cache unavailable: %s", exc)
        return 0
    return settings.LOGIN_LOCKOUT_SECONDS if failures >= settings.LOGIN_MAX_FAILURES else 0


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    key = _key(request, str(credentials.get("username", "")))
    try:
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        cache.incr(key)
    except Exception as exc:
        logger.warning("login throttle cache unavailable: %s", exc)


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs) -> None:
    try:
        cache.delete(_key(request, user.get_username()))
    except Exception as exc:
        logger.warning("login throttle cache unavailable: %s", exc)
