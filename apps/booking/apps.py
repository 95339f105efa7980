from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "apps.booking"
    label = "booking"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from apps.booking import receivers  # noqa: F401  (connects the app's signal receivers)
