"""Public contract of the notification app.

It publishes no bus events: deliveries happen in Celery workers after commit and are recorded on
the outbox rows. The module exists so that the app's public surface has one known place.
"""

__all__: list[str] = []
