"""The outbox: one row per (event, recipient), written in the transaction of the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from roombooking import ical


class Notification(models.Model):
    """An email to send. Workers claim it, send it, and record the outcome on the row.

    ``(event_seq, recipient_username)`` is unique: the bus sequence number identifies the event,
    so delivering or replaying the same event again cannot create a second email.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING"
        SENT = "SENT"
        FAILED = "FAILED"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    recipient_username = models.CharField(max_length=150)
    recipient_email = models.EmailField(blank=True)
    event_type = models.CharField(max_length=100)
    event_seq = models.BigIntegerField(help_text="sequence number of the event on the bus")
    booking_id = models.BigIntegerField(null=True, blank=True)
    contents = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="sending attempts started")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    send_dtm = models.DateTimeField(null=True, blank=True, help_text="when the email was sent")
    # A worker owns the row while claimed_at is recent; a stale claim means the worker died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    # Not before this time: the next attempt of a retrying row (backoff, or an open SMTP breaker).
    retry_at = models.DateTimeField(null=True, blank=True)
    # When the re-enqueue sweep last handed the row to the broker (limits duplicate messages).
    requeued_at = models.DateTimeField(null=True, blank=True)
    # The calendar invite attached to the email (apps/notification/invites.py): empty for emails
    # that are not about a booking. The status, fingerprint and sequence are the booking's calendar
    # state after this event, which the booking's next event compares with (SEQUENCE).
    # The iCalendar attachment (invite.ics): what it says, written with the event
    # (roombooking.ical.invite_spec), rendered by the worker that sends it. ``ical`` holds the
    # text of rows written before invites were rendered at sending time.
    ical_spec = models.JSONField(blank=True, default=dict)
    ical = models.TextField(blank=True, default="", help_text="iCalendar attachment (invite.ics)")
    ical_method = models.CharField(max_length=8, blank=True, default="")  # REQUEST | CANCEL
    ical_sequence = models.PositiveIntegerField(null=True, blank=True)
    ical_status = models.CharField(max_length=16, blank=True, default="")
    ical_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_seq", "recipient_username"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            # The backlog: pending rows, oldest first (re-enqueue sweep and health check).
            models.Index(fields=["status", "created_at"], name="notification_backlog"),
            models.Index(fields=["recipient_username", "-id"], name="notification_by_recipient"),
            models.Index(fields=["event_type", "-id"], name="notification_by_type"),
            # A booking's rows, latest event first (the previous calendar state of a booking).
            models.Index(fields=["booking_id", "-event_seq"], name="notification_booking_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event_type} to {self.recipient_username} ({self.status})"

    def invite_text(self) -> str:
        """The invite.ics attached to this email ("" for none)."""
        if self.ical_spec:
            return ical.render_invite(self.ical_spec)
        return self.ical


class OccurrenceInvite(models.Model):
    """An occurrence's calendar state after a series action (docs/calendars.md).

    A series action emails one summary for all its occurrences (a row without ``booking_id``), so
    the outbox alone cannot tell the occurrence's next email which SEQUENCE it reached; this row
    does, like the ``ical_*`` fields of a booking's own outbox rows. One per occurrence and series
    event (unique: a replay adds nothing)."""

    booking_id = models.BigIntegerField()
    event_seq = models.BigIntegerField(help_text="sequence number of the series event on the bus")
    ical_status = models.CharField(max_length=16)
    ical_fingerprint = models.CharField(max_length=64)
    ical_sequence = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # Also the index of "an occurrence's latest state": booking_id, then event_seq.
            models.UniqueConstraint(
                fields=["booking_id", "event_seq"], name="occurrence_invite_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"booking {self.booking_id} after event {self.event_seq}: {self.ical_sequence}"


class SmtpBreakerState(models.Model):
    """The SMTP circuit breaker's state as the workers last reported it (one row per worker
    process), so that the web app's /health/status can show it."""

    worker = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=10)  # closed | open | half-open
    changed_at = models.DateTimeField()
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.worker}: {self.state}"
