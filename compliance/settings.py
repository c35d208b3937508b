"""Settings, read from the environment.

DJANGO_ENV selects the profile. "production" (the default for the WSGI entry point and for
anything that does not say otherwise) needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS and turns
on every HTTPS protection; "development" (what manage.py and the test suite choose) runs with
DEBUG and a throw-away key. The database comes from DATABASE_URL, SQLite by default.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from compliance.email_url import EmailUrlError, email_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


ENVIRONMENT = os.environ.get("DJANGO_ENV", "production").strip().lower()
if ENVIRONMENT not in {"production", "development"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'production' or 'development'.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin's theme: its templates must win over the admin's own, so it comes first.
    "unfold.apps.BasicAppConfig",  # not its default: it would replace our admin site
    # modeltranslation must come before the admin so that its admin integration wins.
    "modeltranslation",
    "compliance.apps.ComplianceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "import_export",
    "reversion",
    "django_tasks",
    "django_tasks_db",
    "compliance.apps.ComplianceConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "compliance.middleware.AdminContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "compliance.urls"
# Where urls.py mounts the admin (the admin's Content-Security-Policy follows it).
ADMIN_URL_PREFIX = "admin/"
# The only login is the admin's; unfold's login page posts no "next" when none was asked for.
LOGIN_REDIRECT_URL = "/" + ADMIN_URL_PREFIX
WSGI_APPLICATION = "compliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for a multi-user web server: readers never wait for the writer (WAL), a writer
    # waits up to 20 s for another instead of failing with "database is locked", and every
    # transaction takes the write lock when it begins (IMMEDIATE), so two transactions never
    # both read and then deadlock on upgrading to write (Django 5.1+).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: English is the source language and the fallback of every translated field.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("pl", _("Polish")),
    ("cs", _("Czech")),
    ("de", _("German")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Prague")
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The language tabs need jQuery UI; it is served from our own static files, never a CDN.
JQUERY_UI_URL = "compliance/vendor/jquery-ui.min.js"  # read by modeltranslation

# The admin's theme (django-unfold). Everything it loads comes from its package, served by us:
# no font, script or style from another origin. The sidebar's navigation is built by
# compliance/sites.py (groups as a legal team thinks of the register, each with its counts).
UNFOLD = {
    "SITE_TITLE": _("GDPR register"),
    "SITE_HEADER": _("GDPR register"),
    "SITE_SYMBOL": "policy",
    "SITE_URL": "/",
    # The language is chosen in the header (templates/admin/base_site.html), not in a menu.
    "SHOW_LANGUAGES": False,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "COLORS": {
        # A calm blue: text in primary-600/700 on white has a contrast above 4.5:1 (WCAG AA).
        "primary": {
            "50": "oklch(97% .014 254.604)",
            "100": "oklch(93.2% .032 255.585)",
            "200": "oklch(88.2% .059 254.128)",
            "300": "oklch(80.9% .105 251.813)",
            "400": "oklch(70.7% .165 254.624)",
            "500": "oklch(62.3% .214 259.815)",
            "600": "oklch(54.6% .245 262.881)",
            "700": "oklch(48.8% .243 264.376)",
            "800": "oklch(42.4% .199 265.638)",
            "900": "oklch(37.9% .146 265.522)",
            "950": "oklch(28.2% .091 267.935)",
        },
    },
}

STATIC_URL = "static/"
# collectstatic (a production step) writes here; in development files come from the apps.
STATIC_ROOT = (
    Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")) if PRODUCTION else None
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# HTTPS and cookie hardening; each can be relaxed through the environment, e.g. behind a proxy
# that already redirects.
# Behind a reverse proxy: the scheme and the client's address come from its X-Forwarded-*.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Largest file an import accepts, in bytes (the admin's upload limit follows it), and the
# bounds every read keeps to, whatever the file declares (compliance/reading.py).
# The defaults take a register of 50,000 cookies in one file (an export of it: 26 columns,
# 17 MiB as CSV, 65 MiB unpacked as XLSX) and keep any import, hostile or not, under 300 MB
# of memory (bench/hostile_imports.py, bench/import_scale.py).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(32 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "1500000"))
IMPORT_MAX_EXPANDED_BYTES = int(os.environ.get("IMPORT_MAX_EXPANDED_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_SECONDS = int(os.environ.get("IMPORT_MAX_SECONDS", "120"))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# The summary's declaration is rendered in parts of this many rows when it has more, each part
# in a child process of its own, this many at a time, then joined (compliance/document_parts.py):
# WeasyPrint keeps every page of a document in memory until it writes the file, about 130 KB a
# row. One at a time by default, as memory matters more than seconds in the background worker:
# at 10,000 rows two at a time take 17 s instead of 25 s, and a child's memory more
# (bench/summary_scale.py, bench/README.md).
DOCUMENT_PART_ROWS = int(os.environ.get("DOCUMENT_PART_ROWS", "1000"))
DOCUMENT_RENDERING_PROCESSES = int(os.environ.get("DOCUMENT_RENDERING_PROCESSES", "1"))
# Uploads over the import limit are cut off while they arrive (compliance/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "compliance.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Background work (Django's Tasks API, compliance/tasks.py). The default queue is a table in
# our own database, worked by `manage.py worker`; any other Tasks backend (e.g. RQ's,
# django_tasks_rq.RQBackend) is chosen here without changing the code.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq."):
    # RQ (pip install django-tasks-rq==0.12.0): Redis holds the queue, `manage.py rqworker`
    # works it.
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
# A task that fails is run at most this many times in all, then shown as failed.
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "3"))
# How often a worker says it is alive, and after how long without a sign of life its running
# task is given to another worker (it was killed or its machine went away).
TASK_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("TASK_WORKER_HEARTBEAT_SECONDS", "10"))
TASK_WORKER_LEASE_SECONDS = float(os.environ.get("TASK_WORKER_LEASE_SECONDS", "60"))

# The site scanner (compliance/scanner/): Debian's Chromium driven by Playwright.
SCANNER_CHROMIUM = os.environ.get("SCANNER_CHROMIUM", "/usr/bin/chromium")
SCANNER_CHROMIUM_ARGS = env_list("SCANNER_CHROMIUM_ARGS", [])
# Pages loading at once, per scan; a page's time limit; a whole scan's time limit.
SCANNER_CONCURRENCY = int(os.environ.get("SCANNER_CONCURRENCY", "2"))
SCANNER_PAGE_TIMEOUT_SECONDS = int(os.environ.get("SCANNER_PAGE_TIMEOUT_SECONDS", "30"))
SCANNER_MAX_SECONDS = int(os.environ.get("SCANNER_MAX_SECONDS", "900"))
# Downloaded per consent state before the scan loads pages only (no more images, scripts...).
SCANNER_MAX_MEGABYTES = int(os.environ.get("SCANNER_MAX_MEGABYTES", "200"))
# Private, loopback and link-local addresses are refused unless this is on (tests, intranets).
SCANNER_ALLOW_PRIVATE_ADDRESSES = env_bool("SCANNER_ALLOW_PRIVATE_ADDRESSES", False)

# Proof of consent (compliance/consent_log.py): how long records are kept (consent is asked
# again within six months; the proof is kept for the time a claim about it can be made), the
# largest record accepted, and records per address and minute in each process.
CONSENT_RETENTION_DAYS = int(os.environ.get("CONSENT_RETENTION_DAYS", "1095"))
CONSENT_MAX_BODY_BYTES = int(os.environ.get("CONSENT_MAX_BODY_BYTES", "4096"))
CONSENT_RATE_PER_MINUTE = int(os.environ.get("CONSENT_RATE_PER_MINUTE", "60"))

# E-mail (notices of sub-processor changes to subscribers, compliance/subscriptions.py): the
# server as one URL (compliance/email_url.py), e.g. smtp://user:password@mail.example.com:587.
# Development prints e-mails on the console; production without EMAIL_URL hands them to a
# relay on localhost:25.
_email_url = os.environ.get(
    "EMAIL_URL", "smtp://localhost:25?tls=off" if PRODUCTION else "console://"
)
try:
    globals().update(email_settings(_email_url))
except EmailUrlError as error:
    raise ImproperlyConfigured(str(error)) from None
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
# Where the links in e-mails lead (e.g. https://trust.example.com); unset, the site on which
# each subscriber subscribed.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
# How long a confirmation link works, and a public form (its signed token) stays valid.
SUBSCRIPTION_CONFIRM_HOURS = int(os.environ.get("SUBSCRIPTION_CONFIRM_HOURS", "72"))
PUBLIC_FORM_MAX_AGE_SECONDS = int(os.environ.get("PUBLIC_FORM_MAX_AGE_SECONDS", "7200"))
# Public form submissions per address and hour, in each process (subscribe, object).
PUBLIC_FORM_RATE_PER_HOUR = int(os.environ.get("PUBLIC_FORM_RATE_PER_HOUR", "20"))
# A delivery left "sending" this long was cut off by a crash: it is sent again.
EMAIL_SENDING_LEASE_SECONDS = int(os.environ.get("EMAIL_SENDING_LEASE_SECONDS", "600"))

# The largest logo accepted for the public pages and documents (compliance/branding.py).
BRAND_LOGO_MAX_BYTES = int(os.environ.get("BRAND_LOGO_MAX_BYTES", str(1024 * 1024)))

# Translations whose English text changed since they were written: a warning when publishing,
# or (on) a reason publishing is refused.
TRANSLATION_REVIEW_BLOCKS_PUBLISH = env_bool("TRANSLATION_REVIEW_BLOCKS_PUBLISH", False)

# Public pages: how often a process looks for a newer release, and how long caches keep a page.
PUBLIC_RELEASE_CHECK_SECONDS = float(os.environ.get("PUBLIC_RELEASE_CHECK_SECONDS", "5"))
PUBLIC_MAX_AGE = int(os.environ.get("PUBLIC_MAX_AGE", "300"))
# The feed's entry ids are tag: URIs (RFC 4151) minted by "AUTHORITY,DATE", e.g.
# "example.com,2026-01-01": a domain the organisation held on that date. Unset, the first
# release fixes it (its organisation's website host and publication day). Never change it
# once a feed is out: readers would see every notice again.
FEED_TAG_AUTHORITY = os.environ.get("FEED_TAG_AUTHORITY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports each layout step at INFO; only its warnings are of interest.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pikepdf (joining a summary rendered in parts) announces itself at INFO once per process.
        "pikepdf": {"level": "WARNING"},
    },
}
