"""Handing outbox rows to the broker after commit, without ever blocking or failing a request.

Celery's publish can hang when the broker is down or paused (celery issues 4296, 4556, 6046: the
connect step ignores the publish retry policy, a paused Redis holds the socket until its timeout).
So the publish runs on a per-process background thread and the caller waits for it at most
``NOTIFICATION_PUBLISH_TIMEOUT_MS``; a circuit breaker skips publishing altogether while the broker
keeps failing. A row that was not handed over stays PENDING and the periodic re-enqueue task
(``requeue_pending_notifications``) hands it over later: an outage only delays delivery.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings

from apps.notification.breaker import Breaker

logger = logging.getLogger(__name__)

publish_breaker = Breaker(
    fail_max=settings.NOTIFICATION_PUBLISH_BREAKER_FAIL_MAX,
    reset_timeout=settings.NOTIFICATION_PUBLISH_BREAKER_RESET,
)
# Rows per delivery task: a booking's cascade writes two or three; more would make one worker
# process send a sweep's emails one after another while the others wait.
IDS_PER_TASK = 8
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_executor_lock = threading.Lock()


def _publisher() -> ThreadPoolExecutor:
    """One publishing thread per process (recreated after a fork)."""
    global _executor, _executor_pid
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify-publish")
            _executor_pid = os.getpid()
        return _executor


def publish_now(notification_ids: Iterable[int]) -> list[int]:
    """Publish delivery tasks for ``notification_ids`` on the calling thread; returns the ids
    published.

    The ids go ``IDS_PER_TASK`` to a task (``deliver_notifications``, each row still claimed,
    sent and retried on its own): a transaction's two or three rows make one message, and a
    sweep's thousand still spread over every worker process. No retry loop (``retry=False``): a
    failure is left to the re-enqueue task. On Redis the messages are the task's kept message
    filled in (``roombooking.broker.KeptTaskMessage``: Celery's own, made once), pushed in one
    command; elsewhere Celery makes them, in one batch (kombu's ``Producer.batch``). A failure
    raises here, and every row of the batch stays pending.
    """
    from apps.notification.tasks import deliver_notifications
    from roombooking.broker import KeptTaskMessage
    from roombooking.celery import app

    ids = list(notification_ids)
    arg_lists = [[ids[start : start + IDS_PER_TASK]] for start in range(0, len(ids), IDS_PER_TASK)]
    kept = KeptTaskMessage.for_task(deliver_notifications)
    if kept is not None:  # a Redis broker: the kept message, filled in, in one command
        kept.publish(arg_lists)
        return ids
    with app.producer_or_acquire() as producer, producer.batch():
        for args in arg_lists:
            deliver_notifications.apply_async(args=args, retry=False, producer=producer)
    return ids


def hand_off(notification_ids: list[int]) -> bool:
    """Publish delivery tasks for ``notification_ids``, waiting at most the publish timeout.

    Never raises. Returns whether the broker took them (False: they wait for the re-enqueue).
    """
    if not notification_ids:
        return True
    if not publish_breaker.allow():
        logger.info("broker circuit open: notifications %s wait for re-enqueue", notification_ids)
        return False
    # In the request's context: the messages carry its request id (roombooking.requestid).
    future = _publisher().submit(contextvars.copy_context().run, publish_now, notification_ids)
    timeout = settings.NOTIFICATION_PUBLISH_TIMEOUT_MS / 1000
    try:
        future.result(timeout=timeout)
    except FutureTimeout:
        # The thread finishes on its own (bounded by the broker socket timeouts); a task it
        # publishes late is harmless, since delivery is idempotent.
        publish_breaker.failure()
        logger.warning("broker publish took over %.1f s; notifications wait", timeout)
        return False
    except Exception as exc:
        publish_breaker.failure()
        logger.warning("broker publish failed (%s); notifications wait", exc)
        return False
    publish_breaker.success()
    return True
