from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_delivery_result_rejected import WebhookDeliveryResultRejected


T = TypeVar("T", bound="WebhookDeliveryResult")


@_attrs_define
class WebhookDeliveryResult:
    """What a verified delivery did; `recorded + duplicates + ignored + sum(rejected) = received`.

    Example:
        {'received': 3, 'recorded': 2, 'duplicates': 0, 'ignored': 1, 'rejected': {}}

    Attributes:
        received (int): Events in the delivery.
        recorded (int): New events stored.
        duplicates (int): Event ids recorded before.
        ignored (int): Events of types burt does not count.
        rejected (WebhookDeliveryResultRejected): Events not recorded, by reason (see WebhookCounts). Example:
            {'unknown_campaign': 1}.
    """

    received: int
    recorded: int
    duplicates: int
    ignored: int
    rejected: WebhookDeliveryResultRejected
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        received = self.received

        recorded = self.recorded

        duplicates = self.duplicates

        ignored = self.ignored

        rejected = self.rejected.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "received": received,
                "recorded": recorded,
                "duplicates": duplicates,
                "ignored": ignored,
                "rejected": rejected,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_delivery_result_rejected import WebhookDeliveryResultRejected  # noqa: PLC0415

        d = dict(src_dict)
        received = d.pop("received")

        recorded = d.pop("recorded")

        duplicates = d.pop("duplicates")

        ignored = d.pop("ignored")

        rejected = WebhookDeliveryResultRejected.from_dict(d.pop("rejected"))

        webhook_delivery_result = cls(
            received=received,
            recorded=recorded,
            duplicates=duplicates,
            ignored=ignored,
            rejected=rejected,
        )

        webhook_delivery_result.additional_properties = d
        return webhook_delivery_result

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
