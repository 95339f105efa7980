"""Demo data for `make run`: users with known logins (and, via each app's seeder, rooms).

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from importlib import import_module

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from roombooking.roles import OFFICE_STAFF_GROUP

# username, password, is_staff, is_superuser, role shown to the newcomer. The manager has
# is_staff only because Django's admin requires it; see roombooking.roles.
DEMO_USERS = [
    ("admin", "admin", True, True, "superuser: everything, in the admin and the API"),
    ("staff", "staff", True, False, "staff: manages rooms and users, sees all bookings"),
    ("manager", "manager", True, False, "room manager: approves or denies in the admin"),
    ("alice", "alice", False, False, "plain user: books rooms"),
    ("bob", "bob", False, False, "plain user: books rooms"),
]

# Apps that contribute demo data expose ``demo.seed(users: dict[str, User], stdout)``.
DEMO_APPS = ("booking", "confirm", "notification", "bookinglist")


class Command(BaseCommand):
    help = "Create demo users and rooms (idempotent) and print the logins."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        users = {}
        with transaction.atomic():
            for username, password, is_staff, is_superuser, _ in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "email": f"{username}@example.com",
                        "is_staff": is_staff,
                        "is_superuser": is_superuser,
                    },
                )
                if created:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                users[username] = user
            users["staff"].groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
            for app in DEMO_APPS:
                try:
                    demo = import_module(f"apps.{app}.demo")
                except ModuleNotFoundError:
                    continue
                demo.seed(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password):"))
        for username, password, *_, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} / {password:<8}  {role}")
