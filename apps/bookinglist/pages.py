"""A list page's two statements, the paginator's count and the page's rows, kept compiled.

The ORM builds and compiles both on every request: measured in-process, the count was 0.6 ms
and the page's compile 0.4 ms of a page's 5 ms of CPU (docs/performance.md). Here they are
``roombooking.statements.Template``s, one pair per shape of request, run with the request's
values. A shape is what decides the SQL: whether the reader sees only their own and their
rooms' rows, which filters are set (for a list filter, how many values) and the ordering. Each
shape's statements are built by applying the filter set's own filters, in the filter set's
order, to the queryset the ORM path starts from, with marker values, so they are the ORM's
statements (tests/bookinglist/test_kept_pages.py compares pages and counts).

Anything else goes the ORM's way: another database than PostgreSQL, a value of a type the
markers do not cover, a shape the markers cannot follow (refused once, then remembered), and
shapes beyond the first ``MAX_SHAPES`` of a process.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django_filters.constants import EMPTY_VALUES

from apps.bookinglist.filters import BookingListFilter
from apps.bookinglist.models import BookingListRow
from apps.bookinglist.selectors import seen_by
from apps.bookinglist.serializers import ROW_FIELDS
from roombooking.statements import Template, TemplateError, accepts, counted

MAX_SHAPES = 256
ORDERING = "ordering"  # the ordering filter's value is part of the shape, not a parameter

_shapes: dict[tuple, tuple[Template, Template] | None] = {}
_lock = threading.Lock()


class KeptPage:
    """What Django's paginator asks of a queryset (``count()``, a slice, ``ordered``), answered
    by a shape's two templates. A slice is a list of row dicts, as ``values()`` gives them."""

    ordered = True  # the filter set's ordering, or the model's

    def __init__(self, templates: tuple[Template, Template], values: dict[str, Any]) -> None:
        self._count, self._rows = templates
        self._values = values

    def count(self) -> int:
        return self._count.rows(**self._values)[0][0]

    def __getitem__(self, window: slice) -> list[dict]:
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("a kept page is read one window at a time")
        start = window.start or 0
        if window.stop <= start:
            return []
        rows = self._rows.rows(window=(start, window.stop - start), **self._values)
        return [dict(zip(ROW_FIELDS, row, strict=True)) for row in rows]


def kept_page(*, cleaned: dict[str, Any], username: str | None) -> KeptPage | None:
    """The rows that ``cleaned`` (the filter set's cleaned data) selects, narrowed to
    ``username``'s (None: every row, for office staff), or None when they go the ORM's way."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    found = _shape(cleaned, username)
    if found is None:
        return None
    shape, kinds, values = found
    templates = _shapes.get(shape, False)
    if templates is False:
        templates = _make(shape, kinds)
    return None if templates is None else KeptPage(templates, values)


def _shape(cleaned: dict[str, Any], username: str | None):
    """(the shape, each parameter's kind, each parameter's value), or None."""
    parts, kinds, values = [], {}, {}

    def parameter(name: str, value: object) -> bool:
        kind = next((k for k in (int, str, dt.datetime) if accepts(k, value)), None)
        kinds[name], values[name] = kind, value
        return kind is not None

    if username is not None and not parameter("username", username):
        return None
    for name, value in cleaned.items():
        if name == ORDERING:
            parts.append((name, tuple(value or ())))
        elif value in EMPTY_VALUES:
            parts.append((name, None))
        elif isinstance(value, list):
            names = [f"{name}__{index}" for index in range(len(value))]
            if not all(parameter(n, v) for n, v in zip(names, value, strict=True)):
                return None
            parts.append((name, tuple(kinds[n].__name__ for n in names)))
        else:
            if not parameter(name, value):
                return None
            parts.append((name, kinds[name].__name__))
    return (username is not None, tuple(parts)), kinds, values


def _make(shape: tuple, kinds: dict[str, type]) -> tuple[Template, Template] | None:
    with _lock:
        if shape in _shapes:
            return _shapes[shape]
        if len(_shapes) >= MAX_SHAPES:
            return None

        def build(**values: Any) -> QuerySet:
            return _filtered(shape, values)

        def build_count(**values: Any) -> QuerySet:
            return counted(_filtered(shape, values))

        templates = (Template(build_count, **kinds), Template(build, **kinds))
        try:
            for template in templates:
                template.compile()  # now: a shape the markers cannot follow is known
        except TemplateError:
            templates = None
        _shapes[shape] = templates
        return templates


def _filtered(shape: tuple, values: dict[str, Any]) -> QuerySet:
    """The ORM path's queryset for ``shape`` (selectors.visible_values, then the filter set's
    filter_queryset), with ``values`` where the request's values go."""
    restricted, parts = shape
    rows = BookingListRow.objects.values_list(*ROW_FIELDS)
    if restricted:
        rows = seen_by(rows, username=values["username"])
    filters = BookingListFilter(queryset=rows).filters
    for name, part in parts:
        if name == ORDERING:
            value = list(part) or None
        elif part is None:
            value = None
        elif isinstance(part, tuple):
            value = [values[f"{name}__{index}"] for index in range(len(part))]
        else:
            value = values[name]
        rows = filters[name].filter(rows, value)
    return rows
