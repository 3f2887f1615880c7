from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.mailgun_webhook_create_provider import MailgunWebhookCreateProvider

T = TypeVar("T", bound="MailgunWebhookCreate")


@_attrs_define
class MailgunWebhookCreate:
    """A Mailgun webhook receiver.

    Example:
        {'provider': 'mailgun', 'signing_key': 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}

    Attributes:
        provider (MailgunWebhookCreateProvider): The platform.
        signing_key (str): The HTTP webhook signing key.
    """

    provider: MailgunWebhookCreateProvider
    signing_key: str

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        signing_key = self.signing_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "signing_key": signing_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = MailgunWebhookCreateProvider(d.pop("provider"))

        signing_key = d.pop("signing_key")

        mailgun_webhook_create = cls(
            provider=provider,
            signing_key=signing_key,
        )

        return mailgun_webhook_create
