"""Import locations from an agency connection (OAuth against the sandbox)."""
from agents.importing import import_locations
from agents.models import AgencyConnection, Location
from agents.sync import sync_location_by_id
from audit.models import AuditEvent


def _connection(hl_sandbox):
    agency = hl_sandbox.agency
    return AgencyConnection.objects.create(
        name="Agency", company_id=agency["companyId"], client_id=agency["clientId"], app_id=agency["appId"],
        client_secret=agency["clientSecret"], refresh_token=agency["refreshToken"],
    )


def test_import_creates_a_location_per_installed_sub_account_and_is_repeatable(hl_sandbox, settings, db):
    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    connection = _connection(hl_sandbox)
    assert import_locations(connection) == (len(hl_sandbox.locations), 0)
    assert sorted(Location.objects.values_list("hl_id", flat=True)) == sorted(l["locationId"] for l in hl_sandbox.locations)
    assert set(Location.objects.values_list("connection", flat=True)) == {connection.pk}
    assert import_locations(connection) == (0, 0)
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORTED).count() == 2
    connection.refresh_from_db()
    assert connection.refresh_token != hl_sandbox.agency["refreshToken"]  # rotated and stored


def test_an_imported_location_syncs_with_a_minted_location_token(hl_sandbox, settings, db):
    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    import_locations(_connection(hl_sandbox))
    location = Location.objects.first()
    assert sync_location_by_id(location.pk).startswith("ok")
    location.refresh_from_db()
    assert location.location_token and location.location_token_expires_at
    assert location.agents.count() == len(hl_sandbox.state.agents_in(location.hl_id))


def test_the_admin_action_imports_and_reports_counts(hl_sandbox, settings, admin_client):
    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    connection = _connection(hl_sandbox)
    response = admin_client.post(
        "/admin/agents/agencyconnection/", {"action": "import_locations", "_selected_action": [connection.pk]}, follow=True)
    assert f"{len(hl_sandbox.locations)} new location(s), 0 updated." in response.content.decode()
    assert Location.objects.count() == len(hl_sandbox.locations)


def test_the_admin_action_reports_a_revoked_connection_in_words(hl_sandbox, settings, admin_client):
    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    connection = _connection(hl_sandbox)
    connection.refresh_token = "refresh-token-that-was-revoked"
    connection.save()
    response = admin_client.post(
        "/admin/agents/agencyconnection/", {"action": "import_locations", "_selected_action": [connection.pk]}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "import failed" in page
    assert "refresh-token-that-was-revoked" not in page
    assert not Location.objects.exists()
