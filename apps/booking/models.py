"""Rooms and their bookings. The booking app owns "is this slot free?"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.booking.constraints import PostgresOnlyExclusionConstraint, TsTzRange
from apps.booking.events import (
    BOOKED,
    CANCELLED,
    CAUSE_DENIED,
    CAUSE_EXPIRED,
    CAUSE_NO_SHOW,
    CAUSE_USER,
)
from apps.booking.validators import validate_equipment, validate_time_zone

DEFAULT_MAX_DURATION = dt.timedelta(hours=12)
MAX_DURATION_LIMIT = dt.timedelta(days=31)
APPROVAL_REQUIRED, APPROVAL_AUTOMATIC = "REQUIRED", "AUTOMATIC"
APPROVAL_MODE_CHOICES = [
    (APPROVAL_REQUIRED, "A manager approves each booking"),
    (APPROVAL_AUTOMATIC, "Automatic: the system approves at once"),
]
MAX_DAYS_AHEAD_LIMIT = 3660  # ten years: "unlimited" is null, not a huge number
MAX_FUTURE_BOOKINGS_LIMIT = 10_000
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MIDNIGHT = dt.time(0, 0)
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
            MaxValueValidator(MAX_DURATION_LIMIT),
        ],
        help_text="The longest booking this room accepts.",
    )
    # Policies (apps.booking.services.policies checks them on every booking path).
    approval_mode = models.CharField(
        max_length=16, choices=APPROVAL_MODE_CHOICES, default=APPROVAL_REQUIRED
    )
    min_duration = models.DurationField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(dt.timedelta(minutes=1)),
            MaxValueValidator(MAX_DURATION_LIMIT),
        ],
        help_text="The shortest booking this room accepts (empty: no minimum).",
    )
    max_days_ahead = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS_AHEAD_LIMIT)],
        help_text="A booking starts at most this many days from now (empty: no limit).",
    )
    max_future_bookings_per_user = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FUTURE_BOOKINGS_LIMIT)],
        help_text="Bookings of this room one person may hold that have not ended (empty: only "
        "the global BOOKING_MAX_FUTURE_PER_USER).",
    )
    # Whether the room has OpeningHours rows, kept by services.set_opening_hours: a booking in a
    # room that is always open (the default) then costs no query for them.
    has_opening_hours = models.BooleanField(default=False, editable=False)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_rooms",
        help_text="Approve or deny this room's bookings.",
    )
    requires_check_in = models.BooleanField(
        default=False,
        help_text="Bookers must check in around the start, or the booking is released.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "capacity"], name="room_active_capacity")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def approval_required(self) -> bool:
        return self.approval_mode != APPROVAL_AUTOMATIC

    def clean(self) -> None:
        if self.min_duration and self.max_duration and self.min_duration > self.max_duration:
            raise ValidationError(
                {"min_duration": ["The minimum duration must not exceed the maximum duration."]}
            )


class OpeningHours(models.Model):
    """When a room may be booked on one weekday, in the room's time zone. A room without rows is
    always open; a room with some is closed on the weekdays it has none for. ``closes`` 00:00
    means midnight at the end of the day."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        choices=list(enumerate(WEEKDAYS)), validators=[MaxValueValidator(6)]
    )
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["room", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["room", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_range"),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")) | Q(closes=MIDNIGHT),
                name="opening_hours_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room}: {WEEKDAYS[self.weekday]} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        both = self.opens is not None and self.closes is not None
        if both and not (self.closes > self.opens or self.closes == MIDNIGHT):
            raise ValidationError({"closes": ["Must be after opens (00:00: midnight)."]})


class Series(models.Model):
    """A recurring booking: an RFC 5545 rule expanded (python-dateutil) into occurrences, each an
    ordinary ``Booking`` with its own approval. The rule is kept as given; the occurrences are the
    truth (they may have been moved or cancelled one by one since)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="series")
    booking_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booking_series"
    )
    rrule = models.CharField("recurrence rule", max_length=500)
    # The first occurrence's times as asked (wall-clock times in the room's zone, stored aware).
    first_start = models.DateTimeField()
    first_end = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    skipped = models.JSONField(
        default=list, blank=True, help_text="Starts left out at booking because they were taken."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"Series #{self.pk} {self.room} {self.rrule}"


class Booking(models.Model):
    STATUS_CHOICES = [(BOOKED, "Booked"), (CANCELLED, "Cancelled")]
    CAUSE_CHOICES = [
        (CAUSE_USER, "Cancelled by a user"),
        (CAUSE_DENIED, "Approval denied"),
        (CAUSE_EXPIRED, "Nobody approved it in time"),
        (CAUSE_NO_SHOW, "Released: nobody checked in"),
    ]

    # No index of their own: booking_room_upcoming and booking_user_upcoming lead with them, and
    # every booking written would update two more indexes for nothing.
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    booking_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
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
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="occurrences"
    )
    # An occurrence changed or cancelled on its own: series-wide moves leave it as it is.
    detached = models.BooleanField("edited individually", default=False)
    # The lifecycle sweeps (apps.booking.services.lifecycle): set once by a conditional UPDATE, so
    # a reminder goes out once; both are cleared when the booking moves to another start or room.
    reminded_at = models.DateTimeField("reminder sent", null=True, blank=True)
    checked_in_at = models.DateTimeField("checked in", null=True, blank=True)

    class Meta:
        ordering = ["use_start_dtm", "id"]
        indexes = [
            # the overlap check and the room/date filters (start < the window's end, end > its
            # start): by end first, so they read from the window on, not the room's history
            models.Index(
                fields=["room", "status", "use_end_dtm", "use_start_dtm"],
                name="booking_room_upcoming",
            ),
            # the per-person limit's count of upcoming bookings (selectors.future_bookings_of):
            # by end, so it reads only the bookings that have not ended, not a person's history
            models.Index(
                fields=["booking_user", "status", "use_end_dtm"], name="booking_user_upcoming"
            ),
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


# The waitlist's model lives in its own module; importing it here registers it with the app.
from apps.booking.models_waitlist import WaitlistEntry  # noqa: E402, F401
