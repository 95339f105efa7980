"""Settings for the test suite: the production settings, read from the same environment, with
test-only defaults for what a developer's shell does not set."""

import os
from pathlib import Path

_var = Path(__file__).resolve().parent.parent / "var"

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("LOG_FORMAT", "plain")
# Suites hammer the API from one user; the throttling tests set their own limit.
os.environ.setdefault("API_THROTTLE_WRITES", "100000/min")
# A test run gets its own SQLite file and broker folder, so that parallel runs and a running
# `make run` never share state. Worker processes started by tests inherit these variables.
_run = os.environ.setdefault("ROOMBOOKING_TEST_RUN", str(os.getpid()))
os.environ.setdefault("SQLITE_TEST_NAME", str(_var / f"test-{_run}.sqlite3"))
os.environ.setdefault("CELERY_BROKER_DIR", str(_var / f"test-broker-{_run}"))

from roombooking.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
