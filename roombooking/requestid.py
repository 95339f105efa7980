"""A request id on every log line, carried from the web request into the Celery tasks it causes.

The id comes from the ``X-Request-ID`` header (a proxy's) or is made here; it is echoed in the
response, attached to every task published while handling the request (a message header), and
restored in the worker while that task runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True


@before_task_publish.connect
def _attach(headers: dict | None = None, **kwargs) -> None:
    if headers is not None and current.get():
        headers["request_id"] = current.get()


@task_prerun.connect
def _restore(task=None, **kwargs) -> None:
    if task is None:
        return
    request_id = getattr(task.request, "request_id", None) or (
        (task.request.headers or {}).get("request_id")
    )
    task.request._request_id_token = current.set(request_id or "")


@task_postrun.connect
def _forget(task=None, **kwargs) -> None:
    token = getattr(task.request, "_request_id_token", None) if task is not None else None
    if token is not None:
        current.reset(token)
