"""Rooms and their bookings. The booking app owns "is this slot free?"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.booking.constraints import PostgresOnlyExclusionConstraint, TsTzRange
from apps.booking.events import BOOKED, CANCELLED, CAUSE_DENIED, CAUSE_USER
from apps.booking.validators import validate_equipment, validate_time_zone

DEFAULT_MAX_DURATION = dt.timedelta(hours=12)
APPROVAL_PENDING, APPROVAL_CONFIRMED, APPROVAL_DENIED = "PENDING", "CONFIRMED", "DENIED"
APPROVAL_CHOICES = [
    (APPROVAL_PENDING, "Waiting for approval"),
    (APPROVAL_CONFIRMED, "Approved"),
    (APPROVAL_DENIED, "Denied"),
]
NO_OVERLAP_CONSTRAINT = "booking_active_no_overlap"


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Room(models.Model):
    name = models.CharField(max_length=100, unique=True)
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(max_length=2000, blank=True)
    equipment = models.JSONField(
        default=list, blank=True, validators=[validate_equipment], help_text="Short tags."
    )
    is_active = models.BooleanField(default=True, help_text="Inactive rooms take no bookings.")
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    max_duration = models.DurationField(
        default=DEFAULT_MAX_DURATION,
        validators=[
            MinValueValidator(dt.timedelta(minutes=1)),
            MaxValueValidator(dt.timedelta(days=31)),
        ],
        help_text="The longest booking this room accepts.",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_rooms",
        help_text="Approve or deny this room's bookings.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "capacity"], name="room_active_capacity")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Booking(models.Model):
    STATUS_CHOICES = [(BOOKED, "Booked"), (CANCELLED, "Cancelled")]
    CAUSE_CHOICES = [(CAUSE_USER, "Cancelled by a user"), (CAUSE_DENIED, "Approval denied")]

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    booking_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    use_start_dtm = models.DateTimeField("start")
    use_end_dtm = models.DateTimeField("end")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=BOOKED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_cause = models.CharField(max_length=16, choices=CAUSE_CHOICES, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    # What the confirm app's events said last (see apps.booking.services.approvals); shown by
    # the day view. approval_seq is the bus seq of that event, so a replay changes nothing.
    approval_status = models.CharField(
        max_length=16, choices=APPROVAL_CHOICES, default=APPROVAL_PENDING
    )
    approval_seq = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["use_start_dtm", "id"]
        indexes = [
            # the overlap check and the room/date filters
            models.Index(
                fields=["room", "status", "use_start_dtm", "use_end_dtm"], name="booking_room_slot"
            ),
            models.Index(fields=["booking_user", "status", "use_start_dtm"], name="booking_user"),
            models.Index(fields=["status", "use_start_dtm"], name="booking_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(use_end_dtm__gt=F("use_start_dtm")), name="booking_end_after_start"
            ),
            PostgresOnlyExclusionConstraint(
                name=NO_OVERLAP_CONSTRAINT,
                expressions=[
                    (
                        TsTzRange("use_start_dtm", "use_end_dtm", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("room", RangeOperators.EQUAL),
                ],  # fmt: skip
                condition=Q(status=BOOKED),
                violation_error_message="The room is already booked at that time.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.room} {self.use_start_dtm:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == BOOKED
