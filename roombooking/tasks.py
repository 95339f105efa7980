from __future__ import annotations

import socket

from celery import shared_task
from django.utils import timezone

from roombooking.periodic import once_per_period


@shared_task(name="roombooking.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat(nonce: str = "") -> None:
    """Beat runs this every 30 s; /health/status reports how long ago a worker last did."""
    from roombooking.models import WorkerHeartbeat

    defaults = {"last_seen": timezone.now()}
    if nonce:  # a caller waiting for its own nonce must not have it overwritten by a plain beat
        defaults["nonce"] = nonce
    WorkerHeartbeat.objects.update_or_create(
        hostname=record_worker_heartbeat.request.hostname or socket.gethostname(),
        defaults=defaults,
    )


@shared_task(name="roombooking.tasks.purge_expired_idempotency_keys", ignore_result=True)
@once_per_period(3600)
def purge_expired_idempotency_keys() -> int:
    from roombooking.idempotency import purge_expired

    return purge_expired()
