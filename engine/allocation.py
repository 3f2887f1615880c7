"""What the policy decides for the next batch, from what a store holds.

The write path's one read of the statistics: a draw allocates by `current_allocation`, the
preview shows it, and the stats report (`reports`) explains it. The evidence is the simulator's
too (``delays.counted_evidence``): every send counts from its draw, weighted by its maturity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from burt.engine.delays import Arrivals, arrived_by, binned_arrivals, counted_evidence
from burt.engine.model import GUARDRAIL_OUTCOMES, HOLDOUT, Campaign, PeriodCount
from burt.engine.policy import Allocation, DecisionStatus, allocate


@dataclass(frozen=True)
class AllocationPreview:
    status: DecisionStatus
    weights: tuple[tuple[str, float], ...]
    holdout_fraction: float
    winner_variant_id: str | None
    winner_probability: float | None
    contacts_pending: int


@dataclass(frozen=True)
class StoredEvidence:
    """The campaign's counts as arrays, one column per batch (in sequence order)."""

    sends: np.ndarray
    unsubscribes: np.ndarray
    ages: np.ndarray
    arrivals: Arrivals


def stored_evidence(
    rows: Sequence[PeriodCount], kind: str, variants: int, now: datetime, replay: bool = False
) -> StoredEvidence:
    """The counters as arrays; the arrivals are the delay histograms of outcome type ``kind``.

    ``replay``: ``now`` is a past moment (the rows are those drawn by then), so only the
    outcomes that had occurred by then count (see ``delays.arrived_by``).
    """
    created = {r.sequence: r.created_at for r in rows}
    column = {seq: j for j, seq in enumerate(sorted(created))}
    shape = (variants, len(column))
    sends, unsubscribes = np.zeros(shape, int), np.zeros(shape, int)
    for r in rows:
        if r.variant != HOLDOUT:
            sends[r.variant, column[r.sequence]] = r.sends
            # A contact may both unsubscribe and complain: the sum is capped at the sends.
            unsubscribes[r.variant, column[r.sequence]] = min(
                r.sends, sum(r.outcomes.get(t, 0) for t in GUARDRAIL_OUTCOMES)
            )
    ages = np.array([(now - created[seq]).total_seconds() for seq in sorted(created)])
    cells = [
        (column[r.sequence], b, n, r.variant)
        for r in rows
        if r.variant != HOLDOUT and kind in r.delays
        for b, n in enumerate(r.delays[kind])
        if n
    ]
    period, bins, count, variant = (
        (np.array(c) for c in zip(*cells, strict=True)) if cells else [np.zeros(0, int)] * 4
    )
    arrivals = binned_arrivals(period, bins, count, variant)
    if replay:
        arrivals = arrived_by(arrivals, ages)
    return StoredEvidence(sends, unsubscribes, ages, arrivals)


def decide(campaign: Campaign, inputs: StoredEvidence) -> tuple[Allocation, np.ndarray]:
    """The policy's allocation, and the outcomes it counted per variant."""
    settings = campaign.settings
    evidence = counted_evidence(
        inputs.sends,
        inputs.unsubscribes,
        inputs.ages,
        inputs.arrivals,
        settings.attribution_window_seconds,
    )
    total = max(campaign.contacts_total, 1)
    remaining = min(campaign.contacts_pending, total)
    return allocate(evidence, settings, remaining, total), evidence.successes.sum(axis=1)


def current_allocation(
    campaign: Campaign, rows: Sequence[PeriodCount], now: datetime
) -> Allocation:
    """What the policy decides for the next batch, from what is stored as of `now`."""
    evidence = stored_evidence(rows, campaign.optimize, len(campaign.variants), now)
    return decide(campaign, evidence)[0]


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
