"""What the in-process benchmarks share: their own database, Django set up against it, bulk
(re)loading a table, timing a list view and summarising timings."""

from __future__ import annotations

import json
import os
import statistics
import time
from urllib.parse import urlsplit


def connect(url: str, *, database: str | None = None):
    """An autocommit psycopg connection to ``url`` (or to its server's ``database``)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=database or parts.path.lstrip("/"),
        autocommit=True,
    )


def ensure_database(url: str) -> None:
    """Create the benchmark database named in ``url`` when it does not exist."""
    name = urlsplit(url).path.lstrip("/")
    with connect(url, database="postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def row_count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def reload_tables(
    rows: int, *, reload: bool, tables: tuple[str, ...], load_sql: str, then_sql: str
) -> float | None:
    """Empty ``tables``, run ``load_sql`` (with ``rows``) and ``then_sql``, analyse; seconds."""
    from django.db import connection, transaction

    if not reload:
        print(f"Table already holds {rows:,} rows; pass --reload to refill it.")
        return None
    print(f"Loading {rows:,} rows ...", flush=True)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        cursor.execute(load_sql, [rows])
        cursor.execute(then_sql)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = round(time.perf_counter() - started, 1)
    print(f"Loaded in {seconds} s")
    return seconds


def bench_user(username: str):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username)
    if username == "bench-staff" and not user.is_superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


def time_list_view(viewset, path: str, username: str, repeat: int) -> dict:
    """Median and p95 of ``viewset``'s list answering ``path`` for ``username`` (in process:
    the view, its queries, serialization and JSON rendering)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    view = viewset.as_view({"get": "list"})
    factory = APIRequestFactory(SERVER_NAME="localhost")
    user = bench_user(username)
    timings, queries, rows, count = [], 0, 0, 0
    for attempt in range(repeat + 2):  # two warm-up runs
        request = factory.get(path)
        force_authenticate(request, user=user)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = view(request)
            response.render()
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        if attempt >= 2:
            timings.append(elapsed * 1000)
        queries = len(captured)
        body = json.loads(response.content)
        rows, count = len(body["results"]), body["count"]
    return {
        "path": path,
        "user": username,
        "rows": rows,
        "count": count,
        "queries": queries,
        **summary(timings),
    }


def explain(cursor, sql: str, params: list) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
    return [line for (line,) in cursor.fetchall()]


def summary(timings_ms: list[float]) -> dict:
    ordered = sorted(timings_ms)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "min_ms": round(ordered[0], 2),
    }


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
