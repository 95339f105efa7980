"""Django settings. Every value that differs between machines comes from the environment.

The variables are documented in README.md ("Configuration"); keep the two in step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from roombooking import config
from roombooking.broker import transport_for
from roombooking.config import ConfigError

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(config.text("ROOMBOOKING_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core -----------------------------------------------------------------------------------------
DEBUG = config.boolean("DJANGO_DEBUG", False)
SECRET_KEY = config.text("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("DJANGO_SECRET_KEY: required unless DJANGO_DEBUG=true")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = config.string_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.string_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "roombooking.apps.RoomBookingConfig",
    "apps.booking.apps.BookingConfig",
    "apps.confirm.apps.ConfirmConfig",
    "apps.notification.apps.NotificationConfig",
    "apps.bookinglist.apps.BookingListConfig",
]

MIDDLEWARE = [
    "roombooking.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "roombooking.limits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "roombooking.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "roombooking.urls"
WSGI_APPLICATION = "roombooking.wsgi.application"
# A POST to /bookings must never be redirected to /bookings/: routes accept both forms instead.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "roombooking" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
_database = config.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASE_VENDOR = config.database_vendor(_database)
if DATABASE_VENDOR == "sqlite":
    # IMMEDIATE transactions take the write lock at BEGIN, so a check-then-insert cannot interleave
    # with another writer; WAL and the busy timeout make concurrent writers wait instead of failing.
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": config.integer("SQLITE_BUSY_TIMEOUT", 30, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _database["TEST"] = {"NAME": config.text("SQLITE_TEST_NAME", str(VAR_DIR / "test.sqlite3"))}
else:
    _database["ENGINE"] = "roombooking.postgresql"  # Django's, with psycopg's C timestamp loader
    _database["CONN_MAX_AGE"] = config.integer("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"].setdefault(
        "connect_timeout", config.integer("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
    # Values travel apart from the statement, so a statement's text repeats (the ORM's and the
    # templates' alike) and psycopg prepares it once it has run DATABASE_PREPARE_THRESHOLD
    # times on a connection: PostgreSQL then neither parses nor plans it again, about half of
    # its CPU per booking (docs/performance.md). A pooler in transaction mode that cannot keep
    # prepared statements needs DATABASE_PREPARE_THRESHOLD=off.
    _database["OPTIONS"]["server_side_binding"] = True
    _database["OPTIONS"]["prepare_threshold"] = config.optional_integer(
        "DATABASE_PREPARE_THRESHOLD", 5, minimum=0
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "rest_framework:login"
LOGIN_REDIRECT_URL = "/"

# --- Internationalization -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The original ran in Seoul; naive times sent by clients are read in this zone (or the room's).
TIME_ZONE = config.text("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production serves collected, compressed, cache-busted files with whitenoise (collectstatic runs
# in the image build); development and tests serve from the apps' folders directly.
_static_manifest = config.boolean("DJANGO_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _static_manifest
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _static_manifest

# --- Cache ----------------------------------------------------------------------------------------
CACHES = {"default": config.env.cache_url("CACHE_URL", default="locmemcache://roombooking")}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_HOST = config.text("EMAIL_HOST", "")
EMAIL_PORT = config.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = config.text("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = config.text("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.boolean("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = config.integer("EMAIL_TIMEOUT", 10, minimum=1)
# Without an SMTP host, emails are written as files a developer can open.
EMAIL_BACKEND = config.text(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = config.text("DEFAULT_FROM_EMAIL", "Room booking <rooms@localhost>")

# --- Celery ---------------------------------------------------------------------------------------
# The default broker keeps messages in a local folder, so a newcomer needs no server; production
# uses Redis (redis://host:6379/0).
CELERY_BROKER_URL = config.text("CELERY_BROKER_URL", "filesystem://")
BROKER_VENDOR = CELERY_BROKER_URL.split("://", 1)[0].split("+")[0]
if BROKER_VENDOR not in {"filesystem", "redis", "rediss", "memory"}:
    raise ConfigError(
        f"CELERY_BROKER_URL: unsupported broker {CELERY_BROKER_URL!r}; use redis://host:port/db "
        "or filesystem://"
    )
CELERY_BROKER_DIR = Path(config.text("CELERY_BROKER_DIR", str(VAR_DIR / "broker")))
if BROKER_VENDOR == "filesystem":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Publishing happens in the request path: never wait long for a broker that is down or paused.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        "max_retries": 1,
        # A refused connection is retried once at once, not after kombu's default 2 s pause.
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "visibility_timeout": 3600,
    }
# redis://: kombu's Redis transport with one kept client per channel (roombooking/broker.py).
CELERY_BROKER_TRANSPORT = transport_for(CELERY_BROKER_URL)
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "roombooking.tasks.record_worker_heartbeat",
        "schedule": 30.0,
    },
    "purge-idempotency-keys": {
        "task": "roombooking.tasks.purge_expired_idempotency_keys",
        "schedule": 3600.0,
    },
    "notification-requeue-pending": {
        "task": "notification.requeue_pending",
        "schedule": float(config.integer("NOTIFICATION_REQUEUE_INTERVAL", 15, minimum=1)),
    },
    "booking-expire-waitlist-holds": {
        "task": "booking.expire_waitlist_holds",
        "schedule": float(config.integer("BOOKING_WAITLIST_SWEEP_INTERVAL", 30, minimum=1)),
    },
}
# The lifecycle sweeps (docs/lifecycle.md): each is safe to run twice and on several workers.
LIFECYCLE_SWEEP_INTERVAL = float(config.integer("LIFECYCLE_SWEEP_INTERVAL", 60, minimum=1))
CELERY_BEAT_SCHEDULE.update(
    {
        "confirm-remind-pending-approvals": {
            "task": "confirm.remind_pending_approvals",
            "schedule": LIFECYCLE_SWEEP_INTERVAL,
        },
        "confirm-expire-pending-approvals": {
            "task": "confirm.expire_pending_approvals",
            "schedule": LIFECYCLE_SWEEP_INTERVAL,
        },
        "booking-send-booking-reminders": {
            "task": "booking.send_booking_reminders",
            "schedule": LIFECYCLE_SWEEP_INTERVAL,
        },
        "booking-release-no-shows": {
            "task": "booking.release_no_shows",
            "schedule": LIFECYCLE_SWEEP_INTERVAL,
        },
    }
)

# --- Notifications (apps/notification; docs/notification.md) -------------------------------------
# The request path waits at most this long for the broker to take a delivery task.
NOTIFICATION_PUBLISH_TIMEOUT_MS = config.integer("NOTIFICATION_PUBLISH_TIMEOUT_MS", 500, minimum=1)
NOTIFICATION_PUBLISH_BREAKER_FAIL_MAX = 3  # failed publishes before skipping the broker ...
NOTIFICATION_PUBLISH_BREAKER_RESET = 10  # ... for this many seconds
# Rows PENDING for this long (seconds) are handed to the broker again by the beat task.
NOTIFICATION_REQUEUE_AFTER = config.integer("NOTIFICATION_REQUEUE_AFTER", 60, minimum=1)
# A worker's claim on a row lapses after this long (seconds): longer than any SMTP conversation.
NOTIFICATION_CLAIM_TIMEOUT = config.integer("NOTIFICATION_CLAIM_TIMEOUT", 120, minimum=1)
NOTIFICATION_MAX_ATTEMPTS = config.integer("NOTIFICATION_MAX_ATTEMPTS", 6, minimum=1)
NOTIFICATION_RETRY_BACKOFF = config.integer("NOTIFICATION_RETRY_BACKOFF", 5, minimum=1)
NOTIFICATION_RETRY_BACKOFF_MAX = config.integer("NOTIFICATION_RETRY_BACKOFF_MAX", 300, minimum=1)
NOTIFICATION_SMTP_BREAKER_FAIL_MAX = config.integer(
    "NOTIFICATION_SMTP_BREAKER_FAIL_MAX", 5, minimum=1
)
NOTIFICATION_SMTP_BREAKER_RESET = config.integer("NOTIFICATION_SMTP_BREAKER_RESET", 30, minimum=1)

# --- Calendars (roombooking/ical.py, apps/notification, apps/bookinglist; docs/calendars.md) -----
# The domain part of every booking's iCalendar UID (booking-<id>@<domain>). Set it once: changing it
# makes calendar clients see new events. Default: the first named host of DJANGO_ALLOWED_HOSTS.
CALENDAR_DOMAIN = config.text("ROOMBOOKING_CALENDAR_DOMAIN", "") or next(
    (h for h in ALLOWED_HOSTS if h and h[0] not in ".*[" and not h[0].isdigit()), "localhost"
)
# The window of a subscription feed, in days before and after today.
CALENDAR_FEED_PAST_DAYS = config.integer("CALENDAR_FEED_PAST_DAYS", 30, minimum=0)
CALENDAR_FEED_FUTURE_DAYS = config.integer("CALENDAR_FEED_FUTURE_DAYS", 365, minimum=1)
# At most this many events in one feed (the earliest of the window first).
CALENDAR_FEED_MAX_EVENTS = config.integer("CALENDAR_FEED_MAX_EVENTS", 2000, minimum=1)
# Feed requests per client address; "" switches the limit off. Calendar clients poll hourly or so.
CALENDAR_FEED_THROTTLE = config.text("CALENDAR_FEED_THROTTLE", "60/min")

# --- Booking limits -------------------------------------------------------------------------------
# Bookings one person may hold that have not ended yet (office staff booking for them included).
BOOKING_MAX_FUTURE_PER_USER = config.integer("BOOKING_MAX_FUTURE_PER_USER", 100, minimum=1)
# The most occurrences one recurring series may have (its rule is refused beyond that).
BOOKING_SERIES_MAX_OCCURRENCES = config.integer("BOOKING_SERIES_MAX_OCCURRENCES", 100, minimum=1)
# The widest from..to window a list query may ask for.
BOOKING_LIST_MAX_WINDOW = timedelta(
    days=config.integer("BOOKING_LIST_MAX_WINDOW_DAYS", 366, minimum=1)
)
# The waitlist (docs/waitlist.md): how long a freed slot is held for the person offered it, and
# how many active waitlist entries one person may have.
BOOKING_WAITLIST_HOLD_MINUTES = config.integer("BOOKING_WAITLIST_HOLD_MINUTES", 30, minimum=1)
BOOKING_WAITLIST_MAX_PER_USER = config.integer("BOOKING_WAITLIST_MAX_PER_USER", 20, minimum=1)

# --- Lifecycle: approver reminders and expiry, booker reminders, check-in (docs/lifecycle.md) ---
# A request still pending this long after it was made reminds the room's managers, once.
CONFIRM_REMIND_AFTER = timedelta(
    minutes=config.integer("CONFIRM_REMIND_AFTER_MINUTES", 60, minimum=1)
)
# A request still pending when its meeting starts expires (the booking is cancelled) ...
CONFIRM_EXPIRE_AT_START = config.boolean("CONFIRM_EXPIRE_AT_START", True)
# ... and, when set (hours, 0 = off), one pending this long after it was made, whichever is first.
CONFIRM_EXPIRE_AFTER_HOURS = config.integer("CONFIRM_EXPIRE_AFTER_HOURS", 0, minimum=0)
# The booker's reminder goes out this long before the start (0 = no reminders).
BOOKING_REMINDER_BEFORE = timedelta(
    minutes=config.integer("BOOKING_REMINDER_MINUTES_BEFORE", 15, minimum=0)
)
# Rooms that require check-in: the window opens before and closes after the start; a booking not
# checked in when it closes is released.
CHECK_IN_OPENS_BEFORE = timedelta(
    minutes=config.integer("CHECK_IN_OPENS_MINUTES_BEFORE", 10, minimum=0)
)
CHECK_IN_CLOSES_AFTER = timedelta(
    minutes=config.integer("CHECK_IN_CLOSES_MINUTES_AFTER", 15, minimum=1)
)
# Where people reach the service: the base of the links in emails (the one-click check-in link).
PUBLIC_BASE_URL = config.text("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- REST framework -------------------------------------------------------------------------------
API_MAX_PAGE_SIZE = config.integer("API_MAX_PAGE_SIZE", 100, minimum=1)
# Unsafe API calls per user; "" switches the limit off. See roombooking/throttling.py.
API_THROTTLE_WRITES = config.text("API_THROTTLE_WRITES", "120/min")
API_MAX_BODY_BYTES = config.integer("API_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
IDEMPOTENCY_KEY_TTL = config.integer("IDEMPOTENCY_KEY_TTL", 24 * 3600, minimum=60)
LOGIN_MAX_FAILURES = config.integer("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = config.integer("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# Proxies in front of the web processes that append to X-Forwarded-For. Throttles count a client
# by the address the outermost of them saw; 0 (no proxy) uses REMOTE_ADDR. Without a number DRF
# would trust the whole header, which the client writes.
NUM_PROXIES = config.integer("NUM_PROXIES", 0, minimum=0)
REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    # Token first: an anonymous request then gets 401 with WWW-Authenticate, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "roombooking.authentication.CompiledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "roombooking.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["roombooking.throttling.WriteRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "roombooking.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # Ordering is each filter set's OrderingFilter (roombooking/filters.py), which refuses
    # unknown field names; DRF's would ignore them, and map API names to no model field.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "roombooking.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "roombooking.errors.api_exception_handler",
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Room booking API",
    "DESCRIPTION": "Book meeting rooms; room managers approve or deny; every change is emailed.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security -------------------------------------------------------------------------------------
# On by default outside debugging; each can be switched off for a plain-HTTP test setup.
_secure = not DEBUG
SECURE_SSL_REDIRECT = config.boolean("DJANGO_SECURE_SSL_REDIRECT", _secure)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^actuator/"]  # probes speak plain HTTP inside a cluster
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = config.integer("DJANGO_SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_SECURE = config.boolean("DJANGO_SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = config.boolean("DJANGO_CSRF_COOKIE_SECURE", _secure)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Logging --------------------------------------------------------------------------------------
LOG_LEVEL = config.text("LOG_LEVEL", "INFO")
# JSON lines for log collectors in production; readable lines while developing.
LOG_FORMAT = config.text("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ConfigError(f"LOG_FORMAT: expected json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "roombooking.requestid.RequestIdFilter"},
        "redact_feed_tokens": {"()": "roombooking.logredact.RedactFeedTokensFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_feed_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
