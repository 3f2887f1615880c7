from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.lift import Lift
    from ..models.outcome_counts import OutcomeCounts
    from ..models.posterior import Posterior


T = TypeVar("T", bound="VariantStats")


@_attrs_define
class VariantStats:
    """One variant's statistics.

    Attributes:
        variant_id (str): The variant id.
        label (str): The variant's label (subject line, template).
        sends (int): Contacts assigned to it.
        effective_sends (float): Its sends, each weighted by the share of its outcomes that should have arrived by now.
        outcomes (OutcomeCounts): Contacts with each outcome. Example: {'delivered': 990, 'opened': 300, 'clicked': 40,
            'converted': 5, 'unsubscribed': 2, 'bounced': 10, 'complained': 1}.
        counted_outcomes (int): Optimized outcomes counted in the posterior (dated after their batch's draw, within the
            attribution window).
        late_outcomes (int): Optimized outcomes recorded but not counted: they came later than the attribution window
            after their send.
        observed_rate (float): Counted outcomes per effective send.
        posterior (Posterior): Beta posterior of the optimized outcome's rate, from the counted outcomes and the
            effective sends. Example: {'alpha': 41.0, 'beta': 961.0, 'mean': 0.0409, 'ci_low': 0.0295, 'ci_high': 0.0543}.
        prob_best (float): Probability that its rate is the highest.
        expected_loss (float): E[max rate − its rate]: what choosing it would cost.
        lift (Lift | None): Its lift over the reference variant; null for the reference itself.
        weight (float): Its weight in the next batch.
        guardrail_tripped (bool): Its unsubscribe rate is credibly worse; it gets no more traffic.
    """

    variant_id: str
    label: str
    sends: int
    effective_sends: float
    outcomes: OutcomeCounts
    counted_outcomes: int
    late_outcomes: int
    observed_rate: float
    posterior: Posterior
    prob_best: float
    expected_loss: float
    lift: Lift | None
    weight: float
    guardrail_tripped: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.lift import Lift  # noqa: PLC0415

        variant_id = self.variant_id

        label = self.label

        sends = self.sends

        effective_sends = self.effective_sends

        outcomes = self.outcomes.to_dict()

        counted_outcomes = self.counted_outcomes

        late_outcomes = self.late_outcomes

        observed_rate = self.observed_rate

        posterior = self.posterior.to_dict()

        prob_best = self.prob_best

        expected_loss = self.expected_loss

        lift: dict[str, Any] | None
        if isinstance(self.lift, Lift):
            lift = self.lift.to_dict()
        else:
            lift = self.lift

        weight = self.weight

        guardrail_tripped = self.guardrail_tripped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "variant_id": variant_id,
                "label": label,
                "sends": sends,
                "effective_sends": effective_sends,
                "outcomes": outcomes,
                "counted_outcomes": counted_outcomes,
                "late_outcomes": late_outcomes,
                "observed_rate": observed_rate,
                "posterior": posterior,
                "prob_best": prob_best,
                "expected_loss": expected_loss,
                "lift": lift,
                "weight": weight,
                "guardrail_tripped": guardrail_tripped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lift import Lift  # noqa: PLC0415
        from ..models.outcome_counts import OutcomeCounts  # noqa: PLC0415
        from ..models.posterior import Posterior  # noqa: PLC0415

        d = dict(src_dict)
        variant_id = d.pop("variant_id")

        label = d.pop("label")

        sends = d.pop("sends")

        effective_sends = d.pop("effective_sends")

        outcomes = OutcomeCounts.from_dict(d.pop("outcomes"))

        counted_outcomes = d.pop("counted_outcomes")

        late_outcomes = d.pop("late_outcomes")

        observed_rate = d.pop("observed_rate")

        posterior = Posterior.from_dict(d.pop("posterior"))

        prob_best = d.pop("prob_best")

        expected_loss = d.pop("expected_loss")

        def _parse_lift(data: object) -> Lift | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lift_type_1 = Lift.from_dict(data)

                return lift_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Lift | None, data)

        lift = _parse_lift(d.pop("lift"))

        weight = d.pop("weight")

        guardrail_tripped = d.pop("guardrail_tripped")

        variant_stats = cls(
            variant_id=variant_id,
            label=label,
            sends=sends,
            effective_sends=effective_sends,
            outcomes=outcomes,
            counted_outcomes=counted_outcomes,
            late_outcomes=late_outcomes,
            observed_rate=observed_rate,
            posterior=posterior,
            prob_best=prob_best,
            expected_loss=expected_loss,
            lift=lift,
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
