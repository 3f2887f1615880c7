from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ContactLoadResult")


@_attrs_define
class ContactLoadResult:
    """What a load did.

    Example:
        {'received': 2, 'created': 1, 'existing': 1, 'contacts_total': 5001, 'contacts_pending': 5001}

    Attributes:
        received (int): Contacts in the request.
        created (int): Contacts new to the campaign.
        existing (int): Contacts already known (left unchanged).
        contacts_total (int): Contacts in the campaign after the load.
        contacts_pending (int): Pending contacts after the load.
    """

    received: int
    created: int
    existing: int
    contacts_total: int
    contacts_pending: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        received = self.received

        created = self.created

        existing = self.existing

        contacts_total = self.contacts_total

        contacts_pending = self.contacts_pending

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "received": received,
                "created": created,
                "existing": existing,
                "contacts_total": contacts_total,
                "contacts_pending": contacts_pending,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        received = d.pop("received")

        created = d.pop("created")

        existing = d.pop("existing")

        contacts_total = d.pop("contacts_total")

        contacts_pending = d.pop("contacts_pending")

        contact_load_result = cls(
            received=received,
            created=created,
            existing=existing,
            contacts_total=contacts_total,
            contacts_pending=contacts_pending,
        )

        contact_load_result.additional_properties = d
        return contact_load_result

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
