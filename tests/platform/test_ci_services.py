"""Under CI=true the suite must really run on PostgreSQL and Redis."""

import pytest
from django.conf import settings
from django.db import connection

from tests.ci import IN_CI


@pytest.mark.django_db
def test_database_and_broker_are_the_configured_ones():
    if IN_CI:
        assert connection.vendor == "postgresql"
        assert settings.CELERY_BROKER_URL.startswith("redis://")
    else:
        assert (
            connection.vendor
            == {"sqlite": "sqlite", "postgres": "postgresql"}[settings.DATABASE_VENDOR]
        )
