"""A periodic task runs once per period even when two schedulers send it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from roombooking.models import PeriodicRun
from roombooking.periodic import claim_period, once_per_period


@pytest.mark.django_db
def test_a_second_call_in_the_same_period_is_skipped():
    calls = []

    @once_per_period(60)
    def job():
        calls.append(1)
        return "ran"

    assert job() == "ran"
    assert job() is None
    assert calls == [1]


@pytest.mark.django_db
def test_the_next_period_runs_again():
    assert claim_period("job", 60)
    PeriodicRun.objects.filter(name="job").update(
        last_run=timezone.now() - timedelta(seconds=50)  # 0.8 of the period has passed
    )
    assert claim_period("job", 60)
    assert not claim_period("job", 60)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_run_the_task_once():
    barrier = threading.Barrier(8)
    wins = []

    def scheduler() -> None:
        barrier.wait()
        try:
            wins.append(claim_period("race", 30))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(wins) == [False] * 7 + [True]
