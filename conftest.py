"""Test-wide environment, set before Django reads its settings.

Tests run with DEBUG off, as production does, so they need a key and a secrets key of their own.
"""
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1mb3ItdGhlLXRlc3Qtc3VpdGU=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("HIGHLEVEL_BASE_URL", "http://127.0.0.1:9")  # never the real service in tests
