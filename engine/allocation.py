"""What the policy decides for the next batch, from what a store holds.

The write path's one read of the statistics: a draw allocates by `current_allocation`, the
preview shows it, and the stats report (`reports`) explains it. The evidence is the simulator's
too (``delays.counted_evidence``): every send counts from its draw, weighted by its maturity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from burt.engine.counts import CountTable
from burt.engine.delays import Arrivals, arrived_by, binned_arrivals, counted_evidence
from burt.engine.errors import SettingsRefused
from burt.engine.model import GUARDRAIL_OUTCOMES, HOLDOUT, OUTCOME_TYPES, Campaign
from burt.engine.policy import Allocation, DecisionStatus, allocate

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


def decide(campaign: Campaign, inputs: StoredEvidence) -> tuple[Allocation, np.ndarray]:
    """The policy's allocation, and the outcomes it counted per variant.

    SettingsRefused when the campaign is stored with settings the policy refuses."""
    settings = campaign.settings
    try:
        settings.validate(len(campaign.variants))
    except ValueError as exc:
        raise SettingsRefused(
            f"campaign {campaign.id!r} is stored with settings this burt refuses ({exc});"
            " update its settings to values within the rules"
        ) from None
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
