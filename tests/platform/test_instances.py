"""roombooking.instances.new_instance makes the instance ``Model(**values)`` makes, for every
model of the project: the same ``__dict__`` (values and defaults), the same state, the same
cached related objects, Django's errors, and Django's way where someone listens to the model."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_init
from django.test.utils import isolate_apps
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.booking.models import Booking, Room
from apps.notification.models import Notification
from roombooking.instances import new_instance

MODELS = sorted(
    (m for m in apps.get_models() if not m._meta.abstract),
    key=lambda m: m._meta.label,
)


def state_of(obj) -> tuple:
    values = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return values, obj._state.adding, obj._state.db, dict(obj._state.fields_cache)


def assert_same(model, made, djangos) -> None:
    mine, adding, db, cache = state_of(made)
    theirs, their_adding, their_db, their_cache = state_of(djangos)
    assert type(made) is model
    assert (adding, db, cache) == (their_adding, their_db, their_cache)
    assert mine.keys() == theirs.keys()
    for attname, value in theirs.items():
        field = next((f for f in model._meta.fields if f.attname == attname), None)
        if field is not None and callable(field.default) and field.default is not NOT_PROVIDED:
            assert type(mine[attname]) is type(value), attname  # e.g. a new uuid4 each time
        else:
            assert mine[attname] == value, attname


def plain_values(model, attnames) -> dict:
    return {attname: f"value of {attname}" for attname in attnames}


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_defaults_only_and_every_field_given(model):
    assert_same(model, new_instance(model), model())
    attnames = [f.attname for f in model._meta.fields if f.column and not f.generated]
    values = plain_values(model, attnames)
    assert_same(model, new_instance(model, **values), model(**values))


@time_machine.travel(dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC), tick=False)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_set_of_fields_given(data):
    model = data.draw(st.sampled_from(MODELS))
    attnames = [f.attname for f in model._meta.fields if f.column and not f.generated]
    chosen = data.draw(st.lists(st.sampled_from(attnames), unique=True))
    values = plain_values(model, chosen)
    assert_same(model, new_instance(model, **values), model(**values))
    assert_same(model, new_instance(model, **values), model(**values))  # the kept plan too


def test_related_objects_given_by_name_are_cached_as_djangos():
    room, user = Room(pk=4, name="Room 4"), get_user_model()(pk=9, username="kim")
    values = dict(
        room=room,
        booking_user=user,
        series=None,
        use_start_dtm=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
        use_end_dtm=dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC),
        status="BOOKED",
    )
    made = new_instance(Booking, **values)
    assert_same(Booking, made, Booking(**values))
    assert made.room is room and made.room_id == 4 and made.booking_user_id == 9


def test_a_related_object_of_the_wrong_model_is_djangos_error():
    with pytest.raises(ValueError, match='must be a "Room" instance'):
        new_instance(Booking, room=get_user_model()(pk=1))


def test_properties_and_both_names_of_a_key_go_djangos_way():
    assert_same(Booking, new_instance(Booking, pk=7), Booking(pk=7))
    room = Room(pk=4)
    assert_same(Booking, new_instance(Booking, room=room, room_id=5), Booking(room=room, room_id=5))


def test_an_unknown_keyword_is_djangos_type_error():
    with pytest.raises(TypeError, match="Booking\\(\\) got unexpected keyword arguments: 'nope'"):
        new_instance(Booking, nope=1)


def test_a_model_someone_listens_to_is_made_by_django():
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(listener, sender=Notification)
    try:
        made = new_instance(Notification, recipient_username="kim")
    finally:
        post_init.disconnect(listener, sender=Notification)
    assert heard == [made]
    assert new_instance(Notification, recipient_username="kim") not in heard


@isolate_apps("roombooking")
def test_a_model_with_an_init_of_its_own_is_made_by_it():
    class Counted(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=10, default="")

        class Meta:
            app_label = "roombooking"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.made_by_its_init = True

    assert new_instance(Counted, name="x").made_by_its_init
