"""Deployment settings, all from environment variables (docs/configuration.md lists them).

With nothing set, Clientela runs in embedded mode: SQLite under ``var/``, mail printed to the
console, tasks in the database, a generated secret key kept in the data dir.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from clientela.conf import REPO_ROOT, data_dir, env_bool, env_list, env_str, secret_key

BASE_DIR = REPO_ROOT
DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("CLIENTELA_DEBUG", False)
HTTPS = env_bool("CLIENTELA_HTTPS", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "clientela.platform",
    "clientela.customers",
    "clientela.activities",
    "clientela.sales",
    "clientela.service",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientela.platform.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "clientela.platform.middleware.LoginRequiredMiddleware",
    "clientela.platform.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "clientela.urls"
ASGI_APPLICATION = "clientela.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_ROOT / "clientela" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clientela.platform.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'clientela.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock when the transaction starts, so two writers wait
        # on the busy timeout instead of failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-16000;"
        ),
    }
    # A file (not :memory:) so that worker subprocesses in tests can open it; one per test run
    # so that parallel runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # Under ASGI each request runs in its own thread, so persistent connections pile up (one
    # per dead thread); a pool per process hands connections back instead (docs/deployment.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(env_str("CLIENTELA_DB_POOL_SIZE", "10")),
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, tasks -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # In the database, so that every process shares it (the login throttle's counters, a
    # background scan's progress read by the page): the table comes with the migrations.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "clientela_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

TASK_BACKEND = env_str("CLIENTELA_TASK_BACKEND", "db")
if TASK_BACKEND == "redis":
    if not REDIS_URL:
        raise ValueError("CLIENTELA_TASK_BACKEND=redis needs REDIS_URL")
    TASKS = {
        "default": {
            "BACKEND": "clientela.platform.taskqueue.redis_backend.RedisBackend",
            "OPTIONS": {"url": REDIS_URL},
        }
    }
elif TASK_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ValueError(f"CLIENTELA_TASK_BACKEND must be 'db' or 'redis', got {TASK_BACKEND!r}")
# days finished rule runs and webhook deliveries are kept (failed ones twice as long)
AUTOMATION_LOG_DAYS = int(env_str("CLIENTELA_AUTOMATION_LOG_DAYS", "90"))

# --- Auth and security ----------------------------------------------------------------------
AUTH_USER_MODEL = "platform.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
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
LOGIN_FAILURE_LIMIT = int(env_str("CLIENTELA_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(env_str("CLIENTELA_LOGIN_LOCKOUT_SECONDS", "900"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Mail -----------------------------------------------------------------------------------


def _mailer(url: str) -> dict[str, object]:
    """EMAIL_URL: smtp://user:pass@host:port, smtp+tls://…, smtps://…, console:, file:///dir."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ValueError(
            f"EMAIL_URL scheme must be smtp, smtp+tls, smtps, console or file: {url!r}"
        )
    query = parse_qs(parts.query)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": scheme == "smtp+tls",
            "use_ssl": scheme == "smtps",
            "timeout": int(query.get("timeout", ["10"])[0]),
        },
    }


EMAIL_URL = env_str("EMAIL_URL", "console:")
MAILERS = {"default": _mailer(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clientela <clientela@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# where links in mail sent without a request (satisfaction surveys, reminders) point
SITE_URL = env_str("CLIENTELA_SITE_URL", "http://127.0.0.1:8000")
# the largest file a ticket takes (uploads and mail attachments)
SERVICE_ATTACHMENT_MAX_BYTES = int(env_str("CLIENTELA_ATTACHMENT_MAX_MB", "25")) * 1024 * 1024

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("pt-br", _("Português (Brasil)"))]
LOCALE_PATHS = [REPO_ROOT / "clientela" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
# the company's currency: new deals' default and the one boards and reports total in
CLIENTELA_CURRENCY = env_str("CLIENTELA_CURRENCY", "BRL").upper()
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "clientela_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [REPO_ROOT / "clientela" / "static", REPO_ROOT / "build" / "vendor"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
API_PAGE_MAX = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CLIENTELA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
