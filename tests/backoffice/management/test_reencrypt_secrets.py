import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from agents.models import AgencyConnection, Location


@pytest.mark.django_db
def test_rotation_re_encrypts_every_secret_so_the_old_key_can_be_dropped(settings):
    Location.objects.create(hl_id="l1", name="One", pit="pit-one")
    Location.objects.create(hl_id="l2", name="No token")
    AgencyConnection.objects.create(name="Agency", company_id="c", client_id="id", app_id="app",
                                    client_secret="secret-x", refresh_token="refresh-y")
    old_key = settings.SECRETS_ENCRYPTION_KEYS[0]
    settings.SECRETS_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    call_command("reencrypt_secrets")
    settings.SECRETS_ENCRYPTION_KEYS = settings.SECRETS_ENCRYPTION_KEYS[:1]  # old key gone
    assert Location.objects.get(hl_id="l1").pit == "pit-one"
    assert Location.objects.get(hl_id="l2").pit == ""
    connection = AgencyConnection.objects.get()
    assert (connection.client_secret, connection.refresh_token) == ("secret-x", "refresh-y")
