from django.apps import AppConfig


class BookingListConfig(AppConfig):
    name = "apps.bookinglist"
    label = "bookinglist"
    verbose_name = "Booking list"

    def ready(self) -> None:
        from apps.bookinglist import receivers  # noqa: F401  (connects the app's signal receivers)
