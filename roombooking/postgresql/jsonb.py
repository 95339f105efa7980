"""JSON documents for ``jsonb`` parameters written with orjson, where it writes the same value.

Django hands each JSONField value to psycopg with the standard library's ``json.dumps``: the
booking's event payloads, approvers, booking list managers and calendar specs, about 3 % of a
loaded web worker's samples (py-spy, 2026-11-27). orjson writes a document in about a tenth of
that time, but not always the same document: NaN and infinities become ``null``, and it writes
some types the standard library refuses (UUIDs, enums). So ``dumps`` keeps orjson's text only
when reading it back gives the value it was given (equal in Python: a UUID would come back a
string, NaN as None, a tuple as a list), with datetimes, dataclasses and subclasses of the
built-in types handed to the standard library's way by orjson's own options. Otherwise, or when
orjson refuses the value (keys that are not strings, integers beyond 64 bits, lone
surrogates), the standard library writes it, as before, errors included.

The text differs from the standard library's in spacing and in writing non-ASCII characters
as they are; ``jsonb`` stores the value, not the text, so the stored documents are the same
(tested against ``json.dumps`` with generated documents and the cases above, and in
PostgreSQL: tests/platform/test_jsonb.py).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _refuse(value: Any) -> Any:
    raise TypeError


def dumps(value: Any) -> bytes | str:
    """``value`` as a JSON document whose ``jsonb`` value is ``json.dumps(value)``'s."""
    try:
        text = orjson.dumps(value, default=_refuse, option=_OPTIONS)
    except TypeError:  # orjson's JSONEncodeError is one
        return json.dumps(value)
    if orjson.loads(text) == value:
        return text
    return json.dumps(value)
