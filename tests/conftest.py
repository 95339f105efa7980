"""Project-wide fixtures.

Under ``CI=true`` the run must be on PostgreSQL and Redis and stops (fails, never skips) when
either is unreachable.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.ci import IN_CI
from tests.factories import UserFactory

# The real-browser fixtures (Debian's Chromium), for any module that marks its tests ``browser``;
# pytester, for tests of the suite's own plugins in a pytest run of their own.
pytest_plugins = ["tests.browser", "pytester"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not IN_CI:
        return
    problems = []
    if settings.DATABASE_VENDOR != "postgres":
        problems.append(f"CI=true needs DATABASE_URL on PostgreSQL, got {settings.DATABASE_VENDOR}")
    if settings.BROKER_VENDOR != "redis":
        problems.append(f"CI=true needs CELERY_BROKER_URL on Redis, got {settings.BROKER_VENDOR}")
    if not problems:
        problems += _unreachable_services()
    if problems:
        pytest.exit("; ".join(problems), returncode=3)


def _unreachable_services() -> list[str]:
    import psycopg
    from kombu import Connection

    db = settings.DATABASES["default"]
    problems = []
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as exc:
        problems.append(f"PostgreSQL unreachable at DATABASE_URL: {exc}")
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        problems.append(f"Redis unreachable at CELERY_BROKER_URL: {exc}")
    return problems


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove this run's private broker folder (see roombooking/test_settings.py)."""
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: its siblings share the folder; the controller removes it
    broker_dir = Path(settings.CELERY_BROKER_DIR)
    if broker_dir.name.startswith("test-broker-"):
        shutil.rmtree(broker_dir, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres`` tests skip on SQLite locally; under CI=true they must run (and do, since CI
    is on PostgreSQL)."""
    if settings.DATABASE_VENDOR == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in CI=true mode)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff_user(db):
    """Office staff (see roombooking.roles): sees and manages every booking."""
    from django.contrib.auth.models import Group, Permission

    from roombooking.roles import OFFICE_STAFF_GROUP, OFFICE_STAFF_PERMISSION

    staff = UserFactory(username="staff", is_staff=True)
    # get_or_create: a transactional test's flush removes the group the data migration made
    # (the permissions come back with post_migrate; the group does not).
    group, created = Group.objects.get_or_create(name=OFFICE_STAFF_GROUP)
    if created:
        app_label, codename = OFFICE_STAFF_PERMISSION.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    staff.groups.add(group)
    return staff


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(api_client):
    """``client_for(user)``: an API client signed in as ``user`` (or anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
