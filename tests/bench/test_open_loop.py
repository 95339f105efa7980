"""bench/open_loop.py: it sends requests at the rate asked, each on its own connection, and
counts latencies from the planned arrival, so a slow server shows in them."""

import socket
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
    return _run_at(f"http://127.0.0.1:{httpd.server_address[1]}", rate, seconds)


def _run_at(base, rate, seconds):
    """On a thread of its own, with a deadline: a generator that hangs fails the test."""
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


def test_refused_connections_are_failures_not_a_hang():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = _run_at(f"http://127.0.0.1:{port}", rate=50, seconds=0.5)
    assert run["requests"] > 0
    assert run["statuses"] == {"0": run["requests"]}
    assert run["errors_status"] == run["requests"]


def test_unanswered_requests_fail_after_the_answer_timeout(monkeypatch):
    """A server that accepts and never answers: the generator gives up ANSWER_TIMEOUT_S after
    its last request and counts each as a failure at its wait so far."""
    monkeypatch.setattr(open_loop, "ANSWER_TIMEOUT_S", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(128)
        run = _run_at(f"http://127.0.0.1:{silent.getsockname()[1]}", rate=40, seconds=0.5)
    assert run["requests"] > 0
    assert run["statuses"] == {"0": run["requests"]}
    assert run["p50_ms"] >= 500


def test_a_status_line_split_over_packets_is_read():
    """The status code is read from the answer's first bytes, however they arrive."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.2)
        done = threading.Event()

        def answer_in_pieces():
            while not done.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.recv(65536)
                    for piece in (b"HTTP/1.1 2", b"01 Created\r\n", b"Content-Length: 0\r\n\r\n"):
                        connection.sendall(piece)
                        time.sleep(0.005)

        thread = threading.Thread(target=answer_in_pieces)
        thread.start()
        try:
            run = _run_at(f"http://127.0.0.1:{listener.getsockname()[1]}", rate=20, seconds=0.5)
        finally:
            done.set()
            thread.join(timeout=10)
    assert run["requests"] > 0
    assert run["statuses"] == {"201": run["requests"]}


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
