from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MailgunEventSignature")


@_attrs_define
class MailgunEventSignature:
    """Mailgun's signature: hex HMAC-SHA256 of timestamp + token.

    Attributes:
        timestamp (str): Unix seconds.
        token (str): A random string.
        signature (str): The hex digest.
    """

    timestamp: str
    token: str
    signature: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        timestamp = self.timestamp

        token = self.token

        signature = self.signature

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "timestamp": timestamp,
                "token": token,
                "signature": signature,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        timestamp = d.pop("timestamp")

        token = d.pop("token")

        signature = d.pop("signature")

        mailgun_event_signature = cls(
            timestamp=timestamp,
            token=token,
            signature=signature,
        )

        mailgun_event_signature.additional_properties = d
        return mailgun_event_signature

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
