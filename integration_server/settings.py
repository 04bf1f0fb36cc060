"""Settings, all from the environment (documented in .env.example).

DATABASE_URL unset = the embedded default: a SQLite file under var/ and django-q2's ORM broker.
"""

from pathlib import Path

import environ

from integration_server.log_format import JSON_FORMATTER

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-debug-only-key"  # noqa: S105 - refused outside DEBUG by checks
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_q",
    "import_export",
    "axes",
    "anymail",
    "simple_history",
    "integration_server.apps.KernelConfig",
    "marketplaces.apps.MarketplacesConfig",
    "inventory.apps.InventoryConfig",
    "logistics.apps.LogisticsConfig",
    "notifications.apps.NotificationsConfig",
    "alerts.apps.AlertsConfig",
    "dashboard.apps.DashboardConfig",
]

MIDDLEWARE = [
    "integration_server.logging_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "integration_server.webhook_fast_path.WebhookFastPath",  # /webhook/ skips the browser middleware below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who changed it, in the models' history
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# --- admin login: brute-force lockout (django-axes) ------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)  # hours; then the client may try again
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
# Behind nginx / a load balancer: how many proxies append to X-Forwarded-For (0 = use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "integration_server.client_ip.client_ip"

ROOT_URLCONF = "integration_server.urls"
WSGI_APPLICATION = "integration_server.wsgi.application"

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

# --- database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'integration_server.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side prepared statements for the few statements that bind on the server (the webhook ingest,
    # integration_server.raw_payloads): prepared after 5 runs on a connection. Django's own queries bind on
    # the client and are never prepared. Off behind a transaction-mode pooler (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: several processes share one file; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The operator's time zone: the admin shows times in it, the dashboard's days start at its midnight.
TIME_ZONE = env("TIME_ZONE", default="UTC")
FORMAT_MODULE_PATH = ["dashboard.formats"]  # times as 2026-12-03 14:05:09, never with microseconds
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("WEBHOOK_MAX_BODY_BYTES", default=2 * 1024 * 1024)
WEBHOOK_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

SESSION_COOKIE_HTTPONLY = True
# Behind TLS (nginx or the DigitalOcean load balancer): cookies only over HTTPS (on by itself when
# PUBLIC_BASE_URL is https), and trust the proxy's scheme.
_secure_cookies = env.str("SECURE_COOKIES", default="").strip().lower()
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = (
    _secure_cookies in ("1", "true", "yes", "on")
    if _secure_cookies
    else PUBLIC_BASE_URL.lower().startswith("https://")
)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)  # e.g. 31536000 once https works everywhere
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-http health check
# /healthz answers status only; its detail (jobs, schedules, accounts) needs this token (X-Health-Token
# header or ?token=). Blank = no detail over HTTP (the admin's front page shows it).
HEALTHZ_DETAIL_TOKEN = env.str("HEALTHZ_DETAIL_TOKEN", default="")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# django-import-export: importing needs the change permission of the model, exporting its view permission
# (a model admin may ask for more, e.g. notifications: export_notification).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# An upload waits for the confirm step in a private folder, under a name the confirm form cannot forge.
IMPORT_TMP_DIR = env.path("IMPORT_TMP_DIR", default=VAR_DIR / "import-tmp")
IMPORT_EXPORT_TMP_STORAGE_CLASS = "integration_server.import_storage.PrivateImportStorage"

# Vendor base-URL overrides outside DEBUG: https on the vendor's own hosts, or one of these hosts (simulators,
# sandboxes, a Mirakl operator's own domain; ".example.com" allows its subdomains). bin/serve adds 127.0.0.1.
ALLOWED_VENDOR_HOSTS_EXTRA = env.list("ALLOWED_VENDOR_HOSTS_EXTRA", default=[])

# --- encryption at rest (SPEC 7) ------------------------------------------------------------------
# Comma-separated base64 32-byte keys; the first encrypts, every one decrypts (rotation).
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
# Key of the keyed hash used to look up encrypted values (emails); it does not rotate with ENCRYPTION_KEYS.
LOOKUP_HASH_KEY = env.str("LOOKUP_HASH_KEY", default="")

# --- REST framework: webhooks only ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

# --- django-q2: worker and scheduler -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
Q_WORKERS = env.int("Q_WORKERS", default=2)
Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="integration-server"),
    "workers": Q_WORKERS,
    "timeout": env.int("Q_TIMEOUT", default=90),
    # retry is a lease counted from when the cluster pulls the task: keep it above timeout + queue wait.
    "retry": env.int("Q_RETRY", default=300),
    "queue_limit": Q_WORKERS,  # tasks wait in the worker, not in a local queue eating the retry lease
    "max_attempts": 1,  # the outbox, not the queue, retries
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
    "sync": env.bool("Q_SYNC", default=False),
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- outbox ---------------------------------------------------------------------------------------
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=240)
# A job whose worker is lost (lease expired) this many times in a row is flagged for ops and held back.
OUTBOX_LEASE_EXPIRIES_BEFORE_FLAG = env.int("OUTBOX_LEASE_EXPIRIES_BEFORE_FLAG", default=5)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=200)
RAW_PAYLOAD_RETENTION_DAYS = env.int("RAW_PAYLOAD_RETENTION_DAYS", default=90)
# Each worker process writes the heartbeat this often (and sweeps when the scheduler has not for 2 min).
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=30.0)
# Buyer / recipient data (orders, shipments, notifications) is erased this long after the order ships.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=365)
HEALTH_MAX_HEARTBEAT_AGE_SECONDS = env.int("HEALTH_MAX_HEARTBEAT_AGE_SECONDS", default=300)
# A due job waiting longer than this (per kind) is a stalled intake: /healthz answers 503.
HEALTH_MAX_DUE_JOB_AGE_SECONDS = env.int("HEALTH_MAX_DUE_JOB_AGE_SECONDS", default=600)

# --- HTTP client base -----------------------------------------------------------------------------
HTTP_CONNECT_TIMEOUT = env.float("HTTP_CONNECT_TIMEOUT", default=5.0)
HTTP_READ_TIMEOUT = env.float("HTTP_READ_TIMEOUT", default=30.0)
# A worker task starts a job only with this much of its time budget (the Q timeout) left: the longest call.
OUTBOX_TASK_TIME_RESERVE_SECONDS = env.float(
    "OUTBOX_TASK_TIME_RESERVE_SECONDS", default=HTTP_CONNECT_TIMEOUT + HTTP_READ_TIMEOUT
)
HTTP_PACING_ENABLED = env.bool("HTTP_PACING_ENABLED", default=True)
# A job sleeps at most this long for a vendor's rate budget; a longer wait reschedules it (no retry spent).
HTTP_MAX_PACING_SLEEP_SECONDS = env.float("HTTP_MAX_PACING_SLEEP_SECONDS", default=20.0)

# --- email ----------------------------------------------------------------------------------------
# Default: files under var/sent-emails, readable by the service's user only.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="integration_server.private_file_email.PrivateFileEmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "sent-emails"
# SMTP in one URL, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.com:587 (wins over EMAIL_BACKEND).
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds, for SMTP
# The one ESP whose tracking webhook is mounted; blank = the ESP of an anymail EMAIL_BACKEND.
ANYMAIL_TRACKING_ESP = env.str("ANYMAIL_TRACKING_ESP", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shipping@example.com")
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
        "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default=""),
        "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "AMAZON_SES_CLIENT_PARAMS": {},
    }.items()
    if value
}

# --- logging: JSON, one event per line on stdout --------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "integration_server.logging_context.ContextFilter"},
        "redact": {"()": "integration_server.log_redaction.RedactSecretsFilter"},
    },
    "formatters": {"json": JSON_FORMATTER},  # shared with gunicorn.conf.py
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django-q": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
