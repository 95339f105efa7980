"""roombooking.statements: a template runs exactly the statement the ORM would build for the same
values, and refuses builders whose SQL depends on the values."""

import datetime as dt
import random
import threading

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from apps.booking import services
from apps.booking.models import Booking, Room
from apps.booking.services import approvals, slots  # noqa: F401 (their templates)
from apps.booking.services import bookings as booking_services  # noqa: F401 (its templates)
from apps.bookinglist import services as bookinglist_services
from apps.notification import recipients
from roombooking import authentication, bus  # noqa: F401 (their templates)
from roombooking.models import EventLog
from roombooking.statements import Template, TemplateError, UpdateTemplate, counted
from tests.factories import UserFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="templates compile on PostgreSQL only (CI runs it)"
)
pytestmark = pytest.mark.django_db


@pytest.fixture
def room(db):
    return services.create_room(name="Room 101", capacity=6)


@pytest.fixture
def booking(room):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    return services.create_booking(
        actor=UserFactory(username="alice"),
        room_id=room.pk,
        use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=1),
    )


def _sample(kind: type, rng: random.Random) -> object:
    if kind is int:
        return rng.randrange(1, 2**31)
    if kind is dt.datetime:
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6)
        )
    return "".join(rng.choice("abcdef0123456789") for _ in range(12))  # fits varchar(16)


@on_postgresql
def test_every_template_sends_the_statement_the_orm_builds_for_the_same_values():
    from apps.booking.events import BookingCancelled

    bus.has_logged(booking_id=1, types=[BookingCancelled])  # its templates are made on first use
    bookinglist_services._row_update(("confirm_id", "confirm_status", "last_seq", "updated_dtm"))
    recipients.named_template(3)
    made = [t for t in Template.made if not t.build.__module__.startswith("tests.")]
    assert len(made) >= 7
    rng = random.Random(20261127)
    for template in made:
        for _ in range(5):
            values = {name: _sample(kind, rng) for name, kind in template.kinds.items()}
            if isinstance(template, UpdateTemplate):
                expected_sql, expected_params = _sent_by_the_orms_update(template, values)
            else:
                expected_sql, expected_params = template.build(**values).query.sql_with_params()
            sql, params = template.sql_with_params(**values)
            assert sql == expected_sql + template.suffix, template.build
            assert _typed(params) == _typed(expected_params), template.build


def _typed(params) -> list[tuple[str, object]]:
    """psycopg's integer wrappers (Int4, Int8) equal plain ints: compare their types too."""
    return [(type(param).__name__, param) for param in params]


def _sent_by_the_orms_update(template, values):
    """What ``queryset.update(**updates)`` sends to the database for ``values`` (rolled back)."""
    sent = []

    def capture(execute, sql, params, many, context):
        sent.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    queryset, updates = template.build(**values)
    with transaction.atomic(), connection.execute_wrapper(capture):
        queryset.update(**updates)
        transaction.set_rollback(True)
    [statement] = sent
    return statement


@on_postgresql
def test_rows_and_instances_are_the_orms(room):
    template = Template(lambda *, room_id: Room.objects.filter(pk=room_id), room_id=int)
    [found] = template.objects(room_id=room.pk)
    assert (type(found), found.pk, found.name, found._state.adding) == (
        Room,
        room.pk,
        room.name,
        False,
    )
    assert template.objects(room_id=room.pk + 1000) == []
    names = Template(
        lambda *, room_id: Room.objects.filter(pk=room_id).values_list("name", "capacity"),
        room_id=int,
    )
    assert names.rows(room_id=room.pk) == list(
        Room.objects.filter(pk=room.pk).values_list("name", "capacity")
    )


def test_counted_is_count(booking):
    bookings = Booking.objects.filter(room=booking.room)
    template = Template(
        lambda *, room_id: counted(Booking.objects.filter(room_id=room_id)), room_id=int
    )
    assert template.rows(room_id=booking.room.pk) == [(bookings.count(),)] == [(1,)]
    assert template.rows(room_id=booking.room.pk + 1000) == [(0,)]


def test_a_window_is_the_orms_slice(db):
    """Runs on both backends: PostgreSQL's kept statement with LIMIT and OFFSET parameters,
    SQLite's ORM slice."""
    Room.objects.bulk_create([Room(name=f"Window room {n:02}", capacity=n) for n in range(1, 13)])
    names = Template(
        lambda *, capacity: (
            Room.objects.filter(capacity__gte=capacity).order_by("name").values_list("name")
        ),
        capacity=int,
    )
    everything = list(Room.objects.filter(capacity__gte=3).order_by("name").values_list("name"))
    for offset, limit in ((0, 5), (5, 5), (10, 5), (0, 0), (20, 5)):
        expected = everything[offset : offset + limit]
        assert names.rows(window=(offset, limit), capacity=3) == expected, (offset, limit)


@on_postgresql
def test_a_locking_template_takes_no_window(room):
    locked = Template(lambda *, room_id: Room.objects.filter(pk=room_id), room_id=int,
                      suffix=" FOR SHARE")  # fmt: skip
    with transaction.atomic(), pytest.raises(TemplateError):
        locked.rows(window=(0, 1), room_id=room.pk)


@on_postgresql
def test_a_builder_computing_with_its_values_is_refused():
    def ordered(*, start, end):  # the markers would land where their order put them
        return Booking.objects.filter(
            use_start_dtm__gte=min(start, end), use_end_dtm__lte=max(start, end)
        ).values_list("pk")

    template = Template(ordered, start=dt.datetime, end=dt.datetime)
    with pytest.raises(TemplateError, match="depends on the values"):
        template.rows(start=dt.datetime.now(dt.UTC), end=dt.datetime.now(dt.UTC))


@on_postgresql
def test_a_builder_ignoring_an_argument_is_refused():
    template = Template(
        lambda *, room_id, name: Room.objects.filter(pk=room_id), room_id=int, name=str
    )
    with pytest.raises(TemplateError, match="not in the statement"):
        template.rows(room_id=1, name="x")


@on_postgresql
def test_wrong_arguments_are_a_type_error(room):
    template = Template(lambda *, room_id: Room.objects.filter(pk=room_id), room_id=int)
    with pytest.raises(TypeError):
        template.rows(room=room.pk)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_locking_template_needs_a_transaction_like_the_orm(room):
    template = Template(
        lambda *, room_id: Room.objects.select_for_update().filter(pk=room_id).values_list("pk"),
        room_id=int,
    )
    with transaction.atomic():
        assert template.rows(room_id=room.pk) == [(room.pk,)]
    with pytest.raises(TransactionManagementError):
        template.rows(room_id=room.pk)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_template_runs_on_the_calling_threads_connection(room):
    template = Template(
        lambda *, room_id: Room.objects.filter(pk=room_id).values_list("name"), room_id=int
    )
    assert template.rows(room_id=room.pk) == [(room.name,)]  # compiled on this thread
    answers, statements = [], []

    def other_thread():
        with CaptureQueriesContext(connection) as captured:  # this thread's connection
            answers.append(template.rows(room_id=room.pk))
        statements.extend(captured.captured_queries)
        connection.close()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert answers == [[(room.name,)]]
    assert len(statements) == 1


def test_has_logged_answers_with_the_template(booking):
    from apps.booking.events import BookingCancelled, BookingCreated

    assert EventLog.objects.filter(booking_id=booking.pk).exists() is bus.has_logged(
        booking_id=booking.pk, types=[BookingCreated]
    )
    assert bus.has_logged(booking_id=booking.pk, types=[BookingCancelled]) is False


def test_an_update_template_changes_the_rows_the_orm_would(room):
    from django.utils.functional import lazystr

    renamed = UpdateTemplate(
        lambda *, room_id, name: (Room.objects.filter(pk=room_id), {"name": name}),
        room_id=int,
        name=str,
    )
    assert renamed.run(room_id=room.pk, name="Room 102") == 1
    assert renamed.run(room_id=room.pk + 1000, name="Nowhere") == 0
    assert renamed.run(room_id=room.pk, name=lazystr("Room 103")) == 1  # through the ORM
    room.refresh_from_db()
    assert room.name == "Room 103"


@on_postgresql
def test_values_the_orm_prepares_otherwise_run_through_the_orm(booking):
    from roombooking.statements import accepts

    naive = dt.datetime(2030, 1, 1, 9, 0)
    assert not accepts(dt.datetime, naive) and not accepts(int, True) and not accepts(int, None)
    assert accepts(dt.datetime, naive.replace(tzinfo=dt.UTC)) and accepts(str, "x")
    status = UpdateTemplate(
        lambda *, booking_id, seq: (
            Booking.objects.filter(pk=booking_id),
            {"approval_seq": seq},
        ),
        booking_id=int,
        seq=int,
    )
    with CaptureQueriesContext(connection) as ran:
        assert status.run(booking_id=booking.pk, seq=True) == 1  # bool: the ORM stores 1
    assert "approval_seq" in ran.captured_queries[-1]["sql"]
    booking.refresh_from_db()
    assert booking.approval_seq == 1


def test_users_are_found_by_name_as_the_orm_finds_them():
    from django.contrib.auth import get_user_model

    for n in range(12):
        UserFactory(username=f"person{n}", email=f"person{n}@example.com")
    for count in (1, 2, 3, recipients.MOST_NAMES, recipients.MOST_NAMES + 2):
        names = {f"person{n}" for n in range(count)} | {"nobody"}
        expected = get_user_model().objects.filter(username__in=names)
        assert sorted(recipients._users_named(names)) == sorted(
            expected.values_list("username", "pk", "email")
        )
        assert len(recipients._users_named(names)) == count
    assert recipients._users_named(set()) == []
