"""Settings, read from environment variables (see README, « Configurer la production »).

Development defaults are safe and need no variable: a project-local PostGIS on 127.0.0.1:54329 and
Redis on 127.0.0.1:63799, both started by `make run` / `make test`. With SMAN_ENV=production, every
secret must be given and the security settings below are switched on.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SMAN_ENV = env.str("SMAN_ENV", default="development")
PRODUCTION = SMAN_ENV == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The address the declaration of accessibility gives for reporting a barrier (empty: the postal address only).
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="")

INSTALLED_APPS = [
    "sman",
    "actions",
    "passnumerique",
    "ftth",
    "fmin",
    "marketplace",
    "resources",
    "explorateurs",
    "participation",
    "engineering",
    "contests",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "leaflet",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sman.middleware.RequireMfaMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "sman.urls"
WSGI_APPLICATION = "sman.wsgi.application"

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
                "sman.context_processors.portal",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=f"postgis://sman@127.0.0.1:{env.int('SMAN_PG_PORT', default=54329)}/sman",
        engine="django.contrib.gis.db.backends.postgis",
    )
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default=f"redis://127.0.0.1:{env.int('SMAN_REDIS_PORT', default=63799)}/0")
# Redis, and a table in PostgreSQL while Redis is unreachable (sman/cache.py says why).
CACHES = {
    "default": {
        "BACKEND": "sman.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "sman",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2, "RETRY_AFTER": 10},
    },
    "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "sman_cache_fallback"},
}

# --- Celery (sman/celery.py) -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged message to another worker after this delay. It must stay longer than any
# countdown/ETA (a delayed message waits unacknowledged: a shorter timeout delivers it twice) — the only
# ones are the retries' backoff, 600 s at most (sman/celery.py; no task sets an ETA) — and longer than the
# longest task, an FttH import (a million buildings in under a minute, the national ARCEP file in a few:
# bench/README.md), so that a task still running is not delivered again. Not much longer: the message of a
# task whose worker died waits this long. Long jobs do not wait for it: their heartbeat stops and
# `recover_jobs` sends them again within minutes (sman/jobs.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1800}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Long jobs (sman/jobs.py): a running job refreshes its heartbeat every JOBS_HEARTBEAT_SECONDS; a running
# job whose heartbeat is older than JOBS_STALL_SECONDS has lost its worker and is sent again, until it has
# been started JOBS_MAX_ATTEMPTS times (then it is failed); a job still pending JOBS_PENDING_SECONDS after
# it was sent lost its message and is sent again (longer than the retries' countdown, 600 s at most).
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=30)
JOBS_STALL_SECONDS = env.float("JOBS_STALL_SECONDS", default=300)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_PENDING_SECONDS = env.float("JOBS_PENDING_SECONDS", default=1800)
# Periodic jobs: each module declares its own (ModuleConfig.beat); sman/apps.py merges them into the one
# Celery beat schedule (tested in tests/sman/test_consistency.py).

# --- Pass Numérique -----------------------------------------------------------------------------
# Tickets stay redeemable this many days after an order's validity end date (orders may differ).
PASS_GRACE_DAYS = env.int("PASS_GRACE_DAYS", default=31)

# --- FttH ----------------------------------------------------------------------------------------
# An import whose share of rejected lines passes this threshold is refused whole.
FTTH_REJECTION_THRESHOLD = env.float("FTTH_REJECTION_THRESHOLD", default=0.05)
# An import that would retire more than this share of an operator's current buildings waits for staff to
# confirm it (a truncated or wrong file must not wipe an operator's data).
FTTH_RETIREMENT_THRESHOLD = env.float("FTTH_RETIREMENT_THRESHOLD", default=0.20)
# PostgreSQL workers besides the import's own process for its one-pass check: the database server's
# cores but one (by default this machine's, the database being local in development).
FTTH_IMPORT_PARALLEL_WORKERS = env.int("FTTH_IMPORT_PARALLEL_WORKERS", default=max(1, (os.cpu_count() or 2) - 1))

# --- Authentication (django-allauth) -----------------------------------------------------------
AUTH_USER_MODEL = "sman.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Métropole d'intelligences] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Login throttling and lockout: failed attempts per IP and per account (allauth rate limits, cache).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Métropole d'intelligences"

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and private files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads are private: no MEDIA_URL is served; files go out through permission-checked views.
    "default": {
        "BACKEND": "sman.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, WhiteNoise serves straight from the app and project static folders.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------------
# In production e-mail must be configured: password-reset links must never end up in a log.
EMAIL_CONFIG = env.email_url("EMAIL_URL") if PRODUCTION else env.email_url("EMAIL_URL", default="consolemail://")
if PRODUCTION and not EMAIL_CONFIG["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    raise ImproperlyConfigured("EMAIL_URL doit désigner un serveur SMTP en production (smtp:// ou smtp+tls://).")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Métropole d'intelligences <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Admins", a) for a in env.list("DJANGO_ADMINS", default=[])]

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous request is told to authenticate (401, WWW-Authenticate).
        "sman.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["sman.filters.FilterBackend"],  # integer filters take integers (sman/filters.py)
    "DEFAULT_SCHEMA_CLASS": "sman.openapi.AutoSchema",  # adds the error answers (sman/openapi.py)
    # Anonymous clients at the anon rate, signed-in users at the user rate (sman/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["sman.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/minute"),
        "user": env.str("API_USER_RATE", default="2000/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du portail Métropole d'intelligences",
    "DESCRIPTION": "Données ouvertes du Schéma Métropolitain d'Aménagement Numérique (Métropole du Grand Paris).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a « status »: each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "BuildingStatusEnum": "ftth.models.Status",
        "ActionStatusEnum": "actions.models.Action.Status",
        "RoadmapStatusEnum": "actions.models.Roadmap.Status",
        "ImportRunStateEnum": "ftth.models.ImportRun.State",
        "TerritoryKindEnum": "sman.models.Territory.Kind",
        # Each module files its records under its own themes (to be merged into one list of the portal).
        "MarketplaceThemeEnum": "marketplace.models.Theme",
        "ResourceThemeEnum": "resources.models.Theme",
        "ExplorateursThemeEnum": "explorateurs.models.Theme",
        "FminThemeEnum": "fmin.models.Theme",
    },
}

# --- Maps --------------------------------------------------------------------------------------
# No basemap from another host unless configured (README, « Fond de carte »): without one, the maps draw
# the portal's own base layer (commune and territory outlines, /tiles/territories/…) and no page of the
# portal sends a request elsewhere.
MAP_TILES_URL = env.str("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env.str("MAP_TILES_ATTRIBUTION", default="")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (48.86, 2.35),
    "DEFAULT_ZOOM": 10,
    "TILES": [("Plan", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})] if MAP_TILES_URL else [],
}
_tiles_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MAP_TILES_URL.replace("{s}", "a"))) if MAP_TILES_URL else None

# --- Security ----------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"] + ([_tiles_origin] if _tiles_origin else []),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Debian 12 ships GDAL 3.6; the portal reads spatial files only from staff commands (import_territory_outlines).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
