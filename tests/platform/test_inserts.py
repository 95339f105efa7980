"""roombooking.inserts.insert_new: the statement bulk_create sends, the instances' state it
leaves, for every model a booking writes; bulk_create's way where it must differ."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from apps.booking import services
from apps.booking.models import Booking
from apps.bookinglist.models import BookingListManager, BookingListRow
from apps.confirm.models import Confirm, ConfirmApprover
from apps.notification.models import Notification
from roombooking import inserts
from roombooking.inserts import insert_new
from roombooking.models import EventLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [EventLog, Notification, Confirm, ConfirmApprover, BookingListRow, BookingListManager]


@pytest.fixture
def booked():
    """One booking through the service, in a room with two managers: a row of every model."""
    managers = [UserFactory(username=name, is_staff=True).username for name in ("m1", "m2")]
    room = services.create_room(name="Inserted", capacity=4, managers=managers)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=20)
    return services.create_booking(
        actor=UserFactory(username="booker"), room_id=room.pk, use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=1),
    )  # fmt: skip


def _values_of(model) -> list[dict]:
    """The model's rows as the values of new instances (primary keys left to the database
    where it makes them)."""
    auto = model._meta.pk.db_returning
    fields = [f for f in model._meta.concrete_fields if not (auto and f.primary_key)]
    return [{f.attname: getattr(row, f.attname) for f in fields} for row in model.objects.all()]


def _inserted(insert, model, rows: list[dict]) -> tuple[list[str], list]:
    """The statements ``insert`` sends for new instances of ``rows`` (the originals deleted
    first, so that their unique keys are free), and the instances; all rolled back."""
    with transaction.atomic():
        saved = transaction.savepoint()
        model.objects.all().delete()
        objs = [model(**values) for values in rows]
        with CaptureQueriesContext(connection) as captured:
            insert(objs)
        transaction.savepoint_rollback(saved)
    return [q["sql"] for q in captured.captured_queries], objs


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_statement_and_the_instances_are_bulk_creates(booked, model):
    """Each model's rows, copied, inserted both ways at one frozen time (auto_now_add): the
    same statement, text and values; the instances alike after it (keys set, saved)."""
    rows = _values_of(model)
    assert rows, f"the booking wrote no {model.__name__}"
    ignore = model is ConfirmApprover  # as the approval request inserts them
    with time_machine.travel(dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC), tick=False):
        ours, mine = _inserted(lambda o: insert_new(o, ignore_conflicts=ignore), model, rows)
        django, theirs = _inserted(
            lambda o: model.objects.bulk_create(o, ignore_conflicts=ignore), model, rows
        )
    assert len(ours) == 1 and ours == django
    if connection.vendor == "postgresql":  # it was insert_new's own statement, not a fallback
        kept = [v for k, v in inserts._KEPT.items() if k[0] == id(model) and k[2] == len(rows)]
        assert kept and all(v is not None for v in kept)
    for one, other in zip(mine, theirs, strict=True):
        assert (one.pk is None) == (other.pk is None)
        assert (one._state.adding, one._state.db) == (other._state.adding, other._state.db)
        keyless = [
            {k: v for k, v in vars(o).items() if k not in ("id", "_state")} for o in (one, other)
        ]
        assert keyless[0] == keyless[1]


def test_a_new_booking_and_the_rows_it_makes_read_back_as_written(booked):
    booking = Booking.objects.get(pk=booked.pk)
    assert (booking.room_id, booking.use_start_dtm) == (booked.room_id, booked.use_start_dtm)
    confirm = Confirm.objects.get(booking_id=booked.pk)
    assert sorted(ConfirmApprover.objects.values_list("username", flat=True)) == ["m1", "m2"]
    assert confirm.approvers == ["m1", "m2"]
    assert BookingListRow.objects.get(pk=booked.pk).room_managers == ["m1", "m2"]
    assert sorted(BookingListManager.objects.values_list("username", flat=True)) == ["m1", "m2"]
    assert EventLog.objects.filter(booking_id=booked.pk).count() == 2
    assert Notification.objects.filter(booking_id=booked.pk).count() == 3  # booker, m1, m2


def test_conflicts_ignored_and_errors_raised_as_bulk_create_does(booked):
    confirm = Confirm.objects.get(booking_id=booked.pk)
    again = insert_new([ConfirmApprover(confirm=confirm, username="m1")], ignore_conflicts=True)
    assert again[0].pk is None and ConfirmApprover.objects.filter(username="m1").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new([ConfirmApprover(confirm=confirm, username="m1")])


def test_related_objects_are_checked_as_bulk_create_checks_them(booked):
    confirm = Confirm.objects.get(booking_id=booked.pk)
    unsaved = Confirm(booking_id=booked.pk)
    for insert in (insert_new, ConfirmApprover.objects.bulk_create):
        with pytest.raises(ValueError, match="unsaved related object 'confirm'"):
            insert([ConfirmApprover(confirm=unsaved, username="u")])
    values = {f.attname: getattr(confirm, f.attname) for f in Confirm._meta.fields}
    saved_later = Confirm(**{**values, "id": None})
    approver = ConfirmApprover(confirm=saved_later, username="saved later")
    assert approver.confirm_id is None  # assigned while its key was unknown
    saved_later.id = confirm.pk  # as if saved since
    (inserted,) = insert_new([approver])  # Django takes the key of the related object then
    assert ConfirmApprover.objects.get(pk=inserted.pk).confirm_id == confirm.pk


def test_expressions_and_mixed_keys_go_bulk_creates_way(booked):
    record = EventLog(event_type="Probe", payload={}, actor="a", booking_id=F("booking_id"))
    with pytest.raises(ValueError, match="F\\(\\) expressions"), transaction.atomic():
        insert_new([record])  # bulk_create's own refusal
    rows = [
        BookingListManager(row_id=booked.pk, username="x"),
        BookingListManager(id=10**9, row_id=booked.pk, username="y"),
    ]
    insert_new(rows)  # one with a key, one without: bulk_create's way
    assert {r.username for r in BookingListManager.objects.filter(username__in=["x", "y"])} == {
        "x",
        "y",
    }


@pytest.mark.postgres
def test_a_call_past_the_protocols_parameter_limit_goes_bulk_creates_batched_way(booked):
    """2,800 notifications bind 24 values each, 67,200 in all: one statement cannot carry them
    (roombooking/postgresql/base.py), so insert_new keeps statements for small calls only."""
    template = _values_of(Notification)[0]
    objs = [Notification(**{**template, "recipient_username": f"r{i}"}) for i in range(2_800)]
    with transaction.atomic():
        inserted = insert_new(objs)
    assert len({obj.pk for obj in inserted}) == 2_800 and None not in {obj.pk for obj in inserted}
    assert Notification.objects.filter(recipient_username__startswith="r").count() == 2_800
    assert not [shape for shape in inserts._KEPT if shape[2] > inserts.KEPT_ROWS_MAX]
