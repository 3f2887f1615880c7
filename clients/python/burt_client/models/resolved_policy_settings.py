from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.policy_settings_goal import PolicySettingsGoal

T = TypeVar("T", bound="ResolvedPolicySettings")


@_attrs_define
class ResolvedPolicySettings:
    """The policy settings in force, every field present: `proof_share`, `weight_floor` and `horizon_power` are the values
    in force, numbers (the one set, else the goal's), never null.

        Attributes:
            prior_alpha (float): Alpha of the Beta prior of every variant (0.1 to 1000: a stronger prior would outweigh any
                campaign, and below 0.1 a Beta density puts mass closer to 0 or 1 than floating point can resolve). Default:
                1.0.
            prior_beta (float): Beta of the Beta prior of every variant (0.1 to 1000). Default: 1.0.
            warmup_sends (int): Sends (weighted by how far their outcomes have arrived) every variant needs before the split
                adapts (uniform until then). Default: 50.
            weight_floor (float | None): Minimum weight of every variant while exploring (the floor times the number of
                variants must stay below 1). Omit or null to follow the goal: 0 for `outcomes`, 0.01 for `balanced` and
                `winner`; set to another value, it overrides the goal's (set to the goal's own value, it keeps following the
                goal, so settings read and sent back change nothing). Default: null. Example: 0.01.
            winner_probability (float): Probability of being best a variant needs to be declared the winner; the leader must
                also beat every rival in an always-valid sequential test (mSPRT) at error 1 − this, which keeps false winners
                rare although results are checked after every batch. Default: 0.95.
            winner_min_sends (int): Sends (weighted by how far their outcomes have arrived) the winner needs. Default: 1000.
            winner_max_expected_loss (float): Largest expected loss (in rate units) the winner may carry. Default: 0.001.
            all_in (bool): Once a winner is declared, send every remaining contact to it. Default: true.
            holdout_fraction (float): Share of every batch held out (assigned no variant, sent nothing) as a baseline.
                Default: 0.0.
            attribution_window_seconds (int): The longest delay from a batch's draw to an outcome that still counts; later
                outcomes are recorded but not counted. A send counts from the moment it is drawn, weighted by the share of its
                outcomes that should have arrived by now (estimated from the campaign's own delays), so the policy never waits
                for the window. 0 counts every outcome at once. Otherwise one of the delay bins' edges, in hours times 3600:
                0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 144, 168, 192, 240, 264, 336, 360, 504 or 720
                (outcomes are counted per delay bin, so the window falls on a bin edge and counts exactly; another value is a
                400). Default: 86400.
            unsubscribe_guardrail (bool): Stop feeding a variant whose unsubscribe rate is credibly worse than the best
                one's. Default: true.
            guardrail_probability (float): How sure the guardrail must be that a variant's unsubscribe rate is worse.
                Default: 0.995.
            period_adjustment (bool): Compare variants per period (batch), so that base rates swinging by hour and weekday
                do not bias the comparison while the split changes. Default: true.
            horizon_power (float | None): How fast exploration tapers as the campaign's remaining contacts shrink (0: never;
                higher: exploit sooner). Omit or null to follow the goal: 2 for `outcomes`, 1 for `balanced` and `winner`; set
                to another value, it overrides the goal's (set to the goal's own value, it keeps following the goal, so settings
                read and sent back change nothing). Default: null. Example: 1.0.
            exploration_value (float): A variant stops being explored once its plausible gain over the leader, times the
                contacts left, is worth fewer outcomes than this. Default: 1.0.
            elimination_probability (float): A variant whose probability of being best falls below this loses its weight
                floor, so traffic can go all to the leaders without a declared winner. Default: 0.05.
            goal (PolicySettingsGoal): What the campaign is for. Proving a winner costs outcomes: no rule that keeps wrong
                winners rare can prove one for free, so the campaign picks the trade. `outcomes`: the most outcomes: no
                exploration floor, exploit as soon as the evidence points one way, and a winner is declared only where the
                evidence comes for free (proof share 0, weight floor 0, horizon power 2). `balanced`: a modest share of every
                batch proves the winner (proof share 0.3, weight floor 0.01, horizon power 1). `winner`: prove the winner and
                pay for it in outcomes (proof share 0.6, weight floor 0.01, horizon power 1). The goal sets `proof_share`,
                `weight_floor` and `horizon_power`, each unless it is given; every other setting stays as given. Default:
                balanced. Example: winner.
            proof_share (float | None): Share of every batch kept for the rivals the winner rule's sequential test has not
                settled yet, while it could plausibly settle every one of them within the contacts left, so a winner can be
                declared (0: spend nothing on proof, earn the most, declare rarely). Overrides the goal's share; null follows
                the goal (on creation, omitted too), and so does the goal's own share sent as a number (settings read and sent
                back change nothing). Default: null. Example: 0.3.
            segment_by (list[str]): The contact attributes (at most three, each named once: a repeat answers 400) whose
                values make a contact's segment: each segment gets its own allocation, its own decision and, once that declares
                a winner, all its remaining contacts go to it, while every variant's effect in a segment borrows strength from
                the campaign's (partial pooling: until an interaction test shows at 95% that the variants' effects differ
                between segments, every segment follows the campaign's comparison at its own base rate). A contact's segment is
                the tuple of its values of these attributes as text (a string as it is, a number or boolean as its JSON text); a
                missing or null attribute is the value `unknown`. Empty: one allocation for the whole campaign. Fixed once the
                campaign has drawn its first batch (changing it then answers 409). Default: []. Example: ['segment', 'locale'].
            max_segments (int): The most segments a campaign keeps; the rarest share one segment named `other`, by a rule
                that is stable as contacts arrive: at the first batch, the distinct segments of every contact loaded so far are
                ranked by their contacts (ties: the one loaded first ranks first); the top `max_segments` − 1 get a segment each
                and, if there are more, the rest share `other`. A segment first seen at a later batch gets its own while fewer
                than `max_segments` − 1 have their own, else it joins `other`. A segment never moves once it has its place, so
                `other` is always the last resort and the segments never number more than `max_segments`. Fixed once the
                campaign has drawn its first batch (changing it then answers 409). Default: 32. Example: 32.
    """

    prior_alpha: float
    prior_beta: float
    warmup_sends: int
    weight_floor: float | None
    winner_probability: float
    winner_min_sends: int
    winner_max_expected_loss: float
    all_in: bool
    holdout_fraction: float
    attribution_window_seconds: int
    unsubscribe_guardrail: bool
    guardrail_probability: float
    period_adjustment: bool
    horizon_power: float | None
    exploration_value: float
    elimination_probability: float
    goal: PolicySettingsGoal
    proof_share: float | None
    segment_by: list[str]
    max_segments: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prior_alpha = self.prior_alpha

        prior_beta = self.prior_beta

        warmup_sends = self.warmup_sends

        weight_floor: float | None
        weight_floor = self.weight_floor

        winner_probability = self.winner_probability

        winner_min_sends = self.winner_min_sends

        winner_max_expected_loss = self.winner_max_expected_loss

        all_in = self.all_in

        holdout_fraction = self.holdout_fraction

        attribution_window_seconds = self.attribution_window_seconds

        unsubscribe_guardrail = self.unsubscribe_guardrail

        guardrail_probability = self.guardrail_probability

        period_adjustment = self.period_adjustment

        horizon_power: float | None
        horizon_power = self.horizon_power

        exploration_value = self.exploration_value

        elimination_probability = self.elimination_probability

        goal = self.goal.value

        proof_share: float | None
        proof_share = self.proof_share

        segment_by = self.segment_by

        max_segments = self.max_segments

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prior_alpha": prior_alpha,
                "prior_beta": prior_beta,
                "warmup_sends": warmup_sends,
                "weight_floor": weight_floor,
                "winner_probability": winner_probability,
                "winner_min_sends": winner_min_sends,
                "winner_max_expected_loss": winner_max_expected_loss,
                "all_in": all_in,
                "holdout_fraction": holdout_fraction,
                "attribution_window_seconds": attribution_window_seconds,
                "unsubscribe_guardrail": unsubscribe_guardrail,
                "guardrail_probability": guardrail_probability,
                "period_adjustment": period_adjustment,
                "horizon_power": horizon_power,
                "exploration_value": exploration_value,
                "elimination_probability": elimination_probability,
                "goal": goal,
                "proof_share": proof_share,
                "segment_by": segment_by,
                "max_segments": max_segments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prior_alpha = d.pop("prior_alpha")

        prior_beta = d.pop("prior_beta")

        warmup_sends = d.pop("warmup_sends")

        def _parse_weight_floor(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        weight_floor = _parse_weight_floor(d.pop("weight_floor"))

        winner_probability = d.pop("winner_probability")

        winner_min_sends = d.pop("winner_min_sends")

        winner_max_expected_loss = d.pop("winner_max_expected_loss")

        all_in = d.pop("all_in")

        holdout_fraction = d.pop("holdout_fraction")

        attribution_window_seconds = d.pop("attribution_window_seconds")

        unsubscribe_guardrail = d.pop("unsubscribe_guardrail")

        guardrail_probability = d.pop("guardrail_probability")

        period_adjustment = d.pop("period_adjustment")

        def _parse_horizon_power(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        horizon_power = _parse_horizon_power(d.pop("horizon_power"))

        exploration_value = d.pop("exploration_value")

        elimination_probability = d.pop("elimination_probability")

        goal = PolicySettingsGoal(d.pop("goal"))

        def _parse_proof_share(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        proof_share = _parse_proof_share(d.pop("proof_share"))

        segment_by = cast(list[str], d.pop("segment_by"))

        max_segments = d.pop("max_segments")

        resolved_policy_settings = cls(
            prior_alpha=prior_alpha,
            prior_beta=prior_beta,
            warmup_sends=warmup_sends,
            weight_floor=weight_floor,
            winner_probability=winner_probability,
            winner_min_sends=winner_min_sends,
            winner_max_expected_loss=winner_max_expected_loss,
            all_in=all_in,
            holdout_fraction=holdout_fraction,
            attribution_window_seconds=attribution_window_seconds,
            unsubscribe_guardrail=unsubscribe_guardrail,
            guardrail_probability=guardrail_probability,
            period_adjustment=period_adjustment,
            horizon_power=horizon_power,
            exploration_value=exploration_value,
            elimination_probability=elimination_probability,
            goal=goal,
            proof_share=proof_share,
            segment_by=segment_by,
            max_segments=max_segments,
        )

        resolved_policy_settings.additional_properties = d
        return resolved_policy_settings

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
