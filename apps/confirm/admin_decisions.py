"""Running admin decisions through the services and turning each outcome into a message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from rest_framework.exceptions import APIException

from apps.confirm import services
from apps.confirm.events import CONFIRMED, DENIED
from apps.confirm.models import Confirm


@dataclass
class Outcome:
    decided: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def decide_each(
    request: HttpRequest, confirms: Iterable[Confirm], *, status: str, reason: str = ""
) -> Outcome:
    """Decide every request in its own transaction (one failure does not undo the others)."""
    outcome = Outcome()
    for confirm in confirms:
        label = describe(confirm)
        try:
            services.decide_confirm(
                confirm_id=confirm.pk, user=request.user, status=status, reason=reason
            )
        except Http404:
            outcome.failed.append(f"{label}: the booking was cancelled meanwhile")
        except PermissionDenied:
            outcome.failed.append(f"{label}: you do not manage this room")
        except APIException as exc:  # Conflict: already decided
            outcome.failed.append(f"{label}: {exc.detail}")
        except ValidationError as exc:
            outcome.failed.append(f"{label}: {'; '.join(exc.messages)}")
        else:
            outcome.decided.append(label)
    return outcome


def decide_series(
    request: HttpRequest, confirms: Iterable[Confirm], *, status: str, reason: str = ""
) -> Outcome:
    """Decide the whole series of each selected request (each series in its own transaction);
    a selected request without a series is decided alone."""
    outcome = Outcome()
    seen: set[int] = set()
    for confirm in confirms:
        if confirm.series_id is None:
            single = decide_each(request, [confirm], status=status, reason=reason)
            outcome.decided += single.decided
            outcome.failed += single.failed
            continue
        if confirm.series_id in seen:
            continue
        seen.add(confirm.series_id)
        label = f"series {confirm.series_id} ({confirm.room_name or confirm.room_id})"
        try:
            decided = services.decide_series(
                series_id=confirm.series_id, user=request.user, status=status, reason=reason
            )
        except Http404:
            outcome.failed.append(f"{label}: its bookings were cancelled meanwhile")
        except PermissionDenied:
            outcome.failed.append(f"{label}: you do not manage this room")
        except APIException as exc:  # Conflict: nothing waits
            outcome.failed.append(f"{label}: {exc.detail}")
        except ValidationError as exc:
            outcome.failed.append(f"{label}: {'; '.join(exc.messages)}")
        else:
            outcome.decided.append(f"{label}, {len(decided)} occurrence(s)")
    return outcome


def report(request: HttpRequest, outcome: Outcome, *, status: str) -> None:
    verb = {CONFIRMED: "Approved", DENIED: "Denied"}[status]
    if outcome.decided:
        extra = " Their bookings are cancelled and the slots free." if status == DENIED else ""
        messages.success(
            request,
            f"{verb} {len(outcome.decided)} request(s): {', '.join(outcome.decided)}.{extra}",
        )
    for failure in outcome.failed:
        messages.error(request, f"Not {verb.lower()}: {failure}.")


def describe(confirm: Confirm) -> str:
    return f"#{confirm.pk} ({confirm.room_name or confirm.room_id}, {confirm.user_id})"
