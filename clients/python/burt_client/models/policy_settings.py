from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.policy_settings_goal import PolicySettingsGoal
from ..types import UNSET, Unset

T = TypeVar("T", bound="PolicySettings")


@_attrs_define
class PolicySettings:
    """How the campaign allocates traffic and decides. Every field is optional: on creation an omitted
    field takes the default its description states; on update it keeps its current value.

        Example:
            {'goal': 'winner', 'warmup_sends': 50, 'attribution_window_seconds': 21600}

        Attributes:
            prior_alpha (float | Unset): Alpha of the Beta prior of every variant (0.1 to 1000: a stronger prior would
                outweigh any campaign, and below 0.1 a Beta density puts mass closer to 0 or 1 than floating point can resolve).
                Default: 1.0.
            prior_beta (float | Unset): Beta of the Beta prior of every variant (0.1 to 1000). Default: 1.0.
            warmup_sends (int | Unset): Sends (weighted by how far their outcomes have arrived) every variant needs before
                the split adapts (uniform until then). Default: 50.
            weight_floor (float | None | Unset): Minimum weight of every variant while exploring (the floor times the number
                of variants must stay below 1). Omit or null to follow the goal: 0 for `outcomes`, 0.01 for `balanced` and
                `winner`; set to another value, it overrides the goal's (set to the goal's own value, it keeps following the
                goal, so settings read and sent back change nothing). Default: null. Example: 0.01.
            winner_probability (float | Unset): Probability of being best a variant needs to be declared the winner; the
                leader must also beat every rival in an always-valid sequential test (mSPRT) at error 1 − this, which keeps
                false winners rare although results are checked after every batch. Default: 0.95.
            winner_min_sends (int | Unset): Sends (weighted by how far their outcomes have arrived) the winner needs.
                Default: 1000.
            winner_max_expected_loss (float | Unset): Largest expected loss (in rate units) the winner may carry. Default:
                0.001.
            all_in (bool | Unset): Once a winner is declared, send every remaining contact to it. Default: true.
            holdout_fraction (float | Unset): Share of every batch held out (assigned no variant, sent nothing) as a
                baseline. Default: 0.0.
            attribution_window_seconds (int | Unset): The longest delay from a batch's draw to an outcome that still counts;
                later outcomes are recorded but not counted. A send counts from the moment it is drawn, weighted by the share of
                its outcomes that should have arrived by now (estimated from the campaign's own delays), so the policy never
                waits for the window. 0 counts every outcome at once. Otherwise one of the delay bins' edges, in hours times
                3600: 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 144, 168, 192, 240, 264, 336, 360, 504 or
                720 (outcomes are counted per delay bin, so the window falls on a bin edge and counts exactly; another value is
                a 400). Default: 86400.
            unsubscribe_guardrail (bool | Unset): Stop feeding a variant whose unsubscribe rate is credibly worse than the
                best one's. Default: true.
            guardrail_probability (float | Unset): How sure the guardrail must be that a variant's unsubscribe rate is
                worse. Default: 0.995.
            period_adjustment (bool | Unset): Compare variants per period (batch), so that base rates swinging by hour and
                weekday do not bias the comparison while the split changes. Default: true.
            horizon_power (float | None | Unset): How fast exploration tapers as the campaign's remaining contacts shrink
                (0: never; higher: exploit sooner). Omit or null to follow the goal: 2 for `outcomes`, 1 for `balanced` and
                `winner`; set to another value, it overrides the goal's (set to the goal's own value, it keeps following the
                goal, so settings read and sent back change nothing). Default: null. Example: 1.0.
            exploration_value (float | Unset): A variant stops being explored once its plausible gain over the leader, times
                the contacts left, is worth fewer outcomes than this. Default: 1.0.
            elimination_probability (float | Unset): A variant whose probability of being best falls below this loses its
                weight floor, so traffic can go all to the leaders without a declared winner. Default: 0.05.
            goal (PolicySettingsGoal | Unset): What the campaign is for. Proving a winner costs outcomes: no rule that keeps
                wrong winners rare can prove one for free, so the campaign picks the trade. `outcomes`: the most outcomes: no
                exploration floor, exploit as soon as the evidence points one way, and a winner is declared only where the
                evidence comes for free (proof share 0, weight floor 0, horizon power 2). `balanced`: a modest share of every
                batch proves the winner (proof share 0.3, weight floor 0.01, horizon power 1). `winner`: prove the winner and
                pay for it in outcomes (proof share 0.6, weight floor 0.01, horizon power 1). The goal sets `proof_share`,
                `weight_floor` and `horizon_power`, each unless it is given; every other setting stays as given. Default:
                balanced. Example: winner.
            proof_share (float | None | Unset): Share of every batch kept for the rivals the winner rule's sequential test
                has not settled yet, while it could plausibly settle every one of them within the contacts left, so a winner can
                be declared (0: spend nothing on proof, earn the most, declare rarely). Overrides the goal's share; null follows
                the goal (on creation, omitted too), and so does the goal's own share sent as a number (settings read and sent
                back change nothing). Default: null. Example: 0.3.
            segment_by (list[str] | Unset): The contact attributes (at most three, each named once: a repeat answers 400)
                whose values make a contact's segment: each segment gets its own allocation, its own decision and, once that
                declares a winner, all its remaining contacts go to it, while every variant's effect in a segment borrows
                strength from the campaign's (partial pooling: until an interaction test shows at 95% that the variants' effects
                differ between segments, every segment follows the campaign's comparison at its own base rate). A contact's
                segment is the tuple of its values of these attributes as text (a string as it is, a number or boolean as its
                JSON text); a missing or null attribute is the value `unknown`. Empty: one allocation for the whole campaign.
                Fixed once the campaign has drawn its first batch (changing it then answers 409). Default: []. Example:
                ['segment', 'locale'].
            max_segments (int | Unset): The most segments a campaign keeps; the rarest share one segment named `other`, by a
                rule that is stable as contacts arrive: at the first batch, the distinct segments of every contact loaded so far
                are ranked by their contacts (ties: the one loaded first ranks first); the top `max_segments` − 1 get a segment
                each and, if there are more, the rest share `other`. A segment first seen at a later batch gets its own while
                fewer than `max_segments` − 1 have their own, else it joins `other`. A segment never moves once it has its
                place, so `other` is always the last resort and the segments never number more than `max_segments`. Fixed once
                the campaign has drawn its first batch (changing it then answers 409). Default: 32. Example: 32.
    """

    prior_alpha: float | Unset = UNSET
    prior_beta: float | Unset = UNSET
    warmup_sends: int | Unset = UNSET
    weight_floor: float | None | Unset = UNSET
    winner_probability: float | Unset = UNSET
    winner_min_sends: int | Unset = UNSET
    winner_max_expected_loss: float | Unset = UNSET
    all_in: bool | Unset = UNSET
    holdout_fraction: float | Unset = UNSET
    attribution_window_seconds: int | Unset = UNSET
    unsubscribe_guardrail: bool | Unset = UNSET
    guardrail_probability: float | Unset = UNSET
    period_adjustment: bool | Unset = UNSET
    horizon_power: float | None | Unset = UNSET
    exploration_value: float | Unset = UNSET
    elimination_probability: float | Unset = UNSET
    goal: PolicySettingsGoal | Unset = UNSET
    proof_share: float | None | Unset = UNSET
    segment_by: list[str] | Unset = UNSET
    max_segments: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        prior_alpha = self.prior_alpha

        prior_beta = self.prior_beta

        warmup_sends = self.warmup_sends

        weight_floor: float | None | Unset
        if isinstance(self.weight_floor, Unset):
            weight_floor = UNSET
        else:
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

        horizon_power: float | None | Unset
        if isinstance(self.horizon_power, Unset):
            horizon_power = UNSET
        else:
            horizon_power = self.horizon_power

        exploration_value = self.exploration_value

        elimination_probability = self.elimination_probability

        goal: str | Unset = UNSET
        if not isinstance(self.goal, Unset):
            goal = self.goal.value

        proof_share: float | None | Unset
        if isinstance(self.proof_share, Unset):
            proof_share = UNSET
        else:
            proof_share = self.proof_share

        segment_by: list[str] | Unset = UNSET
        if not isinstance(self.segment_by, Unset):
            segment_by = self.segment_by

        max_segments = self.max_segments

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if prior_alpha is not UNSET:
            field_dict["prior_alpha"] = prior_alpha
        if prior_beta is not UNSET:
            field_dict["prior_beta"] = prior_beta
        if warmup_sends is not UNSET:
            field_dict["warmup_sends"] = warmup_sends
        if weight_floor is not UNSET:
            field_dict["weight_floor"] = weight_floor
        if winner_probability is not UNSET:
            field_dict["winner_probability"] = winner_probability
        if winner_min_sends is not UNSET:
            field_dict["winner_min_sends"] = winner_min_sends
        if winner_max_expected_loss is not UNSET:
            field_dict["winner_max_expected_loss"] = winner_max_expected_loss
        if all_in is not UNSET:
            field_dict["all_in"] = all_in
        if holdout_fraction is not UNSET:
            field_dict["holdout_fraction"] = holdout_fraction
        if attribution_window_seconds is not UNSET:
            field_dict["attribution_window_seconds"] = attribution_window_seconds
        if unsubscribe_guardrail is not UNSET:
            field_dict["unsubscribe_guardrail"] = unsubscribe_guardrail
        if guardrail_probability is not UNSET:
            field_dict["guardrail_probability"] = guardrail_probability
        if period_adjustment is not UNSET:
            field_dict["period_adjustment"] = period_adjustment
        if horizon_power is not UNSET:
            field_dict["horizon_power"] = horizon_power
        if exploration_value is not UNSET:
            field_dict["exploration_value"] = exploration_value
        if elimination_probability is not UNSET:
            field_dict["elimination_probability"] = elimination_probability
        if goal is not UNSET:
            field_dict["goal"] = goal
        if proof_share is not UNSET:
            field_dict["proof_share"] = proof_share
        if segment_by is not UNSET:
            field_dict["segment_by"] = segment_by
        if max_segments is not UNSET:
            field_dict["max_segments"] = max_segments

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prior_alpha = d.pop("prior_alpha", UNSET)

        prior_beta = d.pop("prior_beta", UNSET)

        warmup_sends = d.pop("warmup_sends", UNSET)

        def _parse_weight_floor(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        weight_floor = _parse_weight_floor(d.pop("weight_floor", UNSET))

        winner_probability = d.pop("winner_probability", UNSET)

        winner_min_sends = d.pop("winner_min_sends", UNSET)

        winner_max_expected_loss = d.pop("winner_max_expected_loss", UNSET)

        all_in = d.pop("all_in", UNSET)

        holdout_fraction = d.pop("holdout_fraction", UNSET)

        attribution_window_seconds = d.pop("attribution_window_seconds", UNSET)

        unsubscribe_guardrail = d.pop("unsubscribe_guardrail", UNSET)

        guardrail_probability = d.pop("guardrail_probability", UNSET)

        period_adjustment = d.pop("period_adjustment", UNSET)

        def _parse_horizon_power(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        horizon_power = _parse_horizon_power(d.pop("horizon_power", UNSET))

        exploration_value = d.pop("exploration_value", UNSET)

        elimination_probability = d.pop("elimination_probability", UNSET)

        _goal = d.pop("goal", UNSET)
        goal: PolicySettingsGoal | Unset
        if isinstance(_goal, Unset):
            goal = UNSET
        else:
            goal = PolicySettingsGoal(_goal)

        def _parse_proof_share(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        proof_share = _parse_proof_share(d.pop("proof_share", UNSET))

        segment_by = cast(list[str], d.pop("segment_by", UNSET))

        max_segments = d.pop("max_segments", UNSET)

        policy_settings = cls(
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

        return policy_settings
