"""Settings, all read from the environment (or an optional .env file) via django-environ.

Every variable is documented in README.md ("Configuration").
"""
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
# Old keys still accepted for signatures made with them (sessions), while a new SECRET_KEY takes over.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_q",
    "axes",  # login throttling (AXES_* below)
    "csp",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below); its checks
    "backoffice",
    "agents",
    "audit",
    "install",  # HighLevel's install, its webhooks, provisioning of new locations
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself (any WSGI server, no separate file server); after the
    # HTTPS redirect, before everything that static files do not need (sessions, auth).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Refuses a NUL or an over-long search or value in the query string with a 400 page (saying
    # why) before any view or admin query; inside the others, so that page gets their headers.
    "backoffice.query_guard.QueryGuardMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
ASGI_APPLICATION = "backoffice.asgi.application"

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

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock when a transaction starts, so the web server and the
    # q cluster never deadlock on lock upgrades; the timeout lets busy writers wait their turn.
    # WAL with synchronous=NORMAL syncs at checkpoints instead of every commit: safe against a
    # crashed process, and it keeps the shared rate-limit counter from costing an fsync per call.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement the connection runs a few times becomes a
    # prepared one (psycopg's prepare_threshold): PostgreSQL then skips parsing and planning it
    # again. A rollout target runs the same two dozen statements as every other target; parsing
    # and planning them was most of the database's CPU. Django leaves both off by default for
    # connection poolers (PgBouncer in transaction mode), which this deployment does not use.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
# Keep connections between requests and tasks: django-q2 closes "old" connections before every
# enqueue, dequeue and task, and without a maximum age that means a new connection each time
# (a new server process on PostgreSQL). Checked before reuse, so a dropped one is replaced.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_WORKERS = env.int("Q_WORKERS", default=8)
Q_CLUSTER = {
    "name": "backoffice",
    # The tasks mostly wait on HighLevel, so workers can outnumber the cores.
    "workers": Q_WORKERS,
    # A task running longer is killed; a task handed out and not acknowledged (its worker was
    # killed) is handed out again after `retry`. Rollout targets cut off that way are also
    # picked up by the reaper schedule (every minute) once their write lease expires.
    "timeout": 180,
    "retry": 240,
    "max_attempts": 1,  # our tasks retry HTTP calls themselves and record failures in words
    "queue_limit": Q_WORKERS * 2,  # few tasks wait in a cluster's memory, where a SIGKILL loses them
    "catch_up": False,
    # Successful results are kept without django-q's pruning, which reads every kept result under
    # a row lock on each save (60 ms a task, the cluster's bottleneck); agents.tasks prunes by age.
    "save_limit": 0,
    "poll": 0.05,
    "ack_failures": True,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- HighLevel ------------------------------------------------------------------------
HIGHLEVEL_BASE_URL = env.str("HIGHLEVEL_BASE_URL", default="https://services.leadconnectorhq.com")
HIGHLEVEL_TIMEOUT = env.float("HIGHLEVEL_TIMEOUT", default=15.0)
HIGHLEVEL_MAX_RETRIES = env.int("HIGHLEVEL_MAX_RETRIES", default=4)
HIGHLEVEL_OPENAPI_DIR = Path(env.str("HIGHLEVEL_OPENAPI_DIR", default=str(BASE_DIR.parent / "shared" / "highlevel-openapi")))
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=15)
# Locations one django-q2 sync task mirrors, on TASK_THREADS threads (agents.batches).
SYNC_LOCATIONS_PER_TASK = env.int("SYNC_LOCATIONS_PER_TASK", default=10)
# Rollouts: the write lease on a location (renewed while a target runs; a killed worker's lease
# expires after this), the wait after a create whose answer was lost before reading again (longer
# than HIGHLEVEL_TIMEOUT plus the time a request can stay in flight), and the first backoff of a
# target that hit a passing failure (doubling up to ROLLOUT_MAX_ATTEMPTS runs).
ROLLOUT_LEASE_SECONDS = env.float("ROLLOUT_LEASE_SECONDS", default=60)
ROLLOUT_LOST_ANSWER_WAIT_SECONDS = env.float("ROLLOUT_LOST_ANSWER_WAIT_SECONDS", default=max(60.0, 3 * HIGHLEVEL_TIMEOUT))
ROLLOUT_RETRY_AFTER_SECONDS = env.float("ROLLOUT_RETRY_AFTER_SECONDS", default=30)
ROLLOUT_MAX_ATTEMPTS = env.int("ROLLOUT_MAX_ATTEMPTS", default=5)
# Rollout targets one django-q2 task plans or applies (agents.batches).
ROLLOUT_TARGETS_PER_TASK = env.int("ROLLOUT_TARGETS_PER_TASK", default=10)
# Threads a worker runs one task's targets or locations on: the work waits on HTTP, so a cluster
# has Q_WORKERS x TASK_THREADS of them in flight (each thread keeps a database connection).
# Measured with bench_rollout on two cores: 4 left the cores a quarter idle; 6 gained little more.
TASK_THREADS = env.int("TASK_THREADS", default=5)
# A queued target whose task is still not running after this is queued again (its task was lost).
ROLLOUT_QUEUED_GRACE_SECONDS = env.float("ROLLOUT_QUEUED_GRACE_SECONDS", default=120)

# --- HighLevel's install and webhooks (the install app) --------------------------------
# The back office's own marketplace app: its client id and secret, and the app id (a client id
# is "<appId>-<suffix>"). The marketplace host differs for white-label agencies.
HIGHLEVEL_MARKETPLACE_URL = env.str("HIGHLEVEL_MARKETPLACE_URL", default="https://marketplace.gohighlevel.com")
HIGHLEVEL_CLIENT_ID = env.str("HIGHLEVEL_CLIENT_ID", default="")
HIGHLEVEL_CLIENT_SECRET = env.str("HIGHLEVEL_CLIENT_SECRET", default="")
HIGHLEVEL_APP_ID = env.str("HIGHLEVEL_APP_ID", default=HIGHLEVEL_CLIENT_ID.split("-")[0])
HIGHLEVEL_OAUTH_SCOPES = env.str("HIGHLEVEL_OAUTH_SCOPES", default=(
    "conversation-ai.readonly conversation-ai.write locations.readonly oauth.readonly oauth.write"))
# Empty: this site's /highlevel/connect/done/, as the browser reached it.
HIGHLEVEL_OAUTH_REDIRECT_URL = env.str("HIGHLEVEL_OAUTH_REDIRECT_URL", default="")
# Webhooks: Ed25519 public keys (base64 SPKI), several while HighLevel rotates its key; the key
# HighLevel publishes is the default. RSA-SHA256 (X-WH-Signature, the 4096-bit key of
# oauth/WebhookAuthentication.md) only when switched on: HighLevel announced its end for 2026-07-01.
HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = env.list("HIGHLEVEL_WEBHOOK_PUBLIC_KEYS", default=[
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg="])
HIGHLEVEL_WEBHOOK_ACCEPT_RSA = env.bool("HIGHLEVEL_WEBHOOK_ACCEPT_RSA", default=False)
HIGHLEVEL_WEBHOOK_RSA_PUBLIC_KEYS = env.list("HIGHLEVEL_WEBHOOK_RSA_PUBLIC_KEYS", default=[
    "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSCFrm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIc"
    "BOK4u3cLSqJGOLaPuXw6dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfBcsedpinheNnyYeFXolrJvcsj"
    "DtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpvuxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF3kvo"
    "V5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKUJ062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xk"
    "x2zE/Juc+yjLjTXpIocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzNh/AMfHKIjE4xQA1SZuYJmNnmVZLI"
    "ZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhCHULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJPQe7z0cv"
    "j7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAykT1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ=="])
# A delivery whose timestamp is further than this from now is refused (replays; the documents say 5 minutes).
HIGHLEVEL_WEBHOOK_MAX_AGE_SECONDS = env.int("HIGHLEVEL_WEBHOOK_MAX_AGE_SECONDS", default=300)
# A new location's rollouts of the templates marked for new locations wait for a Manager's
# confirmation instead of applying by themselves (a rule can also ask for that on its own).
PROVISION_HOLD_FOR_CONFIRMATION = env.bool("PROVISION_HOLD_FOR_CONFIRMATION", default=False)

# --- Review before delete (audit.deletion) ---------------------------------------------
# Four eyes: the manager who asked for a deletion cannot approve it; someone else must.
DELETION_FOUR_EYES = env.bool("DELETION_FOUR_EYES", default=True)
# An approved deletion is purged (the real, permanent DELETE) this many hours after approval;
# until then a restore only switches the agent back on.
DELETION_RETENTION_HOURS = env.float("DELETION_RETENTION_HOURS", default=72)
# How often the purge job looks for approved deletions past their window.
DELETION_PURGE_INTERVAL_MINUTES = env.int("DELETION_PURGE_INTERVAL_MINUTES", default=5)

# Fernet keys for secrets at rest, newest first; older keys still decrypt (key rotation).
# Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
SECRETS_ENCRYPTION_KEYS = env.list("SECRETS_ENCRYPTION_KEYS", default=[])
if not SECRETS_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS must be set when DEBUG is off.")
    SECRETS_ENCRYPTION_KEYS = ["ZGV2LW9ubHkta2V5LW5ldmVyLWluLXByb2R1Y3Rpb24="]

# --- Auth, i18n, static ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "agents:location_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `collectstatic` puts the files WhiteNoise serves in production.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: names with a content hash (cached for good by browsers) and gzip copies, both
    # made by collectstatic. In DEBUG, the files as they are, found in the apps (no collectstatic).
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Login throttling (django-axes) ------------------------------------------------------
# The axes backend comes first: it refuses a locked-out username+address before any password check.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# A username is locked from one address only: a guesser elsewhere cannot lock a user out everywhere,
# and a user who mistypes does not lock out colleagues behind the same office address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful login forgets earlier typos
AXES_LOCKOUT_CALLABLE = "backoffice.lockout.lockout_response"

# --- Security when not in DEBUG ---------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# htmx sends the token from the page (hx-headers in base.html), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Django's defaults, spelled out because README ("Security") promises them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy on every page: scripts and styles only from our own static files (no
# inline script, style or event handler anywhere: static/backoffice.js does what handlers did),
# never framed, forms posted only to us. htmx's own indicator style is switched off in base.html
# (htmx-config) and lives in backoffice.css, so no inline style is needed for it either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Error reports (the DEBUG 500 page, mails to ADMINS) blank tokens, keys and Secret values.
DEFAULT_EXCEPTION_REPORTER_FILTER = "backoffice.error_reports.SecretsReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes.apps announces its configuration at every start, management commands included.
    "loggers": {"urllib3": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
