"""`manage.py seed_demo` puts the demo manager into the "Room managers" group, idempotently."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.confirm import demo
from roombooking.roles import ROOM_MANAGERS_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_seed_adds_the_manager_to_the_group_once():
    manager = UserFactory(username="manager", is_staff=True)
    out = io.StringIO()
    demo.seed(users={"manager": manager}, stdout=out)
    demo.seed(users={"manager": manager}, stdout=out)
    assert list(manager.groups.values_list("name", flat=True)) == [ROOM_MANAGERS_GROUP]
    assert out.getvalue().count("joined") == 1


def test_seed_demo_command_makes_a_working_manager():
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    manager = get_user_model().objects.get(username="manager")
    assert manager.groups.filter(name=ROOM_MANAGERS_GROUP).exists()
    assert manager.has_perms(["confirm.view_confirm", "confirm.change_confirm"])
    assert not manager.has_perm("confirm.delete_confirm")
    assert Group.objects.filter(name=ROOM_MANAGERS_GROUP).count() == 1
