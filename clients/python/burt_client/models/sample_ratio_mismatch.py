from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SampleRatioMismatch")


@_attrs_define
class SampleRatioMismatch:
    """Chi-square test of the assigned counts against the weights the batches intended. A small p-value means traffic did
    not split as intended.

        Example:
            {'chi_square': 0.42, 'p_value': 0.52}

        Attributes:
            chi_square (float): The chi-square statistic (0 before any send).
            p_value (float): Its p-value (below 0.001: look for a bug in how batches are sent).
    """

    chi_square: float
    p_value: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        chi_square = self.chi_square

        p_value = self.p_value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chi_square": chi_square,
                "p_value": p_value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        chi_square = d.pop("chi_square")

        p_value = d.pop("p_value")

        sample_ratio_mismatch = cls(
            chi_square=chi_square,
            p_value=p_value,
        )

        sample_ratio_mismatch.additional_properties = d
        return sample_ratio_mismatch

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
