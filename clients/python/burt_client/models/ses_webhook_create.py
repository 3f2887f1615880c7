from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.ses_webhook_create_provider import SesWebhookCreateProvider
from ..types import UNSET, Unset

T = TypeVar("T", bound="SesWebhookCreate")


@_attrs_define
class SesWebhookCreate:
    """An Amazon SES receiver, subscribed to the SNS topic SES publishes to.

    Example:
        {'provider': 'ses', 'topic_arn': 'arn:aws:sns:us-east-1:123456789012:ses-events'}

    Attributes:
        provider (SesWebhookCreateProvider): The platform.
        topic_arn (str): The SNS topic SES publishes to.
        certificate_pem (str | Unset): An SNS signing certificate (PEM) to pin instead of fetching SigningCertURL.
    """

    provider: SesWebhookCreateProvider
    topic_arn: str
    certificate_pem: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        topic_arn = self.topic_arn

        certificate_pem = self.certificate_pem

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "topic_arn": topic_arn,
            }
        )
        if certificate_pem is not UNSET:
            field_dict["certificate_pem"] = certificate_pem

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = SesWebhookCreateProvider(d.pop("provider"))

        topic_arn = d.pop("topic_arn")

        certificate_pem = d.pop("certificate_pem", UNSET)

        ses_webhook_create = cls(
            provider=provider,
            topic_arn=topic_arn,
            certificate_pem=certificate_pem,
        )

        return ses_webhook_create
