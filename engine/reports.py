"""From stored counters to evidence, allocation and the stats report (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from burt.engine.model import HOLDOUT, OUTCOME_TYPES, Batch, Campaign, PeriodCount
from burt.engine.policy import Allocation, Evidence, allocate
from burt.engine.stats import srm_chi_square


@dataclass(frozen=True)
class VariantReport:
    variant_id: str
    sends: int
    matured_sends: int
    outcomes: dict[str, int]
    posterior_alpha: float
    posterior_beta: float
    mean: float
    ci_low: float
    ci_high: float
    prob_best: float
    expected_loss: float
    weight: float
    guardrail_tripped: bool


@dataclass(frozen=True)
class AllocationPreview:
    status: str
    weights: tuple[tuple[str, float], ...]
    holdout_fraction: float
    winner_variant_id: str | None
    winner_probability: float | None
    contacts_pending: int


@dataclass(frozen=True)
class CampaignStats:
    campaign_id: str
    optimize: str
    computed_at: datetime
    contacts_total: int
    contacts_pending: int
    variants: tuple[VariantReport, ...]
    allocation: AllocationPreview
    srm_chi_square: float
    srm_p_value: float
    holdout_sends: int
    holdout_outcomes: dict[str, int]


def matured_evidence(
    rows: Sequence[PeriodCount], variants: int, optimize: str, now: datetime, window_seconds: int
) -> Evidence:
    """Per-variant, per-batch counts of the sends that are at least `window_seconds` old.

    A send enters the denominator only once its outcomes have had time to arrive; otherwise
    variants sent recently look worse than those sent earlier.
    """
    cutoff = now - timedelta(seconds=window_seconds)
    periods = sorted({r.sequence for r in rows if r.created_at <= cutoff})
    column = {seq: j for j, seq in enumerate(periods)}
    shape = (variants, len(periods))
    sends, successes, unsubscribes = (
        np.zeros(shape, int),
        np.zeros(shape, int),
        np.zeros(shape, int),
    )
    for r in rows:
        j = column.get(r.sequence)
        if j is None or r.variant == HOLDOUT:
            continue
        sends[r.variant, j] = r.sends
        successes[r.variant, j] = r.outcomes.get(optimize, 0)
        unsubscribes[r.variant, j] = r.outcomes.get("unsubscribed", 0)
    return Evidence(sends=sends, successes=successes, unsubscribes=unsubscribes)


def current_allocation(
    campaign: Campaign, rows: Sequence[PeriodCount], now: datetime
) -> Allocation:
    """What the policy decides for the next batch, from the counters as of `now`."""
    settings = campaign.settings
    evidence = matured_evidence(
        rows, len(campaign.variants), campaign.optimize, now, settings.attribution_window_seconds
    )
    total = max(campaign.contacts_total, 1)
    return allocate(evidence, settings, min(campaign.contacts_pending, total), total)


def allocation_preview(campaign: Campaign, allocation: Allocation) -> AllocationPreview:
    return AllocationPreview(
        status=allocation.status,
        weights=tuple(
            (v.id, float(w)) for v, w in zip(campaign.variants, allocation.weights, strict=True)
        ),
        holdout_fraction=campaign.settings.holdout_fraction,
        winner_variant_id=None
        if allocation.winner is None
        else campaign.variants[allocation.winner].id,
        winner_probability=allocation.winner_probability,
        contacts_pending=campaign.contacts_pending,
    )


def intended_counts(batches: Sequence[Batch], variants: int) -> np.ndarray:
    """Contacts each variant should have got: every batch's sends split by its weights."""
    expected = np.zeros(variants)
    for b in batches:
        expected += (b.size - b.holdout_count) * np.asarray(b.weights, dtype=float)
    return expected


def campaign_stats(
    campaign: Campaign,
    rows: Sequence[PeriodCount],
    batches: Sequence[Batch],
    now: datetime,
) -> CampaignStats:
    allocation = current_allocation(campaign, rows, now)
    k = len(campaign.variants)
    cutoff = now - timedelta(seconds=campaign.settings.attribution_window_seconds)
    sends = np.zeros(k + 1, int)  # the last slot collects the holdout
    matured = np.zeros(k + 1, int)
    outcomes = np.zeros((k + 1, len(OUTCOME_TYPES)), int)
    for r in rows:
        sends[r.variant] += r.sends
        if r.created_at <= cutoff:
            matured[r.variant] += r.sends
        outcomes[r.variant] += [r.outcomes.get(t, 0) for t in OUTCOME_TYPES]
    chi2, p_value = (
        srm_chi_square(sends[:k], intended_counts(batches, k)) if sends[:k].sum() else (0.0, 1.0)
    )
    reports = tuple(
        VariantReport(
            variant_id=v.id,
            sends=int(sends[i]),
            matured_sends=int(matured[i]),
            outcomes=dict(zip(OUTCOME_TYPES, outcomes[i].tolist(), strict=True)),
            posterior_alpha=s.posterior_alpha,
            posterior_beta=s.posterior_beta,
            mean=s.mean,
            ci_low=s.ci_low,
            ci_high=s.ci_high,
            prob_best=s.prob_best,
            expected_loss=s.expected_loss,
            weight=float(allocation.weights[i]),
            guardrail_tripped=s.guardrail_tripped,
        )
        for i, (v, s) in enumerate(zip(campaign.variants, allocation.variants, strict=True))
    )
    return CampaignStats(
        campaign_id=campaign.id,
        optimize=campaign.optimize,
        computed_at=now,
        contacts_total=campaign.contacts_total,
        contacts_pending=campaign.contacts_pending,
        variants=reports,
        allocation=allocation_preview(campaign, allocation),
        srm_chi_square=float(chi2),
        srm_p_value=float(p_value),
        holdout_sends=int(sends[HOLDOUT]),
        holdout_outcomes=dict(zip(OUTCOME_TYPES, outcomes[HOLDOUT].tolist(), strict=True)),
    )
