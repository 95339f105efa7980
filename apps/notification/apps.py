from django.apps import AppConfig


class NotificationConfig(AppConfig):
    name = "apps.notification"
    label = "notification"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from apps.notification import receivers  # noqa: F401  (connects the app's signal receivers)
        from apps.notification.health import outbox_check, smtp_breaker_check
        from roombooking import health

        health.register("smtpBreaker", smtp_breaker_check)
        health.register("outbox", outbox_check)
