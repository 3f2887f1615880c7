from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Variant")


@_attrs_define
class Variant:
    """A message variant (subject line, template, ...).

    Example:
        {'id': 'a', 'label': 'Our biggest sale starts now'}

    Attributes:
        id (str): Unique within the campaign. Example: a.
        label (str): Human-readable description. Example: Our biggest sale starts now.
    """

    id: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        label = self.label

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "label": label,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        label = d.pop("label")

        variant = cls(
            id=id,
            label=label,
        )

        return variant
