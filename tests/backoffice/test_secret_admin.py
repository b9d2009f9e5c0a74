"""Secrets are write-only in the admin for every role: the read-only rendering a Viewer or an
Approver gets says whether a secret is set, never what it is; and an admin that forgets the
rule is refused by a system check."""
import pytest
from django.contrib import admin
from django.test import Client

from agents.models import AgencyConnection, Location
from backoffice.secret_admin import WriteOnlySecretsAdmin, check_secret_admins
from tests.backoffice.role_fixtures import make_role_user

pytestmark = pytest.mark.django_db

PIT = "pit-" + "s3cr3t" * 6
CLIENT_SECRET = "client-secret-" + "k" * 20
REFRESH = "refresh-" + "r" * 30


@pytest.fixture
def stored():
    connection = AgencyConnection.objects.create(name="Northstar agency", company_id="co-1", client_id="cl-1",
                                                 client_secret=CLIENT_SECRET, refresh_token=REFRESH)
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles", pit=PIT, connection=connection)
    return connection, location


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_a_read_only_role_sees_whether_a_secret_is_set_not_the_secret(role, stored, django_user_model):
    connection, location = stored
    client = Client()
    client.force_login(make_role_user(django_user_model, role))

    location_page = client.get(f"/admin/agents/location/{location.pk}/change/").content.decode()
    connection_page = client.get(f"/admin/agents/agencyconnection/{connection.pk}/change/").content.decode()

    assert PIT not in location_page
    assert CLIENT_SECRET not in connection_page and REFRESH not in connection_page
    assert "Private integration token" in location_page and ">set<" in location_page.replace("\n", "")
    assert "Remove the stored" not in location_page + connection_page  # no edit controls in a read-only view


def test_a_manager_edits_them_in_password_boxes_that_stay_empty(stored, django_user_model):
    connection, location = stored
    client = Client()
    client.force_login(make_role_user(django_user_model, "manager"))

    page = client.get(f"/admin/agents/location/{location.pk}/change/").content.decode()

    assert PIT not in page
    assert 'type="password" name="pit"' in page and "Set. Leave empty to keep it." in page


def test_every_registered_admin_of_an_encrypted_model_keeps_secrets_write_only():
    assert check_secret_admins() == []


def test_an_admin_that_forgets_the_rule_is_refused_by_the_system_check():
    site = admin.AdminSite(name="careless")
    site.register(Location)  # a plain ModelAdmin would print the PIT to a Viewer
    original, admin.site._registry = admin.site._registry, site._registry
    try:
        errors = check_secret_admins()
    finally:
        admin.site._registry = original
    assert [error.id for error in errors] == ["backoffice.E001"]
    assert "Location" in errors[0].msg


def test_the_mixin_names_each_secret_as_set_or_not():
    model_admin = type("LocationAdmin", (WriteOnlySecretsAdmin, admin.ModelAdmin), {})(Location, admin.site)
    assert model_admin.pit_state(Location(pit=PIT)) == "set"
    assert model_admin.pit_state(Location(pit="")) == "not set"
    assert model_admin.pit_state.short_description == "private integration token"
