"""Postmark webhooks: one record per request, authenticated only by HTTP Basic credentials
(checked by `service.webhook_auth` before the handler runs); the message's `Metadata` routes it.

Postmark has a unique id only for bounces and spam complaints (`ID`); other records get the
stable id `pm:<RecordType>:<MessageID>:<event time>`, which a retry of the same record repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from burt.engine.model import Webhook
from burt.engine.webhooks import PlatformEvent
from burt.service.webhooks.common import (
    Verification,
    decode_json,
    iso_time,
    malformed,
    obj,
    routing_id,
    text,
)

_TIME_FIELD = {
    "Delivery": "DeliveredAt",
    "Open": "ReceivedAt",
    "Click": "ReceivedAt",
    "Bounce": "BouncedAt",
    "SpamComplaint": "BouncedAt",
    "SubscriptionChange": "ChangedAt",
}


def _type(record: Mapping[str, object], kind: str) -> str | None:
    if kind == "Delivery":
        return "delivered"
    if kind == "Open":
        return "opened"
    if kind == "Click":
        return "clicked"
    if kind == "Bounce":
        return "bounced" if record.get("Type") == "HardBounce" or record.get("Inactive") else None
    if kind == "SpamComplaint":
        return "complained"
    if kind == "SubscriptionChange":  # a recipient's own unsubscribe, not a bounce or complaint
        own = record.get("Origin") == "Recipient" and record.get("SuppressSending") is True
        reason = record.get("SuppressionReason")
        return "unsubscribed" if own and reason not in ("HardBounce", "SpamComplaint") else None
    return None


def _event_id(record: Mapping[str, object], kind: str, at: datetime) -> str:
    if kind in ("Bounce", "SpamComplaint"):
        bounce = record.get("ID")
        if isinstance(bounce, bool) or not isinstance(bounce, int):
            raise malformed(f"a Postmark {kind} record needs its numeric ID")
        return f"pm:bounce:{bounce}"
    message = record.get("MessageID")
    if not isinstance(message, str) or not message:
        message = "-"
    return f"pm:{kind}:{message}:{at.isoformat()}"


def events(
    body: bytes, headers: Mapping[str, str], webhook: Webhook, check: Verification
) -> list[PlatformEvent]:
    record = obj(decode_json(body, "Postmark delivery"), "the Postmark delivery")
    kind = text(record, "RecordType", "the record")
    field = _TIME_FIELD.get(kind)
    if field is None:  # a record type burt does not read (e.g. Inbound): ignored, not an error
        return [PlatformEvent(f"pm:{kind}", None, check.now, None, None)]
    at = iso_time(record, field, "the record")
    metadata = record.get("Metadata")
    return [
        PlatformEvent(
            id=_event_id(record, kind, at),
            type=_type(record, kind),
            occurred_at=at,
            campaign_id=routing_id(metadata, "burt_campaign_id"),
            contact_id=routing_id(metadata, "burt_contact_id"),
        )
    ]
