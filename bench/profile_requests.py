"""Profile the two hot requests in-process: where does a booking's (or a list page's) time go?

    .venv/bin/python bench/profile_requests.py [--requests 300] [--what booking|list] [--top 30]

Runs ``--requests`` requests through Django's test client (the whole middleware stack, token
auth, the real PostgreSQL and Redis of ``BENCH_DATABASE_URL`` / ``BENCH_BROKER_URL``) under
cProfile, then prints the mean wall time per request and the functions with the most own time.
CPU time per request is what limits throughput on two shared cores, so this is what to cut.
``PROFILE_DUMP=/tmp/x.prof`` also writes the profile for ``pstats`` (callers, callees).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.support import ensure_database  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rb_profile")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--what", choices=["booking", "list"], default="booking")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument(
        "--no-profile", action="store_true", help="only CPU per request, without cProfile"
    )
    args = parser.parse_args()

    ensure_database(DATABASE_URL)
    env = harness.server_env(DATABASE_URL, BROKER_URL, DJANGO_ALLOWED_HOSTS="testserver")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.test import Client

    staff_token, tokens, room_ids = _seed()
    if args.what == "booking":
        # One client each: a Client has its own handler, which loads the middleware (whitenoise
        # scans the static files) on its first request, so its warm-up must come first.
        clients = [Client(HTTP_AUTHORIZATION=f"Token {token}") for token in tokens]
        request = _booking_request
    else:
        clients = [Client(HTTP_AUTHORIZATION=f"Token {staff_token}")]
        request = _list_request
    for number in range(max(20, len(clients))):  # warm up: imports, connections, each client
        request(clients[number % len(clients)], room_ids)

    profiler = cProfile.Profile(time.process_time)  # CPU, not waits: CPU is what limits
    backend = _backend_pid()
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    db_started = _cpu_seconds(backend)
    if not args.no_profile:
        profiler.enable()
    for number in range(args.requests):
        request(clients[number % len(clients)], room_ids)
    profiler.disable()
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    per_request = 1000 / args.requests
    cpu = (time.process_time() - cpu_started) * per_request
    wall = (time.perf_counter() - wall_started) * per_request
    db_cpu = (_cpu_seconds(backend) - db_started) * per_request
    print(
        f"{args.what}: {args.requests} requests; per request {wall:.2f} ms wall, "
        f"{cpu:.2f} ms CPU in Python, {db_cpu:.2f} ms CPU in the PostgreSQL backend"
    )
    if args.no_profile:
        return
    print("(under cProfile: absolute times are inflated; compare shares)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a local process (the database backend serving this connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _seed() -> tuple[str, list[int]]:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from apps.booking.models import Room

    User = get_user_model()
    manager, _ = User.objects.get_or_create(username="profile-manager", defaults={"is_staff": True})
    rooms = []
    for number in range(1, 21):
        room, _ = Room.objects.get_or_create(
            name=f"Profile room {number}", defaults={"capacity": 8}
        )
        room.managers.add(manager)
        rooms.append(room.pk)
    tokens = []
    for number in range(1, 101):  # many bookers, as in bench/run.py: per-person counts stay small
        user, _ = User.objects.get_or_create(
            username=f"profile{number}", defaults={"email": f"profile{number}@example.com"}
        )
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    staff, _ = User.objects.get_or_create(
        username="profile-staff",
        defaults={"email": "p@example.com", "is_staff": True, "is_superuser": True},
    )
    return Token.objects.get_or_create(user=staff)[0].key, tokens, rooms


_minute = random.randrange(10_000_000)


def _booking_request(client, room_ids: list[int]) -> None:
    global _minute
    _minute += 61
    start = 1_900_000_000 + _minute * 60
    response = client.post(
        "/bookings",
        {
            "roomId": random.choice(room_ids),
            "useStartDtm": _iso(start),
            "useEndDtm": _iso(start + 3600),
        },
        content_type="application/json",
    )
    assert response.status_code in (201, 409), response.content


def _list_request(client, room_ids: list[int]) -> None:
    response = client.get(f"/bookingLists?roomId={room_ids[0]}&page_size=50")
    assert response.status_code == 200, response.content


def _iso(epoch: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


if __name__ == "__main__":
    main()
