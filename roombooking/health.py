"""Health endpoints. Unauthenticated, JSON, and cheap enough for a probe every few seconds.

- ``/health/live``: the process answers (no I/O).
- ``/health/ready``: the database answers. A broker outage does not make the app unready, since
  bookings work without it (notifications wait in the outbox).
- ``/health/status``: every dependency, including checks that apps register with ``register``.
- ``/actuator/health``: the original's Spring Boot probe path, same answer as ``ready``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

UP, DOWN, DEGRADED = "UP", "DOWN", "DEGRADED"

# name -> function returning {"status": UP|DOWN|DEGRADED, ...details}
_checks: dict[str, Callable[[], dict[str, Any]]] = {}


def register(name: str, check: Callable[[], dict[str, Any]]) -> None:
    """Add a component to /health/status (apps call this from ``AppConfig.ready``)."""
    _checks[name] = check


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a failing check is a DOWN component, never a 500
        logger.warning("health check failed: %s", exc)
        result = {"status": DOWN, "error": str(exc)[:200]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def database_check() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connection.close_if_unusable_or_obsolete()
        return {"status": DOWN, "vendor": connection.vendor, "error": str(exc).strip()[:200]}
    return {"status": UP, "vendor": connection.vendor}


def broker_check() -> dict[str, Any]:
    from roombooking.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return {"status": UP, "transport": settings.BROKER_VENDOR}


def worker_check() -> dict[str, Any]:
    from roombooking.models import WorkerHeartbeat

    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        return {"status": DEGRADED, "detail": "no worker has reported yet"}
    age = (timezone.now() - latest.last_seen).total_seconds()
    state = UP if age < 120 else DEGRADED
    return {"status": state, "lastHeartbeatAgeSeconds": round(age, 1), "hostname": latest.hostname}


register("broker", broker_check)
register("worker", worker_check)


def _answer(status: str, components: dict[str, Any] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"status": status}
    if components is not None:
        body["components"] = components
    return JsonResponse(body, status=503 if status == DOWN else 200)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return _answer(UP)


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    db = _timed(database_check)
    return _answer(db["status"], {"db": db})


@never_cache
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    components = {"db": _timed(database_check)}
    for name, check in _checks.items():
        components[name] = _timed(check)
    if components["db"]["status"] == DOWN:
        overall = DOWN  # only the database makes the service unable to serve
    elif any(c["status"] != UP for c in components.values()):
        overall = DEGRADED
    else:
        overall = UP
    return _answer(overall, components)
