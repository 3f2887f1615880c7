from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.decision_status import DecisionStatus

if TYPE_CHECKING:
    from ..models.variant_weight import VariantWeight


T = TypeVar("T", bound="Allocation")


@_attrs_define
class Allocation:
    """The allocation the next batch would use.

    Attributes:
        status (DecisionStatus): `warming_up` (uniform until every variant has its warm-up sends), `exploring`, or
            `winner` (declared). Example: exploring.
        weights (list[VariantWeight]): One weight per variant (sums to 1).
        holdout_fraction (float): Share that would be held out.
        winner_variant_id (None | str): The declared winner, if any.
        contacts_pending (int): Contacts a batch could still claim.
    """

    status: DecisionStatus
    weights: list[VariantWeight]
    holdout_fraction: float
    winner_variant_id: None | str
    contacts_pending: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        weights = []
        for weights_item_data in self.weights:
            weights_item = weights_item_data.to_dict()
            weights.append(weights_item)

        holdout_fraction = self.holdout_fraction

        winner_variant_id: None | str
        winner_variant_id = self.winner_variant_id

        contacts_pending = self.contacts_pending

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "weights": weights,
                "holdout_fraction": holdout_fraction,
                "winner_variant_id": winner_variant_id,
                "contacts_pending": contacts_pending,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_weight import VariantWeight  # noqa: PLC0415

        d = dict(src_dict)
        status = DecisionStatus(d.pop("status"))

        weights = []
        _weights = d.pop("weights")
        for weights_item_data in _weights:
            weights_item = VariantWeight.from_dict(weights_item_data)

            weights.append(weights_item)

        holdout_fraction = d.pop("holdout_fraction")

        def _parse_winner_variant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        winner_variant_id = _parse_winner_variant_id(d.pop("winner_variant_id"))

        contacts_pending = d.pop("contacts_pending")

        allocation = cls(
            status=status,
            weights=weights,
            holdout_fraction=holdout_fraction,
            winner_variant_id=winner_variant_id,
            contacts_pending=contacts_pending,
        )

        allocation.additional_properties = d
        return allocation

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
