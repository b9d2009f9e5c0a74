"""HighLevel's webhooks: the signature over the raw body, replay checks, and every delivery kept.

    receive(raw_body, headers) -> (status, answer, delivery)

In this order, each refusal kept with its verdict: a signature by one of the configured Ed25519
keys in X-GHL-Signature (or, where HIGHLEVEL_WEBHOOK_ACCEPT_RSA says so, RSA-SHA256 in
X-WH-Signature) over the bytes received, else 401; a JSON object with a type, a webhookId and a
timestamp, else 400; a timestamp within HIGHLEVEL_WEBHOOK_MAX_AGE_SECONDS of now, else 400; a
webhookId not accepted before (a unique constraint decides), else 200 without doing anything
twice. An accepted delivery is handled by a queued task (install.tasks), after the answer.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import datetime, timezone as dt_timezone
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from install.models import WebhookDelivery

logger = logging.getLogger(__name__)

KEPT_BODY_CHARS = 65_536  # of a signed body that was refused all the same
# A refused body is anyone's text: kept short, so forged deliveries cannot fill the database fast.
KEPT_REFUSED_BODY_CHARS = 2_000
MAX_SIGNATURE_CHARS = 2_000  # an RSA-4096 signature is 684 base64 characters


def receive(raw: bytes, headers) -> tuple[int, dict, WebhookDelivery]:
    signed_with = verify_signature(raw, headers)
    if not signed_with:
        return _refuse(WebhookDelivery.Verdict.BAD_SIGNATURE, 401, raw, "The signature is missing or wrong.")
    try:
        event = parse_event(raw)
    except MalformedEvent as problem:
        return _refuse(WebhookDelivery.Verdict.MALFORMED, 400, raw, str(problem), signed_with=signed_with)
    age = abs((timezone.now() - event["sent_at"]).total_seconds())
    if age > settings.HIGHLEVEL_WEBHOOK_MAX_AGE_SECONDS:
        return _refuse(WebhookDelivery.Verdict.STALE, 400, raw,
                       f"The timestamp is {int(age)} seconds away from now (at most "
                       f"{settings.HIGHLEVEL_WEBHOOK_MAX_AGE_SECONDS} are accepted).", signed_with=signed_with, **event["fields"])
    # Whole: the task reads the event from it (a signed JSON body holds no raw NUL).
    fields = dict(event["fields"], signed_with=signed_with, body=_kept(raw, len(raw)))
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                verdict=WebhookDelivery.Verdict.ACCEPTED, status_code=200, outcome=WebhookDelivery.Outcome.QUEUED, **fields)
            transaction.on_commit(lambda: _enqueue(delivery.pk))
    except IntegrityError:
        delivery = WebhookDelivery.objects.create(
            verdict=WebhookDelivery.Verdict.REPLAYED, status_code=200,
            outcome_message="This webhookId was received before; it is not handled twice.", **fields)
        return 200, {"received": True, "duplicate": True}, delivery
    return 200, {"received": True}, delivery


def _enqueue(delivery_id: int) -> None:
    from django_q.tasks import async_task

    async_task("install.tasks.handle_delivery", delivery_id, task_name=f"webhook delivery {delivery_id}")


def _refuse(verdict, status: int, raw: bytes, reason: str, **fields) -> tuple[int, dict, WebhookDelivery]:
    delivery = WebhookDelivery.objects.create(
        verdict=verdict, status_code=status, outcome_message=reason,
        body=_kept(raw, KEPT_BODY_CHARS if fields.get("signed_with") else KEPT_REFUSED_BODY_CHARS), **fields)
    return status, {"error": reason}, delivery


def refuse_too_large() -> tuple[int, dict, WebhookDelivery]:
    return _refuse(WebhookDelivery.Verdict.TOO_LARGE, 413, b"", "The body is larger than this server takes.")


# --- signatures ----------------------------------------------------------------------------------

def verify_signature(raw: bytes, headers) -> str:
    """"Ed25519" or "RSA" when a configured key signed exactly these bytes; "" otherwise."""
    signature = _decoded(headers.get("X-GHL-Signature"))
    if signature is not None:
        for key in _public_keys(tuple(settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS), Ed25519PublicKey):
            try:
                key.verify(signature, raw)
                return "Ed25519"
            except InvalidSignature:
                continue
    if settings.HIGHLEVEL_WEBHOOK_ACCEPT_RSA:
        signature = _decoded(headers.get("X-WH-Signature"))
        if signature is not None:
            for key in _public_keys(tuple(settings.HIGHLEVEL_WEBHOOK_RSA_PUBLIC_KEYS), RSAPublicKey):
                try:
                    key.verify(signature, raw, padding.PKCS1v15(), hashes.SHA256())
                    return "RSA"
                except InvalidSignature:
                    continue
    return ""


def _decoded(header: str | None) -> bytes | None:
    if not header or len(header) > MAX_SIGNATURE_CHARS:
        return None
    try:
        return base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


@lru_cache(maxsize=16)
def _public_keys(encoded_keys: tuple[str, ...], kind) -> tuple:
    """The keys of a setting (base64 DER SubjectPublicKeyInfo, PEM armour allowed) that load as `kind`.

    A key that does not load is logged and skipped: the webhook answers 401 rather than 500.
    """
    keys = []
    for encoded in encoded_keys:
        key = load_public_key(encoded)
        if isinstance(key, kind):
            keys.append(key)
        else:
            logger.error("A configured webhook public key is not a %s public key; it is ignored.", kind.__name__)
    return tuple(keys)


def load_public_key(encoded: str):
    body = "".join(line for line in encoded.strip().splitlines() if not line.startswith("-----"))
    try:
        return load_der_public_key(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError, TypeError):
        return None


# --- the body --------------------------------------------------------------------------------------

class MalformedEvent(Exception):
    pass


def parse_event(raw: bytes) -> dict:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedEvent("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise MalformedEvent("The body is not a JSON object.")
    event_type, webhook_id = payload.get("type"), payload.get("webhookId")
    if not isinstance(event_type, str) or not event_type.strip():
        raise MalformedEvent("The body has no event type.")
    if not isinstance(webhook_id, str) or not webhook_id.strip() or len(webhook_id) > 200:
        raise MalformedEvent("The body has no webhookId (or one longer than 200 characters).")
    sent_at = _timestamp(payload.get("timestamp"))
    if sent_at is None:
        raise MalformedEvent("The body has no timestamp, or one that is not a date and time.")
    location = payload.get("locationId") if "locationId" in payload else payload.get("id")
    return {"payload": payload, "sent_at": sent_at, "fields": {
        "webhook_id": clean_text(webhook_id, 200), "event_type": clean_text(event_type, 50),
        "company_id": clean_text(payload.get("companyId"), 100), "location_hl_id": clean_text(location, 100),
        "event_at": sent_at,
    }}


def _timestamp(value) -> datetime | None:
    try:
        if isinstance(value, str) and value.strip():
            moment = datetime.fromisoformat(value.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=dt_timezone.utc)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if value > 10**11 else value  # epoch milliseconds, or seconds
            return datetime.fromtimestamp(seconds, tz=dt_timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def clean_text(value, limit: int) -> str:
    """Text a database takes: a string, cut short, no NUL (PostgreSQL refuses it) or lone surrogate."""
    if not isinstance(value, str):
        return ""
    return value[:limit].replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _kept(raw: bytes, limit: int) -> str:
    return raw[:limit * 4].decode("utf-8", errors="replace")[:limit].replace("\x00", "\ufffd")
