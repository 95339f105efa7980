"""The Celery application: ``celery -A roombooking worker --beat``."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from celery import Celery
from celery.signals import worker_ready

from roombooking import requestid  # noqa: F401  (carries request ids into tasks)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")


class DjangoCelerySettings(Mapping):
    """Django's ``CELERY_*`` settings, copied into a dict when Celery loads its configuration
    (on first use, after Django's settings). Celery reads ``django.conf:settings`` otherwise
    through an attribute lookup on Django's lazy settings, a miss for every default, about thirty
    per published task: a tenth of a publish's CPU (docs/performance.md). Settings are read once
    per process either way; a test that changes one sets ``app.conf``."""

    def __init__(self) -> None:
        self._copy: dict | None = None

    def _settings(self) -> dict:
        if self._copy is None:
            from django.conf import settings

            self._copy = {n: getattr(settings, n) for n in dir(settings) if n.startswith("CELERY_")}
        return self._copy

    def __getitem__(self, key: str):
        return self._settings()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settings())

    def __len__(self) -> int:
        return len(self._settings())


app = Celery("roombooking")
app.config_from_object(DjangoCelerySettings(), namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _report_ready(sender, **kwargs) -> None:
    """Report a heartbeat as soon as a worker starts, not only at beat's first tick."""
    from roombooking.tasks import record_worker_heartbeat

    record_worker_heartbeat.delay()
