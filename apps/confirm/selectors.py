"""Read queries of the confirm app."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from apps.confirm.models import Confirm, ConfirmApprover
from roombooking.models import EventLog
from roombooking.roles import is_office_staff


def confirms_visible_to(user) -> QuerySet[Confirm]:
    """API visibility: office staff see every request; others the requests of rooms they manage
    and their own bookings' requests."""
    if not (user and user.is_authenticated and user.is_active):
        return Confirm.objects.none()
    if is_office_staff(user):
        return Confirm.objects.all()
    username = user.get_username()
    # One IN (... UNION ...) rather than "approver = me OR booker = me": PostgreSQL answers the OR
    # with a scan of the whole table, the union with two index lookups.
    own = Confirm.objects.filter(user_id=username).order_by().values("id")
    return Confirm.objects.filter(id__in=_managed_by(username).union(own))


def confirms_to_decide_for(user) -> QuerySet[Confirm]:
    """The admin's list: office staff see every request (they decide for rooms without managers);
    a room manager sees only the requests of the rooms they manage."""
    if not (user and user.is_authenticated and user.is_active):
        return Confirm.objects.none()
    if is_office_staff(user):
        return Confirm.objects.all()
    return Confirm.objects.filter(id__in=_managed_by(user.get_username()))


def _managed_by(username: str) -> QuerySet:
    return ConfirmApprover.objects.filter(username=username).order_by().values("confirm_id")


def logged_time(seq: int) -> dt.datetime:
    """When the bus logged event ``seq``: the same live and when the log is replayed."""
    return EventLog.objects.values_list("occurred_at", flat=True).get(pk=seq)
