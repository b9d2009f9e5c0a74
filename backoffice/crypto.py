"""Secrets at rest: a model field that stores Fernet tokens and hands out plain text.

Keys come from settings.SECRETS_ENCRYPTION_KEYS, newest first. MultiFernet encrypts with the
first and decrypts with any, so a key can be rotated: put the new key first, run
`python manage.py reencrypt_secrets`, then drop the old key.
"""
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class SecretDecryptionError(Exception):
    """Raised when a stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS holds a key that is not a Fernet key.") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SECRETS_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never include the token itself: it is a secret, even encrypted.
        raise SecretDecryptionError("A stored secret could not be decrypted with the configured keys.") from None


def rotate(token: str) -> str:
    """Re-encrypt a stored token with the newest key."""
    return fernet().rotate(token.encode()).decode()


class Secret(str):
    """A decrypted secret whose repr never shows the value (so it stays out of tracebacks and logs)."""

    def __repr__(self):
        return "Secret('********')"


class EncryptedTextField(models.TextField):
    """Stores text encrypted with Fernet; Python code sees the plain text (as a Secret).

    The empty string stays empty so that "no token configured" is visible without decrypting.
    """

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return Secret(decrypt(value))

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))
