"""``Idempotency-Key`` support for unsafe API calls (POST /bookings, PATCH /confirms/{id}).

A retry with the same key and the same body gets the original answer (status, body, Location)
with ``Idempotent-Replayed: true`` and changes nothing; the same key with a different body is a 422.
The key row is inserted in the same transaction as the change it guards, so concurrent requests
with one key are serialized by the database's unique index: one runs, the others wait for its
commit and then replay its answer. Keys expire after ``IDEMPOTENCY_KEY_TTL`` seconds.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from roombooking.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location",)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retry with the same key and body gets the first "
    "answer again and changes nothing; the same key with another body is a 422. Kept a day.",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = f"This {HEADER} was already used with a different request body."
    default_code = "idempotency_key_reused"


def idempotent(handler):
    """Decorate a DRF view handler (``create``, ``partial_update``) to honour the header."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        _validate(key)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            replay = _claim(request.user, key, fingerprint)
            if replay is not None:
                return replay
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)  # re-raises anything that is not a 4xx
            if response.status_code >= 500 or response.status_code == 429:
                transaction.set_rollback(True)  # not an answer worth replaying
                return response
            IdempotencyKey.objects.filter(user=request.user, key=key).update(
                response_status=response.status_code,
                response_body=json.dumps(response.data, cls=DjangoJSONEncoder),
                response_headers={h: response[h] for h in KEPT_HEADERS if h in response},
            )
        return response

    return wrapper


def _validate(key: str) -> None:
    if not key or len(key) > 255 or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: ["Must be 1 to 255 printable characters, e.g. a UUID."]}
        )


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _claim(user, key: str, fingerprint: str) -> Response | None:
    """Insert the key (this request runs) or return the stored answer (this request replays)."""
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not break the outer block
            IdempotencyKey.objects.create(
                user=user,
                key=key,
                fingerprint=fingerprint,
                response_status=0,  # filled in when the handler has answered
                expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL),
            )
        return None
    except IntegrityError:
        # Another request with this key committed first (the unique index made us wait for it).
        stored = IdempotencyKey.objects.get(user=user, key=key)
    if stored.fingerprint != fingerprint:
        raise KeyReused()
    body = json.loads(stored.response_body) if stored.response_body else None
    response = Response(body, status=stored.response_status)
    for name, value in stored.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def purge_expired() -> int:
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
