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
    assert len(_Handler.seen) == run["requests"]
    assert {auth for _, auth, _ in _Handler.seen} == {"Token a", "Token b"}
    assert run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]


def test_a_slow_server_shows_in_the_latencies(server):
    _Handler.delay = 0.05
    run = _run(server, rate=50, seconds=1)
    assert run["p50_ms"] >= 50
