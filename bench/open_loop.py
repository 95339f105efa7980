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

import random
import selectors
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit


def post_bookings(
    base: str, *, rate: float, seconds: float, tokens: list[str], rooms: int, base_epoch: int
) -> dict:
    """Requests at ``rate`` per second for ``seconds``; throughput and latency percentiles, and
    how busy the machine's cores were meanwhile (``machine_busy``, 0 to 1)."""
    before = cpu_times()
    answer = _run(base, rate, seconds, tokens, rooms, base_epoch)
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


def _run(base, rate, seconds, tokens, rooms, base_epoch) -> dict:
    """One thread, non-blocking sockets and a selector: each request's connection opens at its
    planned time, and its latency ends when the server has closed it (gunicorn's sync worker
    closes after each answer). Not asyncio's streams: on the tenth session's machine they cost
    1.4 ms of CPU per request on the cores the server shares (this loop: 0.7 ms), and a
    generator that takes the server's CPU, or notices an answer late, counts against it."""
    address = (urlsplit(base).hostname, urlsplit(base).port)
    host = address[0]
    rng = random.Random()
    selector = selectors.DefaultSelector()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    stop_sending = started + seconds
    planned, number = started + rng.expovariate(rate), 0
    give_up = None
    while True:
        now = time.perf_counter()
        while planned < stop_sending and planned <= now:
            body = _booking_body(rng, rooms, base_epoch)
            _open(selector, address, _request(host, body, tokens[number % len(tokens)]), planned)
            number += 1
            planned += rng.expovariate(rate)
        if planned >= stop_sending:
            if not selector.get_map():
                break
            give_up = give_up or time.perf_counter() + ANSWER_TIMEOUT_S
            if time.perf_counter() >= give_up:  # unanswered: failures, at their wait so far
                for key in list(selector.get_map().values()):
                    _finish(selector, key.fileobj, key.data, latencies, statuses, failed=True)
                break
            timeout = max(0.0, give_up - time.perf_counter())
        else:
            timeout = max(0.0, planned - time.perf_counter())
        for key, events in selector.select(timeout):
            _step(selector, key.fileobj, key.data, events, latencies, statuses)
    selector.close()
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


# How long the generator waits, after its last request, for the answers still outstanding.
ANSWER_TIMEOUT_S = 30.0


class _Exchange:
    __slots__ = ("unsent", "planned", "head")

    def __init__(self, request: bytes, planned: float) -> None:
        self.unsent, self.planned, self.head = memoryview(request), planned, b""


def _open(selector, address, request: bytes, planned: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.connect_ex(address)  # EINPROGRESS; writable once connected (or failed)
    selector.register(sock, selectors.EVENT_WRITE, _Exchange(request, planned))


def _step(selector, sock, exchange: _Exchange, events, latencies, statuses) -> None:
    try:
        if events & selectors.EVENT_WRITE:
            exchange.unsent = exchange.unsent[sock.send(exchange.unsent) :]
            if not exchange.unsent:
                selector.modify(sock, selectors.EVENT_READ, exchange)
            return
        chunk = sock.recv(65536)
    except BlockingIOError:  # woken with nothing to do: wait for the next event
        return
    except OSError:  # refused or reset: a failed request
        _finish(selector, sock, exchange, latencies, statuses, failed=True)
        return
    if chunk:
        if len(exchange.head) < 32:  # enough for the status line's code
            exchange.head += chunk
        return
    _finish(selector, sock, exchange, latencies, statuses, failed=False)


def _finish(selector, sock, exchange: _Exchange, latencies, statuses, *, failed: bool) -> None:
    latencies.append((time.perf_counter() - exchange.planned) * 1000)
    selector.unregister(sock)
    sock.close()
    words = exchange.head.split(b" ", 2)
    status = 0 if failed or len(words) < 2 or not words[1].isdigit() else int(words[1])
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
