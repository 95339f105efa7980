"""One JSON error shape for every 4xx and 5xx on API paths.

    {"status": 400, "error": "Bad Request", "code": "invalid", "message": "...",
     "errors": {"useStartDtm": ["..."]}, "path": "/bookings"}

``errors`` appears on validation failures and maps each field (API names) to its reasons.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

HTML_PREFIXES = ("/admin/",)


def error_body(
    status_code: int,
    message: str,
    *,
    path: str = "",
    code: str | None = None,
    errors: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status_code,
        "error": HTTPStatus(status_code).phrase,
        "code": code or HTTPStatus(status_code).phrase.lower().replace(" ", "_"),
        "message": message,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    body["path"] = path
    return body


class Conflict(exceptions.APIException):
    """409: the request is valid but collides with the current state (a taken slot, a decision
    already made). Keyword arguments become extra top-level fields of the error body, e.g.
    ``Conflict("Slot taken.", conflicts=[...])`` or ``Conflict("...", currentStatus="DENIED")``."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any):
        super().__init__(detail, code)
        self.extra = extra


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # Services and model clean() raise Django's ValidationError; answer it as a 400.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"nonFieldErrors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service's reason ("Only office staff may ...") reaches the client; none: the default.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: DatabaseUnavailableMiddleware or handler500 answers
    request = context.get("request")
    path = request.path if request is not None else ""
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    extra = getattr(exc, "extra", None) or {}
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(detail, dict):
        message = "Invalid input." if response.status_code == 400 else _first_message(detail)
        body = error_body(
            response.status_code,
            message,
            path=path,
            code=_code(exc, "invalid"),
            errors=_flatten(detail),
            **extra,
        )
    elif isinstance(detail, list):
        body = error_body(
            response.status_code,
            _first_message(detail),
            path=path,
            code=_code(exc, "invalid"),
            errors={"nonFieldErrors": [str(d) for d in detail]},
            **extra,
        )
    else:
        body = error_body(
            response.status_code,
            str(detail),
            path=path,
            code=code if isinstance(code, str) else _code(exc, None),
            **extra,
        )
    response.data = body
    return response


def _code(exc: Exception, default: str | None) -> str | None:
    return getattr(exc, "default_code", None) if default is None else default


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors become dotted field names: {"managers.0": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list) and detail and not all(isinstance(d, str) for d in detail):
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        out[prefix or "nonFieldErrors"] = [str(d) for d in detail]
    else:
        out[prefix or "nonFieldErrors"] = [str(detail)]
    return out


def _first_message(detail: Any) -> str:
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail) if detail else "Error."


def _wants_html(request: HttpRequest) -> bool:
    return request.path.startswith(HTML_PREFIXES)


def json_error(request: HttpRequest, status_code: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(
        error_body(status_code, message, path=request.path, **extra), status=status_code
    )


def not_found(request: HttpRequest, exception: Exception | None = None):
    if _wants_html(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return json_error(request, 404, "Not found.")


def server_error(request: HttpRequest):
    if _wants_html(request):
        from django.views.defaults import server_error as html_server_error

        return html_server_error(request)
    return json_error(request, 500, "Internal server error.")


def permission_denied(request: HttpRequest, exception: Exception | None = None):
    if _wants_html(request):
        from django.views.defaults import permission_denied as html_permission_denied

        return html_permission_denied(request, exception)
    return json_error(request, 403, "You do not have permission to perform this action.")


def bad_request(request: HttpRequest, exception: Exception | None = None):
    if _wants_html(request):
        from django.views.defaults import bad_request as html_bad_request

        return html_bad_request(request, exception)
    return json_error(request, 400, "Bad request.")


class DatabaseUnavailableMiddleware:
    """A lost or unreachable database answers 503 JSON instead of a 500 page.

    The broken connection is closed so that the next request opens a fresh one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        from django.db import connections

        logger.warning(
            "database unavailable during %s %s: %s", request.method, request.path, exception
        )
        for conn in connections.all(initialized_only=True):
            try:
                if conn.connection is not None and not conn.is_usable():
                    conn.close()
            except DatabaseError:
                conn.connection = None
        response = json_error(
            request,
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The database is unavailable; try again shortly.",
            code="database_unavailable",
        )
        response["Retry-After"] = "5"
        return response
