"""Amazon SES events through an SNS HTTP(S) subscription.

An SNS message is verified (topic, then signature) before anything in it is used. A
Notification's `Message` is the SES event (event publishing's `eventType`, or the older
identity notifications' `notificationType`), routed by the message tags `burt_campaign_id` and
`burt_contact_id` (`mail.tags`, each a list of one value). SES has no event id: the stable id is
`ses:<mail.messageId>:<event type>:<feedbackId or the event's timestamp>`, which SNS retries and
SES's own at-least-once duplicates repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from burt.engine.model import Webhook
from burt.engine.webhooks import PlatformEvent
from burt.service.webhooks import sns
from burt.service.webhooks.common import (
    DeliveryRefused,
    Verification,
    after_verification,
    decode_json,
    iso_time,
    malformed,
    obj,
    text,
    unverified,
)

TYPES = ("SubscriptionConfirmation", "Notification", "UnsubscribeConfirmation")
_REQUIRED = ("Type", "MessageId", "TopicArn", "Message", "Timestamp")
"""What makes a body an SNS message at all (else 400)."""
_SIGNED_BY = ("SignatureVersion", "Signature")
"""What verifies it (a message without them is unverified: 401)."""


@dataclass(frozen=True)
class SnsDelivery:
    kind: str
    subscribe_url: str | None = None
    events: list[PlatformEvent] = field(default_factory=list)


def _tag(tags: Any, name: str) -> str | None:
    values = tags.get(name) if isinstance(tags, dict) else None
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return None


def _type(kind: str, section: Mapping[str, Any]) -> str | None:
    if kind == "Delivery":
        return "delivered"
    if kind == "Open":
        return "opened"
    if kind == "Click":
        return "clicked"
    if kind == "Bounce":
        return "bounced" if section.get("bounceType") == "Permanent" else None
    if kind == "Complaint":
        return "complained"
    if kind == "Subscription":
        preferences = section.get("newTopicPreferences")
        everything = isinstance(preferences, dict) and preferences.get("unsubscribeAll") is True
        return "unsubscribed" if everything else None
    return None


def ses_event(message: Mapping[str, str], check: Verification) -> PlatformEvent:
    """The SES event a verified Notification carries (ignored when it carries none)."""
    try:
        event = msgspec.json.decode(message["Message"])
    except (msgspec.DecodeError, RecursionError):
        event = None
    kind = (
        event.get("eventType") or event.get("notificationType") if isinstance(event, dict) else None
    )
    if not isinstance(event, dict) or not isinstance(kind, str) or not kind:
        # e.g. SES's "Successfully validated SNS topic for Amazon SES event publishing."
        return PlatformEvent(f"ses:sns:{message['MessageId']}", None, check.now, None, None)
    mail = obj(event.get("mail"), "Message.mail")
    section_name = kind[0].lower() + kind[1:].replace(" ", "")
    found = event.get(section_name)
    section: dict[str, Any] = found if isinstance(found, dict) else {}
    at = (
        iso_time(section, "timestamp", kind)
        if "timestamp" in section
        else iso_time(mail, "timestamp", "Message.mail")
    )
    distinct = section.get("feedbackId") if isinstance(section.get("feedbackId"), str) else None
    return PlatformEvent(
        id=f"ses:{text(mail, 'messageId', 'Message.mail')}:{kind}:{distinct or at.isoformat()}",
        type=_type(kind, section),
        occurred_at=at,
        campaign_id=_tag(mail.get("tags"), "burt_campaign_id"),
        contact_id=_tag(mail.get("tags"), "burt_contact_id"),
    )


def _message(body: bytes) -> dict[str, str]:
    """The SNS message's fields; 400 when it is not an SNS message at all, 401 when it lacks what
    its signature needs (a message that cannot be verified is an unverified one)."""
    message = obj(decode_json(body, "SNS message"), "the SNS message")
    for name in _REQUIRED:
        if not isinstance(message.get(name), str):
            raise malformed(f"the SNS message has no string {name}")
    for name in _SIGNED_BY:
        if not isinstance(message.get(name), str):
            raise unverified(f"the SNS message has no string {name}: it cannot be verified")
    if message["Type"] not in TYPES:
        raise unverified(f"SNS message Type {message['Type']!r} is not one burt can verify")
    needed = (
        sns.NOTIFICATION_FIELDS if message["Type"] == "Notification" else sns.CONFIRMATION_FIELDS
    )
    for name in needed:
        value = message.get(name)
        if not isinstance(value, str) and not (name == "Subject" and value is None):
            raise unverified(f"a {message['Type']} without a string {name} cannot be verified")
    return {name: value for name, value in message.items() if isinstance(value, str)}


async def read(
    body: bytes, webhook: Webhook, check: Verification, certificates: sns.CertificateCache
) -> SnsDelivery:
    message = _message(body)
    topic = webhook.credential["topic_arn"]
    if message["TopicArn"] != topic:
        raise DeliveryRefused(
            403, "wrong_topic", f"topic {message['TopicArn']!r} is not the registered topic"
        )
    pinned = webhook.credential.get("certificate_pem")
    if pinned:
        certificate = sns.load_certificate(pinned)
    else:
        url = message.get("SigningCertURL")
        if not isinstance(url, str):
            raise sns_unsigned()
        certificate = await certificates.get(url)
    sns.verify(message, certificate, check)
    if message["Type"] == "Notification":
        with after_verification():
            return SnsDelivery("Notification", events=[ses_event(message, check)])
    return SnsDelivery(message["Type"], subscribe_url=message["SubscribeURL"])


def sns_unsigned() -> DeliveryRefused:
    return DeliveryRefused(401, "bad_signature", "the SNS message has no SigningCertURL")
