"""Samenspraak settings: one file, driven by the environment.

Local development (`make run`) sets DEBUG=true and gets SQLite, console email
and the demo users. Production leaves DEBUG unset and must provide
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; anything missing or malformed
stops start-up with a clear message (see config/env.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-" + "x" * 40)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is empty: name the host names this site serves.")

INSTALLED_APPS = [
    # The admin, asking for the second login step like the staff pages.
    "families.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_tasks_db",
    "families",
    "conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "families.middleware.StaffLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "families.middleware.SessionLifetimeMiddleware",
    # Logs every read of a conversation record, parents' answers or a family's data.
    "families.audit.AuditTrailMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "families.context_processors.staff_navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Queries go to PostgreSQL with $1 placeholders instead of inlined values,
    # so psycopg prepares each one after a few runs on a connection and the
    # server stops planning it again: planning was most of every page's SQL
    # time (make bench). Set to false behind a pooler that cannot keep
    # prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The lockout check comes first, so a locked-out login never reaches a password.
AUTHENTICATION_BACKENDS = [
    "families.lockout.LockoutBackend",
    "families.auth.EmailOrUsernameBackend",
]
# Argon2 for new and changed passwords; PBKDF2 stays so that older hashes still
# verify, and Django rehashes them with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes, families.lockout). Failed logins are counted in
# the default cache, shared by all app processes (Redis in production): per
# typed username at an address, and per address. A counter at its limit refuses
# logins until LOGIN_LOCKOUT_MINUTES pass without another failure; a successful
# login clears the username's counter at that address.
AXES_HANDLER = "families.lockout.LockoutCacheHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)  # ours, not axes'
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
if min(AXES_FAILURE_LIMIT, AXES_IP_FAILURE_LIMIT, AXES_COOLOFF_TIME.total_seconds()) < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES"
        " must be at least 1."
    )
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "families.lockout.typed_username"
AXES_CLIENT_IP_CALLABLE = "families.lockout.client_address"
# Proxies in front of the app that append to X-Forwarded-For (production runs
# behind one TLS-terminating proxy); the client's address is the one the
# outermost proxy saw.
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)
AXES_LOCKOUT_CALLABLE = "families.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # its admin pages list database records; the counts live in the cache
AXES_VERBOSE = False

# Two-step verification (django-otp, families.two_factor): optional for staff;
# OTP_REQUIRED_FOR_COORDINATORS makes it mandatory for coordinators.
OTP_REQUIRED_FOR_COORDINATORS = env_bool("OTP_REQUIRED_FOR_COORDINATORS", default=False)
OTP_TOTP_ISSUER = "Samenspraak"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a user's secret

LANGUAGE_CODE = "nl"
# Staff pages: Dutch, or English for who asks (families.middleware).
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# Parent pages and emails to parents come in more languages; each has a full
# catalog of the parent-facing texts in locale/ (tests/config/test_translations.py).
PARENT_LANGUAGES = ["nl", "en", "ar", "tr", "pl", "uk"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names in production (after collectstatic); plain files while developing.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# A roster export of a large school stays well under this; anything bigger is
# refused before Django reads it into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Local development prints mail to the console so a newcomer can read it;
# production sends through SMTP.
if env_str("EMAIL_HOST", "") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", default=587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Samenspraak <noreply@localhost>")

# Emails about a booking go out from the task worker (`manage.py db_worker`),
# so a parent's booking never waits for the mail server. Local development
# and the tests run each task at once instead, within the request.
TASK_WORKER = env_bool("TASK_WORKER", default=not DEBUG)
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASK_WORKER
        else "django.tasks.backends.immediate.ImmediateBackend"
    }
}

# Security. Everything defaults to the strict value in production; local
# development over plain http switches the https-only parts off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
if not DEBUG:
    # The __Host- prefix makes browsers insist on Secure, path / and no Domain,
    # so a sibling subdomain cannot plant these cookies. Browsers refuse such
    # cookies over plain http, hence the default names while developing.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# A login ends after SESSION_IDLE_SECONDS without a request, and in any case
# SESSION_MAX_SECONDS after signing in, however busy it has been
# (families.middleware.SessionLifetimeMiddleware). Saving the session on every
# request would cost every page a database write; the middleware renews it at
# most once per SESSION_RENEW_SECONDS instead, so a login ends between
# SESSION_RENEW_SECONDS before and exactly SESSION_IDLE_SECONDS after its last
# request, never later.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", default=10 * 60 * 60)
# Sessions are read from the cache (Redis in production, shared by all app
# processes) and written through to the database, which stays the record: a
# page reads no session row, and a lost cache only costs one read per login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: every page works under this policy.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Request paths of parent pages hold the parent's token: every log line passes
# a filter that blanks it (config.logging). runserver's request log included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.logging.RedactParentTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "loggers": {
        # Replaces Django's own "django" logger setup, whose handlers (a console
        # handler and mail to ADMINS) would otherwise write paths unfiltered.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# The coordinator's overview flags families without a positive informal contact
# in this many weeks (the page can ask for another number).
NO_POSITIVE_CONTACT_WEEKS = env_int("NO_POSITIVE_CONTACT_WEEKS", default=6)
if not 1 <= NO_POSITIVE_CONTACT_WEEKS <= 52:
    raise ImproperlyConfigured("NO_POSITIVE_CONTACT_WEEKS must be between 1 and 52.")

# Parent links stay valid this many days after the meeting (conversations.parent_links).
PARENT_LINK_DAYS = env_int("PARENT_LINK_DAYS", default=30)

# The site's own address, for links in messages sent without a request to take
# it from (the booking reminders run from cron). Defaults to the first host.
SITE_URL = env_str(
    "SITE_URL", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
).rstrip("/")

# `manage.py apply_retention` (run daily) deletes the records of children who
# left more than this many years ago (families.privacy).
RETENTION_YEARS = env_int("RETENTION_YEARS", default=2)
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured("RETENTION_YEARS must be at least 1 (years after a child left).")
# Wrong tokens one address may try per window before it is refused for a while.
PARENT_LINK_LOOKUP_LIMIT = env_int("PARENT_LINK_LOOKUP_LIMIT", default=20)
PARENT_LINK_LOOKUP_WINDOW = env_int("PARENT_LINK_LOOKUP_WINDOW", default=15 * 60)

# Rate limits must be shared by every app process: Redis in production. A
# single development server can count in its own memory.
REDIS_URL = env_str("REDIS_URL", "" if DEBUG else None)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, keeping its client between calls.
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "samenspraak",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Demo users exist only on a developer's machine.
DEMO_USERS_ENABLED = DEBUG

# `make bench` (bench/run.py) only, never in production: each response says
# how many database queries it took (X-Query-Count), /bench/floor/ serves the
# page every other page is measured against, and mail goes nowhere.
BENCH = env_bool("BENCH", default=False)
if BENCH:
    MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
