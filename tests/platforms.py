"""Signing deliveries the way each email platform does, with keys the tests generate.

Payloads follow the platforms' documented samples (SendGrid's Event Webhook reference, Mailgun's
webhook payloads, Postmark's webhook pages, the SES developer guide's event publishing
examples, the SNS message formats), with burt's routing ids added where the integrator puts them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from burt.service.webhooks.sns import string_to_sign

_SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=6)
"""The documented samples' times, moved to after every batch a test draws (an event dated
before its batch is rejected); the documented formats are kept."""
SOON_EPOCH = int(_SOON.timestamp())


def soon(fraction: str = "", offset_hours: int = 0) -> str:
    """`_SOON` as the platforms write it: a fraction as given, `Z` or a `-HH:00` offset."""
    local = _SOON + timedelta(hours=offset_hours)
    suffix = "Z" if offset_hours == 0 else f"{offset_hours:+03d}:00"
    return f"{local:%Y-%m-%dT%H:%M:%S}{fraction}{suffix}"


TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"


def sendgrid_sample(campaign: str) -> list[dict[str, Any]]:
    """SendGrid's documented sample delivery, one event of each type, ids made distinct."""
    base = {
        "email": "example@test.com",
        "timestamp": SOON_EPOCH,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "category": "cat facts",
        "sg_message_id": "sg_message_id",
        "burt_campaign_id": campaign,
    }
    specific: list[tuple[str, str, dict[str, Any]]] = [
        ("processed", "c1", {}),
        ("deferred", "c1", {"response": "400 try again later", "attempt": "5"}),
        ("delivered", "c1", {"response": "250 OK"}),
        (
            "open",
            "c1",
            {"useragent": "Mozilla/4.0 (compatible; MSIE 6.1)", "ip": "255.255.255.255"},
        ),
        (
            "click",
            "c1",
            {"url": "http://www.sendgrid.com/", "url_offset": {"index": 0, "type": "html"}},
        ),
        ("bounce", "c2", {"reason": "500 unknown recipient", "status": "5.0.0", "type": "bounce"}),
        ("dropped", "c3", {"reason": "Bounced Address", "status": "5.0.0"}),
        ("spamreport", "c1", {}),
        ("unsubscribe", "c1", {}),
        ("group_unsubscribe", "c3", {"asm_group_id": 10}),
        ("group_resubscribe", "c3", {"asm_group_id": 10}),
    ]
    return [
        {**base, **extra, "event": kind, "sg_event_id": f"sg-{i}-{kind}", "burt_contact_id": who}
        for i, (kind, who, extra) in enumerate(specific)
    ]


def mailgun_signed(signing_key: str, event_data: dict[str, Any], at: int | None = None) -> bytes:
    timestamp = str(int(time.time()) if at is None else at)
    token = hashlib.sha256(json.dumps(event_data).encode() + timestamp.encode()).hexdigest()[:50]
    digest = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256)
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": digest.hexdigest()},
            "event-data": event_data,
        }
    ).encode()


def mailgun_event(
    kind: str, event_id: str, campaign: str, contact: str, **extra: Any
) -> dict[str, Any]:
    """The shape of Mailgun's documented event-data (abridged to what varies)."""
    return {
        "id": event_id,
        "event": kind,
        "timestamp": SOON_EPOCH + 0.908181,
        "log-level": "info",
        "recipient": "alice@example.com",
        "recipient-domain": "example.com",
        "message": {"headers": {"message-id": "20130503182626.18666.16540@sandbox.mailgun.org"}},
        "tags": ["my_tag_1"],
        "campaigns": [],
        "user-variables": {"burt_campaign_id": campaign, "burt_contact_id": contact},
        "flags": {"is-authenticated": True, "is-test-mode": False},
        **extra,
    }


def postmark_records(campaign: str) -> list[dict[str, Any]]:
    """Postmark's documented webhook records (Delivery, Open, Click, Bounce, SpamComplaint,
    SubscriptionChange), with burt's ids in Metadata."""
    meta = {"burt_campaign_id": campaign}
    message = "883953f4-6105-42a2-a16a-77a8eac79483"
    return [
        {
            "RecordType": "Delivery",
            "ServerID": 23,
            "MessageStream": "outbound",
            "MessageID": message,
            "Recipient": "john@example.com",
            "Tag": "welcome-email",
            "DeliveredAt": soon(".9070259"),
            "Details": "Test delivery webhook details",
            "Metadata": {**meta, "burt_contact_id": "c1"},
        },
        {
            "RecordType": "Open",
            "MessageStream": "outbound",
            "FirstOpen": True,
            "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google", "Family": "Chrome"},
            "OS": {
                "Name": "OS X 10.7 Lion",
                "Company": "Apple Computer, Inc.",
                "Family": "OS X 10",
            },
            "Platform": "WebMail",
            "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5)",
            "ReadSeconds": 5,
            "Geo": {"CountryISOCode": "RS", "Country": "Serbia", "City": "Novi Sad"},
            "MessageID": message,
            "ReceivedAt": soon(".1234567"),
            "Tag": "welcome-email",
            "Recipient": "john@example.com",
            "Metadata": {**meta, "burt_contact_id": "c1"},
        },
        {
            "RecordType": "Click",
            "MessageStream": "outbound",
            "ClickLocation": "HTML",
            "Platform": "Desktop",
            "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5)",
            "OriginalLink": "https://example.com",
            "MessageID": message,
            "ReceivedAt": soon(".0000000"),
            "Tag": "welcome-email",
            "Recipient": "john@example.com",
            "Metadata": {**meta, "burt_contact_id": "c1"},
        },
        {
            "RecordType": "Bounce",
            "ID": 42,
            "Type": "HardBounce",
            "TypeCode": 1,
            "Name": "Hard bounce",
            "Tag": "Test",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79484",
            "ServerID": 23,
            "MessageStream": "outbound",
            "Description": "The server was unable to deliver your message (ex: unknown user).",
            "Details": "Test bounce details",
            "Email": "john@example.com",
            "From": "sender@example.com",
            "BouncedAt": soon(".2735393", -4),
            "DumpAvailable": True,
            "Inactive": True,
            "CanActivate": True,
            "Subject": "Test subject",
            "Metadata": {**meta, "burt_contact_id": "c2"},
        },
        {
            "RecordType": "Bounce",
            "ID": 43,
            "Type": "SoftBounce",
            "TypeCode": 4096,
            "Name": "Soft bounce",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79485",
            "BouncedAt": soon(".2735393", -4),
            "Inactive": False,
            "Metadata": {**meta, "burt_contact_id": "c3"},
        },
        {
            "RecordType": "SpamComplaint",
            "ID": 44,
            "Type": "SpamComplaint",
            "TypeCode": 512,
            "Name": "Spam complaint",
            "Tag": "Test",
            "MessageID": "00000000-0000-0000-0000-000000000000",
            "ServerID": 1234,
            "Description": "",
            "Details": "Test spam complaint details",
            "Email": "john@example.com",
            "From": "sender@example.com",
            "BouncedAt": soon(".9070259"),
            "DumpAvailable": True,
            "Inactive": True,
            "CanActivate": False,
            "Subject": "Test subject",
            "Metadata": {**meta, "burt_contact_id": "c3"},
        },
        {
            "RecordType": "SubscriptionChange",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "ServerID": 123456,
            "MessageStream": "outbound",
            "ChangedAt": soon(".416071"),
            "Recipient": "john@example.com",
            "Origin": "Recipient",
            "SuppressSending": True,
            "SuppressionReason": "ManualSuppression",
            "Tag": "my-tag",
            "Metadata": {**meta, "burt_contact_id": "c1"},
        },
    ]


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


class SnsSigner:
    """A self-signed RSA certificate standing in for SNS's, pinned on the receiver."""

    def __init__(self, now: datetime | None = None) -> None:
        """`now`: when the certificate's 31 days of validity include (today by default)."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = now or datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signed = {**message, "SignatureVersion": version}
        signature = self.key.sign(string_to_sign(signed), padding.PKCS1v15(), algorithm)
        return {**signed, "Signature": base64.b64encode(signature).decode()}


def sns_notification(
    ses_event: dict[str, Any] | str, message_id: str, topic: str = TOPIC, at: datetime | None = None
) -> dict[str, Any]:
    """The SNS HTTP(S) Notification format, carrying an SES event as its Message."""
    when = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic,
        "Message": ses_event if isinstance(ses_event, str) else json.dumps(ses_event),
        "Timestamp": when,
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
        + topic
        + ":c9135db0-26c4-47ec-8998-413945fb5a96",
    }


def sns_confirmation(topic: str = TOPIC) -> dict[str, Any]:
    url = (
        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn="
        + topic
        + "&Token=2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3"
    )
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3",
        "TopicArn": topic,
        "Message": f"You have chosen to subscribe to the topic {topic}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": url,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    }


def ses_event(kind: str, campaign: str, contact: str, **section: Any) -> dict[str, Any]:
    """An SES event publishing record (the developer guide's examples, abridged), tagged."""
    event: dict[str, Any] = {
        "eventType": kind,
        "mail": {
            "timestamp": soon(".012"),
            "source": "Sender Name <sender@example.com>",
            "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
            "sendingAccountId": "123456789012",
            "messageId": f"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-{contact}-000000",
            "destination": ["recipient@example.com"],
            "headersTruncated": False,
            "commonHeaders": {
                "from": ["Sender Name <sender@example.com>"],
                "to": ["recipient@example.com"],
                "subject": "Message sent from Amazon SES",
            },
            "tags": {
                "ses:configuration-set": ["ConfigSet"],
                "ses:source-ip": ["192.0.2.0"],
                "ses:from-domain": ["example.com"],
                "ses:caller-identity": ["ses_user"],
                "burt_campaign_id": [campaign],
                "burt_contact_id": [contact],
            },
        },
    }
    name = kind[0].lower() + kind[1:]
    event[name] = {"timestamp": soon(".669"), **section}
    return event
