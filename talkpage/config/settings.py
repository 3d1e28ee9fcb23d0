"""Talkpage settings: every knob is a ``TALKPAGE_*`` environment variable.

With none set, everything lives under ``./var`` (SQLite database, secret key,
mail outbox) so a checkout runs with no other service. README lists every
variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from talkpage.config.env import (
    data_dir,
    env,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_int_list,
    env_list,
    env_networks,
    env_rate,
)
from talkpage.lib.mail import email_settings_from_url
from talkpage.lib.secret_key import load_or_create_secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY") or load_or_create_secret_key(DATA_DIR)

BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(
        f"TALKPAGE_BASE_URL must look like https://talk.example, not {BASE_URL!r}"
    )
HTTPS = _base.scheme == "https"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [_base.hostname, "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
TALKPAGE_TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "talkpage.accounts",
    "talkpage.articles",
    "talkpage.discussion",
    "talkpage.moderation",
    "talkpage.embeds",
    "talkpage.privacy",
    "talkpage.importers",
    "talkpage.background",
    "talkpage.notifications",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    # Serves the API docs page's assets locally (no CDN, CSP-friendly).
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "talkpage.embeds.popup.SignInPopupOpenerMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "talkpage.lib.overload.ConcurrencyLimitMiddleware",
    # Repeat reads of a discussion by readers without cookies, answered from
    # the cache before the middleware below (which would add nothing).
    "talkpage.discussion.middleware.SharedReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "talkpage.embeds.cors.ApiCorsMiddleware",
    "talkpage.api.middleware.JsonWritesOnlyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "talkpage.embeds.auth.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "talkpage.lib.http.NoStoreForSignedInMiddleware",
    # Last, so its 413 still passes back through the security headers above;
    # it runs before any view or process_view reads the body.
    "talkpage.lib.http.RequestBodyLimitMiddleware",
]

ROOT_URLCONF = "talkpage.config.urls"
WSGI_APPLICATION = "talkpage.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "talkpage.lib.context.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite: WAL so readers never wait for the writer; IMMEDIATE transactions so
# a writer takes the lock up front instead of failing half-way with "database
# is locked"; synchronous=FULL so an acknowledged comment survives power loss.
# That is one fsync per comment, which bounds posting (docs/benchmarks.md):
# "normal" still survives a killed server, not a crashed machine.
_sqlite_synchronous = env_choice("SQLITE_SYNCHRONOUS", "full", ["full", "normal"])
SQLITE_OPTIONS = {
    "init_command": (
        f"PRAGMA journal_mode=WAL; PRAGMA synchronous={_sqlite_synchronous.upper()};"
        " PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
# PostgreSQL: a bounded wait to connect, and no statement or forgotten
# transaction may hold a worker (or row locks) for long.
POSTGRES_OPTIONS = {
    "connect_timeout": 5,
    "options": (
        "-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000"
    ),
}
_database_url = env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "talkpage.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        **POSTGRES_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Requests each worker process lets into Django at once; more wait briefly or
# get a quick 503 (talkpage/lib/overload.py).
TALKPAGE_MAX_CONCURRENT_REQUESTS = env_int("MAX_CONCURRENT_REQUESTS", 8)

# Connections. A server process runs about a hundred threads (most of them
# only wait or refuse, talkpage/lib/overload.py) but lets just
# TALKPAGE_MAX_CONCURRENT_REQUESTS requests into Django at once. PostgreSQL
# connections come from a pool of that size per process (psycopg_pool, through
# Django's "pool" option): a request takes one for its duration and gives it
# back, so a process never holds more, and no request pays for a new
# connection (a new PostgreSQL backend) or a health-check round trip.
# SQLite connections are files that no server counts: each thread keeps its
# own.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The admitted requests, and the odd background thread (reset mail).
    _pool_size = env_int("DATABASE_POOL_SIZE", TALKPAGE_MAX_CONCURRENT_REQUESTS + 2)
    _database_pool = {
        # Opened at once and kept: a pool that grows on demand made requests
        # wait for each new connection at the start of every burst.
        "min_size": _pool_size,
        "max_size": _pool_size,
        # A request that cannot get a connection in time is answered 503.
        "timeout": 10,
        "max_idle": 300,
    }
    DATABASES["default"]["OPTIONS"].setdefault("pool", _database_pool)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 300)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replicas (optional) ---------------------------------------------
# Readers with nothing of their own read from a replica; writers, signed-in
# readers and transactions use the primary (talkpage/config/routers.py).
TALKPAGE_DATABASE_REPLICAS = []
for _number, _replica_url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = dj_database_url.parse(_replica_url)
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            f"TALKPAGE_DATABASE_REPLICA_URLS: replica {_number} is not the same "
            "kind of database as TALKPAGE_DATABASE_URL"
        )
    _replica["OPTIONS"] = {
        **{
            "django.db.backends.sqlite3": SQLITE_OPTIONS,
            "django.db.backends.postgresql": POSTGRES_OPTIONS,
        }.get(_replica["ENGINE"], {}),
        **_replica.get("OPTIONS", {}),
    }
    if "pool" in DATABASES["default"]["OPTIONS"]:
        _replica["OPTIONS"].setdefault("pool", _database_pool)
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = DATABASES["default"].get(
        "CONN_HEALTH_CHECKS", False
    )
    # Tests read and write one test database, the primary's.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    TALKPAGE_DATABASE_REPLICAS.append(f"replica{_number}")
if TALKPAGE_DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["talkpage.config.routers.ReplicaRouter"]
    MIDDLEWARE = ["talkpage.config.routers.ReplicaReadsMiddleware", *MIDDLEWARE]

# --- Cache (rate limits, sessions, rendered threads) ----------------------
# With Redis every process shares one cache, so rate limits count across
# all of them and sessions are read from memory (and written through to the
# database, so a Redis restart signs nobody out).
_redis_url = env("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How long a proxy or CDN may keep a page or API read for readers without
# cookies (s-maxage). Browsers always revalidate (cheaply: ETag, 304).
TALKPAGE_SHARED_CACHE_SECONDS = env_int("SHARED_CACHE_SECONDS", 10)
# How long a rendered page of a discussion stays in the cache. Entries are
# keyed by the discussion's version, so this bounds memory, not staleness;
# 0 turns the cache off (for measuring).
TALKPAGE_DISCUSSION_CACHE_SECONDS = env_int("DISCUSSION_CACHE_SECONDS", 3600)
# With a shared cache (Redis), each process also keeps the renderings it
# served last in its own memory, up to this many MiB (0: none).
TALKPAGE_LOCAL_CACHE_MB = env_int("LOCAL_CACHE_MB", 16)

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["talkpage.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "talkpage.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "articles:home"
LOGOUT_REDIRECT_URL = "articles:home"
# One hour, not Django's three days: a reset link is a key to the account.
PASSWORD_RESET_TIMEOUT = 3600

# --- Mail -----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", f"Talkpage <noreply@{_base.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
globals().update(email_settings_from_url(env("EMAIL_URL"), DATA_DIR / "outbox"))

# --- Background work ------------------------------------------------------
# Mail and other slow work is queued in the database and run by
# `talkpage worker` (which `talkpage serve` starts): nothing else to install.
# docs/deploy.md shows the Redis (RQ) backend for many machines.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}
# Seconds before each new attempt at a message the mail server did not
# take: about a day and a half in all, so a mail server down for a night
# loses nothing; then it is kept as given up on (`talkpage manage mailqueue`).
TALKPAGE_MAIL_RETRY_SECONDS = env_int_list(
    "MAIL_RETRY_SECONDS", [30, 120, 600, 1800, 3600, 10800, 21600, 43200, 43200]
)
# Days a failed task (a message given up on) is kept for the operator.
TALKPAGE_FAILED_TASK_DAYS = env_int("FAILED_TASK_DAYS", 30)

# --- Notifications --------------------------------------------------------
# Held comments are mailed to moderators one by one ("each"), gathered into
# a digest every TALKPAGE_MODERATOR_DIGEST_MINUTES ("digest"), or not at all.
TALKPAGE_MODERATOR_NOTIFICATIONS = env_choice(
    "MODERATOR_NOTIFICATIONS", "digest", ["each", "digest", "off"]
)
TALKPAGE_MODERATOR_DIGEST_MINUTES = env_int("MODERATOR_DIGEST_MINUTES", 60)
# A reader is mailed at most once per this many minutes; what happens in
# between waits and arrives together in the next message.
TALKPAGE_NOTIFICATION_INTERVAL_MINUTES = env_int("NOTIFICATION_INTERVAL_MINUTES", 15)
# Seconds the first reply waits for others to go with it (a busy thread).
TALKPAGE_NOTIFICATION_DELAY_SECONDS = env_int("NOTIFICATION_DELAY_SECONDS", 60)
# Days a confirmation link (email address, following) stays valid.
TALKPAGE_CONFIRMATION_DAYS = env_int("CONFIRMATION_DAYS", 7)

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
CSRF_FAILURE_VIEW = "talkpage.lib.http.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SSL_REDIRECT", True)
# Load balancers probe over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if HTTPS else 0)
# Only subdomains of Talkpage's own host name are covered, which is safe.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading commits a whole registrable domain to HTTPS for years: the
# operator's call, not the app's, so it is off and its reminder silenced.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Comments are at most 10,000 characters; urlencoded 4-byte characters take
# 12 bytes each, so 256 KiB leaves room for that and nothing much more.
TALKPAGE_MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = TALKPAGE_MAX_REQUEST_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

TALKPAGE_RATE_LIMITS = {
    # A person in a lively discussion writes a few comments a minute; a script
    # writes hundreds.
    "comment": env_rate("RATE_COMMENT", "10/m"),
    "comment_edit": env_rate("RATE_COMMENT_EDIT", "30/m"),
    "login_network": env_rate("RATE_LOGIN_NETWORK", "30/m"),
    # Per account, failures only: stops guessing without locking the owner
    # out for long, and "Forgot password?" stays open to them.
    "login_account": env_rate("RATE_LOGIN_ACCOUNT", "10/15m"),
    "register": env_rate("RATE_REGISTER", "10/h"),
    "password_reset_network": env_rate("RATE_PASSWORD_RESET_NETWORK", "20/h"),
    "password_reset_address": env_rate("RATE_PASSWORD_RESET_ADDRESS", "5/h"),
    "report": env_rate("RATE_REPORT", "20/h"),
    "vote": env_rate("RATE_VOTE", "60/m"),
    # "Send the link again" for an account's address, per address.
    "confirmation_address": env_rate("RATE_CONFIRMATION_ADDRESS", "3/d"),
    "follow": env_rate("RATE_FOLLOW", "30/h"),
}

# --- Moderation -----------------------------------------------------------
TALKPAGE_MODERATION_POLICY = env_choice(
    "MODERATION_POLICY", "open", ["open", "hold-anonymous", "hold-all", "closed"]
)
# Comments close this many days after an article's publication (0: never).
TALKPAGE_CLOSE_AFTER_DAYS = env_int("CLOSE_AFTER_DAYS", 0)
# Distinct reader reports that take a comment out of view until a moderator
# decides.
TALKPAGE_REPORTS_TO_HIDE = env_int("REPORTS_TO_HIDE", 3)
# Spam filter score (0..1) from which a comment is held, and from which it is
# kept as spam and never shown.
TALKPAGE_SPAM_HOLD_SCORE = env_float("SPAM_HOLD_SCORE", 0.7)
TALKPAGE_SPAM_REJECT_SCORE = env_float("SPAM_REJECT_SCORE", 0.98)
TALKPAGE_SPAM_FILTER = env("SPAM_FILTER", "talkpage.moderation.spam.NaiveBayesFilter")
TALKPAGE_SPAM_MIN_TRAINING = env_int("SPAM_MIN_TRAINING", 5)
# More links than this in one comment holds it.
TALKPAGE_MAX_LINKS = env_int("MAX_LINKS", 3)
# The same text this many times in a day (from anyone) holds it.
TALKPAGE_REPEATS_TO_HOLD = env_int("REPEATS_TO_HOLD", 3)
# A comment form sent back sooner than this after it was shown is a script.
TALKPAGE_MIN_SECONDS_TO_POST = env_int("MIN_SECONDS_TO_POST", 2)
# A comment form older than this has expired (seconds).
TALKPAGE_FORM_MAX_AGE = env_int("FORM_MAX_AGE", 2 * 24 * 3600)
# Days a comment keeps its poster's network hash (to ban an anonymous poster)
# before `talkpage manage forgetnetworks` clears it (see the privacy page).
TALKPAGE_NETWORK_HASH_DAYS = env_int("NETWORK_HASH_DAYS", 90)

# --- Embeds ---------------------------------------------------------------
# Seconds a widget's sign-in (bearer) token lasts.
TALKPAGE_BEARER_TOKEN_AGE = env_int("BEARER_TOKEN_AGE", 2 * 3600)
# Longest validity a host site may give an SSO payload (seconds).
TALKPAGE_SSO_MAX_AGE = env_int("SSO_MAX_AGE", 3600)

# --- Discussion -----------------------------------------------------------
TALKPAGE_COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
TALKPAGE_MAX_DEPTH = env_int("MAX_DEPTH", 4)
TALKPAGE_SITE_NAME = env("SITE_NAME", "Talkpage")

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Without collectstatic (tests, a fresh checkout) fall back to plain names
# instead of failing every page.
WHITENOISE_MANIFEST_STRICT = False

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {"not_retried_mail": {"()": "talkpage.lib.mail.NotRetriedMailFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "talkpage": {"level": env("LOG_LEVEL", "INFO")},
        # A forged Host header is answered with 400; it is noise, not an
        # error worth a traceback per request.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
        # Mail the server refused is logged by talkpage.mail, with what
        # happens next; django_tasks would add a traceback per attempt.
        "django_tasks": {"filters": ["not_retried_mail"]},
    },
}
