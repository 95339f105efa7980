"""Benchmark: one page of 50 booking list rows on a table of one million rows, on PostgreSQL.

    .venv/bin/python bench/bookinglist_page.py [--rows 1000000] [--reload] [--repeat 30]

Uses its own database (``BOOKINGLIST_BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/rb_bench_bookinglist``, created when missing; not the
``rb_bench`` of ``bench/run.py``, so neither refills the other's table), migrates it, fills
``bookinglist_bookinglistrow`` with ``INSERT ... SELECT generate_series`` (1,000 rooms of 1,000
rows each, 5,000 bookers, 250 room managers with 4 rooms each) unless it already holds that many
rows, and then times:

- the API view (``GET /bookingLists?roomId=R&page_size=50``, office staff; count + page query,
  serialization and JSON rendering), and a room manager's first page (visibility subquery);
- the same SQL (count and page) run raw, with an ``EXPLAIN (ANALYZE, BUFFERS)`` summary.

Prints the figures and writes ``bench/results/bookinglist_page.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import support  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "bookinglist_page.json"
BENCH_URL = os.environ.get(
    "BOOKINGLIST_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_bookinglist"
)
ROOMS, USERS, MANAGERS, PAGE = 1000, 5000, 250, 50

LOAD_SQL = f"""
INSERT INTO bookinglist_bookinglistrow (
    booking_id, room_id, room_name, room_managers, booking_user_id, use_start_dtm, use_end_dtm,
    booking_dtm, booking_status, confirm_id, confirm_status, confirm_user_id, confirm_dtm,
    confirm_reason, cancelled_dtm, cancel_cause, cancel_reason, updated_dtm, last_seq,
    booking_seq)
SELECT g, 1 + g %% {ROOMS}, 'Room ' || (1 + g %% {ROOMS}),
       jsonb_build_array('manager' || ((1 + g %% {ROOMS}) %% {MANAGERS})),
       'user' || (g %% {USERS}),
       start, start + interval '1 hour', start - interval '3 days',
       CASE WHEN g %% 10 = 0 THEN 'CANCELLED' ELSE 'BOOKED' END,
       g, CASE WHEN g %% 10 = 0 THEN 'DENIED' WHEN g %% 3 = 0 THEN 'BOOKED' ELSE 'CONFIRMED' END,
       CASE WHEN g %% 3 = 0 AND g %% 10 <> 0 THEN NULL
            ELSE 'manager' || ((1 + g %% {ROOMS}) %% {MANAGERS}) END,
       CASE WHEN g %% 3 = 0 AND g %% 10 <> 0 THEN NULL ELSE start - interval '2 days' END,
       '', CASE WHEN g %% 10 = 0 THEN start - interval '2 days' END,
       CASE WHEN g %% 10 = 0 THEN 'DENIED' ELSE '' END, '', now(), g, g
FROM generate_series(1, %s) AS g,
     LATERAL (SELECT timestamptz '2024-01-01 00:00+00'
                     + (g %% 1095) * interval '1 day' + (g * 7 %% 10) * interval '1 hour'
              AS start) AS t
"""

MANAGERS_SQL = """
INSERT INTO bookinglist_bookinglistmanager (booking_id, username)
SELECT booking_id, room_managers ->> 0 FROM bookinglist_bookinglistrow
"""


def row_count() -> int:
    return support.row_count("bookinglist_bookinglistrow")


def load(rows: int, *, reload: bool) -> float | None:
    return support.reload_tables(
        rows,
        reload=reload,
        tables=("bookinglist_bookinglistmanager", "bookinglist_bookinglistrow"),
        load_sql=LOAD_SQL,
        then_sql=MANAGERS_SQL,
    )


def time_view(path: str, username: str, repeat: int) -> dict:
    from apps.bookinglist.views import BookingListViewSet

    return support.time_list_view(BookingListViewSet, path, username, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reload", action="store_true", help="refill even if already loaded")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement")
    args = parser.parse_args()

    support.ensure_database(BENCH_URL)
    support.setup_django(BENCH_URL)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_seconds = load(args.rows, reload=args.rows != row_count() or args.reload)

    room_id = 123
    manager = f"manager{room_id % MANAGERS}"
    results = {
        "rows": row_count(),
        "load_seconds": load_seconds,
        "page_size": PAGE,
        "repeat": args.repeat,
        "postgres": support.server_version(),
        "view_office_staff_room_page": time_view(
            f"/bookingLists?roomId={room_id}&page_size={PAGE}", "bench-staff", args.repeat
        ),
        "view_office_staff_room_page_deep": time_view(
            f"/bookingLists?roomId={room_id}&page_size={PAGE}&page=15", "bench-staff", args.repeat
        ),
        "view_manager_first_page": time_view(
            f"/bookingLists?page_size={PAGE}", manager, args.repeat
        ),
        "raw_sql_room_page": time_raw_sql(room_id, args.repeat),
        "explain_manager_page": explain_visible_page(manager),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if load_seconds is None and RESULTS.exists():  # keep the figure of the last real load
        results["load_seconds"] = json.loads(RESULTS.read_text()).get("load_seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report(results)


def room_page_sql(room_id: int) -> tuple[str, str, list]:
    from apps.bookinglist.models import BookingListRow

    rows = BookingListRow.objects.filter(room_id=room_id).order_by("-use_start_dtm", "-booking_id")
    page_sql, params = rows[:PAGE].query.sql_with_params()
    count_sql = "SELECT count(*) FROM bookinglist_bookinglistrow WHERE room_id = %s"
    return page_sql, count_sql, list(params)


def time_raw_sql(room_id: int, repeat: int) -> dict:
    from django.db import connection

    page_sql, count_sql, params = room_page_sql(room_id)
    timings = []
    with connection.cursor() as cursor:
        for attempt in range(repeat + 2):
            started = time.perf_counter()
            cursor.execute(count_sql, [room_id])
            cursor.fetchone()
            cursor.execute(page_sql, params)
            fetched = cursor.fetchall()
            if attempt >= 2:
                timings.append((time.perf_counter() - started) * 1000)
        plans = {
            "page": support.explain(cursor, page_sql, params),
            "count": support.explain(cursor, count_sql, [room_id]),
        }
    return {
        "rows": len(fetched),
        "sql": page_sql % tuple(params),
        **support.summary(timings),
        "explain": plans,
    }


def explain_visible_page(username: str) -> list[str]:
    """The plan of a room manager's first page: rows of their rooms and their own bookings."""
    from django.db import connection

    from apps.bookinglist import selectors

    rows = selectors.visible_rows(user=support.bench_user(username))
    sql, params = rows[:PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        return support.explain(cursor, sql, list(params))


def report(results: dict) -> None:
    print(f"\nbooking list: {results['rows']:,} rows, PostgreSQL {results['postgres']}")
    for key, value in results.items():
        if isinstance(value, dict) and "median_ms" in value:
            extra = f", {value['queries']} queries" if "queries" in value else ""
            print(
                f"  {key:36} median {value['median_ms']:7.2f} ms  p95 {value['p95_ms']:7.2f} ms"
                f"  ({value['rows']} rows{extra})"
            )
    print("\nEXPLAIN ANALYZE of the page query:")
    print("\n".join("  " + line for line in results["raw_sql_room_page"]["explain"]["page"]))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
