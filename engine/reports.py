"""The stats report: from the allocation (`allocation`) and the stored counts to what it explains.

Pure functions. The evidence is what the simulator builds too (``delays.counted_evidence``):
every send counts from its draw, weighted by its maturity; outcomes dated before their batch
was drawn or later than the attribution window after it are not counted (the report says how
many arrived late). The report explains the decision: per variant its posterior, P(best),
expected loss and lift over a reference; the decision with every condition of the winner rule,
and the campaign's goal in a sentence (what it trades for what).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

import numpy as np

from burt.engine.allocation import (
    AllocationPreview,
    SegmentDecision,
    StoredEvidence,
    allocation_preview,
    decide,
    decide_segments,
    stored_evidence,
)
from burt.engine.counts import CountTable, SegmentTables
from burt.engine.model import (
    HOLDOUT,
    OUTCOME_TYPES,
    Campaign,
    OptimizedOutcome,
)
from burt.engine.policy import (
    WARMING_UP,
    WINNER,
    Allocation,
    Condition,
    DecisionStatus,
    Goal,
    VariantSummary,
)
from burt.engine.segments.keys import ERASED, OTHER, Slot
from burt.engine.segments.policy import winners_differ
from burt.engine.stats import relative_lift, srm_chi_square


@dataclass(frozen=True)
class Lift:
    """Relative lift over the reference variant (the named control, else the leader)."""

    reference_variant_id: str
    relative: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class VariantReport(VariantSummary):
    """A variant in the stats report: the policy's summary of it, and what was counted."""

    variant_id: str
    label: str
    sends: int
    outcomes: dict[str, int]
    counted_outcomes: int
    late_outcomes: int
    observed_rate: float
    lift: Lift | None
    weight: float


@dataclass(frozen=True)
class DecisionReport:
    status: DecisionStatus
    winner_variant_id: str | None
    winner_probability: float | None
    leader_variant_id: str
    conditions: tuple[Condition, ...]
    sends_needed: int | None
    summary: str
    goal: Goal
    goal_meaning: str
    """The campaign's goal in a sentence (``policy.GOALS``)."""


@dataclass(frozen=True)
class SampleRatioMismatch:
    """Chi-square test of the assigned counts against the weights the batches intended."""

    chi_square: float
    p_value: float


@dataclass(frozen=True)
class HoldoutStats:
    """The held-out contacts (sent nothing) and their outcomes."""

    sends: int
    outcomes: dict[str, int]


@dataclass(frozen=True)
class CampaignStats:
    """The stats report, under the API's names (`CampaignStats` in the spec). Two fields are the
    engine's alone: ``computed_at`` (the moment it describes) and ``allocation`` (what the API's
    previewAllocation answers)."""

    campaign_id: str
    optimize: OptimizedOutcome
    computed_at: datetime
    contacts_total: int
    contacts_pending: int
    attribution_window_seconds: int
    settles_at: datetime | None
    """When the batches drawn so far have every outcome that counts: the last draw plus the
    window (None before the first draw, and with no window, when outcomes count whenever they
    arrive). Until then the latest batches' rates lean on their estimated maturity."""
    control_variant_id: str | None
    """The variant every lift is measured against; None: against the current leader."""
    variants: tuple[VariantReport, ...]
    decision: DecisionReport
    allocation: AllocationPreview
    srm: SampleRatioMismatch
    holdout: HoldoutStats
    segments: tuple[SegmentReport, ...] | None = None
    """Per segment slot with contacts drawn, in slot order; None without segments."""
    winner_differs_by_segment: bool | None = None
    """Whether two segments have declared different winners; None without segments."""
    winner_differs_reason: str | None = None
    """The verdict in one sentence: which segments declared which winners, or why none."""
    segment_interaction_p_value: float | None = None
    """The interaction test's p-value (``pooling.interaction_test``) that decides whether the
    segments follow the campaign's comparison; None without segments, or before two segments
    have sends of every variant."""


@dataclass(frozen=True)
class SegmentReport:
    """One segment slot of a segmented campaign: its variants and its own decision."""

    key: dict[str, str] | None
    """Attribute → value; None for the slot the rarest segments share (``name`` "other"), and
    for a slot whose key an erasure redacted (``name`` "erased segment N", N its slot)."""
    name: str
    contacts: int
    """Its contacts drawn so far (a contact is placed in a segment when it is drawn)."""
    variants: tuple[VariantReport, ...]
    decision: DecisionReport


def campaign_stats(
    campaign: Campaign,
    table: CountTable,
    now: datetime,
    control: str | None = None,
    replay: bool = False,
    segments: SegmentTables | None = None,
) -> CampaignStats:
    """The report; ``control`` names the variant lifts are measured against (else the leader).

    ``replay``: ``now`` is a past moment and ``table`` holds the batches drawn by then.
    ``segments``: a segmented campaign's tables (``table`` is their ``whole``): the report
    adds each segment's, and the weights are the segments' averaged over their pending
    contacts (``SegmentDecision.mixture``); the campaign's decision stays the campaign-wide
    rule's.
    """
    ids = [v.id for v in campaign.variants]
    if control is not None and control not in ids:
        raise ValueError(f"control {control!r} is not a variant of this campaign")
    inputs = stored_evidence(table, now, replay)
    allocation, counted = decide(campaign, inputs)
    verdict: tuple[tuple[SegmentReport, ...], bool, str] | None = None
    interaction: float | None = None
    if segments is not None:
        per_segment = decide_segments(campaign, segments, now, replay)
        allocation = replace(allocation, weights=per_segment.mixture())
        verdict = segment_reports(campaign, segments, per_segment, now, replay, control)
        prior = per_segment.allocation.prior
        if prior is not None and not math.isnan(prior.interaction_p):
            interaction = prior.interaction_p
    sends = table.sends.sum(axis=1)  # the last slot is the holdout's
    outcomes = table.outcomes.sum(axis=1)
    k = len(ids)
    chi2, p_value = (
        # The intended counts: every batch's sends split by its weights.
        srm_chi_square(sends[:k], table.intended.sum(axis=0)) if sends[:k].sum() else (0.0, 1.0)
    )
    reports = variant_reports(campaign, table, inputs, allocation, counted, control)
    window = campaign.settings.attribution_window_seconds
    return CampaignStats(
        campaign_id=campaign.id,
        optimize=campaign.optimize,
        computed_at=now,
        contacts_total=campaign.contacts_total,
        contacts_pending=campaign.contacts_pending,
        attribution_window_seconds=window,
        settles_at=max(table.created_at) + timedelta(seconds=window)
        if table.created_at and window > 0
        else None,
        control_variant_id=control,
        variants=reports,
        decision=decision_report(campaign, allocation, reports),
        allocation=allocation_preview(campaign, allocation),
        srm=SampleRatioMismatch(float(chi2), float(p_value)),
        holdout=HoldoutStats(
            sends=int(sends[HOLDOUT]),
            outcomes=dict(zip(OUTCOME_TYPES, outcomes[HOLDOUT].tolist(), strict=True)),
        ),
        segments=None if verdict is None else verdict[0],
        winner_differs_by_segment=None if verdict is None else verdict[1],
        winner_differs_reason=None if verdict is None else verdict[2],
        segment_interaction_p_value=interaction,
    )


def segment_reports(
    campaign: Campaign,
    segments: SegmentTables,
    decided: SegmentDecision,
    now: datetime,
    replay: bool,
    control: str | None,
) -> tuple[tuple[SegmentReport, ...], bool, str]:
    """Every segment slot's report (those with contacts drawn by ``now``), and the verdict on
    "the winner differs by segment" with its reason."""
    reports = []
    winners: dict[str, list[str]] = {}
    for slot, (key, table) in enumerate(zip(segments.registry.slots, segments.tables, strict=True)):
        rule = decided.allocation.decisions[slot]
        if rule is None or not table.sends.any():  # none of its contacts drawn by then
            continue
        allocation = replace(rule.allocation(), weights=decided.allocation.weights[slot])
        evidence = decided.evidence[slot]
        own = replace(campaign, contacts_pending=int(decided.remaining[slot]))
        variants = variant_reports(
            own,
            table,
            stored_evidence(table, now, replay),
            allocation,
            evidence.successes.sum(axis=1),
            control,
        )
        name = segment_name(campaign.settings.segment_by, key, slot)
        decision = decision_report(own, allocation, variants)
        if decision.winner_variant_id is not None:
            winners.setdefault(decision.winner_variant_id, []).append(name)
        reports.append(
            SegmentReport(
                key=None
                if key is OTHER or key is ERASED
                else dict(zip(campaign.settings.segment_by, key, strict=True)),
                name=name,
                contacts=int(table.sends.sum()),
                variants=variants,
                decision=decision,
            )
        )
    differs = winners_differ(decided.allocation.winners)
    reason = differs_reason(winners, len(reports), len(segments.tables), campaign)
    return tuple(reports), differs, reason


def segment_name(segment_by: Sequence[str], key: Slot, slot: int) -> str:
    """``tier=gold, locale=de``; ``other`` for the slot the rarest segments share; ``erased
    segment 3`` for slot 3 once an erasure redacted its key (``keys.ERASED``)."""
    if key is OTHER:
        return "other"
    if key is ERASED:
        return f"erased segment {slot}"
    return ", ".join(f"{a}={v}" for a, v in zip(segment_by, key, strict=True))


def differs_reason(
    winners: dict[str, list[str]], segments: int, slots: int, campaign: Campaign
) -> str:
    """The "winner differs by segment" verdict in one sentence: ``winners`` maps each declared
    winner to the segments that declared it, of ``segments`` reported; the campaign's error is
    split over its ``slots``."""
    declared = "; ".join(f"{w} in {', '.join(names)}" for w, names in winners.items())
    if len(winners) > 1:
        return f"Segments declared different winners: {declared}."
    error = 1.0 - campaign.settings.winner_probability
    if winners:
        undecided = segments - sum(len(n) for n in winners.values())
        return (
            f"Every segment that declared a winner declared the same one ({declared});"
            f" {undecided} of {segments} segments have not declared yet."
        )
    return (
        f"No segment has declared a winner yet: each must prove its own at an error of"
        f" {error / max(slots, 1):.2g} (the campaign's {error:.0%} split over its"
        f" {slots} segments)."
    )


def variant_reports(
    campaign: Campaign,
    table: CountTable,
    inputs: StoredEvidence,
    allocation: Allocation,
    counted: np.ndarray,
    control: str | None,
) -> tuple[VariantReport, ...]:
    """Every variant's report from the counts, the evidence and the policy's allocation;
    lifts against ``control`` (a variant id), else against the allocation's leader."""
    ids = [v.id for v in campaign.variants]
    k = len(ids)
    window = campaign.settings.attribution_window_seconds
    late = np.zeros(k)
    if window > 0:
        beyond = inputs.arrivals.delay >= window  # a bin's lower edge: the window is an edge
        np.add.at(late, inputs.arrivals.variant[beyond], inputs.arrivals.count[beyond])
    sends = table.sends.sum(axis=1)
    outcomes = table.outcomes.sum(axis=1)
    summaries = allocation.variants
    alpha, beta = np.array([s.interval_beta for s in summaries]).T
    reference = ids.index(control) if control is not None else allocation.leader
    lift, lift_low, lift_high = relative_lift(alpha, beta, reference)
    return tuple(
        VariantReport(
            **{f.name: getattr(s, f.name) for f in fields(VariantSummary)},
            variant_id=v.id,
            label=v.label,
            sends=int(sends[i]),
            outcomes=dict(zip(OUTCOME_TYPES, outcomes[i].tolist(), strict=True)),
            counted_outcomes=int(counted[i]),
            late_outcomes=round(late[i]),
            observed_rate=float(counted[i] / s.effective_sends) if s.effective_sends > 0 else 0.0,
            lift=None
            if i == reference
            else Lift(ids[reference], float(lift[i]), float(lift_low[i]), float(lift_high[i])),
            weight=float(allocation.weights[i]),
        )
        for i, (v, s) in enumerate(zip(campaign.variants, summaries, strict=True))
    )


_CONDITION_TEXT = {
    "prob_best": "its probability of being best is {value:.1%} (needs {threshold:.1%})",
    "sends": "it has {value:,.0f} sends (needs {threshold:,.0f})",
    "expected_loss": "choosing it could still cost {value:.3%} points (at most {threshold:.3%})",
    "sequential_z": (
        "its lead over the closest rival is {value:.2f} standard errors (the always-valid test "
        "needs {threshold:.2f} to rule out chance)"
    ),
}


def sends_needed(allocation: Allocation, holdout_fraction: float) -> int | None:
    """Contacts still to draw until the winner rule could hold, if the differences seen so far
    hold; None once a winner is declared, or when no estimate can be made.

    Two conditions grow with sends: the sequential test (the policy's estimate, at the next
    batch's split) and the leader's ``sends`` minimum (its shortfall at its current weight in a
    batch). Both are contacts drawn, the held-out share included. The estimate is the larger.
    When neither is short but the rule still does not hold (P(best) or expected loss), more
    sends have no predictable effect: None.
    """
    if allocation.winner is not None or allocation.sends_needed is None:
        return None
    minimum = next((c for c in allocation.conditions if c.name == "sends"), None)
    share = float(allocation.weights[allocation.leader]) * (1.0 - holdout_fraction)
    if minimum is None or minimum.met:
        for_minimum = 0
    elif share > 0:
        for_minimum = math.ceil((minimum.threshold - minimum.value) / share)
    else:
        return None
    needed = max(math.ceil(allocation.sends_needed / (1.0 - holdout_fraction)), for_minimum)
    return needed or None


def decision_report(
    campaign: Campaign, allocation: Allocation, reports: Sequence[VariantReport]
) -> DecisionReport:
    """The decision with the winner rule's conditions and a sentence a marketer can read."""
    needed = sends_needed(allocation, campaign.settings.holdout_fraction)
    leader = reports[allocation.leader]
    name = f"“{leader.label}” ({leader.variant_id})"
    lift = leader.lift  # None unless a control is named and the leader is not it
    against = (
        ""
        if lift is None
        else f"{lift.relative:+.1%} against the control, {lift.reference_variant_id} (95% "
        f"interval {lift.ci_low:+.1%} to {lift.ci_high:+.1%})"
    )
    if allocation.status == WARMING_UP:
        summary = (
            f"Still warming up: every variant gets an equal share until it has "
            f"{campaign.settings.warmup_sends} effective sends (a send counts in full once its"
            f" outcomes have had time to arrive); {name} leads so far."
        )
    elif allocation.status == WINNER:
        runner_up = max((r for r in reports if r is not leader), key=lambda r: r.posterior.mean)
        summary = (
            f"{name} is the winner: {leader.prob_best:.1%} likely to be best, an estimated "
            f"{campaign.optimize} rate of {leader.posterior.mean:.2%} against "
            f"{runner_up.posterior.mean:.2%} for the runner-up ({runner_up.variant_id})"
            f"{'; ' + against if against else ''}."
        )
    else:
        missing = [
            _CONDITION_TEXT[c.name].format(value=c.value, threshold=c.threshold)
            for c in allocation.conditions
            if not c.met
        ]
        if not needed:
            estimate = ""
        elif needed > campaign.contacts_pending:
            estimate = (
                f" Settling it would take about {needed:,} more sends, more than the "
                f"{campaign.contacts_pending:,} contacts left: the campaign may end without one."
            )
        else:
            estimate = (
                f" About {needed:,} more sends should settle it if the differences seen so far"
                " hold."
            )
        summary = (
            f"No winner yet. {name} leads{', ' + against if against else ''}, but "
            f"{'; '.join(missing) or 'not all conditions hold'}."
            f"{estimate}"
        )
    winner = None if allocation.winner is None else reports[allocation.winner].variant_id
    return DecisionReport(
        status=allocation.status,
        winner_variant_id=winner,
        winner_probability=allocation.winner_probability,
        leader_variant_id=leader.variant_id,
        conditions=allocation.conditions,
        sends_needed=needed,
        summary=summary,
        goal=campaign.settings.goal,
        goal_meaning=campaign.settings.plan.meaning,
    )
