from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.webhook_provider import WebhookProvider
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookCreate")


@_attrs_define
class WebhookCreate:
    """A receiver to register; which fields are required depends on the provider (see `registerWebhook`).

    Example:
        {'provider': 'mailgun', 'signing_key': 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}

    Attributes:
        provider (WebhookProvider): The email platform a receiver takes deliveries from. Example: sendgrid.
        verification_key (str | Unset): SendGrid: the verification key (base64 DER ECDSA P-256 public key).
        signing_key (str | Unset): Mailgun: the HTTP webhook signing key.
        username (str | Unset): Postmark: the Basic-auth username (no colon).
        password (str | Unset): Postmark: the Basic-auth password (at least 12 characters).
        topic_arn (str | Unset): SES: the SNS topic SES publishes to.
        certificate_pem (str | Unset): SES: an SNS signing certificate (PEM) to pin instead of fetching SigningCertURL.
    """

    provider: WebhookProvider
    verification_key: str | Unset = UNSET
    signing_key: str | Unset = UNSET
    username: str | Unset = UNSET
    password: str | Unset = UNSET
    topic_arn: str | Unset = UNSET
    certificate_pem: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        verification_key = self.verification_key

        signing_key = self.signing_key

        username = self.username

        password = self.password

        topic_arn = self.topic_arn

        certificate_pem = self.certificate_pem

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
            }
        )
        if verification_key is not UNSET:
            field_dict["verification_key"] = verification_key
        if signing_key is not UNSET:
            field_dict["signing_key"] = signing_key
        if username is not UNSET:
            field_dict["username"] = username
        if password is not UNSET:
            field_dict["password"] = password
        if topic_arn is not UNSET:
            field_dict["topic_arn"] = topic_arn
        if certificate_pem is not UNSET:
            field_dict["certificate_pem"] = certificate_pem

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = WebhookProvider(d.pop("provider"))

        verification_key = d.pop("verification_key", UNSET)

        signing_key = d.pop("signing_key", UNSET)

        username = d.pop("username", UNSET)

        password = d.pop("password", UNSET)

        topic_arn = d.pop("topic_arn", UNSET)

        certificate_pem = d.pop("certificate_pem", UNSET)

        webhook_create = cls(
            provider=provider,
            verification_key=verification_key,
            signing_key=signing_key,
            username=username,
            password=password,
            topic_arn=topic_arn,
            certificate_pem=certificate_pem,
        )

        return webhook_create
