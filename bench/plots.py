"""PNG plots of bench/results/service.json for docs/performance.md."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

IMG = Path(__file__).resolve().parent.parent / "docs" / "img"


def draw(results: dict) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    service = results["service"]
    workers = [run["web_processes"] for run in service]

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(workers, [r["post_bookings"]["rps"] for r in service], "o-", label="POST /bookings")
    ax.plot(workers, [r["list_page"]["rps"] for r in service], "s-", label="GET /bookingLists")
    ax.axhline(results["limit"]["booking"]["tps"], ls="--", c="C0", lw=1, label="booking limit")
    ax.set_xlabel("web processes")
    ax.set_ylabel("requests per second")
    ax.set_xticks(workers)
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("Throughput by web processes (same machine, same run)")
    fig.tight_layout()
    fig.savefig(IMG / "bench-throughput.png", dpi=120)
    plt.close(fig)

    sizes = results["list_by_size"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([s["rows"] for s in sizes], [s["p50_ms"] for s in sizes], "o-", label="p50")
    ax.plot([s["rows"] for s in sizes], [s["p99_ms"] for s in sizes], "s-", label="p99")
    ax.set_xscale("log")
    ax.set_xlabel("rows in the booking list")
    ax.set_ylabel("ms per page of 50")
    ax.legend()
    ax.set_title("List page latency by table size")
    fig.tight_layout()
    fig.savefig(IMG / "bench-list-by-size.png", dpi=120)
    plt.close(fig)
