"""INSTALL, UNINSTALL, LocationCreate, LocationUpdate: idempotent, in any order, audited."""
import itertools
from datetime import datetime, timedelta, timezone

import pytest

from agents.credentials import MissingCredentials, token_provider_for
from agents.gateway import agency_client
from agents.highlevel.sandbox.install_api import approve
from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY, body_of, event, sign
from agents.models import AgencyConnection, Location
from audit.models import AuditEvent
from install import events, oauth, webhooks
from install.models import WebhookDelivery
from tests.install.conftest import choose_on_marketplace
from tests.install.test_oauth import answer_params

Outcome = WebhookDelivery.Outcome
SENT_FROM = {}  # each test's own "two minutes ago", so that its events stay within the freshness window


@pytest.fixture(autouse=True)
def signed_by_the_sandbox(settings, monkeypatch):
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [SANDBOX_WEBHOOK_PUBLIC_KEY]
    monkeypatch.setattr("install.webhooks._enqueue", lambda delivery_id: None)  # handled by deliver()
    SENT_FROM["t0"] = datetime.now(timezone.utc) - timedelta(minutes=2)


def deliver(payload):
    body = body_of(payload)
    status, _answer, delivery = webhooks.receive(body, {"X-GHL-Signature": sign(body)})
    assert status == 200
    events.handle_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def connect(sandbox, count):
    session = {}
    picked = [location["locationId"] for location in sandbox.locations[:count]]
    back = choose_on_marketplace(oauth.start(session, "http://testserver/highlevel/connect/done/"), locations=picked)
    return oauth.finish(session, answer_params(back)).connection


def at(seconds):
    return SENT_FROM["t0"] + timedelta(seconds=seconds)


def test_install_of_a_location_imports_it_and_mints_its_token(sandbox_app):
    connection = connect(sandbox_app, 1)
    third = sandbox_app.locations[2]
    approve(sandbox_app.state, sandbox_app.agency["clientId"], "http://x/", [third["locationId"]], all_locations=False)
    delivery = deliver(event("INSTALL", appId=sandbox_app.agency["appId"], companyId=connection.company_id,
                             locationId=third["locationId"], companyName="Sandbox Growth Agency"))
    assert delivery.outcome == Outcome.DONE and third["name"] in delivery.outcome_message
    location = Location.objects.get(hl_id=third["locationId"])
    assert location.connection == connection and location.name == third["name"]
    assert token_provider_for(location, agency_client).token().startswith("sbx-location-")
    assert AgencyConnection.objects.get().name == "Sandbox Growth Agency"  # named by the event
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORTED, location=location, actor_label="HighLevel webhook").exists()


def test_an_install_before_the_code_exchange_waits_then_is_handled(sandbox_app):
    company_id = sandbox_app.agency["companyId"]
    first = sandbox_app.locations[0]
    early = deliver(event("INSTALL", companyId=company_id, locationId=first["locationId"], companyName="Early Agency"))
    assert early.outcome == Outcome.WAITING and not Location.objects.exists()
    connection = connect(sandbox_app, 1)
    early.refresh_from_db()
    assert early.outcome == Outcome.DONE and connection.name == "Early Agency"
    assert Location.objects.get().connection == connection


def test_uninstall_disconnects_keeps_the_mirror_and_stops_syncs_with_the_reason(sandbox_app):
    connection = connect(sandbox_app, 2)
    first = Location.objects.get(hl_id=sandbox_app.locations[0]["locationId"])
    deliver(event("UNINSTALL", appId=sandbox_app.agency["appId"], locationId=first.hl_id))
    first.refresh_from_db()
    assert first.connection is None and not first.location_token
    assert "uninstalled from it in HighLevel" in first.disconnected_reason
    assert first.sync_status == Location.SyncStatus.FAILED and first.sync_error.startswith("Disconnected:")
    with pytest.raises(MissingCredentials, match="is disconnected: the app was uninstalled"):
        token_provider_for(first, agency_client)
    assert Location.objects.filter(connection=connection).count() == 1  # the other stays
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.CREDENTIALS, location=first,
                                     message__startswith="Disconnected").count() == 1


def test_an_agency_uninstall_removes_its_tokens_and_disconnects_every_location(sandbox_app):
    connection = connect(sandbox_app, 2)
    deliver(event("UNINSTALL", appId=sandbox_app.agency["appId"], companyId=connection.company_id))
    connection.refresh_from_db()
    assert not connection.refresh_token and not connection.access_token
    assert not Location.objects.filter(connection__isnull=False).exists()
    assert Location.objects.filter(disconnected_reason__contains="uninstalled").count() == 2


def test_location_create_adds_it_and_update_renames_it(sandbox_app):
    connection = connect(sandbox_app, 1)
    created = deliver(event("LocationCreate", id="new-loc", name="Fresh Dental", companyId=connection.company_id))
    assert created.outcome == Outcome.DONE
    assert Location.objects.get(hl_id="new-loc").name == "Fresh Dental"
    deliver(event("LocationUpdate", id="new-loc", name="Fresh Dental — Austin", companyId=connection.company_id))
    location = Location.objects.get(hl_id="new-loc")
    assert location.name == "Fresh Dental — Austin"
    renamed = AuditEvent.objects.get(verb=AuditEvent.Verb.UPDATED, location=location)
    assert renamed.changes == {"name": ["Fresh Dental", "Fresh Dental — Austin"]}


def test_an_update_of_a_location_not_ours_keeps_nothing(sandbox_app):
    connection = connect(sandbox_app, 1)
    delivery = deliver(event("LocationUpdate", id="elsewhere", name="Not Ours", companyId=connection.company_id))
    assert delivery.outcome == Outcome.DONE and not Location.objects.filter(hl_id="elsewhere").exists()


def test_an_event_the_back_office_does_not_act_on_is_kept_as_such(sandbox_app):
    delivery = deliver(event("PLAN_CHANGE", companyId="co", locationId="x"))
    assert delivery.outcome == Outcome.IGNORED and "does not act on PLAN_CHANGE" in delivery.outcome_message


def test_a_task_run_twice_handles_once(sandbox_app):
    connection = connect(sandbox_app, 1)
    delivery = deliver(event("LocationCreate", id="twice", name="Twice", companyId=connection.company_id))
    assert events.handle_delivery(delivery.pk) == Outcome.DONE
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.IMPORTED, object_id="twice").count() == 1


def final_state():
    return sorted(Location.objects.values_list("hl_id", "name", "connection_id", "disconnected_reason"))


SEQUENCE = [  # one sub-account's life, in the order HighLevel sent it
    ("LocationCreate", {"id": "life", "name": "Day One Spa"}, 1),
    ("INSTALL", {"locationId": "life"}, 2),
    ("LocationUpdate", {"id": "life", "name": "Day Two Spa"}, 3),
    ("UNINSTALL", {"locationId": "life"}, 4),
    ("LocationUpdate", {"id": "life", "name": "Day Three Spa"}, 5),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(SEQUENCE))))[::7])
def test_any_order_and_duplicates_end_in_the_same_state(sandbox_app, order):
    connection = connect(sandbox_app, 1)
    for index in list(order) + [order[0], order[-1]]:  # and two of them again, with new webhookIds
        event_type, fields, second = SEQUENCE[index]
        deliver(event(event_type, companyId=connection.company_id, sent_at=at(second), **fields))
    life = Location.objects.get(hl_id="life")
    assert life.name == "Day Three Spa" and life.connection is None
    assert "uninstalled" in life.disconnected_reason
    assert Location.objects.filter(hl_id="life").count() == 1


def test_an_install_after_an_uninstall_reconnects(sandbox_app):
    connection = connect(sandbox_app, 1)
    hl_id = sandbox_app.locations[0]["locationId"]
    deliver(event("UNINSTALL", locationId=hl_id, sent_at=at(1)))
    deliver(event("INSTALL", companyId=connection.company_id, locationId=hl_id, sent_at=at(2)))
    location = Location.objects.get(hl_id=hl_id)
    assert location.connection == connection and location.disconnected_reason == ""
    # An older UNINSTALL arriving late changes nothing.
    deliver(event("UNINSTALL", locationId=hl_id, sent_at=at(0)))
    location.refresh_from_db()
    assert location.connection == connection
