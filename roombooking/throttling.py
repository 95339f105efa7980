"""Rate limits that never make the cache a dependency of booking.

``WriteRateThrottle`` limits unsafe API calls per user (``API_THROTTLE_WRITES``, e.g. "60/min");
429 with ``Retry-After``. If the cache (Redis in production) is down, requests pass and the
failure is logged: a throttle must not turn a cache outage into a booking outage.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


class FailOpenThrottle:
    """Mixin for a DRF rate throttle: the rate is read per request (``get_rate``: tests and
    settings may change it), and a cache outage lets the request pass, with a warning."""

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend is down: fail open, loudly
            logger.warning("throttle cache unavailable, %s allowed: %s", self.scope, exc)
            return True


class WriteRateThrottle(FailOpenThrottle, UserRateThrottle):
    scope = "writes"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_WRITES or None  # read per request: tests may change it

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
