from __future__ import annotations

from django.conf import settings
from django.db import models


class EventLog(models.Model):
    """Append-only history of every published event; ``id`` is the bus's sequence number."""

    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    booking_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "event log entry"
        verbose_name_plural = "event log"

    def __str__(self) -> str:
        return f"#{self.pk} {self.event_type}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("the event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("the event log is append-only")


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran its heartbeat task (shown by /health/status)."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen = models.DateTimeField()
    nonce = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Role(models.Model):
    """Holds no rows: it only carries the project-wide role permissions (see roombooking.roles)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("office_staff", "Office staff: sees every booking, books for others, manages rooms"),
        ]

    def __str__(self) -> str:
        return "role"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the answer it got, replayed on a retry for a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    response_status = models.PositiveSmallIntegerField()
    # JSON text, not a JSONField: PostgreSQL's jsonb would reorder the keys of the replayed answer.
    response_body = models.TextField(blank=True, default="")
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"


class PeriodicRun(models.Model):
    """When each periodic task last ran, so that a second scheduler cannot double its work."""

    name = models.CharField(max_length=200, unique=True)
    last_run = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run:%Y-%m-%d %H:%M:%S}"
