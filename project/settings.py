"""Padelyzer settings: everything comes from the environment (CONTRACT §5), safe by default."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from project.throttle_rates import DEFAULT_THROTTLE_RATES, parse_throttle_rates

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "1.0.0"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-debug-only-key"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "apps.core",
    "apps.accounts",
    "apps.organizations",
    "apps.clubs",
    "apps.reservations",
    "apps.payments",
    "apps.tournaments",
    "apps.notifications",
    "apps.reports",
    "apps.demo",
    "apps.web",
    "routing",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database: PostgreSQL only (ranges, exclusion constraints). ---
if "DATABASE_URL" not in env:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start the embedded PostgreSQL."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Padelyzer runs on PostgreSQL only.")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# HTTP requests inside Django at once, per server process (each holds a thread and a database
# connection; the rest wait in the event loop): keep processes x this well under max_connections.
HTTP_CONCURRENCY = env.int("HTTP_CONCURRENCY", default=16)

# --- Redis: channel layer, cache, Celery broker. None = single-process embedded mode. ---
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER", default="pubsub")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that acts as an empty cache while Redis is down (apps/core/cache.py);
            # short socket timeouts so an unreachable Redis costs a request ~1 s at most, not a hang.
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="padelyzer"),
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "channels_redis.pubsub.RedisPubSubChannelLayer"
                if CHANNEL_LAYER_BACKEND == "pubsub"
                else "channels_redis.core.RedisChannelLayer"
            ),
            "CONFIG": {
                # redis-py >= 6 times socket reads out after 5 s, exactly RedisChannelLayer's
                # blocking-pop timeout: an idle consumer's receive then raises and the socket
                # dies. A longer read timeout keeps the layer's own 5 s polling in charge.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "prefix": env.str("CHANNEL_PREFIX", default="padelyzer"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("FAST_PASSWORD_HASHER", default=False):  # tests only: hashing dominates otherwise
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from app/static dirs when collectstatic was not run

# Bodies over this are refused with 413 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)

# --- REST API ---
THROTTLE_RATES = parse_throttle_rates(env.str("THROTTLE_RATES", default=""), DEFAULT_THROTTLE_RATES)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.RevocableJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["apps.core.envelope.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.EnvelopePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "EXCEPTION_HANDLER": "apps.core.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.EnvelopeAutoSchema",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("ACCESS_TOKEN_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Padelyzer API",
    "DESCRIPTION": (
        "Real-time padel club platform. Every /api/v1/ answer is wrapped in the envelope "
        "`{success, data, message, pagination?, meta}`; errors carry `error: {code, details}`."
    ),
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    # Distinct names for choice sets that share a field name ("kind", "status") across apps.
    "ENUM_NAME_OVERRIDES": {
        "AllocationStatusEnum": "apps.clubs.models.AllocationStatus",  # reservation and block `status`
        "NotificationKindEnum": "apps.notifications.models.Kind",
        "ReportKindEnum": "apps.reports.models.ReportKind",
        "ReportStatusEnum": "apps.reports.models.ReportStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.add_error_responses",
    ],
}

# --- Celery ---
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables by its scheduler; operators can retune them in the admin.
# Queues come from project/celery.py's task_routes (beat's send_task applies them), never from here.
CELERY_BEAT_SCHEDULE = {
    "flush-expired-tokens": {"task": "accounts.flush_expired_tokens", "schedule": 3600.0},
    # Notifications: warn players whose payment hold ends within 2 minutes; re-enqueue lost deliveries.
    "warn-expiring-holds": {"task": "notifications.warn_expiring_holds", "schedule": 60.0,
                            "options": {"expires": 55}},
    "requeue-stale-deliveries": {"task": "notifications.requeue_stale_deliveries", "schedule": 300.0},
}
PAYMENT_HOLD_MINUTES = env.int("PAYMENT_HOLD_MINUTES", default=10)
# Splitting a held booking among players gives them at least this long to pay their links.
PAYMENT_SPLIT_HOLD_MINUTES = env.int("PAYMENT_SPLIT_HOLD_MINUTES", default=30)
# Payments: free the slots of holds that ran out (after asking Stripe whether they were paid);
# re-enqueue payment work a lost broker message or a dead worker left behind.
CELERY_BEAT_SCHEDULE.update({
    "expire-payment-holds": {"task": "apps.reservations.tasks.expire_holds", "schedule": 60.0,
                             "options": {"expires": 55}},
    "payments-sweep": {"task": "payments.sweep", "schedule": 120.0,
                       "options": {"expires": 110}},
    "prune-live-events": {"task": "routing.prune_stream_events", "schedule": 3600.0},
})
# Redis broker: an unacknowledged task (its worker died) is handed out again after
# visibility_timeout seconds; tasks here finish in seconds, so an hour is generous.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such tasks: every interval * throttle seconds (kombu: 10 * 10).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
if env.str("CELERY_BROKER_KEY_PREFIX", default=""):  # several deployments (or test runs) on one Redis
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_BROKER_KEY_PREFIX")

# --- Stripe / Sentry: optional; missing keys turn the feature off. ---
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300  # older signed timestamps are refused (replay protection)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # empty = api.stripe.com; stripe-mock or a test fake
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
SENTRY_DSN = env.str("SENTRY_DSN", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# SMTP when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend (Django's EMAIL_* names).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Notifications' SMS channel: a dotted path to an apps.notifications.sms.BaseSmsBackend subclass.
SMS_BACKEND = env.str("SMS_BACKEND", default="apps.notifications.sms.ConsoleSmsBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Padelyzer <no-reply@padelyzer.local>")

# --- Logging: JSON lines, request id on each, secrets scrubbed. ---
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.core.logging.RequestIdFilter"},
        "redact": {"()": "apps.core.logging.RedactSecretsFilter"},
    },
    "formatters": {"json": {"()": "apps.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "INFO"},
    },
}

from project.sentry import init_sentry  # noqa: E402  (needs the values above)

init_sentry(SENTRY_DSN, release=VERSION)
logging.getLogger(__name__)
