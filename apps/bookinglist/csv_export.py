"""The CSV export: the filtered list streamed row by row, never held in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from apps.bookinglist.serializers import BookingListRowSerializer

CHUNK = 2000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _lines(rows: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    fields = BookingListRowSerializer().fields
    yield writer.writerow(list(fields))
    for row in rows.iterator(chunk_size=CHUNK):
        data = BookingListRowSerializer(row).data
        yield writer.writerow([_cell(data[name]) for name in fields])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def csv_response(rows: QuerySet, *, filename: str = "booking-list.csv") -> StreamingHttpResponse:
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
