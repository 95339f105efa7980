"""The Celery application: ``celery -A roombooking worker --beat``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")

app = Celery("roombooking")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
