"""Deferred writes and row locks (roombooking.postgresql.prepared.defer, through
``insert_later``, ``UpdateTemplate.run_later`` and ``Template.run_later``): they reach the
server with the transaction's next statement or its commit, in one round trip, in order; a
rollback (to a savepoint too) drops them; their errors are Django's, raised by the statement
or the commit they travel with."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from roombooking.cursors import run_statement
from roombooking.inserts import insert_later
from roombooking.instances import new_instance
from roombooking.models import EventLog
from roombooking.postgresql import prepared
from roombooking.statements import Template, UpdateTemplate
from tests.round_trips import count_round_trips

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="libpq's pipeline mode"),
]

COUNT = "SELECT count(*) FROM roombooking_eventlog WHERE event_type = %s"


def _entry(kind: str, pk: int | None = None) -> EventLog:
    values = {"id": pk} if pk is not None else {}
    return new_instance(EventLog, event_type=kind, payload={"k": kind}, actor="t", **values)


def _count(kind: str, using: str = "default") -> int:
    with connections[using].cursor() as cursor:
        cursor.execute(COUNT, [kind])
        return cursor.fetchone()[0]


def _warm() -> None:
    """A session's first statement goes Django's way (the health check); later ones are kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.fixture
def answers(monkeypatch):
    return count_round_trips(monkeypatch)


def test_a_deferred_insert_travels_with_the_next_statement(answers):
    _warm()
    with transaction.atomic():
        insert_later([_entry("first")])
        insert_later([_entry("second"), _entry("second")])
        assert _held() == 2
        del answers[:]
        rows, _ = run_statement(connection, COUNT, ["second"])
        assert rows == [(2,)] and len(answers) == 1  # BEGIN, two inserts and the count
        assert _held() == 0
    assert _count("first") == 1 and _count("second") == 2


def test_the_last_writes_travel_with_the_commit(answers):
    _warm()
    with transaction.atomic():
        run_statement(connection, COUNT, ["x"])
        insert_later([_entry("at-commit")])
        del answers[:]
    assert len(answers) == 1  # the insert and COMMIT; psycopg's commit then sends nothing
    assert _count("at-commit") == 1


def test_a_cursor_statement_sends_them_first():
    _warm()
    with transaction.atomic():
        insert_later([_entry("seen")])
        assert EventLog.objects.filter(event_type="seen").count() == 1  # the ORM's cursor
    assert _count("seen") == 1


def test_nothing_is_sent_for_a_rolled_back_transaction():
    _warm()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_later([_entry("dropped")])
        raise RuntimeError("change of mind")
    assert _held() == 0
    with transaction.atomic():
        insert_later([_entry("kept")])
    assert _count("dropped") == 0 and _count("kept") == 1


def test_a_rollback_to_a_savepoint_drops_only_what_came_after_it():
    _warm()
    existing = EventLog.objects.create(event_type="taken", payload={}).pk
    with transaction.atomic():
        insert_later([_entry("before")])
        with pytest.raises(RuntimeError), transaction.atomic():  # the savepoint sends "before"
            insert_later([_entry("inside")])
            insert_later([_entry("clash", pk=existing)])  # dropped unsent: no error
            raise RuntimeError("inner change of mind")
        assert _held() == 0
        insert_later([_entry("after")])
    assert (_count("before"), _count("inside"), _count("after")) == (1, 0, 1)


def test_an_error_is_djangos_raised_by_the_statement_it_travels_with():
    _warm()
    existing = EventLog.objects.create(event_type="taken", payload={}).pk
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_later([_entry("clash", pk=existing)])
        insert_later([_entry("after-clash")])
        run_statement(connection, COUNT, ["taken"])
    assert _count("clash") == 0 and _count("after-clash") == 0
    with transaction.atomic():  # the session goes on
        insert_later([_entry("next")])
    assert _count("next") == 1


def test_an_error_at_the_commit_rolls_the_transaction_back():
    _warm()
    existing = EventLog.objects.create(event_type="taken", payload={}).pk
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_later([_entry("before-clash")])
        run_statement(connection, COUNT, ["taken"])
        insert_later([_entry("clash", pk=existing)])
    assert _count("before-clash") == 0 and not connection.in_atomic_block
    assert _count("taken") == 1


def test_statements_prepared_in_one_round_trip_are_registered_once(answers):
    """The same new statement twice in one exchange is prepared once, then reused."""
    _warm()
    sql = "UPDATE roombooking_eventlog SET actor = %s WHERE event_type = %s AND actor <> %s"
    with transaction.atomic():
        insert_later([_entry("named")])
        session = prepared.session(connection)
        prepared.defer(session, sql, ["one", "named", "never"])
        prepared.defer(session, sql, ["two", "named", "never"])
        run_statement(connection, COUNT, ["named"])
        del answers[:]
        prepared.defer(session, sql, ["three", "named", "never"])
    assert len(answers) == 1  # prepared already: no PREPARE of its own
    assert EventLog.objects.get(event_type="named").actor == "three"


def _bump(*, kind: str, actor: str):
    return EventLog.objects.filter(event_type=kind), {"actor": actor}


_BUMP = UpdateTemplate(_bump, kind=str, actor=str)


def test_an_update_template_runs_later_and_a_cascade_of_writes_lands_in_order():
    _warm()
    with transaction.atomic():
        insert_later([_entry("bumped")])
        _BUMP.run_later(kind="bumped", actor="later")
        _BUMP.run_later(kind="bumped", actor="latest")  # in order: the last one wins
    assert EventLog.objects.get(event_type="bumped").actor == "latest"


_LOCK_ENTRY = Template(
    lambda *, kind: EventLog.objects.select_for_update().filter(event_type=kind).values_list("pk"),
    kind=str,
)


def _locked_elsewhere(kind: str) -> bool:
    """Whether another session finds the row of ``kind`` locked."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=settings["NAME"], password=settings["PASSWORD"] or None, autocommit=True,
    ) as other:  # fmt: skip
        try:
            other.execute(
                "SELECT id FROM roombooking_eventlog WHERE event_type = %s FOR UPDATE NOWAIT",
                [kind],
            )
        except psycopg.errors.LockNotAvailable:
            return True
    return False


def test_a_lock_run_later_is_taken_with_the_next_statement_in_its_round_trip(answers):
    EventLog.objects.create(event_type="locked", payload={}, actor="t")
    _warm()
    with transaction.atomic():
        run_statement(connection, COUNT, ["locked"])  # BEGIN: the transaction is open
        _LOCK_ENTRY.run_later(kind="locked")
        assert _held() == 1 and not _locked_elsewhere("locked")  # not sent yet
        del answers[:]
        rows, _ = run_statement(connection, COUNT, ["locked"])
        assert rows == [(1,)] and len(answers) == 1  # the lock and the count
        assert _locked_elsewhere("locked")  # and held until the commit
    assert not _locked_elsewhere("locked")


def test_a_lock_run_later_outside_a_transaction_is_refused():
    _warm()
    with pytest.raises(TransactionManagementError):
        _LOCK_ENTRY.run_later(kind="locked")


def test_outside_a_transaction_the_write_runs_at_once():
    _warm()
    assert connection.get_autocommit()
    insert_later([_entry("now")])
    assert _held() == 0
    assert _count("now", using="default") == 1


def _held() -> int:
    found = getattr(connection.connection, prepared._SESSION, None)
    return 0 if found is None else len(found.pending)
