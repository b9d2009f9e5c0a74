"""HighLevel's webhooks, sent by the sandbox: signed with Ed25519 over the exact bytes posted.

The key pair is a test key whose private half is public (it is right here): the demo and the
tests configure SANDBOX_WEBHOOK_PUBLIC_KEY in HIGHLEVEL_WEBHOOK_PUBLIC_KEYS; production keeps
HighLevel's own key, which this private key cannot sign for.
"""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SANDBOX_WEBHOOK_PRIVATE_KEY = "7rlefP2H2LKCmo1ocTXGWYS3lK51TNZa4nGB5e4CiP8="  # raw 32 bytes, base64
SANDBOX_WEBHOOK_PUBLIC_KEY = "MCowBQYDK2VwAyEAIEJCQb+4gAxdWkxLZfY0tBw9PsbVwaCDS3kqDLE2+F0="  # SPKI DER, base64
SEND_TIMEOUT_SECONDS = 10


def _private_key(encoded: str = SANDBOX_WEBHOOK_PRIVATE_KEY) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))


def sign(body: bytes, private_key: str = SANDBOX_WEBHOOK_PRIVATE_KEY) -> str:
    """The X-GHL-Signature header of these bytes."""
    return base64.b64encode(_private_key(private_key).sign(body)).decode()


def event(event_type: str, *, sent_at: datetime | None = None, webhook_id: str | None = None, **fields) -> dict:
    """An event as HighLevel posts it: its type, fields, and the timestamp and webhookId of the delivery."""
    moment = sent_at or datetime.now(timezone.utc)
    return {"type": event_type, **fields,
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "webhookId": webhook_id or uuid.uuid4().hex}


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def send(url: str, payload: dict, *, private_key: str = SANDBOX_WEBHOOK_PRIVATE_KEY) -> requests.Response:
    body = body_of(payload)
    return requests.post(url, data=body, timeout=SEND_TIMEOUT_SECONDS, headers={
        "Content-Type": "application/json", "X-GHL-Signature": sign(body, private_key)})
