from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.variant_count import VariantCount


T = TypeVar("T", bound="BatchSummary")


@_attrs_define
class BatchSummary:
    """A batch without its assignments.

    Example:
        {'id': 'b_6b1f0c7e2d4a4b3f9d1e8a2c5b7f0e13', 'sequence': 1, 'size': 4, 'created_at': '2026-11-27T09:00:00Z',
            'seed': 8120930311, 'counts': [{'variant_id': 'a', 'count': 2}, {'variant_id': 'b', 'count': 2}],
            'holdout_count': 0}

    Attributes:
        id (str): The batch id.
        sequence (int): 1 for the campaign's first batch, then 2, 3, ...
        size (int): Contacts claimed (holdout included).
        created_at (datetime.datetime): When it was drawn (UTC).
        seed (int): The seed of the assignment shuffle.
        counts (list[VariantCount]): Contacts per variant.
        holdout_count (int): Contacts held out.
    """

    id: str
    sequence: int
    size: int
    created_at: datetime.datetime
    seed: int
    counts: list[VariantCount]
    holdout_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        sequence = self.sequence

        size = self.size

        created_at = self.created_at.isoformat()

        seed = self.seed

        counts = []
        for counts_item_data in self.counts:
            counts_item = counts_item_data.to_dict()
            counts.append(counts_item)

        holdout_count = self.holdout_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "sequence": sequence,
                "size": size,
                "created_at": created_at,
                "seed": seed,
                "counts": counts,
                "holdout_count": holdout_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_count import VariantCount  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        sequence = d.pop("sequence")

        size = d.pop("size")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        seed = d.pop("seed")

        counts = []
        _counts = d.pop("counts")
        for counts_item_data in _counts:
            counts_item = VariantCount.from_dict(counts_item_data)

            counts.append(counts_item)

        holdout_count = d.pop("holdout_count")

        batch_summary = cls(
            id=id,
            sequence=sequence,
            size=size,
            created_at=created_at,
            seed=seed,
            counts=counts,
            holdout_count=holdout_count,
        )

        batch_summary.additional_properties = d
        return batch_summary

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
