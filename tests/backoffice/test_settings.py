"""Settings come from the environment; production refuses to start without its keys."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "SECRETS_ENCRYPTION_KEYS", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import backoffice.settings as s; print(s.DATABASES['default']['ENGINE'], s.Q_CLUSTER.get('orm'), s.Q_CLUSTER.get('redis'))"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_refuses_to_start_without_encryption_keys_when_debug_is_off():
    result = _load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "SECRETS_ENCRYPTION_KEYS must be set" in result.stderr


def test_debug_defaults_to_sqlite_and_the_orm_broker():
    result = _load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "default", "None"]


def test_redis_url_makes_redis_the_broker_and_database_url_is_honoured():
    result = _load_settings(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/0", DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "None", "redis://127.0.0.1:6379/0"]
