from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.send_grid_webhook_create_provider import SendGridWebhookCreateProvider

T = TypeVar("T", bound="SendGridWebhookCreate")


@_attrs_define
class SendGridWebhookCreate:
    """A SendGrid Event Webhook receiver.

    Example:
        {'provider': 'sendgrid', 'verification_key': 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEczcxQWuHLv+7yy9Gx8sZYqkYZp4La7
            sYcDIpOvfw5bU3hHqa5LKpB5R8LX0thRePVwhLXuarCPAF0XXB8BYSKA=='}

    Attributes:
        provider (SendGridWebhookCreateProvider): The platform.
        verification_key (str): The Event Webhook's verification key (base64 DER ECDSA P-256 public key).
    """

    provider: SendGridWebhookCreateProvider
    verification_key: str

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        verification_key = self.verification_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "verification_key": verification_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = SendGridWebhookCreateProvider(d.pop("provider"))

        verification_key = d.pop("verification_key")

        send_grid_webhook_create = cls(
            provider=provider,
            verification_key=verification_key,
        )

        return send_grid_webhook_create
