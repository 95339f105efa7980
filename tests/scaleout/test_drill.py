"""The scale-out drill: two web instances (gunicorn, 2 processes each), two Celery workers, one
scheduler and a second scheduler started by mistake, all on one PostgreSQL database and one Redis.
Forty bookers race over both instances while two manager sessions decide and some bookers cancel.

The guarantees must hold as on one process: no double booking, every email sent exactly once,
the booking list in step with bookings and approvals, the periodic sweep once per period."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from apps.booking import services as booking_services
from apps.booking.models import Booking
from apps.bookinglist.models import BookingListRow
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from roombooking.models import PeriodicRun
from tests.factories import UserFactory
from tests.processes import start_beat, start_gunicorn, start_worker, wait_for
from tests.scaleout import workload

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
PERIOD = 2  # seconds between the requeue sweeps (NOTIFICATION_REQUEUE_INTERVAL)
SWEEP = "apps.notification.tasks.requeue_pending_notifications"  # its PeriodicRun name
SENT_TASK = re.compile(r"Sending due task notification-requeue-pending")
TASK_DONE = re.compile(r"notification\.requeue_pending\[[^\]]+\] succeeded in [\d.e-]+s: (\S+)")


def environment(redis_url: str, smtp_port: int) -> dict[str, str]:
    return {
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "NOTIFICATION_REQUEUE_INTERVAL": str(PERIOD),
        # Rows pending for 3 s are handed to the broker again while the first task may still be
        # queued: duplicate tasks for one row, which must still send one email.
        "NOTIFICATION_REQUEUE_AFTER": "3",
    }


class SweepWatcher(threading.Thread):
    """Records every distinct ``last_run`` of the sweep's PeriodicRun row (each one is a run)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: list[dt.datetime] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                last = PeriodicRun.objects.filter(name=SWEEP).values_list("last_run", flat=True)
                if last and (not self.seen or last[0] != self.seen[-1]):
                    self.seen.append(last[0])
                time.sleep(0.05)
        finally:
            connection.close()


def start_cluster(processes, env: dict[str, str]) -> list[str]:
    bases = []
    for name in ("web-a", "web-b"):
        server, base = start_gunicorn(log=processes.log(name), workers=2, threads=5, **env)
        processes.add(name, server)
        bases.append(base)
    worker_args = {
        "worker-1": ["--pool=prefork", "--concurrency=2"],
        "worker-2": ["--pool=solo"],
    }
    for name, args in worker_args.items():
        worker = start_worker(log=processes.log(name), name=name, extra_args=args, **env)
        processes.add(name, worker)

    def workers_ready() -> bool:  # "<name>@<host> ready." once it consumes from the broker
        return all(f"{name}@" in processes.log(name).read_text() and " ready." in
                   processes.log(name).read_text() for name in worker_args)  # fmt: skip

    wait_for(workers_ready, timeout=60, interval=0.2)
    for name in ("beat", "beat-by-mistake"):
        beat = start_beat(log=processes.log(name), schedule=processes.directory / name, **env)
        processes.add(name, beat)
    return bases


def test_two_instances_two_workers_two_schedulers_keep_every_guarantee(
    private_redis, smtp_sink, processes
):
    manager = UserFactory(username="manager", is_staff=True)
    contested = booking_services.create_room(name="Contested", capacity=8, managers=["manager"])
    solo = booking_services.create_room(name="Quiet", capacity=4, managers=["manager"])
    bookers = [UserFactory(username=f"booker{i:02}") for i in range(workload.BOOKERS)]
    tokens = [Token.objects.create(user=u).key for u in bookers]
    manager_token = Token.objects.create(user=manager).key
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=60)
    base_day = dt.datetime(day.year, day.month, day.day, 8, tzinfo=SEOUL)
    plans = workload.plan(base_day, contested.pk, solo.pk)
    tally = workload.Tally()
    watcher = SweepWatcher()

    started = time.monotonic()
    try:
        bases = start_cluster(processes, environment(private_redis.url, smtp_sink.port))
        watcher.start()
        beats_started = time.monotonic()
        startup = beats_started - started

        bookers_done = threading.Event()
        deadline = time.monotonic() + 240
        errors: list[str] = []
        managers = [
            threading.Thread(
                target=_catching(workload.run_manager, errors),
                kwargs=dict(
                    base=base,
                    token=manager_token,
                    tally=tally,
                    bookers_done=bookers_done,
                    deadline=deadline,
                ),
            )  # fmt: skip
            for base in bases
        ]
        for thread in managers:
            thread.start()
        try:
            workload.run_bookers(bases=bases, tokens=tokens, plans=plans, tally=tally)
        finally:
            bookers_done.set()
            for thread in managers:
                thread.join(timeout=300)
        assert not errors, errors
        traffic = time.monotonic() - beats_started

        def all_sent() -> bool:
            rows = Notification.objects.exclude(status="SENT")
            assert not rows.filter(status="FAILED").exists(), list(rows.values()[:3])
            return not rows.exists() and smtp_sink.count() >= Notification.objects.count()

        wait_for(all_sent, timeout=120, interval=0.2)
        drained = time.monotonic() - beats_started
        # Keep both schedulers running for a few more periods: late duplicates would show now.
        time.sleep(max(3 * PERIOD, 8 * PERIOD - (time.monotonic() - beats_started)))
        for name, process in processes.started:
            if name.startswith("beat"):
                process.terminate()
        time.sleep(1)  # the last sweeps sent by the schedulers finish
    except BaseException:
        print(processes.tails())
        raise
    finally:
        watcher.stopping.set()
        if watcher.is_alive():
            watcher.join(5)
        processes.stop_all()
    duration = time.monotonic() - started
    beat_window = duration - startup

    # --- no double booking ------------------------------------------------------------------------
    active = defaultdict(list)
    for booking in Booking.objects.filter(status="BOOKED").order_by("use_start_dtm"):
        active[booking.room_id].append(booking)
    for room_bookings in active.values():
        for earlier, later in zip(room_bookings, room_bookings[1:], strict=False):
            assert earlier.use_end_dtm <= later.use_start_dtm, (earlier.pk, later.pk)

    # --- exactly one 201 per contested slot, every solo booked ------------------------------------
    by_slot = defaultdict(list)
    for attempt in tally.attempts:
        by_slot[(attempt.round, attempt.slot)].append(attempt.status)
    assert len(tally.attempts) == workload.BOOKERS * workload.ROUNDS
    for (rnd, slot), statuses in by_slot.items():
        expected = [201] + [409] * (workload.CONTENDERS - 1) if slot.startswith("g") else [201]
        assert sorted(statuses) == expected, (rnd, slot, statuses)
    created = {a.booking_id for a in tally.attempts if a.status == 201}
    assert set(Booking.objects.values_list("id", flat=True)) == created

    # --- cancellations and decisions ended where the clients were told ----------------------------
    bookings = {b.pk: b for b in Booking.objects.all()}
    for booking_id, status in tally.cancels.items():
        booking = bookings[booking_id]
        assert booking.status == "CANCELLED"
        # 404: a manager's denial cancelled it first
        assert (status, booking.cancel_cause) in {(204, "USER"), (404, "DENIED")}, booking_id
    decided = Counter()
    for booking_id, _decision, status in tally.decisions:
        decided[(booking_id, status)] += 1
        if status == 404:  # cancelled by its booker, or by the other session's denial
            assert bookings[booking_id].status == "CANCELLED", booking_id
    for booking_id, booking in bookings.items():
        decision = workload.decision_for(booking_id)
        if booking.cancel_cause == "USER" and booking_id in tally.cancels:
            continue  # cancelled by its booker, maybe before any decision
        # exactly one manager session won each decision; the other got 409
        assert decided[(booking_id, 200)] == (1 if decision else 0), booking_id
        confirm = Confirm.objects.filter(booking_id=booking_id).first()
        if decision == "DENIED":
            assert booking.status == "CANCELLED" and booking.cancel_cause == "DENIED"
            assert confirm is None
        else:
            assert booking.status == "BOOKED"
            assert confirm.status == (decision or "BOOKED"), booking_id

    # --- the booking list agrees with bookings and approvals --------------------------------------
    call_command("check_bookinglist")  # raises CommandError on any drift from the event log
    rows = {r.booking_id: r for r in BookingListRow.objects.all()}
    assert set(rows) == set(bookings)
    for booking_id, booking in bookings.items():
        row = rows[booking_id]
        assert (row.booking_status, row.cancel_cause) == (booking.status, booking.cancel_cause)
        confirm = Confirm.objects.filter(booking_id=booking_id).first()
        if confirm is not None:
            assert row.confirm_status == confirm.status, booking_id
        elif booking.cancel_cause == "DENIED":
            assert row.confirm_status == "DENIED", booking_id

    # --- every email exactly once -----------------------------------------------------------------
    outbox = list(Notification.objects.values_list("id", "status"))
    received = smtp_sink.ids()
    assert {i: s for i, s in outbox} == {i: "SENT" for i, _ in outbox}
    assert received == Counter({i: 1 for i, _ in outbox})
    assert smtp_sink.count() == len(outbox)

    # --- the sweep ran at most once per period although two schedulers sent it --------------------
    sent = {
        name: len(SENT_TASK.findall(processes.log(name).read_text()))
        for name in ("beat", "beat-by-mistake")
    }
    outcomes = Counter()
    for name in ("worker-1", "worker-2"):
        for result in TASK_DONE.findall(processes.log(name).read_text()):
            outcomes["skipped" if result == "None" else "ran"] += 1
    assert min(sent.values()) >= 3, sent  # both schedulers really sent it, several times
    assert outcomes["skipped"] >= 1 and outcomes["ran"] + outcomes["skipped"] == sum(sent.values())
    assert outcomes["ran"] == len(watcher.seen), (outcomes, watcher.seen)
    gaps = [(b - a).total_seconds() for a, b in zip(watcher.seen, watcher.seen[1:], strict=False)]
    assert min(gaps) >= PERIOD * 0.8, gaps
    assert outcomes["ran"] <= beat_window / (PERIOD * 0.8) + 1

    web_logs = processes.log("web-a").read_text() + processes.log("web-b").read_text()
    left_to_sweep = len(re.findall(r"notifications \[[\d, ]+\] wait for re-enqueue", web_logs))
    print(
        f"\nscale-out drill: {tally.requests} requests "
        f"({dict(sorted(tally.answers.items()))}), "
        f"per instance {sorted(tally.per_instance.values())}; "
        f"{len(bookings)} bookings ({sum(map(len, active.values()))} active), "
        f"{len(tally.decisions)} decisions, {len(tally.cancels)} cancellations; "
        f"{len(outbox)} emails each received once ({left_to_sweep} hand-offs left to the sweep "
        f"by a slow broker publish); sweeps sent {sent}, ran {outcomes['ran']}, "
        f"skipped {outcomes['skipped']}; startup {startup:.1f} s, traffic {traffic:.1f} s, "
        f"all emails sent after {drained:.1f} s, total {duration:.1f} s"
    )


def _catching(target, errors: list):
    def run(**kwargs):
        try:
            target(**kwargs)
        except BaseException as exc:  # reported by the test thread
            errors.append(repr(exc))

    return run
