"""The Celery application: ``celery -A roombooking worker --beat``."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready

from roombooking import requestid  # noqa: F401  (carries request ids into tasks)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")

app = Celery("roombooking")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _report_ready(sender, **kwargs) -> None:
    """Report a heartbeat as soon as a worker starts, not only at beat's first tick."""
    from roombooking.tasks import record_worker_heartbeat

    record_worker_heartbeat.delay()
