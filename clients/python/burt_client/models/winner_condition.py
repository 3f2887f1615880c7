from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.winner_condition_comparison import WinnerConditionComparison
from ..models.winner_condition_name import WinnerConditionName

T = TypeVar("T", bound="WinnerCondition")


@_attrs_define
class WinnerCondition:
    """One condition of the winner rule, evaluated for the current leader.

    Example:
        {'name': 'prob_best', 'value': 0.93, 'threshold': 0.95, 'comparison': '>=', 'met': False}

    Attributes:
        name (WinnerConditionName): prob_best: its probability of being best; sends: its effective sends; expected_loss:
            its expected loss; sequential_z: its lead over the closest rival in standard errors, against the always-valid
            (mSPRT) boundary.
        value (float): The current value.
        threshold (float): The value it must reach.
        comparison (WinnerConditionComparison): How value must compare with threshold.
        met (bool): Whether the condition holds now.
    """

    name: WinnerConditionName
    value: float
    threshold: float
    comparison: WinnerConditionComparison
    met: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name.value

        value = self.value

        threshold = self.threshold

        comparison = self.comparison.value

        met = self.met

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "value": value,
                "threshold": threshold,
                "comparison": comparison,
                "met": met,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = WinnerConditionName(d.pop("name"))

        value = d.pop("value")

        threshold = d.pop("threshold")

        comparison = WinnerConditionComparison(d.pop("comparison"))

        met = d.pop("met")

        winner_condition = cls(
            name=name,
            value=value,
            threshold=threshold,
            comparison=comparison,
            met=met,
        )

        winner_condition.additional_properties = d
        return winner_condition

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
