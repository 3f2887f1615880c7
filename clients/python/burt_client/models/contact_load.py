from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.contact_in import ContactIn


T = TypeVar("T", bound="ContactLoad")


@_attrs_define
class ContactLoad:
    """Contacts to load.

    Example:
        {'contacts': [{'id': 'c-1001'}, {'id': 'c-1002'}]}

    Attributes:
        contacts (list[ContactIn]): The contacts; ids should be distinct (a repeat counts as `existing`).
    """

    contacts: list[ContactIn]

    def to_dict(self) -> dict[str, Any]:
        contacts = []
        for contacts_item_data in self.contacts:
            contacts_item = contacts_item_data.to_dict()
            contacts.append(contacts_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "contacts": contacts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_in import ContactIn  # noqa: PLC0415

        d = dict(src_dict)
        contacts = []
        _contacts = d.pop("contacts")
        for contacts_item_data in _contacts:
            contacts_item = ContactIn.from_dict(contacts_item_data)

            contacts.append(contacts_item)

        contact_load = cls(
            contacts=contacts,
        )

        return contact_load
