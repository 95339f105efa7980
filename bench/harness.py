"""Processes for the benchmarks: gunicorn, wrk and pgbench, each on this machine only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench.support import connect

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
SQL = ROOT / "bench" / "sql"


def server_env(database_url: str, broker_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        DJANGO_SETTINGS_MODULE="roombooking.settings",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_MANIFEST="true",  # as in production (bench/run.py collects the files)
        API_THROTTLE_WRITES="",  # measure the service, not the limiters
        BOOKING_MAX_FUTURE_PER_USER="100000000",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
    )
    env.update(extra)
    return env


class Gunicorn:
    """The production server (gunicorn.conf.py) with ``workers`` processes on a free port."""

    def __init__(self, *, workers: int, env: dict[str, str], log: Path, port: int = 8765):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "roombooking.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log}")
            try:
                with urllib.request.urlopen(f"{self.base}/health/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not become ready in 60 s")

    def worker_pids(self) -> list[str]:
        return subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                if match:
                    sizes.append(round(int(match.group(1)) / 1024, 1))
        return sizes

    def worker_memory_mb(self) -> list[dict[str, float]]:
        """Each worker's resident size (pages shared with the master and the other workers
        included), proportional size (shared pages divided among their sharers) and unique
        size (its private pages: what one more worker costs), from smaps_rollup."""
        found = []
        for pid in self.worker_pids():
            try:
                text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            kb = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", text, re.MULTILINE)}
            private = kb["Private_Clean"] + kb["Private_Dirty"]
            found.append(
                {name: round(value / 1024, 1) for name, value in
                 (("rss", kb["Rss"]), ("pss", kb["Pss"]), ("uss", private))}
            )  # fmt: skip
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def wrk(
    base: str,
    script: str,
    *,
    seconds: int,
    connections: int,
    env: dict[str, str],
    threads: int = 2,
) -> dict:
    """Run wrk with ``script`` (plus the JSON reporter); returns its figures."""
    combined = ROOT / "bench" / "results" / "tmp" / f"{script}"
    combined.parent.mkdir(parents=True, exist_ok=True)
    combined.write_text((LUA / script).read_text() + "\n" + (LUA / "report.lua").read_text())
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(combined), base],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60,
    )  # fmt: skip
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    figures["connections"] = connections
    return figures


def settle(database_url: str) -> None:
    """VACUUM ANALYZE the benchmark database and CHECKPOINT, before a round: the autovacuum of
    earlier runs' rows and a checkpoint's writes otherwise fall on whichever measurement runs
    then (a round's booking limit moved from 593 to 767 tx/s minutes apart, 2026-11-27)."""
    with connect(database_url) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")


def pgbench(
    database_url: str,
    script: str,
    *,
    seconds: int,
    clients: int,
    variables: dict[str, int],
    before: Callable[[], None] | None = None,
) -> dict:
    """pgbench running ``script`` (the service's SQL without the service): the limit is the
    database at its best, so the script runs with both of pgbench's protocols, its values
    inlined in the text (``simple``) and its statements prepared (``prepared``, as the service's
    are: settings DATABASE_PREPARE_THRESHOLD), and the faster counts; ``before`` runs before
    each (bench/state.py's restore). Returns its figures, with each protocol's tps."""
    runs = {}
    for mode in ("simple", "prepared"):
        if before is not None:
            before()
        runs[mode] = _pgbench(database_url, script, seconds=seconds, clients=clients,
                              variables=variables, mode=mode)  # fmt: skip
    best = max(runs.values(), key=lambda run: run["tps"])
    return {**best, "tps_by_protocol": {mode: run["tps"] for mode, run in runs.items()}}


def _pgbench(
    database_url: str,
    script: str,
    *,
    seconds: int,
    clients: int,
    variables: dict[str, int],
    mode: str,
) -> dict:
    parts = urlsplit(database_url)
    args = ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
            "-U", parts.username or "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds),
            "-M", mode, "-f", str(SQL / script)]  # fmt: skip
    for name, value in variables.items():
        args += ["-D", f"{name}={value}"]
    args.append(parts.path.lstrip("/"))
    result = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if tps is None or result.returncode != 0:  # 2: a client aborted, and the tps with it
        raise RuntimeError(f"pgbench failed: {result.stdout}\n{result.stderr}")
    return {
        "tps": float(tps.group(1)),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "failed": int(failed.group(1)) if failed else 0,
        "clients": clients,
        "protocol": mode,
    }
