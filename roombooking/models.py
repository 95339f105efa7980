from __future__ import annotations

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
