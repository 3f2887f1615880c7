from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_provider import WebhookProvider

if TYPE_CHECKING:
    from ..models.webhook_counts import WebhookCounts
    from ..models.webhook_subscription import WebhookSubscription


T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    """A webhook receiver (its secrets are never shown).

    Example:
        {'id': 'wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8', 'provider': 'sendgrid', 'url':
            'https://burt.example.com/webhooks/sendgrid/wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8', 'created_at':
            '2026-11-27T08:00:00Z', 'username': None, 'topic_arn': None, 'certificate_pinned': False, 'subscription': None,
            'counts': {'deliveries': 120, 'events': 9000, 'recorded': 8700, 'repeated': 40, 'late': 3, 'duplicates': 250,
            'ignored': 30, 'rejected': {'unknown_contact': 20}, 'refused': {'bad_signature': 1}}, 'last_delivery_at':
            '2026-11-27T10:03:02Z', 'last_error': 'the SendGrid signature does not verify with the registered key',
            'last_error_at': '2026-11-27T09:12:40Z'}

    Attributes:
        id (str): The receiver id (unguessable).
        provider (WebhookProvider): The email platform a receiver takes deliveries from. Example: sendgrid.
        url (str): The URL to paste into the platform (Postmark: embed the credentials as USER:PASSWORD@).
        created_at (datetime.datetime): Registration time (UTC).
        username (None | str): Postmark: the Basic-auth username.
        topic_arn (None | str): SES: the accepted SNS topic.
        certificate_pinned (bool): SES: an SNS signing certificate was pinned at registration.
        subscription (None | WebhookSubscription): SES: the SNS subscription, once a confirmation arrived.
        counts (WebhookCounts): What a receiver has taken in. Every event of a verified delivery is counted once: as
            recorded, a duplicate, ignored or rejected. Example: {'deliveries': 1, 'events': 2, 'recorded': 1, 'repeated':
            0, 'late': 0, 'duplicates': 0, 'ignored': 0, 'rejected': {'unknown_contact': 1}, 'refused': {}}.
        last_delivery_at (datetime.datetime | None): The last verified delivery.
        last_error (None | str): Why the last refused delivery (or failed confirmation) failed.
        last_error_at (datetime.datetime | None): When.
    """

    id: str
    provider: WebhookProvider
    url: str
    created_at: datetime.datetime
    username: None | str
    topic_arn: None | str
    certificate_pinned: bool
    subscription: None | WebhookSubscription
    counts: WebhookCounts
    last_delivery_at: datetime.datetime | None
    last_error: None | str
    last_error_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.webhook_subscription import WebhookSubscription  # noqa: PLC0415

        id = self.id

        provider = self.provider.value

        url = self.url

        created_at = self.created_at.isoformat()

        username: None | str
        username = self.username

        topic_arn: None | str
        topic_arn = self.topic_arn

        certificate_pinned = self.certificate_pinned

        subscription: dict[str, Any] | None
        if isinstance(self.subscription, WebhookSubscription):
            subscription = self.subscription.to_dict()
        else:
            subscription = self.subscription

        counts = self.counts.to_dict()

        last_delivery_at: None | str
        if isinstance(self.last_delivery_at, datetime.datetime):
            last_delivery_at = self.last_delivery_at.isoformat()
        else:
            last_delivery_at = self.last_delivery_at

        last_error: None | str
        last_error = self.last_error

        last_error_at: None | str
        if isinstance(self.last_error_at, datetime.datetime):
            last_error_at = self.last_error_at.isoformat()
        else:
            last_error_at = self.last_error_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "provider": provider,
                "url": url,
                "created_at": created_at,
                "username": username,
                "topic_arn": topic_arn,
                "certificate_pinned": certificate_pinned,
                "subscription": subscription,
                "counts": counts,
                "last_delivery_at": last_delivery_at,
                "last_error": last_error,
                "last_error_at": last_error_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_counts import WebhookCounts  # noqa: PLC0415
        from ..models.webhook_subscription import WebhookSubscription  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        provider = WebhookProvider(d.pop("provider"))

        url = d.pop("url")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_username(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        username = _parse_username(d.pop("username"))

        def _parse_topic_arn(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        topic_arn = _parse_topic_arn(d.pop("topic_arn"))

        certificate_pinned = d.pop("certificate_pinned")

        def _parse_subscription(data: object) -> None | WebhookSubscription:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                subscription_type_1 = WebhookSubscription.from_dict(data)

                return subscription_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WebhookSubscription, data)

        subscription = _parse_subscription(d.pop("subscription"))

        counts = WebhookCounts.from_dict(d.pop("counts"))

        def _parse_last_delivery_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_delivery_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_delivery_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_delivery_at = _parse_last_delivery_at(d.pop("last_delivery_at"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_last_error_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_error_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_error_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_error_at = _parse_last_error_at(d.pop("last_error_at"))

        webhook = cls(
            id=id,
            provider=provider,
            url=url,
            created_at=created_at,
            username=username,
            topic_arn=topic_arn,
            certificate_pinned=certificate_pinned,
            subscription=subscription,
            counts=counts,
            last_delivery_at=last_delivery_at,
            last_error=last_error,
            last_error_at=last_error_at,
        )

        webhook.additional_properties = d
        return webhook

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
