from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OutcomeCounts")


@_attrs_define
class OutcomeCounts:
    """Contacts with each outcome.

    Example:
        {'delivered': 990, 'opened': 300, 'clicked': 40, 'converted': 5, 'unsubscribed': 2, 'bounced': 10, 'complained':
            1}

    Attributes:
        delivered (int): Contacts whose message was delivered.
        opened (int): Contacts who opened it.
        clicked (int): Contacts who clicked a link in it.
        converted (int): Contacts who converted (bought, signed up) after it.
        unsubscribed (int): Contacts who unsubscribed.
        bounced (int): Contacts whose message bounced.
        complained (int): Contacts who reported the message as spam.
    """

    delivered: int
    opened: int
    clicked: int
    converted: int
    unsubscribed: int
    bounced: int
    complained: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delivered = self.delivered

        opened = self.opened

        clicked = self.clicked

        converted = self.converted

        unsubscribed = self.unsubscribed

        bounced = self.bounced

        complained = self.complained

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "delivered": delivered,
                "opened": opened,
                "clicked": clicked,
                "converted": converted,
                "unsubscribed": unsubscribed,
                "bounced": bounced,
                "complained": complained,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delivered = d.pop("delivered")

        opened = d.pop("opened")

        clicked = d.pop("clicked")

        converted = d.pop("converted")

        unsubscribed = d.pop("unsubscribed")

        bounced = d.pop("bounced")

        complained = d.pop("complained")

        outcome_counts = cls(
            delivered=delivered,
            opened=opened,
            clicked=clicked,
            converted=converted,
            unsubscribed=unsubscribed,
            bounced=bounced,
            complained=complained,
        )

        outcome_counts.additional_properties = d
        return outcome_counts

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
