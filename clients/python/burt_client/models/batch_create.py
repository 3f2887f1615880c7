from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="BatchCreate")


@_attrs_define
class BatchCreate:
    """The batch to draw.

    Example:
        {'size': 1000}

    Attributes:
        size (int): The most contacts to claim. Example: 1000.
    """

    size: int

    def to_dict(self) -> dict[str, Any]:
        size = self.size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "size": size,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        size = d.pop("size")

        batch_create = cls(
            size=size,
        )

        return batch_create
