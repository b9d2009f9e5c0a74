"""Settings for the test suite: production settings (DEBUG off) with keys of the suite's own.

The environment still wins, so DATABASE_URL=postgres://... runs the same suite on PostgreSQL.
"""
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGU=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("HIGHLEVEL_BASE_URL", "http://127.0.0.1:9")  # never the real service in tests

from backoffice.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
Q_CLUSTER = {**Q_CLUSTER, "workers": 2}  # noqa: F405

# SQLite tests use a database file rather than pytest-django's in-memory default: in memory, SQLite's
# shared cache fails a concurrent writer at once ("database table is locked") instead of waiting,
# so tests with threads (the q worker of the browser tests, racing limiters) would see failures
# production never does. One file per test process keeps parallel runs apart.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not DATABASES["default"]["TEST"].get("NAME"):  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"]["NAME"] = os.path.join(tempfile.gettempdir(), f"backoffice-test-{os.getpid()}.sqlite3")  # noqa: F405

# Static files as in DEBUG: found in the apps and served by WhiteNoise from there, with their plain
# names, so the suite needs no collectstatic (tests/backoffice/test_production_serving.py runs the
# production storage, after a real collectstatic).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
