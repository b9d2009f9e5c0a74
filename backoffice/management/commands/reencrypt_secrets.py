"""python manage.py reencrypt_secrets — re-encrypt every stored secret with the newest key.

Key rotation: put the new key first in SECRETS_ENCRYPTION_KEYS (keep the old one after it),
run this, then drop the old key.
"""
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from backoffice.crypto import EncryptedTextField, rotate


def encrypted_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


class Command(BaseCommand):
    help = "Re-encrypt all secrets at rest with the first key of SECRETS_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model, field in encrypted_fields():
            # Work on the stored ciphertext directly, so no plain text passes through Python objects.
            rows = model._base_manager.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
            with transaction.atomic():
                for pk in rows.values_list("pk", flat=True).iterator():
                    stored = _raw_value(model, field, pk)
                    _write_raw(model, field, pk, rotate(stored))
                    total += 1
        self.stdout.write(f"Re-encrypted {total} secret(s).")


def _raw_value(model, field, pk):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(field.column)} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE "
            f"{connection.ops.quote_name(model._meta.pk.column)} = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def _write_raw(model, field, pk, value):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {connection.ops.quote_name(field.column)} = %s "
            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
            [value, pk],
        )
