from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.outcome_counts import OutcomeCounts
    from ..models.posterior import Posterior


T = TypeVar("T", bound="VariantStats")


@_attrs_define
class VariantStats:
    """One variant's statistics.

    Attributes:
        variant_id (str): The variant id.
        sends (int): Contacts assigned to it.
        matured_sends (int): Of those, sent at least the attribution window ago.
        outcomes (OutcomeCounts): Contacts with each outcome. Example: {'delivered': 990, 'opened': 300, 'clicked': 40,
            'converted': 5, 'unsubscribed': 2, 'bounced': 10}.
        posterior (Posterior): Beta posterior of the optimized outcome's rate, from matured sends. Example: {'alpha':
            41.0, 'beta': 961.0, 'mean': 0.0409, 'ci_low': 0.0295, 'ci_high': 0.0543}.
        prob_best (float): Probability that its rate is the highest.
        expected_loss (float): E[max rate − its rate]: what choosing it would cost.
        weight (float): Its weight in the next batch.
        guardrail_tripped (bool): Its unsubscribe rate is credibly worse; it gets no more traffic.
    """

    variant_id: str
    sends: int
    matured_sends: int
    outcomes: OutcomeCounts
    posterior: Posterior
    prob_best: float
    expected_loss: float
    weight: float
    guardrail_tripped: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        variant_id = self.variant_id

        sends = self.sends

        matured_sends = self.matured_sends

        outcomes = self.outcomes.to_dict()

        posterior = self.posterior.to_dict()

        prob_best = self.prob_best

        expected_loss = self.expected_loss

        weight = self.weight

        guardrail_tripped = self.guardrail_tripped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "variant_id": variant_id,
                "sends": sends,
                "matured_sends": matured_sends,
                "outcomes": outcomes,
                "posterior": posterior,
                "prob_best": prob_best,
                "expected_loss": expected_loss,
                "weight": weight,
                "guardrail_tripped": guardrail_tripped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.outcome_counts import OutcomeCounts  # noqa: PLC0415
        from ..models.posterior import Posterior  # noqa: PLC0415

        d = dict(src_dict)
        variant_id = d.pop("variant_id")

        sends = d.pop("sends")

        matured_sends = d.pop("matured_sends")

        outcomes = OutcomeCounts.from_dict(d.pop("outcomes"))

        posterior = Posterior.from_dict(d.pop("posterior"))

        prob_best = d.pop("prob_best")

        expected_loss = d.pop("expected_loss")

        weight = d.pop("weight")

        guardrail_tripped = d.pop("guardrail_tripped")

        variant_stats = cls(
            variant_id=variant_id,
            sends=sends,
            matured_sends=matured_sends,
            outcomes=outcomes,
            posterior=posterior,
            prob_best=prob_best,
            expected_loss=expected_loss,
            weight=weight,
            guardrail_tripped=guardrail_tripped,
        )

        variant_stats.additional_properties = d
        return variant_stats

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
