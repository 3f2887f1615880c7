from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mailgun_event_event_data import MailgunEventEventData
    from ..models.mailgun_event_signature import MailgunEventSignature


T = TypeVar("T", bound="MailgunEvent")


@_attrs_define
class MailgunEvent:
    """A Mailgun webhook delivery (only the fields burt reads are listed).

    Example:
        {'signature': {'timestamp': '1529006854', 'token': 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0',
            'signature': 'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55'}, 'event-data': {'event':
            'delivered', 'id': 'CPgfbmQMTCKtHW6uIWtuVe', 'timestamp': 1521472262.908181}}

    Attributes:
        signature (MailgunEventSignature): Mailgun's signature: hex HMAC-SHA256 of timestamp + token.
        event_data (MailgunEventEventData): The event.
    """

    signature: MailgunEventSignature
    event_data: MailgunEventEventData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        signature = self.signature.to_dict()

        event_data = self.event_data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "signature": signature,
                "event-data": event_data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mailgun_event_event_data import MailgunEventEventData  # noqa: PLC0415
        from ..models.mailgun_event_signature import MailgunEventSignature  # noqa: PLC0415

        d = dict(src_dict)
        signature = MailgunEventSignature.from_dict(d.pop("signature"))

        event_data = MailgunEventEventData.from_dict(d.pop("event-data"))

        mailgun_event = cls(
            signature=signature,
            event_data=event_data,
        )

        mailgun_event.additional_properties = d
        return mailgun_event

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
