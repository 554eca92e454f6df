"""Base settings, read from the environment.

DATABASE_URL (default: SQLite file in the project), DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DJANGO_DEBUG, HSR_MASTER_KEY. The thin dev/test/production modules only adjust what differs.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Wraps every tender round's sealing key (base64 of 32 bytes); see tenders/sealing.py.
HSR_MASTER_KEY = os.environ.get("HSR_MASTER_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "audit",
    "stations",
    "tenders",
    "leasing",
    "cms",
    "api",
    "notifications",
    "backup",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "guardian",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: the arrival time judges the bid deadline, before any other work or lock.
    "cms.arrival.ArrivalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cms.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body: the CSRF check reads request.POST.
    "cms.request_limits.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the CSRF check, the user and the messages: runs a keyed write's view once.
    "api.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A view's database outage is a 503 with Retry-After (handler500 catches the rest).
    "cms.unavailable.DatabaseUnavailableMiddleware",
    # A full disk under Wagtail's own upload screens: a message, not a 500.
    "cms.storage_full.StorageRefusalMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# A persistent connection (DATABASE_CONN_MAX_AGE seconds) is checked before its first query in
# each request (CONN_HEALTH_CHECKS), so one left dead by a database restart is replaced there
# instead of failing that request. Connecting gives up after DATABASE_CONNECT_TIMEOUT seconds
# (PostgreSQL), so that a request never hangs on an unreachable server: it is answered 503
# (cms.unavailable).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting on a lock beats failing at once when the dev server and a command overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
# What a 503 during a database outage asks the client to wait (Retry-After, seconds).
DATABASE_UNAVAILABLE_RETRY_AFTER = int(os.environ.get("DATABASE_UNAVAILABLE_RETRY_AFTER", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, refusing an account with too many recent failed sign-ins.
    "tenders.accounts.ThrottledModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# guardian: no anonymous user row; passengers need no permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# Argon2id for every new or changed password; a hash of another hasher still signs in and is
# rehashed with Argon2 at that sign-in (Django's check_password upgrades it).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media"
# The file system, without the partial file a full disk leaves (stations.media).
STORAGES = {
    "default": {"BACKEND": "stations.media.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Request limits (cms.request_limits). Django's own: at most 1,000 form fields (more is a 400;
# the screens that need more, named there, read up to RAISED_MAX_NUMBER_FIELDS), 2.5 MB of
# form data outside the files (a 10 MB text field is a 400 before its body is read), 100
# files; a file over 5 MB is spooled to disk, not memory. Ours: a request body over
# REQUEST_MAX_BODY_BYTES (the largest upload, a handbook video, and its form) is a 413 from its
# Content-Length, before a byte is read; the proxy in front should hold the same limit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
DATA_UPLOAD_MAX_NUMBER_FILES = 100
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
RAISED_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "高铁车站商业招商系统"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# mp4 and webm: videos for the investment handbook (cms.blocks.VideoBlock)
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "pdf", "txt", "webm", "xlsx", "zip"]
# Every upload is judged by its content (stations.uploads, cms.uploads): a document must be what
# its extension says; an image's pixels are counted from its header before it is decoded.
UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", 40_000_000))
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.uploads.CheckedDocumentForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024  # a handbook video
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = UPLOAD_MAX_PIXELS
REQUEST_MAX_BODY_BYTES = int(
    os.environ.get("REQUEST_MAX_BODY_BYTES", WAGTAILDOCS_MAX_UPLOAD_SIZE + 16 * 1024 * 1024)
)
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

LOGIN_URL = "wagtailadmin_login"

# The REST API (api/): page sizes and the rate limit per token (per address without one). The
# count lives in the default cache: REDIS_URL shares it between the workers.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/min")
API_ANONYMOUS_RATE_LIMIT = os.environ.get("API_ANONYMOUS_RATE_LIMIT", "120/min")
# How long an Idempotency-Key (and a form's one-time token) keeps its answer (api.idempotency).
IDEMPOTENCY_KEY_TTL_HOURS = float(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

# The merchant portal's accounts (tenders.accounts): the sign-in throttle per account (failures
# within a sliding window; a new password clears them) and how long the e-mailed links last.
SIGN_IN_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_FAILURE_LIMIT", 100))
SIGN_IN_FAILURE_WINDOW = int(os.environ.get("SIGN_IN_FAILURE_WINDOW", 3600))  # seconds
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600  # seconds
MEMBER_INVITATION_MAX_AGE = 14 * 24 * 3600  # seconds
PASSWORD_RESET_TIMEOUT = 24 * 3600  # seconds

# Mail: printed on the console unless a backend is configured (e.g. SMTP with EMAIL_HOST…).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")

# Background tasks (django-tasks): notifications are queued in the database and run by the worker
# `python manage.py db_worker`. TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# runs them in the web process instead (the dev server's default; see dev.py).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}

# Floor-plan underlays: what an upload may be (stations.plans checks these).
UNDERLAY_MAX_BYTES = int(os.environ.get("UNDERLAY_MAX_BYTES", 20 * 1024 * 1024))
UNDERLAY_MAX_PIXELS = int(os.environ.get("UNDERLAY_MAX_PIXELS", 40_000_000))
UNDERLAY_FORMATS = ("PNG", "JPEG", "WEBP")

# The audit journal's head (latest seq and hash), appended daily by export_journal_head or the
# task audit.tasks.export_journal_head, one file per day; keep it off the database's machine.
JOURNAL_HEAD_DIR = os.environ.get("JOURNAL_HEAD_DIR", str(BASE_DIR / ".local" / "journal-heads"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no outside requests from the admin
