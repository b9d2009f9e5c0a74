"""The webhook endpoint: signatures over the raw body, stale and replayed deliveries, anything at all."""
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY, body_of, event, sign
from install.models import WebhookDelivery

pytestmark = pytest.mark.django_db
URL = "/highlevel/webhooks/"
Verdict = WebhookDelivery.Verdict


@pytest.fixture(autouse=True)
def sandbox_key(settings, monkeypatch):
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [SANDBOX_WEBHOOK_PUBLIC_KEY]
    queued = []
    monkeypatch.setattr("install.webhooks._enqueue", queued.append)
    return queued


def post(client, body: bytes, **headers):
    return client.generic("POST", URL, body, content_type="application/json",
                          **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})


def signed(client, payload, **headers):
    body = body_of(payload) if isinstance(payload, dict) else payload
    return post(client, body, **{"X-GHL-Signature": sign(body), **headers})


def new_key_pair():
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(public).decode()


def test_a_signed_event_is_accepted_and_queued(client, django_capture_on_commit_callbacks, sandbox_key):
    payload = event("LocationUpdate", id="loc-1", name="Bright Smiles", companyId="co-1")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed(client, payload)
    assert response.status_code == 200 and response.json() == {"received": True}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.verdict, delivery.event_type, delivery.location_hl_id, delivery.company_id) == (
        Verdict.ACCEPTED, "LocationUpdate", "loc-1", "co-1")
    assert delivery.signed_with == "Ed25519" and json.loads(delivery.body) == payload
    assert sandbox_key == [delivery.pk]


@pytest.mark.parametrize("forge", [
    "no signature", "garbage", "not base64", "other key", "body changed", "re-serialised", "empty body",
])
def test_a_forged_delivery_is_401_and_kept(client, forge):
    payload = event("INSTALL", companyId="co-1", locationId="loc-1")
    body = body_of(payload)
    other_key, _ = new_key_pair()
    headers = {
        "no signature": {},
        "garbage": {"X-GHL-Signature": base64.b64encode(b"x" * 64).decode()},
        "not base64": {"X-GHL-Signature": "!!not-base64!!"},
        "other key": {"X-GHL-Signature": base64.b64encode(other_key.sign(body)).decode()},
        "body changed": {"X-GHL-Signature": sign(body_of({**payload, "locationId": "loc-2"}))},
        # The same JSON with other spacing: the signature is over the bytes, never the parsed JSON.
        "re-serialised": {"X-GHL-Signature": sign(json.dumps(payload, indent=1).encode())},
        "empty body": {"X-GHL-Signature": sign(b"")},
    }[forge]
    response = post(client, body, **headers)
    assert response.status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == Verdict.BAD_SIGNATURE and delivery.status_code == 401
    assert delivery.event_type == "" and delivery.webhook_id == ""  # a forged body's fields are not trusted


def test_several_keys_at_a_time_for_rotation(client, settings):
    new_key, new_public = new_key_pair()
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [new_public, SANDBOX_WEBHOOK_PUBLIC_KEY]
    assert signed(client, event("LocationUpdate", id="a")).status_code == 200
    body = body_of(event("LocationUpdate", id="b"))
    assert post(client, body, **{"X-GHL-Signature": base64.b64encode(new_key.sign(body)).decode()}).status_code == 200
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [new_public]  # the old key retired
    assert signed(client, event("LocationUpdate", id="c")).status_code == 401


def test_a_broken_key_setting_refuses_rather_than_fails(client, settings):
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = ["not a key", SANDBOX_WEBHOOK_PUBLIC_KEY.replace("A", "B", 3)]
    assert signed(client, event("LocationUpdate", id="a")).status_code == 401


def rsa_signed(client, key, payload):
    body = body_of(payload)
    signature = base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    return post(client, body, **{"X-WH-Signature": signature})


def test_rsa_signatures_only_where_the_setting_allows_them(client, settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    settings.HIGHLEVEL_WEBHOOK_RSA_PUBLIC_KEYS = [public.decode()]
    settings.HIGHLEVEL_WEBHOOK_ACCEPT_RSA = False
    assert rsa_signed(client, key, event("LocationUpdate", id="a")).status_code == 401
    settings.HIGHLEVEL_WEBHOOK_ACCEPT_RSA = True
    assert rsa_signed(client, key, event("LocationUpdate", id="b")).status_code == 200
    assert WebhookDelivery.objects.filter(verdict=Verdict.ACCEPTED).get().signed_with == "RSA"


@pytest.mark.parametrize("sent", [timedelta(minutes=-6), timedelta(hours=-30), timedelta(minutes=6)])
def test_a_stale_or_future_timestamp_is_400(client, sent):
    response = signed(client, event("INSTALL", companyId="co-1", sent_at=datetime.now(timezone.utc) + sent))
    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == Verdict.STALE and "seconds away from now" in delivery.outcome_message


def test_a_timestamp_within_the_window_is_accepted(client):
    sent_at = datetime.now(timezone.utc) - timedelta(minutes=4)
    assert signed(client, event("LocationUpdate", id="a", sent_at=sent_at)).status_code == 200


def test_a_replayed_webhook_id_is_not_handled_twice(client, sandbox_key):
    payload = event("INSTALL", companyId="co-1", locationId="loc-1", webhook_id="wh-1")
    first, second = signed(client, payload), signed(client, payload)
    assert first.status_code == 200 and second.status_code == 200 and second.json()["duplicate"] is True
    verdicts = sorted(WebhookDelivery.objects.values_list("verdict", flat=True))
    assert verdicts == [Verdict.ACCEPTED, Verdict.REPLAYED]
    # A new timestamp and signature do not make the same webhookId new.
    again = signed(client, event("INSTALL", companyId="co-1", webhook_id="wh-1"))
    assert again.json()["duplicate"] is True


def test_the_database_refuses_a_second_accepted_webhook_id():
    WebhookDelivery.objects.create(verdict=Verdict.ACCEPTED, status_code=200, webhook_id="wh-1")
    WebhookDelivery.objects.create(verdict=Verdict.BAD_SIGNATURE, status_code=401, webhook_id="wh-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(verdict=Verdict.ACCEPTED, status_code=200, webhook_id="wh-1")


def test_a_forged_delivery_cannot_reserve_a_webhook_id(client):
    payload = event("INSTALL", companyId="co-1", webhook_id="wh-9")
    assert post(client, body_of(payload), **{"X-GHL-Signature": sign(b"other")}).status_code == 401
    assert signed(client, payload).json() == {"received": True}


@pytest.mark.parametrize("body, problem", [
    (b"not json", "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"webhookId": "x", "timestamp": "2026-01-01T00:00:00Z"}', "no event type"),
    (json.dumps({"type": "INSTALL", "timestamp": "2026-01-01T00:00:00Z"}).encode(), "no webhookId"),
    (json.dumps({"type": "INSTALL", "webhookId": "w" * 201, "timestamp": "x"}).encode(), "no webhookId"),
    (json.dumps({"type": "INSTALL", "webhookId": "x", "timestamp": "yesterday"}).encode(), "no timestamp"),
    (json.dumps({"type": "INSTALL", "webhookId": "x", "timestamp": 1e300}).encode(), "no timestamp"),
    (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
])
def test_a_malformed_body_is_400(client, body, problem):
    response = signed(client, body)
    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.verdict == Verdict.MALFORMED and problem in delivery.outcome_message


def test_a_body_too_large_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert signed(client, b"x" * 2_000).status_code == 413
    assert WebhookDelivery.objects.get().verdict == Verdict.TOO_LARGE


def test_get_is_405(client):
    assert client.get(URL).status_code == 405


TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(["\x00", "\ud800", "🙂" * 50])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                           max_leaves=20)
EVENTS = st.fixed_dictionaries({
    "type": st.sampled_from(["INSTALL", "UNINSTALL", "LocationCreate", "LocationUpdate", "PLAN_CHANGE"]) | TEXT,
    "webhookId": TEXT, "timestamp": st.just("now") | TEXT | st.integers(),
}, optional={"companyId": JSON_VALUES, "locationId": JSON_VALUES, "id": JSON_VALUES, "name": JSON_VALUES,
             "locationIds": JSON_VALUES})
HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=100)


def _encoded(payload):
    if payload.get("timestamp") == "now":
        payload = {**payload, "timestamp": datetime.now(timezone.utc).isoformat()}
    try:
        return json.dumps(payload).encode("utf-8", "surrogatepass")
    except ValueError:
        return json.dumps(payload, allow_nan=True).encode("utf-8", "surrogatepass")


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.binary(max_size=300) | EVENTS.map(_encoded), signature=st.none() | HEADER_VALUES,
       rsa_signature=st.none() | HEADER_VALUES, sign_it=st.booleans())
def test_whatever_arrives_the_answer_is_never_a_500_and_the_delivery_is_kept(client, body, signature, rsa_signature,
                                                                             sign_it, settings):
    settings.HIGHLEVEL_WEBHOOK_ACCEPT_RSA = True
    headers = {}
    if sign_it:
        headers["X-GHL-Signature"] = sign(body)
    elif signature is not None:
        headers["X-GHL-Signature"] = signature
    if rsa_signature is not None:
        headers["X-WH-Signature"] = rsa_signature
    before = WebhookDelivery.objects.count()
    response = post(client, body, **headers)
    assert response.status_code in (200, 400, 401)
    assert WebhookDelivery.objects.count() == before + 1
    if not sign_it:
        assert response.status_code == 401
