import pytest
from cryptography.fernet import Fernet
from django.db import connection

from agents.models import AgencyConnection, Location
from backoffice import crypto


@pytest.mark.django_db
def test_tokens_are_encrypted_at_rest_and_read_back_in_plain():
    location = Location.objects.create(hl_id="loc1", name="Acme", pit="pit-plain-SECRET")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pit FROM agents_location WHERE id = %s", [location.pk])
        stored = cursor.fetchone()[0]
    assert "pit-plain-SECRET" not in stored
    assert Location.objects.get(pk=location.pk).pit == "pit-plain-SECRET"


@pytest.mark.django_db
def test_a_secret_never_shows_in_its_repr():
    connection_row = AgencyConnection.objects.create(name="A", company_id="c", client_id="id", client_secret="shh-123", refresh_token="rt-456")
    loaded = AgencyConnection.objects.get(pk=connection_row.pk)
    assert "shh-123" not in repr(loaded.client_secret)
    assert "rt-456" not in repr(vars(loaded))


@pytest.mark.django_db
def test_empty_secret_stays_empty():
    location = Location.objects.create(hl_id="loc2", name="No token")
    assert Location.objects.get(pk=location.pk).pit == ""
    assert not Location.objects.get(pk=location.pk).has_credentials


def test_rotation_old_key_still_decrypts_and_rotate_moves_to_new_key(settings):
    old_key = settings.SECRETS_ENCRYPTION_KEYS[0]
    token = crypto.encrypt("refresh-me")
    new_key = Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [new_key, old_key]
    assert crypto.decrypt(token) == "refresh-me"
    rotated = crypto.rotate(token)
    settings.SECRETS_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == "refresh-me"
    with pytest.raises(crypto.SecretDecryptionError) as error:
        crypto.decrypt(token)
    assert token not in str(error.value)
