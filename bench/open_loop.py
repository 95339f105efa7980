"""Open-loop load: ``POST /bookings`` arriving at random (Poisson) times at a set rate.

wrk keeps its connections open between requests, and a gunicorn sync worker that has accepted
one waits for that connection's next request while the others queue behind it; with wrk's
per-request delay, a latency then holds other connections' waits (at 22 requests/s a p50 of
92 ms, at 50/s 58 ms, on a booking that takes 13 ms). Production puts a buffering proxy in front
of sync workers, which hands them whole requests only. So here each request opens its
connection when it is sent, in one write, as such a proxy does, and its latency runs from its
planned arrival time (a generator that falls behind counts against the service, never for it).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from urllib.parse import urlsplit


def post_bookings(
    base: str, *, rate: float, seconds: float, tokens: list[str], rooms: int, base_epoch: int
) -> dict:
    """Requests at ``rate`` per second for ``seconds``; throughput and latency percentiles, and
    how busy the machine's cores were meanwhile (``machine_busy``, 0 to 1)."""
    before = cpu_times()
    answer = asyncio.run(_run(base, rate, seconds, tokens, rooms, base_epoch))
    answer["machine_busy"] = busy_share(before, cpu_times())
    return answer


def cpu_times() -> tuple[int, int]:
    """The machine's (idle, total) CPU time so far, in clock ticks, from ``/proc/stat``.

    Why it is reported: the p99 at half load depends on how busy the cores are, and the same
    rate kept them 55 % busy in one minute and 76 % in another on the ninth session's machine
    (the machine's speed drifts). Idle includes waiting for I/O."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; user .. steal


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    idle, total = after[0] - before[0], after[1] - before[1]
    return round(1 - idle / total, 3) if total > 0 else 0.0


async def _run(base, rate, seconds, tokens, rooms, base_epoch) -> dict:
    parts = urlsplit(base)
    rng = random.Random()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    planned, tasks, number = started, [], 0
    while planned - started < seconds:
        planned += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, planned - time.perf_counter()))
        body = _booking_body(rng, rooms, base_epoch)
        request = _request(parts.hostname, body, tokens[number % len(tokens)])
        number += 1
        tasks.append(asyncio.create_task(_send(parts, request, planned, latencies, statuses)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else 0.0,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "errors_status": sum(n for code, n in statuses.items() if not 200 <= code < 300),
    }


async def _send(parts, request: bytes, planned: float, latencies, statuses) -> None:
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # the rest, until the server closes
    latencies.append((time.perf_counter() - planned) * 1000)
    writer.close()
    status = int(status_line.split()[1]) if status_line else 0
    statuses[status] = statuses.get(status, 0) + 1


def _booking_body(rng: random.Random, rooms: int, base_epoch: int) -> bytes:
    """A random one-hour slot in a random room, as bench/lua/post_booking.lua makes them."""
    start = base_epoch + rng.randrange(5_000_000) * 60
    return (
        f'{{"roomId": {rng.randint(1, rooms)}, "useStartDtm": "{_iso(start)}", '
        f'"useEndDtm": "{_iso(start + 3600)}"}}'
    ).encode()


def _request(host: str, body: bytes, token: str) -> bytes:
    head = (
        f"POST /bookings HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _percentile(ordered: list[float], percent: int) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return round(ordered[index], 2)
