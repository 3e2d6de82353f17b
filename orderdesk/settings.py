"""OrderDesk settings, read from the environment with safe demo defaults.

Variables: DATABASE_URL, SECRET_KEY (required when DEBUG is off), DEBUG,
ALLOWED_HOSTS, PHONE_DEFAULT_REGION, TIME_ZONE, TELEPHONY_TOKEN,
CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT, EMAIL_URL-less e-mail settings,
CELERY_BROKER_URL / REDIS_URL (the mail queue), MAIL_MAX_ATTEMPTS, MAIL_RETRY_SECONDS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-orderdesk-demo-only"  # noqa: S105 - demo default

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "orderdesk",
    "clients",
    "orders",
    "calls",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "phonenumber_field",
    "simple_history",
    "import_export",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "orderdesk.security.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "orderdesk.security.sessions.IdleTimeoutMiddleware",
    "orderdesk.security.two_factor.TwoFactorMiddleware",
    # Before any view: NUL and other control characters never reach a query.
    "orderdesk.security.input.RefuseControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orderdesk.page_swap.PageSwapMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orderdesk.urls"

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
                "orderdesk.context_processors.navigation",
                "orderdesk.context_processors.messages_once",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

WSGI_APPLICATION = "orderdesk.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on the console's short queries.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# One cache for the pricing rules, suggestion pools and other read-mostly data. With
# REDIS_URL (e.g. redis://127.0.0.1:6379/1) it is shared by every app server, so an
# invalidation on one is seen by all; without it, local memory (``make run`` needs nothing).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "orderdesk"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while the user name or the address is locked out.
    "orderdesk.security.throttling.LoginThrottleBackend",
    # Django's ModelBackend with the permission sets in the cache (orderdesk.permissions).
    "orderdesk.permissions.CachedModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Russian first, English second; Moscow time; roubles.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "RU")
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

TELEPHONY_TOKEN = os.environ.get("TELEPHONY_TOKEN", "")
ACCOUNTING_TOKEN = os.environ.get("ACCOUNTING_TOKEN", "")
# The receivables feed reads bodies up to this size (its own limit, above the site-wide
# DATA_UPLOAD_MAX_MEMORY_SIZE): 20,000 rows of up to ~500 bytes of JSON each.
RECEIVABLES_FEED_MAX_BYTES = int(
    os.environ.get("RECEIVABLES_FEED_MAX_BYTES", str(10 * 1024 * 1024))
)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions are stored in the database; with the shared cache (REDIS_URL) they are read from
# it too: one query less per request (orderdesk.security.session_store: Django's cached_db
# with a tombstone for an ended session, so a copy written back by a request in flight
# cannot keep a signed-out device in). Without a shared cache every worker would keep its
# own copy: local memory never holds sessions.
SESSION_ENGINE = (
    "orderdesk.security.session_store" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# Sign-out after this many seconds without activity (default 8 hours); the stored session
# expires with it. The console's background poll is not activity.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(8 * 3600)))
SESSION_IDLE_IGNORED_PATHS = ["/console/incoming/"]
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orderdesk@localhost")
# Seconds before a connection to the mail server gives up (a down server must not hang a worker).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# The job queue for outgoing mail (orderdesk/outbox.py). With a broker URL a worker sends
# (`make worker`); without one every task runs in process, so the demo needs nothing.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hold the operator's request: give up fast, the message
# stays queued in the database (manage.py send_queued_messages or the admin resends it).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 1}
# Redis re-delivers an unacknowledged task after this; longer than the longest back-off.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `celery -A orderdesk beat` (make beat): the nightly roll-up of the operator criteria
# (calls.rollup), after midnight in TIME_ZONE; today and yesterday always stay live.
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "roll-up-criteria": {
        "task": "calls.tasks.roll_up_criteria",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Security: strict in production, relaxed for the local demo.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (orderdesk/security/headers.py): scripts only from our own static
# files, no inline script, no eval; inline styles are allowed for the admin's style attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
PERMISSIONS_POLICY = {
    feature: [] for feature in ("camera", "microphone", "geolocation", "payment", "usb")
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fpdf2's font subsetting is chatty at INFO.
    "loggers": {"fontTools": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Login throttling (django-axes): failures are counted per user name and per IP address.
# LOGIN_LOCKOUT_PARAMETERS: alternatives separated by ",", a combination joined by "+",
# e.g. "username,ip_address" (default: each alone) or "username+ip_address" (only the pair).
AXES_ENABLED = env_bool("LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [
    alternative.split("+") if "+" in alternative else alternative
    for alternative in env_list("LOGIN_LOCKOUT_PARAMETERS", "username,ip_address")
]
AXES_LOCKOUT_CALLABLE = "orderdesk.security.throttling.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind N trusted proxies set AXES_PROXY_COUNT=N so the address comes from X-Forwarded-For;
# without it only REMOTE_ADDR counts (a forged header cannot dodge the lockout).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Two-factor sign-in (django-otp, orderdesk/security/two_factor.py): everyone when
# REQUIRE_2FA=1; otherwise these roles (Admin and Finance in production, none in the local
# demo so that `make run` works with the demo logins; TWO_FACTOR_ROLES overrides).
REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_ROLES", "" if DEBUG else "Admin,Finance")
OTP_TOTP_ISSUER = "OrderDesk"

# Imports and exports in the admin follow the model permissions.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# No cell of an export runs as a formula in a spreadsheet (see also orderdesk/exports.py).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# OrderDesk business settings.
ORDERDESK = {
    # Weekdays (Mon=0) on which deliveries run.
    "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4, 5],
    "DELIVERY_WINDOWS": ["08:00-12:00", "12:00-16:00", "16:00-20:00"],
    # The shipped text is translated (shown in the interface's language); a text set in the
    # environment is shown as typed.
    "DELIVERY_CONDITIONS": os.environ.get("DELIVERY_CONDITIONS")
    or _(
        "Delivery in Moscow and the Moscow region on the next working day for orders placed "
        "by 17:00; free delivery for orders from 15 000 ₽."
    ),
    "UPSELL_REQUIRED": 3,
    "UPSELL_TARGET": 4,
    "MAX_LINE_QUANTITY": 10000,
    # Plausibility bounds (orderdesk/bounds.py): delivery and pickup at most this many days
    # ahead; call-backs; receivable dates from RECEIVABLE_MIN_DATE to N years ahead; text.
    "MAX_DAYS_AHEAD": int(os.environ.get("MAX_DAYS_AHEAD", "60")),
    "CALLBACK_MAX_DAYS_AHEAD": int(os.environ.get("CALLBACK_MAX_DAYS_AHEAD", "90")),
    "RECEIVABLE_MIN_DATE": os.environ.get("RECEIVABLE_MIN_DATE", "2000-01-01"),
    "RECEIVABLE_MAX_YEARS_AHEAD": int(os.environ.get("RECEIVABLE_MAX_YEARS_AHEAD", "5")),
    "MAX_NOTE_LENGTH": int(os.environ.get("MAX_NOTE_LENGTH", "5000")),
    # Where orders.notifications.notify sends each channel's messages (dotted paths).
    "NOTIFICATION_BACKENDS": {
        "email": "orders.notifications.EmailBackend",
        "sms": "orders.notifications.LoggingSmsBackend",
    },
    # Outgoing mail (orderdesk/outbox.py): tries per message before it is marked failed,
    # and the first retry delay in seconds (doubled after each failure, at most an hour).
    "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "5")),
    "MAIL_RETRY_SECONDS": int(os.environ.get("MAIL_RETRY_SECONDS", "60")),
}
