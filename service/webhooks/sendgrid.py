"""SendGrid Event Webhook: ECDSA P-256 over timestamp + raw body, then a JSON array of events.

As SendGrid's own helper (`sendgrid.helpers.eventwebhook`) does it: the verification key is
base64 DER (SubjectPublicKeyInfo, no PEM framing), the signature base64 DER ECDSA with SHA-256
over the `X-Twilio-Email-Event-Webhook-Timestamp` header value followed by the body bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from burt.engine.model import Webhook
from burt.engine.webhooks import PlatformEvent
from burt.service.webhooks.common import (
    Verification,
    after_verification,
    decode_json,
    malformed,
    obj,
    routing_id,
    text,
    unix_time,
    unverified,
)

SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
_TYPES = {
    "delivered": "delivered",
    "open": "opened",
    "click": "clicked",
    "bounce": "bounced",
    "dropped": "bounced",
    "spamreport": "complained",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed",
}


@lru_cache(maxsize=256)
def public_key(verification_key: str) -> ec.EllipticCurvePublicKey:
    """The key as the SendGrid console shows it; ValueError when it is not a P-256 key."""
    try:
        key = load_der_public_key(base64.b64decode(verification_key, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not a base64 DER public key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("not an ECDSA P-256 public key")
    return key


def verify(body: bytes, headers: Mapping[str, str], key: str, check: Verification) -> None:
    signature, timestamp = headers.get(SIGNATURE), headers.get(TIMESTAMP)
    if not signature or not timestamp:
        raise unverified("the delivery has no SendGrid signature headers")
    try:
        public_key(key).verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise unverified("the SendGrid signature does not verify with the registered key") from None
    check.check_fresh_unix(timestamp, "SendGrid")


def _event(index: int, item: object) -> PlatformEvent:
    where = f"events[{index}]"
    event = obj(item, where)
    kind = text(event, "event", where)
    mapped = _TYPES.get(kind)
    if kind == "bounce" and event.get("type") == "blocked":
        mapped = None  # a temporary refusal by the receiving server, not a bounce
    return PlatformEvent(
        id="sg:" + text(event, "sg_event_id", where),
        type=mapped,
        occurred_at=unix_time(event, "timestamp", where),
        campaign_id=routing_id(event, "burt_campaign_id"),
        contact_id=routing_id(event, "burt_contact_id"),
    )


def events(
    body: bytes, headers: Mapping[str, str], webhook: Webhook, check: Verification
) -> list[PlatformEvent]:
    verify(body, headers, webhook.credential["verification_key"], check)
    with after_verification():
        payload = decode_json(body, "SendGrid delivery")
        if not isinstance(payload, list):
            raise malformed("a SendGrid delivery is a JSON array of events")
        return [_event(i, item) for i, item in enumerate(payload)]
