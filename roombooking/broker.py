"""kombu's Redis transport with one kept client per channel, for ``redis://`` brokers.

kombu's Redis channel builds a new ``redis.Redis`` for every publish (``conn_or_acquire``); in
redis-py 8 that copies the client's table of some 170 response callbacks each time: about a
third of the CPU of handing a booking's delivery tasks to the broker (docs/performance.md). A
client holds no connection of its own (it borrows one from the channel's pool for each
command), so one per channel serves every publish, from any thread. Settings select it
(``CELERY_BROKER_TRANSPORT = transport_for(CELERY_BROKER_URL)``) for ``redis://`` URLs;
``rediss://`` keeps kombu's own (kombu checks that scheme's TLS options by its name).
"""

from __future__ import annotations

from contextlib import contextmanager

from kombu.transport import redis


class Channel(redis.Channel):
    _kept: tuple | None = None  # (the pool it was made for, the client)

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        pool = self.pool  # a new one after a fork or a failed connection check
        if self._kept is None or self._kept[0] is not pool:
            self._kept = (pool, self._create_client())
        yield self._kept[1]


class Transport(redis.Transport):
    Channel = Channel


TRANSPORT = f"{__name__}:Transport"


def transport_for(url: str) -> str | None:
    """Celery's ``broker_transport`` for ``url``: ours for ``redis://``, else None (kombu then
    picks the transport by the URL's scheme)."""
    return TRANSPORT if url.split("://", 1)[0] == "redis" else None
