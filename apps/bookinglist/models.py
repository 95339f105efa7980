"""The booking list: one denormalized row per booking, written only from bus events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.booking import events as booking_events
from apps.confirm import events as confirm_events
from roombooking.fields import JSONField

BOOKING_STATUSES = [(s, s) for s in (booking_events.BOOKED, booking_events.CANCELLED)]
CONFIRM_STATUSES = [
    (s, s)
    for s in (
        confirm_events.BOOKED,
        confirm_events.CONFIRMED,
        confirm_events.DENIED,
        confirm_events.EXPIRED,
    )
]


class BookingListRow(models.Model):
    """A booking with its approval, as the last applied event left it.

    ``last_seq`` is the bus sequence number of that event: an event with a sequence number at or
    below it is stale or repeated and is ignored, which makes the projection safe to replay.
    ``booking_seq`` is the sequence number of the last *booking* event: room, managers and times
    are as of that one (approval events raise ``last_seq`` but leave those alone).
    ``room_managers`` is the list shown to clients; the managers' visibility filter uses the
    indexed ``BookingListManager`` rows kept in step with it.
    """

    booking_id = models.BigIntegerField(primary_key=True)
    room_id = models.BigIntegerField()
    room_name = models.CharField(max_length=200, blank=True)
    room_managers = JSONField(default=list, blank=True)
    booking_user_id = models.CharField(max_length=150)
    use_start_dtm = models.DateTimeField()
    use_end_dtm = models.DateTimeField()
    booking_dtm = models.DateTimeField()
    booking_status = models.CharField(max_length=16, choices=BOOKING_STATUSES)
    confirm_id = models.BigIntegerField(null=True, blank=True)
    confirm_status = models.CharField(max_length=16, choices=CONFIRM_STATUSES, null=True)
    confirm_user_id = models.CharField(max_length=150, null=True, blank=True)
    confirm_dtm = models.DateTimeField(null=True, blank=True)
    confirm_reason = models.TextField(blank=True, default="")
    cancelled_dtm = models.DateTimeField(null=True, blank=True)
    cancel_cause = models.CharField(max_length=16, blank=True, default="")
    cancel_reason = models.TextField(blank=True, default="")
    updated_dtm = models.DateTimeField()
    # The booking's recurring series (BookingSnapshot.series_id); filter ?seriesId=.
    series_id = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField()
    booking_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-use_start_dtm", "-booking_id"]
        verbose_name = "booking list row"
        # Every list query filters by one of these prefixes and orders by start (or booking) time;
        # booking_id is the tie-breaker of the ordering, so a page is a plain index range scan.
        indexes = [
            models.Index(
                fields=["room_id", "use_start_dtm", "booking_id"], name="bl_room_start_idx"
            ),
            models.Index(
                fields=["booking_user_id", "use_start_dtm", "booking_id"], name="bl_user_start_idx"
            ),
            models.Index(fields=["use_start_dtm", "booking_id"], name="bl_start_idx"),
            models.Index(fields=["booking_dtm", "booking_id"], name="bl_booked_idx"),
            models.Index(fields=["booking_status", "use_start_dtm"], name="bl_status_start_idx"),
            models.Index(fields=["confirm_status", "use_start_dtm"], name="bl_confirm_start_idx"),
            models.Index(fields=["series_id", "use_start_dtm"], name="bl_series_start_idx"),
            # A room's current managers: those its latest booking event named (calendar feeds).
            models.Index(fields=["room_id", "-booking_seq"], name="bl_room_booking_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id} ({self.booking_status}/{self.confirm_status or '-'})"


class BookingListManager(models.Model):
    """A manager of the booked room, by username: answers "which rows may this manager see"
    with one index lookup on (username, booking)."""

    row = models.ForeignKey(
        BookingListRow, on_delete=models.CASCADE, related_name="managers", db_column="booking_id"
    )
    username = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "row"], name="bl_manager_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username} manages booking {self.row_id}"


class CalendarToken(models.Model):
    """The secret in a calendar subscription URL (``/calendars/<token>.ics``): a person's own
    bookings (``personal``) or one room's (``room``, for its managers and office staff).

    Calendar clients cannot sign in, so the token is the only credential of the feed: 256 bits
    from ``secrets.token_urlsafe``, looked up by its unique index. Resetting it replaces the value,
    so the old URL answers 404 from that moment.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal"
        ROOM = "room"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    room_id = models.BigIntegerField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="issued or last reset")

    class Meta:
        ordering = ["owner_id", "kind", "room_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(kind="personal"),
                name="calendar_token_one_personal",
            ),
            models.UniqueConstraint(
                fields=["owner", "room_id"],
                condition=models.Q(kind="room"),
                name="calendar_token_one_per_room",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="personal", room_id__isnull=True)
                | models.Q(kind="room", room_id__isnull=False),
                name="calendar_token_room_iff_room_kind",
            ),
        ]

    def __str__(self) -> str:
        what = "personal" if self.kind == self.Kind.PERSONAL else f"room {self.room_id}"
        return f"{self.owner_id}: {what} calendar"
