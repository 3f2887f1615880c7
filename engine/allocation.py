"""What the policy decides for the next batch, from what a store holds.

The write path's one read of the statistics: a draw allocates by `current_allocation`, the
preview shows it, and the stats report (`reports`) explains it. The evidence is the simulator's
too (``delays.counted_evidence``): every send counts from its draw, weighted by its maturity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from burt.engine.counts import CountTable, SegmentTables
from burt.engine.delays import Arrivals, arrived_by, binned_arrivals, counted_evidence
from burt.engine.errors import SettingsRefused
from burt.engine.model import GUARDRAIL_OUTCOMES, HOLDOUT, OUTCOME_TYPES, Campaign, SegmentPlan
from burt.engine.policy import (
    Allocation,
    DecisionStatus,
    Evidence,
    PolicySettings,
    allocate,
    assess,
)
from burt.engine.segments.policy import SegmentAllocation, allocate_segments

_GUARDRAIL_COLUMNS = [OUTCOME_TYPES.index(t) for t in GUARDRAIL_OUTCOMES]


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


def stored_evidence(table: CountTable, now: datetime, replay: bool = False) -> StoredEvidence:
    """The policy's arrays from the count table; the arrivals are its delay histogram.

    ``replay``: ``now`` is a past moment (the table holds the batches drawn by then), so only
    the outcomes that had occurred by then count (see ``delays.arrived_by``).
    """
    sends = table.sends[:HOLDOUT]
    # A contact may both unsubscribe and complain: the sum is capped at the sends.
    guardrail = table.outcomes[:HOLDOUT, :, _GUARDRAIL_COLUMNS].sum(axis=2)
    ages = np.array([(now - created).total_seconds() for created in table.created_at])
    cells = table.histogram
    arrivals = binned_arrivals(cells[:, 0], cells[:, 2], cells[:, 3], cells[:, 1])
    if replay:
        arrivals = arrived_by(arrivals, ages)
    return StoredEvidence(sends, np.minimum(sends, guardrail), ages, arrivals)


def _settings_in_force(campaign: Campaign) -> PolicySettings:
    """The campaign's settings; SettingsRefused when the policy refuses them."""
    settings = campaign.settings
    try:
        settings.validate(len(campaign.variants))
    except ValueError as exc:
        raise SettingsRefused(
            f"campaign {campaign.id!r} is stored with settings this burt refuses ({exc});"
            " update its settings to values within the rules"
        ) from None
    return settings


def _evidence(inputs: StoredEvidence, window_seconds: int) -> Evidence:
    return counted_evidence(
        inputs.sends, inputs.unsubscribes, inputs.ages, inputs.arrivals, window_seconds
    )


def decide(campaign: Campaign, inputs: StoredEvidence) -> tuple[Allocation, np.ndarray]:
    """The policy's allocation, and the outcomes it counted per variant.

    SettingsRefused when the campaign is stored with settings the policy refuses."""
    settings = _settings_in_force(campaign)
    evidence = _evidence(inputs, settings.attribution_window_seconds)
    total = max(campaign.contacts_total, 1)
    remaining = min(campaign.contacts_pending, total)
    return allocate(evidence, settings, remaining, total), evidence.successes.sum(axis=1)


@dataclass(frozen=True)
class SegmentDecision:
    """What the policy decides for every segment slot of a segmented campaign."""

    allocation: SegmentAllocation
    """Per slot: its weights, and its winner rule's decision on its own evidence."""
    evidence: tuple[Evidence, ...]
    """Per slot, the evidence its decision read."""
    new_weights: np.ndarray
    """The weights of a slot the next draw makes: those ``allocate_segments`` gives a segment
    with no sends of its own (its warm-up's even split: no evidence to pool against yet)."""
    remaining: np.ndarray
    """Per slot, its pending contacts as estimated (``segment_horizons``)."""
    total: np.ndarray
    """Per slot, its contacts drawn plus its estimated pending ones."""

    def plan(self, campaign: Campaign) -> SegmentPlan:
        """The plan a draw assigns the campaign's contacts by."""
        return SegmentPlan(
            by=campaign.settings.segment_by,
            max_segments=campaign.settings.max_segments,
            weights=tuple(tuple(float(w) for w in row) for row in self.allocation.weights),
            new_weights=tuple(float(w) for w in self.new_weights),
        )

    def mixture(self) -> np.ndarray:
        """The slots' weights averaged over their estimated pending contacts (the new slot's
        before the first draw): the split the next batches should show overall."""
        if not self.remaining.sum():
            return self.new_weights
        mixture: np.ndarray = self.remaining @ self.allocation.weights / self.remaining.sum()
        return mixture


def segment_horizons(pending: int, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each slot's (remaining, total) contacts for the policy's horizon, from its contacts
    drawn so far: a pending contact has no slot until it is drawn (the registry only places
    contacts as they are claimed), so the campaign's pending contacts are split over the slots
    as the drawn ones are, which costs no read of the pending contacts."""
    share = drawn / drawn.sum() if drawn.sum() else np.full(drawn.size, 1.0 / max(drawn.size, 1))
    remaining = np.rint(pending * share).astype(int)
    return remaining, drawn.astype(int) + remaining


def decide_segments(
    campaign: Campaign, tables: SegmentTables, now: datetime, replay: bool = False
) -> SegmentDecision:
    """The policy per segment slot (``segments.policy.allocate_segments``): each slot's
    evidence is built as ``decide`` builds the campaign's, from the slot's counters, with the
    campaign's maturity per batch (the delays are the campaign's, estimated from all its
    outcomes; a slot's own would be noisier and say the same).

    SettingsRefused when the campaign is stored with settings the policy refuses."""
    settings = _settings_in_force(campaign)
    window = settings.attribution_window_seconds
    whole = _evidence(stored_evidence(tables.whole, now, replay), window)
    evidence = [
        replace(_evidence(stored_evidence(t, now, replay), window), maturity=whole.maturity)
        for t in tables.tables
    ]
    drawn = np.array([int(t.sends.sum()) for t in tables.tables], dtype=int)
    remaining, total = segment_horizons(campaign.contacts_pending, drawn)
    k = len(campaign.variants)
    pending = max(campaign.contacts_pending, 1)
    # A segment without sends gets no pooled prior (``pooling.pooled_prior``): its weights are
    # the policy's on no evidence at all.
    fresh = assess(Evidence(*np.zeros((3, k, 1))), settings, pending, pending)
    allocation = (
        allocate_segments(evidence, settings, remaining, total)
        if evidence
        else SegmentAllocation(np.zeros((0, k)), (), None)
    )
    return SegmentDecision(allocation, tuple(evidence), fresh.weights, remaining, total)


def current_allocation(campaign: Campaign, table: CountTable, now: datetime) -> Allocation:
    """What the policy decides for the next batch, from what is stored as of `now`."""
    return decide(campaign, stored_evidence(table, now))[0]


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
