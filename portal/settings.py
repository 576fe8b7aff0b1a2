"""Settings of the incident compliance portal.

Everything that differs between a laptop and production comes from the
environment (see README "Configuration"); nothing secret lives in the repo.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.api_areas import SPECTACULAR_TAGS
from portal.env import env_bool, env_choice, env_int, env_list, env_mapping, env_optional_str, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once per installation.

    A generated key is random and stays on this machine, so a forgotten
    variable never means a key that is published in the repository.
    """
    configured = env_optional_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.identity.apps.PortalAdminConfig",  # django.contrib.admin, on a site that asks for MFA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "portal",
    "incidents",
    "compliance",
    "postmortems",
    "integrations",
    "evidence",
]

MIDDLEWARE = [
    "portal.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware_tz.UserTimezoneMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.pdf_pages.PdfFailureMiddleware",
    "portal.identity.middleware.SignInPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into its 429 answer; axes wants it last
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database: embedded SQLite unless DATABASE_URL names another server ---
_database_url = env_optional_str("DATABASE_URL")
if _database_url:
    try:
        _default_db = dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if _default_db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
    _default_db["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "portal.sqlite3"),
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction begins, so that
            # read-then-write sequences (audit chain, reference counters) are
            # serialised instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve app static files without a collectstatic step (one process, small set of files).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Evidence and stored PDFs live outside every static path and are only ever
# served through authorising views: there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "portal.storage.PortalFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# --- Security (production turns these on through the environment) ---
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Portal-specific settings ---
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
EVIDENCE_ALLOWED_TYPES = env_list(
    "EVIDENCE_ALLOWED_TYPES",
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain",
    ],
)
PDF_MAX_HTML_BYTES = env_int("PDF_MAX_HTML_BYTES", 10 * 1024 * 1024, minimum=10_000)
PDF_RENDER_TIMEOUT = env_int("PDF_RENDER_TIMEOUT", 60, minimum=1, maximum=600)
# How much memory one render may add to the worker it forks from (address space, MB), and whether
# workers load WeasyPrint and the fonts at start so that each forked render child finds them ready.
PDF_RENDER_MEMORY_MB = env_int("PDF_RENDER_MEMORY_MB", 1024, minimum=64, maximum=65_536)
PDF_WARM_UP = env_bool("PDF_WARM_UP", True)
API_TOKEN_LIFETIME = timedelta(days=env_int("API_TOKEN_LIFETIME_DAYS", 90, minimum=1, maximum=3650))
API_MAX_PAGE_SIZE = 200
# Shown to stakeholders as {{ entity_name }} when an incident has no assessed legal entity.
PORTAL_ORGANISATION_NAME = env_str("PORTAL_ORGANISATION_NAME", "")
# Integrations (integrations/): inbound webhook bodies above this size are refused with 400.
INTEGRATION_MAX_BODY_BYTES = env_int(
    "INTEGRATION_MAX_BODY_BYTES", 256 * 1024, minimum=1024, maximum=5 * 1024 * 1024
)
# Outbound webhooks: private/loopback/link-local targets are refused unless this is on (metadata never).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30, minimum=1, maximum=3600)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)

# Audit checkpoints (portal/checkpoints.py): the Ed25519 key lives in a file, never in the database;
# it is generated (mode 0600) on first use. The log is append-only JSON lines, to ship elsewhere.
AUDIT_SIGNING_KEY_FILE = Path(env_str("AUDIT_SIGNING_KEY_FILE", str(VAR_DIR / "audit_signing_key.pem")))
AUDIT_CHECKPOINT_LOG = Path(env_str("AUDIT_CHECKPOINT_LOG", str(VAR_DIR / "audit-checkpoints.jsonl")))
# verify_audit fails when the newest checkpoint is older than this (cron writes one every few minutes).
AUDIT_CHECKPOINT_MAX_AGE_MINUTES = env_int("AUDIT_CHECKPOINT_MAX_AGE_MINUTES", 60, minimum=1)
# Evidence packs made from the web are written here and downloaded through an authorising view.
EVIDENCE_PACK_DIR = Path(env_str("EVIDENCE_PACK_DIR", str(VAR_DIR / "evidence-packs")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.permissions.RolePermission"],
    # One JSON parser for the whole API: non-finite numbers, deep nesting and huge arrays are a 400.
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("AUTH_THROTTLE_RATE", "20/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Incident compliance portal API",
    "DESCRIPTION": (
        "Incidents, their timeline, evidence and KPIs; regulatory obligations and reports; "
        "post-mortems and action items. Authenticate with `Authorization: Token <key>` "
        "(POST /api/v1/auth/token/) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.schema.postprocess_schema",
    ],
    # One group per area (incidents, response plan, compliance, ...) with its description: portal/schema.py.
    "TAGS": SPECTACULAR_TAGS,
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.choices.IncidentStatus",
        "TimelineKindEnum": "incidents.choices.TimelineKind",
        "DecisionKindEnum": "compliance.choices.DecisionKind",
        "ObligationStatusEnum": "compliance.choices.ObligationStatus",
        "ReportStatusEnum": "compliance.choices.ReportStatus",
        "RiskLevelEnum": "compliance.choices.RiskLevel",
        "TaskStatusEnum": "incidents.choices.TaskStatus",
        "EscalationKindEnum": "incidents.choices.EscalationKind",
        "AudienceEnum": "incidents.choices.Audience",
        "ChannelEnum": "incidents.choices.Channel",
        "DeliveryStatusEnum": "incidents.choices.DeliveryStatus",
        "ExerciseTypeEnum": "incidents.choices.ExerciseType",
        "MilestoneEnum": "incidents.choices.Milestone",
    },
}

# Background work (reminder mails) goes through Django's tasks API onto a
# database-backed queue, processed by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Throttle counters (and everything else cached) live where every worker sees them: the
# database (table made by `migrate`) by default, Redis when REDIS_URL is set. Never a
# per-process memory cache: a client would get a fresh budget from each worker.
REDIS_URL = env_optional_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}
    }

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- Sign-in: OIDC, second factor, lockout, sessions ---
# (portal/identity/; README "Sign-in". Everything is read when used, so tests may override it.)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT  # any DRF throttle: never the raw forwarded header
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out accounts before any check
    "portal.identity.backends.PasswordBackend",
    "portal.identity.oidc.OIDCBackend",
]
PASSWORD_LOGIN = env_choice("PASSWORD_LOGIN", "all", ("all", "admins-only", "none"))

OIDC_CLIENT_ID = env_optional_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_optional_str("OIDC_CLIENT_SECRET")
OIDC_ISSUER = env_optional_str("OIDC_ISSUER")
_oidc_parts = [OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ISSUER]
if any(_oidc_parts) and not all(_oidc_parts):
    raise ImproperlyConfigured(
        "Single sign-on needs all of OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_ISSUER"
    )
if PASSWORD_LOGIN == "none" and not all(_oidc_parts):
    raise ImproperlyConfigured("PASSWORD_LOGIN=none leaves no way to sign in without OIDC_* settings")
OIDC_AUTHORIZATION_ENDPOINT = env_optional_str("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_TOKEN_ENDPOINT = env_optional_str("OIDC_TOKEN_ENDPOINT")
OIDC_USERINFO_ENDPOINT = env_optional_str("OIDC_USERINFO_ENDPOINT")
OIDC_JWKS_ENDPOINT = env_optional_str("OIDC_JWKS_ENDPOINT")
OIDC_END_SESSION_ENDPOINT = env_optional_str("OIDC_END_SESSION_ENDPOINT")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_ROLE_CLAIM = env_str("OIDC_ROLE_CLAIM", "groups")
OIDC_ROLE_MAP = env_mapping("OIDC_ROLE_MAP")
OIDC_RP_SIGN_ALGO = env_choice(
    "OIDC_SIGN_ALGORITHM", "RS256", ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
)
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
if "openid" not in OIDC_RP_SCOPES.split():
    raise ImproperlyConfigured("OIDC_SCOPES must include openid")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60, minimum=0, maximum=600)
OIDC_VERIFY_SSL = True
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = False  # kept by the portal itself, after the session key rotates
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"

MFA_REQUIRED_GROUPS = env_list(
    "MFA_REQUIRED_GROUPS", [] if DEBUG else ["Administrator", "Compliance Officer"]
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Incident compliance portal")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1, maximum=1000)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=7 * 24 * 60)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # counters in the database: shared by all workers
AXES_FAILURE_LIMIT = "portal.identity.lockout.failure_limit"  # LOGIN_FAILURE_LIMIT, read per attempt
AXES_COOLOFF_TIME = "portal.identity.lockout.cool_off"  # LOGIN_COOLOFF_MINUTES, read per attempt
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # per account and address: no lockout everywhere
AXES_CLIENT_IP_CALLABLE = "portal.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.identity.lockout.lockout_response"
AXES_WHITELIST_CALLABLE = "portal.identity.lockout.is_not_a_password_attempt"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lockout lifts when the message says
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "csrfmiddlewaretoken",
    "otp",
    "code",
]  # masked in its records
AXES_VERBOSE = False  # no start-up banner on stderr (management commands keep a one-line stderr)

SESSION_ENGINE = "portal.identity.sessions"
SESSION_MAX_AGE_HOURS = env_int("SESSION_MAX_AGE_HOURS", 12, minimum=1, maximum=24 * 30)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1, maximum=24 * 60 * 30)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
# --- end of sign-in settings ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"fontTools": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}},
}
