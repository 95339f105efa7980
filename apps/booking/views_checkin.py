"""``/check-in/<token>``: the one-click check-in link of the booker's reminder email (HTML).

GET only shows the booking and one button; the POST of that button checks in. Mail scanners and
link previews fetch links with GET, so they cannot check anyone in. The signed token stands for
the booker (no sign-in needed: the link is in their mailbox), bound to the booking, the booker and
its start (see ``apps.booking.services.checkin``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.booking import services
from apps.booking.models import Booking
from apps.booking.services.checkin import check_in_window, read_link
from roombooking.errors import Conflict

INVALID_LINK = "This check-in link is not valid."


@require_http_methods(["GET", "HEAD", "POST"])
def check_in_link_view(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_of(token)
    if booking is None:
        return _page(request, None, error=INVALID_LINK, status=400)
    if request.method != "POST":
        return _page(request, booking)
    try:
        booking = services.check_in_with_link(token=token)
    except ValidationError as error:
        return _page(request, booking, error=_first(error), status=400)
    except Conflict as conflict:
        return _page(request, booking, error=str(conflict.detail), status=409)
    return _page(request, booking, done=True)


def _booking_of(token: str) -> Booking | None:
    claims = read_link(token)
    if claims is None:
        return None
    return Booking.objects.select_related("room", "booking_user").filter(pk=claims["b"]).first()


def _page(
    request: HttpRequest,
    booking: Booking | None,
    *,
    error: str = "",
    done: bool = False,
    status: int = 200,
) -> HttpResponse:
    context: dict = {"booking": booking, "error": error, "done": done}
    if booking is not None:
        zone = booking.room.zone
        window = check_in_window(booking)
        context.update(
            start=booking.use_start_dtm.astimezone(zone),
            end=booking.use_end_dtm.astimezone(zone),
            opens=window.opens.astimezone(zone),
            closes=window.closes.astimezone(zone),
            checked_in=booking.checked_in_at.astimezone(zone) if booking.checked_in_at else None,
            zone=zone.key,
            now=timezone.now(),
        )
    response = render(request, "booking/check_in.html", context, status=status)
    # The token is in the URL: no Referer to other sites. Not "no-referrer": the button's POST
    # would then carry "Origin: null", which Django's CSRF check refuses (a real browser did).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _first(error: ValidationError) -> str:
    messages = error.message_dict.get("token") if hasattr(error, "error_dict") else None
    return (messages or error.messages or [INVALID_LINK])[0]
