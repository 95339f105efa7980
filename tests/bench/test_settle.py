"""bench.harness.settle: a round starts from a vacuumed, analyzed and checkpointed database."""

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmarks run on PostgreSQL (CI runs it)"
)


@pytest.mark.django_db(transaction=True)
def test_settle_vacuums_analyzes_and_checkpoints():
    from bench.harness import settle

    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )

    def read(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    checkpoints = read("SELECT checkpoints_req FROM pg_stat_bgwriter")
    settle(url)
    vacuumed = read(
        "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables "
        "WHERE relname = 'booking_booking'"
    )
    assert vacuumed is True
    assert read("SELECT checkpoints_req FROM pg_stat_bgwriter") > checkpoints
