"""Benchmark: a room manager's lists of approval requests on a large table, on PostgreSQL.

    .venv/bin/python bench/confirm_lists.py [--rows 300000] [--reload] [--repeat 30]

Uses its own database (``CONFIRM_BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/rb_bench_confirm``, created when missing), migrates it, fills
``confirm_confirm`` with ``INSERT ... SELECT generate_series`` (1,000 rooms, 250 managers with 4
rooms each, 5,000 bookers, a third of the requests waiting) unless it already holds that many rows,
and then times:

- the API view ``GET /confirms?page_size=50`` for a room manager (their rooms' requests and their
  own bookings') and for a booker, and ``GET /confirms?roomId=R`` for office staff;
- the admin's work list query for a manager (waiting requests of their rooms: count + first page),
  with its ``EXPLAIN (ANALYZE, BUFFERS)``.

Prints the figures and writes ``bench/results/confirm_lists.json``.
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

RESULTS = ROOT / "bench" / "results" / "confirm_lists.json"
BENCH_URL = os.environ.get(
    "CONFIRM_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_confirm"
)
ROOMS, USERS, MANAGERS, PAGE = 1000, 5000, 250, 50

# Room r is managed by manager(r % 250); every request is BOOKED (1/3) or CONFIRMED.
LOAD_SQL = f"""
INSERT INTO confirm_confirm (
    booking_id, room_id, room_name, room_time_zone, approvers, user_id, user_email,
    use_start_dtm, use_end_dtm, status, confirm_user_id, confirm_dtm, reason, booking_seq,
    created, updated)
SELECT g, room, 'Room ' || room, 'Asia/Seoul',
       jsonb_build_array('manager' || (room %% {MANAGERS})),
       'user' || (g %% {USERS}), 'user' || (g %% {USERS}) || '@example.com',
       start, start + interval '1 hour',
       CASE WHEN g %% 3 = 0 THEN 'BOOKED' ELSE 'CONFIRMED' END,
       CASE WHEN g %% 3 = 0 THEN NULL ELSE 'manager' || (room %% {MANAGERS}) END,
       CASE WHEN g %% 3 = 0 THEN NULL ELSE start - interval '2 days' END,
       '', g, start - interval '3 days', start - interval '3 days'
FROM generate_series(1, %s) AS g,
     LATERAL (SELECT 1 + g %% {ROOMS} AS room,
                     timestamptz '2024-01-01 00:00+00' + (g %% 1095) * interval '1 day'
                     + (g * 7 %% 10) * interval '1 hour' AS start) AS t
"""

APPROVERS_SQL = """
INSERT INTO confirm_confirmapprover (confirm_id, username)
SELECT id, approvers ->> 0 FROM confirm_confirm
"""


def row_count() -> int:
    return support.row_count("confirm_confirm")


def load(rows: int, *, reload: bool) -> float | None:
    return support.reload_tables(
        rows,
        reload=reload,
        tables=("confirm_confirmapprover", "confirm_confirm"),
        load_sql=LOAD_SQL,
        then_sql=APPROVERS_SQL,
    )


def time_view(path: str, username: str, repeat: int) -> dict:
    from apps.confirm.views import ConfirmViewSet

    return support.time_list_view(ConfirmViewSet, path, username, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--reload", action="store_true", help="refill even if already loaded")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement")
    args = parser.parse_args()

    support.ensure_database(BENCH_URL)
    support.setup_django(BENCH_URL)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_seconds = load(args.rows, reload=args.rows != row_count() or args.reload)

    manager = "manager7"
    results = {
        "rows": row_count(),
        "load_seconds": load_seconds,
        "page_size": PAGE,
        "repeat": args.repeat,
        "postgres": support.server_version(),
        "api_manager_first_page": time_view(f"/confirms?page_size={PAGE}", manager, args.repeat),
        "api_manager_waiting_first_page": time_view(
            f"/confirms?status=BOOKED&page_size={PAGE}", manager, args.repeat
        ),
        "api_booker_first_page": time_view(f"/confirms?page_size={PAGE}", "user42", args.repeat),
        "api_office_staff_room_page": time_view(
            f"/confirms?roomId=123&page_size={PAGE}", "bench-staff", args.repeat
        ),
        "admin_manager_work_list": time_admin_list(manager, args.repeat),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if load_seconds is None and RESULTS.exists():  # keep the figure of the last real load
        results["load_seconds"] = json.loads(RESULTS.read_text()).get("load_seconds")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report(results)


def time_admin_list(username: str, repeat: int) -> dict:
    """The admin changelist's two queries for a manager: count and first page of waiting ones."""
    from django.db import connection

    from apps.confirm import selectors
    from apps.confirm.events import BOOKED

    waiting = selectors.confirms_to_decide_for(support.bench_user(username)).filter(status=BOOKED)
    page = waiting.order_by("created", "id")[:PAGE]
    timings, count, rows = [], 0, 0
    for attempt in range(repeat + 2):
        started = time.perf_counter()
        count = waiting.count()
        rows = len(list(page.all()))
        if attempt >= 2:
            timings.append((time.perf_counter() - started) * 1000)
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        plan = support.explain(cursor, sql, list(params))
    return {
        "user": username,
        "rows": rows,
        "count": count,
        **support.summary(timings),
        "explain": plan,
    }


def report(results: dict) -> None:
    print(f"\napproval requests: {results['rows']:,} rows, PostgreSQL {results['postgres']}")
    for key, value in results.items():
        if isinstance(value, dict) and "median_ms" in value:
            extra = f", {value['queries']} queries" if "queries" in value else ""
            print(
                f"  {key:32} median {value['median_ms']:7.2f} ms  p95 {value['p95_ms']:7.2f} ms"
                f"  ({value['rows']} of {value['count']} rows{extra})"
            )
    print("\nEXPLAIN ANALYZE of the admin work list page:")
    print("\n".join("  " + line for line in results["admin_manager_work_list"]["explain"]))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
