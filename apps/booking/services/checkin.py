"""Check-in for rooms that require it: the window, the action and the signed one-click link.

The window opens ``CHECK_IN_OPENS_BEFORE`` before the start and closes ``CHECK_IN_CLOSES_AFTER``
after it (never after the end). A booking not checked in when it closes is released by
``apps.booking.services.lifecycle.release_no_shows``. A check-in and a release take the booking's
bus lock and then its row, and each re-checks the state under them: exactly one of the two wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from apps.booking.events import CANCELLED, CAUSE_NO_SHOW, BookingCheckedIn
from apps.booking.models import Booking
from apps.booking.services.bookings import lock_for_update, snapshot
from roombooking import bus
from roombooking.datetimes import format_iso
from roombooking.errors import Conflict
from roombooking.roles import is_office_staff

LINK_SALT = "apps.booking.check-in-link"


@dataclass(frozen=True)
class Window:
    opens: dt.datetime
    closes: dt.datetime

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.opens <= moment <= self.closes


def check_in_window(booking: Booking) -> Window:
    start = booking.use_start_dtm
    closes = min(start + settings.CHECK_IN_CLOSES_AFTER, booking.use_end_dtm)
    return Window(opens=start - settings.CHECK_IN_OPENS_BEFORE, closes=closes)


def check_in(*, actor, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Check in to a booking of a room that requires it; only the booker or office staff.

    404 for a booking the actor may not see; 403 for a room manager (who sees it but does not
    attend for the booker); 409 when the room needs no check-in, the booking was cancelled (or
    released), or ``now`` is outside the window (the message and ``checkInOpensDtm`` /
    ``checkInClosesDtm`` give it). Checking in twice is harmless: the second changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _visible_locked(actor, booking_id)
        if booking.booking_user_id != actor.pk and not is_office_staff(actor):
            raise PermissionDenied("Only the booker or office staff may check in.")
        return _check_in_locked(booking, actor=actor.get_username(), now=now)


def check_in_with_link(*, token: str, now: dt.datetime | None = None) -> Booking:
    """The one-click link's POST: the signed token stands for the booker (see ``check_in_url``).

    400 (``ValidationError`` on ``token``) when the signature is bad or the booking moved since
    the link was made; the same 409s as ``check_in`` otherwise.
    """
    now = now or timezone.now()
    claims = read_link(token)
    if claims is None:
        raise ValidationError({"token": ["This check-in link is not valid."]})
    with transaction.atomic():
        try:
            booking = lock_for_update(claims["b"])
        except Http404:
            raise ValidationError({"token": ["This check-in link is not valid."]}) from None
        if booking.booking_user_id != claims["u"] or _stamp(booking) != claims["s"]:
            raise ValidationError(
                {"token": ["This link is for an earlier time or room of the booking."]}
            )
        return _check_in_locked(booking, actor=booking.booking_user.get_username(), now=now)


def check_in_url(booking: Booking) -> str:
    """The signed one-click link for ``booking``'s check-in page: bound to the booking, its
    booker and its start (a moved booking needs a new link), and useless once the window has
    closed (the check-in itself is refused then)."""
    token = signing.dumps(
        {"b": booking.pk, "u": booking.booking_user_id, "s": _stamp(booking)},
        salt=LINK_SALT,
        compress=False,
    )
    return settings.PUBLIC_BASE_URL + reverse("booking-check-in-link", args=[token])


def read_link(token: str) -> dict | None:
    """The claims of a link's token, or None when it was not signed by us."""
    try:
        claims = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or not {"b", "u", "s"} <= set(claims):
        return None
    return claims


def _stamp(booking: Booking) -> str:
    return f"{booking.room_id}@{int(booking.use_start_dtm.timestamp())}"


def _visible_locked(actor, booking_id: int) -> Booking:
    """The booking under lock, if ``actor`` may see it at all (cancelled ones included, so that
    a check-in that lost the race to a release is told so); else 404."""
    if not Booking.objects.filter(pk=booking_id).exists():
        # Before the lock: an id beyond bigint would fail in pg_advisory_xact_lock (a 500).
        raise Http404
    booking = lock_for_update(booking_id)
    if booking.booking_user_id == actor.pk or is_office_staff(actor):
        return booking
    if booking.status != CANCELLED and booking.room.managers.filter(pk=actor.pk).exists():
        return booking  # a manager of the room sees it (and is then refused with a 403)
    raise Http404


def _check_in_locked(booking: Booking, *, actor: str, now: dt.datetime) -> Booking:
    if booking.status == CANCELLED:
        if booking.cancel_cause == CAUSE_NO_SHOW:
            raise Conflict(
                f"Booking {booking.pk} was released: nobody checked in in time.",
                code="booking_released",
            )
        raise Conflict(f"Booking {booking.pk} is cancelled.", code="booking_cancelled")
    if not booking.room.requires_check_in:
        raise Conflict(
            f"{booking.room.name} does not require check-in.", code="check_in_not_required"
        )
    if booking.checked_in_at is not None:
        return booking  # a double click or a second device: already done
    window = check_in_window(booking)
    if now not in window:
        zone = booking.room.zone
        opens, closes = format_iso(window.opens, zone=zone), format_iso(window.closes, zone=zone)
        state = "has not opened yet" if now < window.opens else "has closed"
        raise Conflict(
            f"Check-in for booking {booking.pk} {state}: it is open from {opens} to {closes}.",
            code="check_in_not_open" if now < window.opens else "check_in_closed",
            checkInOpensDtm=opens,
            checkInClosesDtm=closes,
        )
    booking.checked_in_at = now
    booking.save(update_fields=["checked_in_at", "updated_at"])
    bus.publish(
        BookingCheckedIn(**snapshot(booking, actor=actor), checked_in_dtm=now.astimezone(dt.UTC))
    )
    return booking
