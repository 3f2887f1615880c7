"""Mailgun webhooks: `{"signature": {timestamp, token, signature}, "event-data": {...}}`.

`signature.signature` is the hex HMAC-SHA256 of `timestamp + token` under the webhook signing
key (Mailgun's "Securing webhooks"); the event's custom data is `event-data.user-variables`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from burt.engine.model import Webhook
from burt.engine.webhooks import PlatformEvent
from burt.service.webhooks.common import (
    Verification,
    after_verification,
    decode_json,
    obj,
    routing_id,
    text,
    unix_time,
    unverified,
)

_TYPES = {
    "delivered": "delivered",
    "opened": "opened",
    "clicked": "clicked",
    "unsubscribed": "unsubscribed",
    "complained": "complained",
}


def signature_of(signing_key: str, timestamp: str, token: str) -> str:
    return hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def verify(payload: Mapping[str, object], signing_key: str, check: Verification) -> str:
    """The signed one-time token, once the signature and its timestamp verify."""
    signed = payload.get("signature")
    if not isinstance(signed, dict) or not all(
        isinstance(signed.get(k), str) for k in ("timestamp", "token", "signature")
    ):
        raise unverified("the delivery has no Mailgun signature")
    expected = signature_of(signing_key, signed["timestamp"], signed["token"])
    if not hmac.compare_digest(expected.encode(), signed["signature"].lower().encode()):
        raise unverified("the Mailgun signature does not verify with the registered signing key")
    check.check_fresh_unix(signed["timestamp"], "Mailgun")
    token: str = signed["token"]
    return token


def events(
    body: bytes, headers: Mapping[str, str], webhook: Webhook, check: Verification, key: str
) -> tuple[str, list[PlatformEvent]]:
    """The delivery's signed token and its events. `key` is the receiver's signing key, unsealed
    by the caller, who must also refuse a token used before with another body (the signature
    does not cover `event-data`)."""
    payload = obj(decode_json(body, "Mailgun delivery"), "the Mailgun delivery")
    token = verify(payload, key, check)
    with after_verification():
        event = obj(payload.get("event-data"), "event-data")
        kind = text(event, "event", "event-data")
        mapped = _TYPES.get(kind)
        if kind == "failed" and event.get("severity") == "permanent":
            mapped = "bounced"
        variables = event.get("user-variables")
        return token, [
            PlatformEvent(
                id="mg:" + text(event, "id", "event-data"),
                type=mapped,
                occurred_at=unix_time(event, "timestamp", "event-data"),
                campaign_id=routing_id(variables, "burt_campaign_id"),
                contact_id=routing_id(variables, "burt_contact_id"),
            )
        ]
