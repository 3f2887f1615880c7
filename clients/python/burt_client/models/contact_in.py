from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.contact_in_attributes import ContactInAttributes


T = TypeVar("T", bound="ContactIn")


@_attrs_define
class ContactIn:
    """A contact to load.

    Example:
        {'id': 'c-1001', 'attributes': {'segment': 'vip'}}

    Attributes:
        id (str): The marketing system's contact id. May not contain U+0000 (400). Example: c-1001.
        attributes (ContactInAttributes | Unset): Optional attributes (segment, time zone, ...), strings only. Example:
            {'segment': 'vip', 'time_zone': 'Europe/Berlin'}.
    """

    id: str
    attributes: ContactInAttributes | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
            }
        )
        if attributes is not UNSET:
            field_dict["attributes"] = attributes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_in_attributes import ContactInAttributes  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        _attributes = d.pop("attributes", UNSET)
        attributes: ContactInAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = ContactInAttributes.from_dict(_attributes)

        contact_in = cls(
            id=id,
            attributes=attributes,
        )

        return contact_in
