from django.apps import AppConfig


class RoomBookingConfig(AppConfig):
    """The project itself: event log, health views, worker heartbeat, demo data."""

    name = "roombooking"
    verbose_name = "Room booking platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db import connections

        from roombooking import (
            connection_local,
            limits,  # noqa: F401  (connects the sign-in failure counters)
        )

        connection_local.install(connections)
