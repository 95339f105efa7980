"""bench/open_loop.py: it sends requests at the rate asked, each on its own connection, and
counts latencies from the planned arrival, so a slow server shows in them."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import open_loop


class _Handler(BaseHTTPRequestHandler):
    delay = 0.0
    seen: list[tuple[str, str, int]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, self.headers["Authorization"], len(body)))
        time.sleep(self.delay)
        self.send_response(201 if b"roomId" in body else 400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.seen, _Handler.delay = [], 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def _run(httpd, rate, seconds):
    """On a thread of its own: the browser tests' Playwright keeps an event loop running on the
    main thread, where ``asyncio.run`` refuses to start another."""
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    answer = {}

    def generate():
        answer.update(
            open_loop.post_bookings(
                base,
                rate=rate,
                seconds=seconds,
                tokens=["a", "b"],
                rooms=5,
                base_epoch=2_000_000_000,
            )
        )

    thread = threading.Thread(target=generate)
    thread.start()
    thread.join(timeout=60)
    return answer


def test_requests_arrive_at_the_rate_asked(server):
    run = _run(server, rate=100, seconds=2)
    assert 140 <= run["requests"] <= 260  # Poisson: 200 expected
    assert run["statuses"] == {"201": run["requests"]}
    assert 0.0 <= run["machine_busy"] <= 1.0
    assert len(_Handler.seen) == run["requests"]
    assert {auth for _, auth, _ in _Handler.seen} == {"Token a", "Token b"}
    assert run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]


def test_a_slow_server_shows_in_the_latencies(server):
    _Handler.delay = 0.05
    run = _run(server, rate=50, seconds=1)
    assert run["p50_ms"] >= 50


def test_cores_busy_share_follows_the_machine_load():
    """``machine_busy`` reads /proc/stat's idle time: cores kept spinning read as nearly all
    busy, and the share is a fraction of the whole machine."""
    import multiprocessing
    import os

    before = open_loop.cpu_times()
    time.sleep(0.3)
    assert 0.0 <= open_loop.busy_share(before, open_loop.cpu_times()) <= 1.0

    until = time.monotonic() + 2.0
    spinners = [
        multiprocessing.Process(target=_spin, args=(until,)) for _ in range(os.cpu_count() or 1)
    ]
    for spinner in spinners:
        spinner.start()
    try:
        time.sleep(0.3)  # the spinners are running
        before = open_loop.cpu_times()
        time.sleep(1.0)
        busy = open_loop.busy_share(before, open_loop.cpu_times())
    finally:
        for spinner in spinners:
            spinner.join(timeout=10)
    assert busy > 0.8


def test_busy_share_of_a_known_interval():
    assert open_loop.busy_share((100, 1000), (150, 1200)) == 0.75  # 50 idle of 200 ticks
    assert open_loop.busy_share((100, 1000), (100, 1000)) == 0.0


def _spin(until: float) -> None:
    while time.monotonic() < until:
        pass
