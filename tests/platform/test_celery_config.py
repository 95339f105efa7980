"""roombooking.celery: Celery's configuration is Django's CELERY_* settings, read from a copy."""

from django.conf import settings

from roombooking.celery import DjangoCelerySettings, app


def test_every_celery_setting_reaches_celerys_configuration():
    names = [name for name in dir(settings) if name.startswith("CELERY_")]
    assert len(names) > 10
    for name in names:
        key = name.removeprefix("CELERY_").lower()
        if key in app.conf.changes:  # set on the app by a test (the broker fixtures)
            continue
        assert app.conf[key] == getattr(settings, name), name


def test_the_copy_is_made_on_first_use_and_then_kept():
    copy = DjangoCelerySettings()
    assert copy._copy is None
    assert copy["CELERY_TASK_SERIALIZER"] == settings.CELERY_TASK_SERIALIZER == "json"
    assert set(copy) == {name for name in dir(settings) if name.startswith("CELERY_")}
    assert len(copy) == len(list(copy)) and copy._copy is not None
