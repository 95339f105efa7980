"""Celery tasks of the notification app."""
