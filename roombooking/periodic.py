"""Periodic tasks run once per period, even if two schedulers (beat) run by mistake.

``@once_per_period(seconds)`` lets a call through only if no call of the same task went through
in the last ``seconds * 0.8`` (a margin for two schedulers whose clocks tick slightly apart). The
check and the claim are one conditional UPDATE, so two workers can never both win.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from roombooking.models import PeriodicRun

logger = logging.getLogger(__name__)

MARGIN = 0.8


def claim_period(name: str, seconds: float) -> bool:
    """True if this caller may run ``name`` now (and it is recorded as having run)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=seconds * MARGIN)
    if PeriodicRun.objects.filter(name=name, last_run__lte=cutoff).update(last_run=now):
        return True
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=name, last_run=now)
    except IntegrityError:
        return False  # it exists and ran recently (or a concurrent caller just created it)
    return True


def once_per_period(seconds: float):
    def decorate(func):
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not claim_period(name, seconds):
                logger.info("%s already ran in this period; skipped", name)
                return None
            return func(*args, **kwargs)

        return wrapper

    return decorate
