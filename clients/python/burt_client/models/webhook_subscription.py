from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_subscription_status import WebhookSubscriptionStatus

T = TypeVar("T", bound="WebhookSubscription")


@_attrs_define
class WebhookSubscription:
    """The state of a receiver's SNS subscription (SES only).

    Example:
        {'status': 'pending_confirmation', 'subscribe_url': 'https://sns.us-
            east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:ses-
            events&Token=2336412f37'}

    Attributes:
        status (WebhookSubscriptionStatus): `pending_confirmation` until the SubscribeURL is visited.
        subscribe_url (None | str): The URL that confirms the subscription (visit it when it was not confirmed
            automatically).
    """

    status: WebhookSubscriptionStatus
    subscribe_url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        subscribe_url: None | str
        subscribe_url = self.subscribe_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "subscribe_url": subscribe_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = WebhookSubscriptionStatus(d.pop("status"))

        def _parse_subscribe_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subscribe_url = _parse_subscribe_url(d.pop("subscribe_url"))

        webhook_subscription = cls(
            status=status,
            subscribe_url=subscribe_url,
        )

        webhook_subscription.additional_properties = d
        return webhook_subscription

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
