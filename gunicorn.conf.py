"""Production web server settings (``gunicorn -c gunicorn.conf.py roombooking.wsgi``).

Every value can be overridden from the environment; the defaults suit a small container.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# One process per core, and one more to take a request while another waits for the database.
# A booking is mostly Python (on the ninth session's machine 5.1-5.3 ms of its CPU, against
# 1.9-2.2 ms in PostgreSQL), so more processes only share the cores: at half load on two cores
# three processes gave a lower p99 than four in 7 of 7 alternating runs, and used less CPU per
# booking (docs/performance.md); four had been lower than two.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM workers finish their current requests for up to this long (draining).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so that a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Calendar feed URLs carry their only credential: the access log shows them redacted.
logger_class = "roombooking.gunicorn_logger.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "roombooking-web"
# gunicorn's control socket (gunicornc) is off unless a path is given: its default path,
# ~/.gunicorn/gunicorn.ctl, would be shared by every gunicorn of the host (two web instances).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if control_socket_disable:
    del control_socket

# Load the application once, in the master, then fork (docs/performance.md): the workers start
# warm and share the loaded code's pages. Nothing may connect or start a thread before the fork,
# and nothing does: Django opens database connections on first use, Celery its broker
# connections and producer pool on first publish (and resets them after a fork), the
# notification hand-off its publishing thread on first use in each process.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")

if preload_app:
    # No collection while the application loads: freed objects would leave holes in pages
    # that the workers then share (the advice of the gc module's documentation).
    gc.disable()


def when_ready(server) -> None:
    if preload_app:
        # Django imports the views (DRF, the serializers, the admin) on the first request:
        # do it here, before the fork, so that the workers share them too.
        from django.urls import get_resolver

        get_resolver().reverse_dict  # noqa: B018  (imports the URLconf and builds its index)
    _freeze_loaded_heap()
    gc.enable()  # the master collects what it allocates from now on


def pre_fork(server, worker) -> None:
    _freeze_loaded_heap()  # also what the master allocated since, before each (re)spawn


def _freeze_loaded_heap() -> None:
    """Move every object alive now into the collector's permanent generation: a worker's full
    collections then never walk (and so never write to) the loaded application's 180 thousand
    objects: they stay shared copy-on-write pages, and a full collection walks a tenth as much
    (52 ms of a worker's CPU without the freeze; docs/performance.md)."""
    gc.freeze()
