"""Recurrence rules (RFC 5545 ``RRULE``) checked and expanded with python-dateutil.

Occurrences keep the wall-clock times of the first one in the room's time zone: a weekly 09:00
meeting stays at 09:00 across a daylight-saving change. Errors are 400s naming ``rrule``.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from itertools import islice

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError

from roombooking.datetimes import DateTimeInputError, make_aware

MAX_RULE_LENGTH = 500
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
# Parts that choose days. BYHOUR, BYMINUTE and BYSECOND would change the time of day, which
# useStartDtm/useEndDtm fix; BYYEARDAY and BYWEEKNO only make sense for yearly rules.
PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-]+$")
_UNTIL = re.compile(r"^(\d{8})(T\d{6})?(Z)?$")


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime  # aware, in the room's time zone
    end: dt.datetime


def normalized_rule(text: object) -> str:
    """The rule's parts as given, upper-cased, without a leading ``RRULE:``; a 400 for anything
    that is not a single RRULE line of known parts with a supported FREQ and COUNT or UNTIL."""
    if not isinstance(text, str) or not text.strip():
        raise _invalid("Give a recurrence rule such as FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10.")
    rule = text.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if len(rule) > MAX_RULE_LENGTH:
        raise _invalid(f"At most {MAX_RULE_LENGTH} characters.")
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        if not _PART.match(part):
            raise _invalid(f"{part[:40]!r} is not a NAME=VALUE part of an RRULE.")
        name, value = part.split("=", 1)
        if name in parts:
            raise _invalid(f"{name} is given twice.")
        if name not in PARTS:
            raise _invalid(f"{name} is not supported; use {', '.join(sorted(PARTS))}.")
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise _invalid(f"FREQ must be one of {', '.join(FREQUENCIES)}.")
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise _invalid("Give either COUNT or UNTIL (exactly one), so that the series ends.")
    if "UNTIL" in parts and not _UNTIL.match(parts["UNTIL"]):
        raise _invalid("UNTIL must be a date (20261231) or a date-time (20261231T235959Z).")
    return ";".join(f"{name}={value}" for name, value in parts.items())


def expand(
    rule: str, *, start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo, maximum: int
) -> list[Occurrence]:
    """The occurrences of ``rule`` (see ``normalized_rule``) for a first slot ``start``..``end``
    (aware). dateutil yields the dates; each keeps the first slot's local start and duration."""
    local_start = start.astimezone(zone).replace(tzinfo=None)
    local_length = end.astimezone(zone).replace(tzinfo=None) - local_start
    try:
        expanded = dateutil_rrule.rrulestr(
            "RRULE:" + _with_local_until(rule, zone), dtstart=local_start, cache=False
        )
        locals_ = list(islice(iter(expanded), maximum + 1))
    except (ValueError, TypeError, OverflowError) as error:
        raise _invalid(f"Not a valid recurrence rule: {error}.") from None
    if len(locals_) > maximum:
        raise _invalid(f"The rule gives more than {maximum} occurrences; at most {maximum}.")
    if not locals_:
        raise _invalid("The rule gives no occurrence on or after useStartDtm.")
    occurrences = []
    for local in locals_:
        try:
            occurrences.append(
                Occurrence(
                    start=make_aware(local, zone=zone),
                    end=make_aware(local + local_length, zone=zone),
                )
            )
        except DateTimeInputError as error:  # a daylight-saving gap
            raise _invalid(f"The occurrence on {local:%Y-%m-%d}: {error}") from None
    return occurrences


def _with_local_until(rule: str, zone: zoneinfo.ZoneInfo) -> str:
    """dateutil wants UNTIL in the same kind as DTSTART (a local wall-clock time here): a UTC
    UNTIL (``...Z``) becomes the room's local time; a bare date means the end of that day."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    until = parts.get("UNTIL")
    if until is None:
        return rule
    day, time, utc = _UNTIL.match(until).groups()
    if utc:
        moment = dt.datetime.strptime(day + (time or "T000000"), "%Y%m%dT%H%M%S")
        local = moment.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
    elif time:
        local = dt.datetime.strptime(day + time, "%Y%m%dT%H%M%S")
    else:
        local = dt.datetime.strptime(day, "%Y%m%d").replace(hour=23, minute=59, second=59)
    parts["UNTIL"] = local.strftime("%Y%m%dT%H%M%S")
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _invalid(reason: str) -> ValidationError:
    return ValidationError({"rrule": [reason]})
