from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Posterior")


@_attrs_define
class Posterior:
    """Beta posterior of the optimized outcome's rate, from the counted outcomes and the effective sends.

    Example:
        {'alpha': 41.0, 'beta': 961.0, 'mean': 0.0409, 'ci_low': 0.0295, 'ci_high': 0.0543}

    Attributes:
        alpha (float): The prior's alpha plus the counted outcomes.
        beta (float): The prior's beta plus the effective sends without a counted outcome.
        mean (float): The estimated rate: alpha / (alpha + beta).
        ci_low (float): 2.5% quantile of the reported 95% interval: the posterior's, widened by the uncertainty of the
            estimated hour-of-day factors where the variant was sent in other hours than the campaign (docs/decision-
            science.md).
        ci_high (float): 97.5% quantile of the same interval.
    """

    alpha: float
    beta: float
    mean: float
    ci_low: float
    ci_high: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alpha = self.alpha

        beta = self.beta

        mean = self.mean

        ci_low = self.ci_low

        ci_high = self.ci_high

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alpha": alpha,
                "beta": beta,
                "mean": mean,
                "ci_low": ci_low,
                "ci_high": ci_high,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        alpha = d.pop("alpha")

        beta = d.pop("beta")

        mean = d.pop("mean")

        ci_low = d.pop("ci_low")

        ci_high = d.pop("ci_high")

        posterior = cls(
            alpha=alpha,
            beta=beta,
            mean=mean,
            ci_low=ci_low,
            ci_high=ci_high,
        )

        posterior.additional_properties = d
        return posterior

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
