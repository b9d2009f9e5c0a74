"""The deliveries pages: what arrived, in words, with location names, for every role to read."""
import pytest
from django.contrib.auth.models import Group

from agents.models import Location
from install.models import WebhookDelivery

pytestmark = pytest.mark.django_db
Verdict = WebhookDelivery.Verdict


@pytest.fixture
def viewer(client, django_user_model):
    user = django_user_model.objects.create_user("vera", password="vera-pass-123")
    user.groups.add(Group.objects.get(name="Viewer"))
    client.force_login(user)
    return client


@pytest.fixture
def deliveries():
    Location.objects.create(hl_id="loc-1", name="Bright Smiles")
    accepted = WebhookDelivery.objects.create(
        verdict=Verdict.ACCEPTED, status_code=200, event_type="LocationCreate", location_hl_id="loc-1",
        body='{"type":"LocationCreate","id":"loc-1","name":"Bright Smiles"}', outcome=WebhookDelivery.Outcome.DONE,
        outcome_message="New location Bright Smiles.")
    forged = WebhookDelivery.objects.create(verdict=Verdict.BAD_SIGNATURE, status_code=401,
                                            body="<script>alert(1)</script>", outcome_message="The signature is missing or wrong.")
    return accepted, forged


def test_the_list_says_what_came_in_words(viewer, deliveries):
    page = viewer.get("/highlevel/webhooks/deliveries/").content.decode()
    assert "Sub-account created" in page and "LocationCreate<" not in page
    assert "Bright Smiles" in page and "loc-1" not in page
    assert "Refused: signature missing or wrong" in page and "Handled" in page


def test_the_list_filters_by_verdict(viewer, deliveries):
    page = viewer.get("/highlevel/webhooks/deliveries/?verdict=bad_signature").content.decode()
    assert "Refused: signature missing or wrong" in page and "Sub-account created" not in page
    assert viewer.get("/highlevel/webhooks/deliveries/?verdict=nonsense").status_code == 200


def test_the_detail_shows_the_body_as_received_escaped(viewer, deliveries):
    accepted, forged = deliveries
    page = viewer.get(f"/highlevel/webhooks/deliveries/{accepted.pk}/").content.decode()
    assert "&quot;name&quot;: &quot;Bright Smiles&quot;" in page  # pretty-printed, escaped
    forged_page = viewer.get(f"/highlevel/webhooks/deliveries/{forged.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in forged_page and "<script>alert" not in forged_page
    assert "no valid signature" in forged_page
    assert viewer.get("/highlevel/webhooks/deliveries/999999/").status_code == 404
