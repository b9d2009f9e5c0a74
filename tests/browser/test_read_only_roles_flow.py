"""A Viewer opens a location and an agency connection in the admin: the secrets read "set", never their value."""
import pytest

from agents.models import AgencyConnection, Location
from tests.backoffice.role_fixtures import make_role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIT = "pit-" + "V1ewerMustNotSee" * 2
CLIENT_SECRET = "client-secret-" + "Q" * 24


def test_a_viewer_reads_a_location_and_its_connection_without_their_secrets(page, screenshot, live_server, roles,
                                                                             django_user_model):
    from playwright.sync_api import expect

    make_role_user(django_user_model, "viewer")
    connection = AgencyConnection.objects.create(name="Northstar Agency", company_id="co-1", client_id="cl-1",
                                                 client_secret=CLIENT_SECRET, refresh_token="refresh-" + "r" * 30)
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles Dental", pit=PIT, connection=connection)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("viewer-user")
    page.get_by_label("Password").fill("role-pass-123")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/agents/location/{location.pk}/change/")
    expect(page.get_by_role("heading", name="View location")).to_be_visible()
    expect(page.locator(".field-pit_state .readonly")).to_have_text("set")
    screenshot("viewer-01-location")
    assert PIT not in page.content()
    assert page.locator("input[type=password]").count() == 0

    page.goto(f"{live_server.url}/admin/agents/agencyconnection/{connection.pk}/change/")
    expect(page.locator(".field-client_secret_state .readonly")).to_have_text("set")
    screenshot("viewer-02-connection")
    assert CLIENT_SECRET not in page.content()
