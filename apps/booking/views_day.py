"""``/day``: the day view (HTML, signed-in users). Booking from it calls the same service as the
API (``services.create_booking``); its 400s and 409s are shown in the form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.booking import day, services
from apps.booking.forms_day import DayBookingForm
from apps.booking.models import Room
from apps.booking.serializers_availability import EARLIEST_DATE, LATEST_DATE
from roombooking.errors import Conflict


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def day_view(request: HttpRequest) -> HttpResponse:
    date, date_error = _date(request.GET.get("date"))
    rooms = list(Room.objects.filter(is_active=True).order_by("name", "id"))
    status, conflicts, form = 200, [], None
    if request.method == "POST":
        form = DayBookingForm(request.POST, rooms=rooms)
        if form.is_valid():
            try:
                booking = services.create_booking(
                    actor=request.user,
                    room_id=form.cleaned_data["room"],
                    use_start_dtm=form.cleaned_data["start"],
                    use_end_dtm=form.cleaned_data["end"],
                )
            except ValidationError as error:
                form.add_service_errors(error.message_dict)
            except Conflict as error:
                form.add_error(None, str(error.detail))
                conflicts = error.extra.get("conflicts", [])
                status = 409
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                local = booking.use_start_dtm.astimezone(booking.room.zone)
                end = booking.use_end_dtm.astimezone(booking.room.zone)
                # A room that approves automatically has approved it already (docs/policies.md).
                outcome = "waiting for approval" if booking.room.approval_required else "approved"
                messages.success(
                    request,
                    f"Booked {booking.room.name}, {local:%Y-%m-%d %H:%M}–{end:%H:%M}: {outcome}.",
                )
                return redirect(f"{reverse('booking-day')}?date={local.date()}")
        status = status if status != 200 else 400
        date = _form_date(form) or date
    elif request.GET.get("room") and request.GET.get("start"):
        form = _prefilled(request.GET, rooms=rooms)
    context = {
        "date": date,
        "previous_day": date - dt.timedelta(days=1),
        "next_day": date + dt.timedelta(days=1),
        "date_error": date_error,
        "hours": [f"{hour:02d}:00" for hour in day.HOURS],
        "rows": day.day_grid(date=date, user=request.user),
        "form": form,
        "conflicts": conflicts,
    }
    return render(request, "booking/day.html", context, status=status)


def _date(text: str | None) -> tuple[dt.date, str]:
    today = timezone.localdate()  # in settings.TIME_ZONE
    if not text:
        return today, ""
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        return today, f"{text[:40]!r} is not a date (YYYY-MM-DD); showing today."
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        return today, f"Choose a date from {EARLIEST_DATE} to {LATEST_DATE}; showing today."
    return date, ""


def _form_date(form: DayBookingForm) -> dt.date | None:
    start = form.cleaned_data.get("start") if hasattr(form, "cleaned_data") else None
    if isinstance(start, dt.datetime) and EARLIEST_DATE <= start.date() <= LATEST_DATE:
        return start.date()
    return None


def _prefilled(query, *, rooms: list[Room]) -> DayBookingForm:
    """The form a click on a free cell opens: that room, that hour, one hour long."""
    form = DayBookingForm(rooms=rooms)
    try:
        start = dt.datetime.fromisoformat(query["start"])
    except ValueError:
        return form
    form.initial = {
        "room": query["room"],
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }
    return form
