"""/health/status components of the notification app (registered in apps.py).

Neither makes the web app unready: bookings keep working while emails wait in the outbox.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.notification import selectors
from roombooking.health import DEGRADED, UP


def outbox_check() -> dict[str, Any]:
    backlog = selectors.outbox_backlog()
    # Behind when rows wait longer than the re-enqueue sweep should take to hand them over.
    behind = backlog["oldestPendingAgeSeconds"] > 2 * settings.NOTIFICATION_REQUEUE_AFTER
    return {"status": DEGRADED if behind else UP, **backlog}


def smtp_breaker_check() -> dict[str, Any]:
    states = selectors.smtp_breaker_states()
    if not states:
        return {"status": UP, "state": "closed", "detail": "no worker has reported a change"}
    latest = states[0]
    opened = [s.worker for s in states if s.state != "closed"]
    return {
        "status": UP if latest.state == "closed" else DEGRADED,
        "state": latest.state,
        "changedAt": latest.changed_at.isoformat(),
        "workersNotClosed": opened,
    }
