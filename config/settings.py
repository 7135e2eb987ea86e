"""Laurel settings, read from the environment.

One settings module for every environment. ``DEBUG`` (default off) selects the
development conveniences; everything else comes from variables documented in
README.md. Production (``DEBUG`` off) refuses to start without a real
``SECRET_KEY`` and turns on every transport-security setting, so that
``manage.py check --deploy`` reports nothing (tests/config/test_settings.py).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LAUREL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-laurel-development-only-never-in-production"  # noqa: S105 (DEBUG only)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY in the "
            "environment; for development set DEBUG=1."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "viewflow",
    "viewflow.workflow",
    "django_tasks",
    "django_tasks_db",
    "pgtrigger",
    "pghistory",
    "django_ratelimit",
    # Laurel's own apps, one per domain noun (see README "Architecture").
    "core",
    "accounts",
    "jurisdictions",
    "audit",
    "subjects",
    "benefits",
    "cases",
    "workflows",
    "notifications",
    "policies",
    "petitions",
    "crosscheck",
    "transfers",
    "quality",
    "letters",
    "reports",
    "portal",
    "audit_ui",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a field, a cookie or the session: NUL characters and deep JSON are a 400.
    "core.guards.HostileInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's saved language counts (accounts.middleware).
    "accounts.middleware.LanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "accounts.middleware.RequirePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Not found / not allowed as friendly pages inside the layout, in development too (config.errors).
    "config.errors.FriendlyErrorPagesMiddleware",
    # Axes last, as its documentation requires: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "jurisdictions.context_processors.jurisdiction",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'laurel.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _DEFAULT_DATABASE_URL


def parse_database_url(url: str, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Turn DATABASE_URL (or the variable ``name``) into a Django DATABASES entry, or fail with a readable reason."""
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)))
    except Exception as exc:  # dj-database-url raises several types for malformed URLs
        raise ImproperlyConfigured(
            f"{name} is malformed ({exc}). Expected e.g. "
            "postgresql://user@127.0.0.1:5432/laurel or sqlite:////absolute/path.sqlite3"
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"{name} uses an unsupported database ({engine or 'unknown scheme'}); "
            "Laurel runs on PostgreSQL (production) or SQLite (demo)."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database.")
    if engine == "django.db.backends.sqlite3":
        # SQLite: wait for the writer lock instead of failing at once under concurrent requests.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
        config["CONN_MAX_AGE"] = 0
    else:
        # A persistent connection is checked before each request reuses it: after a database
        # restart the first request reconnects instead of failing (core.outage answers 503s).
        config["CONN_HEALTH_CHECKS"] = True
        # The few hand-written statements run on every task request use server-side binding
        # (core.planned): PostgreSQL prepares each once it ran 5 times on a connection. Django's
        # own cursors bind on the client and never prepare. (No transaction-mode pooler in front.)
        config.setdefault("OPTIONS", {})["prepare_threshold"] = 5
    return config


DATABASES = {"default": parse_database_url(DATABASE_URL)}

# Read replicas (PostgreSQL streaming replicas of the primary, comma-separated URLs): the
# dashboards, the reports API, the exports and the read side of the cross-checks read there
# (core.replicas); a user who has just written reads from the primary until a replica has
# replayed that write. Unset: no replica alias, no router, no middleware.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URLS:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL primary (DATABASE_URL=postgresql://…).")
    for _number, _url in enumerate(DATABASE_REPLICA_URLS):
        _replica = parse_database_url(_url, name=f"DATABASE_REPLICA_URLS (replica {_number + 1})")
        if _replica["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URLS: every replica is a PostgreSQL streaming replica.")
        # A replica that does not answer quickly is skipped (the primary answers instead).
        _replica["OPTIONS"] = {
            **_replica.get("OPTIONS", {}),
            "connect_timeout": env_int("LAUREL_REPLICA_CONNECT_TIMEOUT", 2),
        }
        # Tests read the primary's test database through the replica aliases (no second copy).
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES[f"replica_{_number}"] = _replica
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    # After authentication: records, per user, how far the primary's WAL was after a write.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "core.replicas.ReadYourWritesMiddleware",
    )
# Seconds a user's last write keeps their reads on the primary if no replica replays it; an
# unreachable replica is not asked again for LAUREL_REPLICA_RETRY_SECONDS.
LAUREL_REPLICA_READ_YOUR_WRITES_SECONDS = env_int("LAUREL_REPLICA_READ_YOUR_WRITES_SECONDS", 3600)
LAUREL_REPLICA_RETRY_SECONDS = env_int("LAUREL_REPLICA_RETRY_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared cache ---------------------------------------------------------------------------
# What changes rarely (memberships and grants, the two-factor requirement, the SLA calendar)
# and the navigation counts are kept here, under version stamps (core.cache). Production sets
# LAUREL_CACHE_URL to a Redis shared by every web process and worker (redis://host:6379/1);
# unset, each process keeps its own local-memory cache (the SQLite demo, one process).
LAUREL_CACHE_URL = os.environ.get("LAUREL_CACHE_URL", "").strip()


def cache_config(url: str) -> dict[str, Any]:
    """A Django CACHES entry for ``url``: ``redis://``/``rediss://``/``unix://`` or ``locmem://`` (or empty)."""
    if not url or url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": url[9:] or "laurel"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        import importlib.util

        # django-redis when installed (connection pooling and its options), else Django's own client.
        if importlib.util.find_spec("django_redis") is not None:
            backend = "django_redis.cache.RedisCache"
        else:
            backend = "django.core.cache.backends.redis.RedisCache"
        return {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": "laurel"}
    raise ImproperlyConfigured(f"LAUREL_CACHE_URL={url!r}: use redis://host:port/db (or locmem:// for one process).")


CACHES = {"default": cache_config(LAUREL_CACHE_URL)}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Object permissions: a grant on a division covers everything below it.
    "jurisdictions.backends.JurisdictionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Guardian: object permissions live on division rows and are checked by
# jurisdictions.backends.JurisdictionBackend, which adds the hierarchy. Guardian's own
# backend is left out on purpose: it would answer for the exact row only, and raises on
# permissions of another app (STACK-NOTES.md), hence its "not hooked" warning is silenced.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
# django-ratelimit needs a cache shared by every web process (LAUREL_CACHE_URL: Redis in
# production). The SQLite demo runs one process on the local-memory cache: only there, with
# DEBUG on, is the library's shared-cache check silenced.
RATELIMIT_USE_CACHE = "default"
if DEBUG and not os.environ.get("LAUREL_CACHE_URL", "").startswith(("redis://", "rediss://", "unix://")):
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# Lockout after repeated failures, keyed on username + client IP, with a cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
# Behind a reverse proxy, set AXES_PROXY_COUNT to the number of proxies that append to
# X-Forwarded-For; otherwise the socket address is used and the header (forgeable) is ignored.
_AXES_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = _AXES_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if _AXES_PROXY_COUNT else ["REMOTE_ADDR"]

# Two-factor (TOTP) for approvers, auditors and administrators. Demo users may be exempted
# in development only; production ignores the exemption.
OTP_TOTP_ISSUER = "Laurel"
# Benefits (docs/benefits.md): the shipped standards are sample figures (示例). Outside DEBUG no
# amount is paid from a sample row unless LAUREL_ALLOW_SAMPLE_STANDARDS is set (a demo server).
LAUREL_ALLOW_SAMPLE_STANDARDS = env_bool("LAUREL_ALLOW_SAMPLE_STANDARDS", default=DEBUG)
# 公示: the working days a public notice stays open for objections (benefits.notices).
LAUREL_NOTICE_WORKING_DAYS = env_int("LAUREL_NOTICE_WORKING_DAYS", 7)
LAUREL_2FA_ROLES = ("approver", "auditor", "admin", "sysadmin")
LAUREL_2FA_EXEMPT_DEMO_USERS = DEBUG and env_bool("LAUREL_2FA_EXEMPT_DEMO_USERS", default=True)

# Sessions: 30 minutes idle, 8 hours absolute (accounts.middleware.SessionLimitsMiddleware).
# The session is not written on every request: its idle clock is moved on at most once every
# LAUREL_SESSION_TOUCH_SECONDS, so both limits hold to within that many seconds.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
LAUREL_SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LAUREL_SESSION_ABSOLUTE_SECONDS = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# --- Security headers -------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: everything is served from this host (no CDN; intranets are offline).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
# Collected static files (`deploy/build.sh`); an image keeps them apart from the runtime VAR_DIR.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# WhiteNoise serves collected files in production; in development and tests it finds them
# through the finders instead, so no collectstatic run is needed there.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "core.staticfiles.AppDirectoriesExceptExcludedFinder",
]
# Apps whose static files are never collected or served: viewflow's Material UI is not mounted
# (our own templates are the UI) and its stylesheet names fonts the package lacks.
LAUREL_STATICFILES_EXCLUDE_APPS = ["viewflow"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
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

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens (django-rest-knox, accounts.ApiToken): hours until a token expires, shorter for
# users whose roles need two-factor.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model's name, not a secret)
# knox's own token model is swapped out: its migrations would still create an unused table.
MIGRATION_MODULES = {"knox": None}
# Random quality review (质量抽查): the share of a county's closed decisions drawn each month, and at least this many.
LAUREL_QUALITY_SHARE = float(os.environ.get("LAUREL_QUALITY_SHARE", "0.05"))
LAUREL_QUALITY_MINIMUM = int(os.environ.get("LAUREL_QUALITY_MINIMUM", "3"))
# A drawn decision's time for its finding (working days after the draw), counted by the SLA scan.
LAUREL_QUALITY_REVIEW_WORKING_DAYS = env_int("LAUREL_QUALITY_REVIEW_WORKING_DAYS", 20)
# Transfers between jurisdictions (跨地区转移): each side's time limit, in working days, per step (as
# LAUREL_CASE_SLA_DEFAULT_DAYS per stage); both default to LAUREL_TRANSFER_WORKING_DAYS.
LAUREL_TRANSFER_WORKING_DAYS = env_int("LAUREL_TRANSFER_WORKING_DAYS", 10)
LAUREL_TRANSFER_SLA_DAYS = {
    "transfer_release": env_int("LAUREL_TRANSFER_RELEASE_WORKING_DAYS", LAUREL_TRANSFER_WORKING_DAYS),
    "transfer_accept": env_int("LAUREL_TRANSFER_ACCEPT_WORKING_DAYS", LAUREL_TRANSFER_WORKING_DAYS),
}
# A cross-check run whose inputs nobody wrote since an earlier run with the same plan reuses its result if that run
# is at most this many days old (crosscheck.reuse, PostgreSQL; 0 = always run the checks).
LAUREL_CROSSCHECK_REUSE_DAYS = float(os.environ.get("LAUREL_CROSSCHECK_REUSE_DAYS", "7"))
LAUREL_API_TOKEN_HOURS = float(os.environ.get("LAUREL_API_TOKEN_HOURS", "10"))
LAUREL_API_TOKEN_HOURS_PRIVILEGED = float(os.environ.get("LAUREL_API_TOKEN_HOURS_PRIVILEGED", "2"))
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": timedelta(hours=LAUREL_API_TOKEN_HOURS), "AUTO_REFRESH": False}
# One-time codes for enrolling an authenticator, issued by a security administrator.
LAUREL_ENROLMENT_CODE_HOURS = float(os.environ.get("LAUREL_ENROLMENT_CODE_HOURS", "72"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Laurel API",
    "DESCRIPTION": "Case management for veterans' and special-care beneficiaries' grievances and claims.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.declare_error_responses"],
}

# --- Background jobs (django.tasks API; the worker is `manage.py db_worker`) ---------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Seconds a client is asked to wait (Retry-After) when the database is unreachable (core.outage).
LAUREL_OUTAGE_RETRY_AFTER_SECONDS = env_int("LAUREL_OUTAGE_RETRY_AFTER_SECONDS", 30)

# Network and access logs (sign-in records) are kept this many days, then pruned daily
# (core.retention). The law asks for at least six months: less is refused.
LAUREL_LOG_RETENTION_DAYS = env_int("LAUREL_LOG_RETENTION_DAYS", 190)
if LAUREL_LOG_RETENTION_DAYS < 184:
    raise ImproperlyConfigured(
        f"LAUREL_LOG_RETENTION_DAYS={LAUREL_LOG_RETENTION_DAYS}: access logs must be kept at least six months "
        "(184 days; Cybersecurity Law Art. 23)."
    )

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Laurel -------------------------------------------------------------------------------
LAUREL_DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "laurel-demo")

# --- Subjects -----------------------------------------------------------------------------
# National ID numbers are stored encrypted (MultiFernet: comma-separated Fernet keys, the first
# encrypts, all decrypt; `manage.py rotate_id_keys` re-encrypts under the first) with an
# HMAC-SHA256 blind index under a separate key for lookup and uniqueness. Changing the blind
# index key makes every stored index useless: it is set once per deployment. README "ID keys".
_DEV_ID_ENCRYPTION_KEY = "bGF1cmVsLWRldmVsb3BtZW50LW9ubHktaWQta2V5ISE="  # development only
_DEV_ID_BLIND_INDEX_KEY = "laurel-development-only-blind-index-key"  # development only
# The cryptographic profile, chosen at set-up and kept (core.crypto): "standard", or "gm" (国密:
# SM4 + HMAC-SM3 for ID numbers, HMAC-SM3 blind index, SM3 audit chain). Same keys either way.
LAUREL_CRYPTO_PROFILE = os.environ.get("LAUREL_CRYPTO_PROFILE", "standard")
if LAUREL_CRYPTO_PROFILE not in ("standard", "gm"):
    raise ImproperlyConfigured(f"LAUREL_CRYPTO_PROFILE={LAUREL_CRYPTO_PROFILE!r}: use standard or gm.")
LAUREL_ID_ENCRYPTION_KEYS = env_list("LAUREL_ID_ENCRYPTION_KEYS")
LAUREL_ID_BLIND_INDEX_KEY = os.environ.get("LAUREL_ID_BLIND_INDEX_KEY", "")
if not LAUREL_ID_ENCRYPTION_KEYS or not LAUREL_ID_BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LAUREL_ID_ENCRYPTION_KEYS and LAUREL_ID_BLIND_INDEX_KEY must be set when DEBUG is off: "
            "comma-separated Fernet keys (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())') and a long random secret for the blind index. "
            "See README.md, 'National ID numbers: keys'."
        )
    LAUREL_ID_ENCRYPTION_KEYS = LAUREL_ID_ENCRYPTION_KEYS or [_DEV_ID_ENCRYPTION_KEY]
    LAUREL_ID_BLIND_INDEX_KEY = LAUREL_ID_BLIND_INDEX_KEY or _DEV_ID_BLIND_INDEX_KEY
if len(LAUREL_ID_BLIND_INDEX_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("LAUREL_ID_BLIND_INDEX_KEY is too short: use at least 32 random characters.")
# Rows per batch in the bulk import (validate, encrypt, HMAC, COPY, upsert).
LAUREL_IMPORT_BATCH_SIZE = env_int("LAUREL_IMPORT_BATCH_SIZE", 5000)
# Checker processes an import forks to parse, check and encrypt its chunks while the job's own
# process writes (0: all in the job's process). README "Importing subjects".
LAUREL_IMPORT_WORKERS = env_int("LAUREL_IMPORT_WORKERS", 0)
# Largest file the web upload accepts (bytes); the command line has no limit.
LAUREL_IMPORT_MAX_UPLOAD_BYTES = env_int("LAUREL_IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)

# --- Audit --------------------------------------------------------------------------------
# Ed25519 key that signs checkpoints of the audit chains (`manage.py audit_keygen` creates
# it). Keep the private key off the database host; verification needs only the public key.
_AUDIT_DIR = VAR_DIR / "audit"
LAUREL_AUDIT_SIGNING_KEY = Path(os.environ.get("LAUREL_AUDIT_SIGNING_KEY", _AUDIT_DIR / "signing-key.pem"))
LAUREL_AUDIT_VERIFY_KEY = Path(os.environ.get("LAUREL_AUDIT_VERIFY_KEY", _AUDIT_DIR / "verify-key.pem"))
# Signed checkpoints go here, outside the database (ideally write-once or copied off-host).
LAUREL_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("LAUREL_AUDIT_CHECKPOINT_DIR", _AUDIT_DIR / "checkpoints"))
# Each checkpoint is also appended (signed head + the file's SHA-256) to this append-only file,
# meant for another host or an append-only mount (`chattr +a`): deleting checkpoint files, or the
# whole directory, is then detected. Verification keys of retired signing keys (audit_keygen
# --rotate) are kept, so checkpoints signed by them still verify.
LAUREL_AUDIT_ANCHOR_FILE = Path(os.environ.get("LAUREL_AUDIT_ANCHOR_FILE", _AUDIT_DIR / "anchors.log"))
LAUREL_AUDIT_RETIRED_KEYS_DIR = Path(os.environ.get("LAUREL_AUDIT_RETIRED_KEYS_DIR", _AUDIT_DIR / "retired-keys"))
# Production: verification fails when events exist but no signed checkpoint or anchor log does,
# or when the newest checkpoint is older than this many minutes while events were added since.
LAUREL_AUDIT_REQUIRE_CHECKPOINTS = env_bool("LAUREL_AUDIT_REQUIRE_CHECKPOINTS", default=not DEBUG)
LAUREL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES = env_int("LAUREL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES", 60)
LAUREL_AUDIT_EXPORT_MAX_ROWS = env_int("LAUREL_AUDIT_EXPORT_MAX_ROWS", 100_000)
# Test runs only: lets a PostgreSQL superuser session flush the audit table between tests.
LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE = env_bool("LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE", default=False)

# --- Working-day calendar (policies.calendar) -----------------------------------------------
# A limit counted in calendar days (信访工作条例: 15, 60 and 30 days) that ends on a rest day moves to
# the next working day. The 条例 has no counting rule of its own: 民法典 Arts. 201/203 by analogy.
LAUREL_CALENDAR_ROLL_TO_WORKING_DAY = env_bool("LAUREL_CALENDAR_ROLL_TO_WORKING_DAY", default=True)

# --- Cases ----------------------------------------------------------------------------------
# Working days per stage when no SLA rule is set (administrators set rules per kind and stage).
LAUREL_CASE_SLA_DEFAULT_DAYS = {"submitted": 3, "verifying": 10, "pending_approval": 5}
LAUREL_CASE_SLA_WARN_DAYS = env_int("LAUREL_CASE_SLA_WARN_DAYS", 1)
# Attachments: PDF, JPEG and PNG (sniffed from their content) up to this size.
LAUREL_ATTACHMENT_MAX_BYTES = env_int("LAUREL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
LAUREL_ATTACHMENT_DIR = Path(os.environ.get("LAUREL_ATTACHMENT_DIR", VAR_DIR / "attachments"))
# OpenAPI: name the cases' choice sets once (several serializers share them).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),  # type: ignore[dict-item]
    "DepartmentEnum": "jurisdictions.models.Department",
    "CaseKindEnum": "cases.models.Kind",
    "CaseStatusEnum": "cases.models.Status",
    "CaseOutcomeEnum": "cases.models.Outcome",
    "CaseChannelEnum": "cases.models.Channel",
    "BenefitChangeEnum": "cases.models.BenefitChange",
    "VerificationResultEnum": "cases.models.VerificationResultChoice",
    "PetitionChannelEnum": "petitions.models.Channel",
    "PetitionOpinionEnum": "petitions.models.Opinion",
    "DisabilityCauseEnum": "benefits.models.Cause",
    "RecoveryCauseEnum": "benefits.models.RecoveryCause",
    "ConfirmationMethodChoiceEnum": "benefits.models.ConfirmationMethod",
    "ConfirmationItemStatusEnum": "benefits.models.ConfirmationStatus",
    "ConfirmationCampaignStatusEnum": "benefits.models.CampaignStatus",
    "ConfirmationSpotCheckEnum": "benefits.models.SpotCheck",
    "PetitionFieldEnum": "petitions.models.Field",
    "ReviewLevelEnum": "petitions.models.ReviewLevel",
    "ReviewOutcomeEnum": "petitions.models.ReviewOutcome",
    "PublicNoticeKindEnum": "benefits.models.NoticeKind",
    "PublicNoticeStatusEnum": "benefits.models.NoticeStatus",
    "TransferStatusEnum": "transfers.models.Status",
}

# --- Letters ----------------------------------------------------------------------------------
# Decision letters are signed (PAdES, pyHanko) with this PEM key and certificate; production uses
# the bureau's own. `manage.py make_dev_letter_cert` makes a self-signed pair (`make demo` runs it).
_LETTERS_KEY_DIR = VAR_DIR / "letters"
LAUREL_LETTER_SIGNING_KEY = Path(os.environ.get("LAUREL_LETTER_SIGNING_KEY", _LETTERS_KEY_DIR / "signing-key.pem"))
LAUREL_LETTER_SIGNING_CERT = Path(os.environ.get("LAUREL_LETTER_SIGNING_CERT", _LETTERS_KEY_DIR / "signing-cert.pem"))
LAUREL_LETTER_SIGNING_KEY_PASSPHRASE = os.environ.get("LAUREL_LETTER_SIGNING_KEY_PASSPHRASE", "")
# Rendered PDFs (never served directly: only through the permission-checked download).
LAUREL_LETTER_DIR = Path(os.environ.get("LAUREL_LETTER_DIR", MEDIA_ROOT / "letters"))
# The one public base URL of this install: each letter's QR code prints
# <base>/letters/verify/<code>/ and emails link to <base>/…. Required in production; in development
# it follows PORT, the port `make demo` serves on. (LAUREL_LETTER_VERIFY_BASE_URL and LAUREL_SITE_URL,
# its former names, are still read.)
# The public door (portal): which questions each department may ask of the register
# (POST /api/v1/exists/), as JSON {"department": ["registered", "receives"], "*": [...]}, and
# how often one department token may ask.
LAUREL_EXISTS_AGREEMENTS: dict[str, list[str]] = json.loads(
    os.environ.get("LAUREL_EXISTS_AGREEMENTS")
    or '{"civil_affairs": ["registered", "receives"], "hr_social_security": ["registered", "receives"], '
    '"medical_insurance": ["registered"], "public_security": ["registered"]}'
)
LAUREL_EXISTS_RATE = os.environ.get("LAUREL_EXISTS_RATE", "600/h")

LAUREL_PUBLIC_BASE_URL = (
    os.environ.get("LAUREL_PUBLIC_BASE_URL")
    or os.environ.get("LAUREL_LETTER_VERIFY_BASE_URL")
    or os.environ.get("LAUREL_SITE_URL")
    or (f"http://127.0.0.1:{env_int('PORT', 8000)}" if DEBUG else "")
).rstrip("/")

# --- Notifications and background jobs ---------------------------------------------------------
# Task backend (README "Running the workers"): "db" (default) stores jobs in the database
# (`manage.py db_worker`, no broker); "rq" shares a Redis queue between many workers on many
# machines (`manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job default`).
LAUREL_TASK_BACKEND = os.environ.get("LAUREL_TASK_BACKEND", "db").strip().lower()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if LAUREL_TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}  # type: ignore[dict-item]
elif LAUREL_TASK_BACKEND != "db":
    raise ImproperlyConfigured(f"LAUREL_TASK_BACKEND={LAUREL_TASK_BACKEND!r}: use db or rq.")
# Email: a file per message under var/mail in development, SMTP (EMAIL_HOST, ...) in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "laurel@localhost")
# Links in emails start with LAUREL_PUBLIC_BASE_URL; Message-IDs (the receiver's duplicate filter) use this domain.
LAUREL_NOTIFY_MESSAGE_ID_DOMAIN = os.environ.get("LAUREL_NOTIFY_MESSAGE_ID_DOMAIN", "laurel.notifications")
# SMS gateway (notifications/sms.py): the file backend writes var/sms.log; production sets the
# HTTP adapter "notifications.sms.HttpSmsGateway" with its URL and token.
LAUREL_SMS_BACKEND = os.environ.get("LAUREL_SMS_BACKEND", "notifications.sms.FileSmsGateway")
LAUREL_SMS_LOG = Path(os.environ.get("LAUREL_SMS_LOG", VAR_DIR / "sms.log"))
LAUREL_SMS_HTTP_URL = os.environ.get("LAUREL_SMS_HTTP_URL", "")
LAUREL_SMS_HTTP_TOKEN = os.environ.get("LAUREL_SMS_HTTP_TOKEN", "")
LAUREL_SMS_HTTP_TIMEOUT = env_int("LAUREL_SMS_HTTP_TIMEOUT", 10)
# Delivery: attempts before a dead letter, backoff (doubling from the base, capped), claim lease.
LAUREL_NOTIFY_MAX_ATTEMPTS = env_int("LAUREL_NOTIFY_MAX_ATTEMPTS", 6)
LAUREL_NOTIFY_BACKOFF_SECONDS = env_int("LAUREL_NOTIFY_BACKOFF_SECONDS", 60)
LAUREL_NOTIFY_BACKOFF_MAX_SECONDS = env_int("LAUREL_NOTIFY_BACKOFF_MAX_SECONDS", 6 * 60 * 60)
LAUREL_NOTIFY_CLAIM_LEASE_SECONDS = env_int("LAUREL_NOTIFY_CLAIM_LEASE_SECONDS", 300)
# A started job not finished within this lease is taken to be orphaned by a dead worker: marked
# failed and queued again for another worker (core.jobs.recover_expired_jobs, every minute).
LAUREL_JOB_LEASE_SECONDS = env_int("LAUREL_JOB_LEASE_SECONDS", 900)
LAUREL_NOTIFY_SWEEP_GRACE_SECONDS = env_int("LAUREL_NOTIFY_SWEEP_GRACE_SECONDS", 30)
# Periodic work (`manage.py run_scheduler`): batches of new tasks, SLA scan, daily digest hour.
LAUREL_SCHEDULER_INTERVAL_SECONDS = env_int("LAUREL_SCHEDULER_INTERVAL_SECONDS", 15)
LAUREL_NOTIFY_BATCH_MINUTES = env_int("LAUREL_NOTIFY_BATCH_MINUTES", 10)
LAUREL_NOTIFY_SLA_SCAN_MINUTES = env_int("LAUREL_NOTIFY_SLA_SCAN_MINUTES", 1 if DEBUG else 15)
LAUREL_NOTIFY_DIGEST_HOUR = env_int("LAUREL_NOTIFY_DIGEST_HOUR", 8)
# Minutes between signed audit checkpoints (the window in which a rewrite is undetectable);
# every export is checkpointed as well.
LAUREL_AUDIT_CHECKPOINT_MINUTES = env_int("LAUREL_AUDIT_CHECKPOINT_MINUTES", 5)
