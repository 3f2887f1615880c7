from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.assignment import Assignment
    from ..models.variant_count import VariantCount
    from ..models.variant_weight import VariantWeight


T = TypeVar("T", bound="Batch")


@_attrs_define
class Batch:
    """A drawn batch, with every contact's variant, in a shuffled order.

    Example:
        {'id': 'b_6b1f0c7e2d4a4b3f9d1e8a2c5b7f0e13', 'sequence': 1, 'size': 4, 'created_at': '2026-11-27T09:00:00Z',
            'seed': 8120930311, 'weights': [{'variant_id': 'a', 'weight': 0.5}, {'variant_id': 'b', 'weight': 0.5}],
            'holdout_fraction': 0.0, 'counts': [{'variant_id': 'a', 'count': 2}, {'variant_id': 'b', 'count': 2}],
            'holdout_count': 0, 'assignments': [{'contact_id': 'c-1001', 'variant_id': 'b'}, {'contact_id': 'c-1002',
            'variant_id': 'a'}, {'contact_id': 'c-1003', 'variant_id': 'a'}, {'contact_id': 'c-1004', 'variant_id': 'b'}],
            'holdout_contact_ids': []}

    Attributes:
        id (str): The batch id.
        sequence (int): 1 for the campaign's first batch, then 2, 3, ...
        size (int): Contacts claimed (holdout included).
        created_at (datetime.datetime): When it was drawn (UTC).
        seed (int): The seed of the assignment shuffle.
        weights (list[VariantWeight]): The allocation used, one weight per variant (sums to 1).
        holdout_fraction (float): Share held out.
        counts (list[VariantCount]): Contacts per variant.
        holdout_count (int): Contacts held out.
        assignments (list[Assignment]): Every non-held-out contact of the batch and its variant.
        holdout_contact_ids (list[str]): The contacts held out (send them nothing).
    """

    id: str
    sequence: int
    size: int
    created_at: datetime.datetime
    seed: int
    weights: list[VariantWeight]
    holdout_fraction: float
    counts: list[VariantCount]
    holdout_count: int
    assignments: list[Assignment]
    holdout_contact_ids: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        sequence = self.sequence

        size = self.size

        created_at = self.created_at.isoformat()

        seed = self.seed

        weights = []
        for weights_item_data in self.weights:
            weights_item = weights_item_data.to_dict()
            weights.append(weights_item)

        holdout_fraction = self.holdout_fraction

        counts = []
        for counts_item_data in self.counts:
            counts_item = counts_item_data.to_dict()
            counts.append(counts_item)

        holdout_count = self.holdout_count

        assignments = []
        for assignments_item_data in self.assignments:
            assignments_item = assignments_item_data.to_dict()
            assignments.append(assignments_item)

        holdout_contact_ids = self.holdout_contact_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "sequence": sequence,
                "size": size,
                "created_at": created_at,
                "seed": seed,
                "weights": weights,
                "holdout_fraction": holdout_fraction,
                "counts": counts,
                "holdout_count": holdout_count,
                "assignments": assignments,
                "holdout_contact_ids": holdout_contact_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.assignment import Assignment  # noqa: PLC0415
        from ..models.variant_count import VariantCount  # noqa: PLC0415
        from ..models.variant_weight import VariantWeight  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        sequence = d.pop("sequence")

        size = d.pop("size")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        seed = d.pop("seed")

        weights = []
        _weights = d.pop("weights")
        for weights_item_data in _weights:
            weights_item = VariantWeight.from_dict(weights_item_data)

            weights.append(weights_item)

        holdout_fraction = d.pop("holdout_fraction")

        counts = []
        _counts = d.pop("counts")
        for counts_item_data in _counts:
            counts_item = VariantCount.from_dict(counts_item_data)

            counts.append(counts_item)

        holdout_count = d.pop("holdout_count")

        assignments = []
        _assignments = d.pop("assignments")
        for assignments_item_data in _assignments:
            assignments_item = Assignment.from_dict(assignments_item_data)

            assignments.append(assignments_item)

        holdout_contact_ids = cast(list[str], d.pop("holdout_contact_ids"))

        batch = cls(
            id=id,
            sequence=sequence,
            size=size,
            created_at=created_at,
            seed=seed,
            weights=weights,
            holdout_fraction=holdout_fraction,
            counts=counts,
            holdout_count=holdout_count,
            assignments=assignments,
            holdout_contact_ids=holdout_contact_ids,
        )

        batch.additional_properties = d
        return batch

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
