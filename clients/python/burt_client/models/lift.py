from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Lift")


@_attrs_define
class Lift:
    """Relative lift of a variant's rate over the reference variant's (the control, or the leader), with a 95% interval.

    Example:
        {'reference_variant_id': 'b', 'relative': -0.27, 'ci_low': -0.5, 'ci_high': 0.1}

    Attributes:
        reference_variant_id (str): The variant compared against.
        relative (float): Ratio of posterior means minus one (-0.2: 20% fewer outcomes per send).
        ci_low (float): 2.5% quantile of the ratio of the two variants' reported intervals' Betas, minus one (Cornish-
            Fisher expansion from the exact cumulants of the log ratio, within about 0.005 of Monte Carlo).
        ci_high (float): 97.5% quantile.
    """

    reference_variant_id: str
    relative: float
    ci_low: float
    ci_high: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        reference_variant_id = self.reference_variant_id

        relative = self.relative

        ci_low = self.ci_low

        ci_high = self.ci_high

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reference_variant_id": reference_variant_id,
                "relative": relative,
                "ci_low": ci_low,
                "ci_high": ci_high,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        reference_variant_id = d.pop("reference_variant_id")

        relative = d.pop("relative")

        ci_low = d.pop("ci_low")

        ci_high = d.pop("ci_high")

        lift = cls(
            reference_variant_id=reference_variant_id,
            relative=relative,
            ci_low=ci_low,
            ci_high=ci_high,
        )

        lift.additional_properties = d
        return lift

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
