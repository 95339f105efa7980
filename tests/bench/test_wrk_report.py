"""bench/lua/report.lua: wrk's own summary says only how many answers were not 2xx or 3xx; the
benchmark's report also says which statuses they were (a 409 for a slot two random bookings
both took is expected; a 500 is a bug), summed over wrk's threads."""

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import harness
from tests.ci import IN_CI

if shutil.which("wrk") is None and not IN_CI:
    pytest.skip("wrk is not installed (apt-get install wrk)", allow_module_level=True)


class _Handler(BaseHTTPRequestHandler):
    """Answers the n-th request with 500 when n % 10 == 0, 409 when n % 10 == 1, else 201."""

    protocol_version = "HTTP/1.1"  # wrk keeps its connections open
    lock = threading.Lock()
    answered: dict[int, int] = {}

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            n = sum(self.answered.values())
            status = {0: 500, 1: 409}.get(n % 10, 201)
            self.answered[status] = self.answered.get(status, 0) + 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # wrk drops its connections at the end, some mid-answer


def test_the_report_counts_answers_by_status_over_all_threads():
    _Handler.answered = {}
    httpd = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        figures = harness.wrk(
            f"http://127.0.0.1:{httpd.server_address[1]}",
            "post_booking.lua",
            seconds=1,
            connections=4,
            threads=2,
            env={"BENCH_TOKENS": "a,b", "BENCH_ROOMS": "5", "BENCH_BASE_EPOCH": "2000000000"},
        )
    finally:
        httpd.shutdown()
        httpd.server_close()

    statuses = {int(code): count for code, count in figures["statuses"].items()}
    assert set(statuses) == {201, 409, 500}
    # wrk stops with up to one request per connection answered but not read, and not counted
    for status, answered in _Handler.answered.items():
        assert 0 <= answered - statuses[status] <= 4
    assert sum(_Handler.answered.values()) - sum(statuses.values()) <= 4
    assert sum(statuses.values()) == figures["requests"]
    assert figures["errors_status"] == statuses[409] + statuses[500]
