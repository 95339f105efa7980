"""A JSON renderer built on orjson: the same output as DRF's, several times faster to encode."""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default  # DRF's own rules for Decimal, lazy strings, durations, ...


class FastJSONRenderer(JSONRenderer):
    """Compact UTF-8 JSON; for the browsable API's pretty view (``indent``), DRF's own."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        return orjson.dumps(data, default=_fallback, option=orjson.OPT_NON_STR_KEYS)
