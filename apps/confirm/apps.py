from django.apps import AppConfig


class ConfirmConfig(AppConfig):
    name = "apps.confirm"
    label = "confirm"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from apps.confirm import receivers  # noqa: F401  (connects the app's signal receivers)
