from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.decision_status import DecisionStatus

T = TypeVar("T", bound="Decision")


@_attrs_define
class Decision:
    """What the policy concludes now.

    Attributes:
        status (DecisionStatus): `warming_up` (uniform until every variant has its warm-up sends), `exploring`, or
            `winner` (declared). Example: exploring.
        winner_variant_id (None | str): The winner, once declared.
        winner_probability (float | None): Its probability of being best.
    """

    status: DecisionStatus
    winner_variant_id: None | str
    winner_probability: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        winner_variant_id: None | str
        winner_variant_id = self.winner_variant_id

        winner_probability: float | None
        winner_probability = self.winner_probability

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "winner_variant_id": winner_variant_id,
                "winner_probability": winner_probability,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = DecisionStatus(d.pop("status"))

        def _parse_winner_variant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        winner_variant_id = _parse_winner_variant_id(d.pop("winner_variant_id"))

        def _parse_winner_probability(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        winner_probability = _parse_winner_probability(d.pop("winner_probability"))

        decision = cls(
            status=status,
            winner_variant_id=winner_variant_id,
            winner_probability=winner_probability,
        )

        decision.additional_properties = d
        return decision

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
