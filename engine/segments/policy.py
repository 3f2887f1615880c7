"""burt's allocation per segment, its winner rule per segment, and "the winner differs".

Allocation. Each segment's weights come from today's policy (``engine.policy.allocate``) with
the segment's own horizon (its ``remaining`` and ``total``), on the segment's evidence plus the
pooled prior of ``engine.segments.pooling`` as one extra column of pseudo-sends (maturity 1).
A small segment so borrows the campaign's comparison at its own base rate; a large one whose
winner is its own outgrows the prior. Pooling only steers the weights: the pooled call runs
without ``all_in``.

Declarations. The pseudo-sends must not reach the sequential test: its guarantee (a
supermartingale under "the leader is no better", Ville's inequality) holds for the segment's own
outcomes, not for counts built from every segment's. So a segment's winner rule runs on its raw
evidence alone, at error alpha / S (``segment_settings``: ``winner_probability`` 1 - alpha / S,
alpha = 1 - the campaign's ``winner_probability``): by the union bound the chance that any
segment declares a wrong winner stays below alpha. Once a segment declares, ``all_in`` sends
the rest of it to its winner.

"The winner differs by segment" is declared when two segments have declared different winners
(``winners_differ``). Where one variant is best in every segment, that needs at least one
segment to declare a variant that is not its best: probability at most alpha by the same union
bound. On an A/A campaign any declaration is a false winner, again at most alpha over all the
segments together. The test is conservative (a true difference needs two declarations), which is
the price of asking no more of the data than the per-segment rule already proves.

One segment is the plain campaign: ``allocate`` on its evidence and settings, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from burt.engine.policy import (
    WINNER,
    Assessment,
    Evidence,
    PolicySettings,
    assess,
    assess_many,
    weights_many,
)
from burt.engine.segments.pooling import PooledPrior, pooled_prior


def segment_settings(settings: PolicySettings, segments: int) -> PolicySettings:
    """The settings each segment's winner rule runs with: the campaign's error split evenly
    over ``segments`` (Bonferroni). ValueError when the split falls outside the setting's
    bounds."""
    error = (1.0 - settings.winner_probability) / segments
    # A segment's rule is a plain campaign's: it has no segments of its own to split over.
    split = replace(settings, winner_probability=1.0 - error, segment_by=())
    split.validate()
    return split


def with_prior(evidence: Evidence, mean: np.ndarray, strength: np.ndarray) -> Evidence:
    """``evidence`` with one more period: ``strength`` pseudo-sends per variant at rate
    ``mean``, fully matured."""
    sends = np.asarray(evidence.sends, dtype=float)
    maturity = np.ones(sends.shape[1]) if evidence.maturity is None else evidence.maturity
    return Evidence(
        sends=np.column_stack([sends, strength]),
        successes=np.column_stack([evidence.successes, mean * strength]),
        unsubscribes=np.column_stack([evidence.unsubscribes, np.zeros(strength.size)]),
        maturity=np.append(maturity, 1.0),
    )


@dataclass(frozen=True)
class SegmentAllocation:
    weights: np.ndarray  # (segments, variants)
    decisions: tuple[Assessment | None, ...]
    """Per segment, its winner rule on its raw evidence (``assess``: the status and winner;
    ``allocation()`` builds the whole report a stats request shows)."""
    prior: PooledPrior | None  # None for a single segment, or without pooling

    @property
    def winners(self) -> tuple[int | None, ...]:
        """Per segment, the winner its rule declares now (status ``winner``), if any."""
        return tuple(
            d.winner if d is not None and d.status == WINNER else None for d in self.decisions
        )


def allocate_segments(
    evidence: Sequence[Evidence],
    settings: PolicySettings,
    remaining: Sequence[int] | np.ndarray,
    total: Sequence[int] | np.ndarray,
    pool: bool = True,
) -> SegmentAllocation:
    """Weights and decisions for every segment (``evidence``, ``remaining`` and ``total`` hold
    one entry per segment). A segment with no contacts at all gets an equal split. Without
    ``pool`` every segment allocates on its own evidence alone (what pooling is measured
    against)."""
    if len(evidence) == 1:
        only = assess(evidence[0], settings, int(remaining[0]), int(total[0]))
        return SegmentAllocation(only.weights[None, :], (only,), None)
    split = segment_settings(settings, len(evidence))
    steer = replace(split, all_in=False)
    prior = (
        pooled_prior(
            np.array([e.successes.sum(axis=1) for e in evidence]),
            np.array([_exposure(e) for e in evidence]),
        )
        if pool
        else None
    )
    k = evidence[0].sends.shape[0]
    weights = np.full((len(evidence), k), 1.0 / k)
    drawn = [s for s in range(len(evidence)) if total[s] > 0]
    decisions: list[Assessment | None] = [None] * len(evidence)
    steered: list[int] = []  # the segments the pooled prior steers
    # The rule's own weights are only wanted where the segment declared (all in) or no prior
    # steers it; ``assess`` computes them (and the proof planning they need) only then.
    ruled = _assess([evidence[s] for s in drawn], split, remaining, total, drawn)
    for s, decision in zip(drawn, ruled, strict=True):
        decisions[s] = decision
        if decision.status == WINNER and settings.all_in:
            weights[s] = decision.weights
        elif prior is not None and prior.strength[s].any():
            steered.append(s)
        else:
            weights[s] = decision.weights
    if prior is not None and steered:
        pooled = [with_prior(evidence[s], prior.mean[s], prior.strength[s]) for s in steered]
        steering = weights_many(_assess(pooled, steer, remaining, total, steered))
        for s, steered_weights in zip(steered, steering, strict=True):
            weights[s] = steered_weights
    return SegmentAllocation(weights, tuple(decisions), prior)


def _assess(
    evidence: Sequence[Evidence],
    settings: PolicySettings,
    remaining: Sequence[int] | np.ndarray,
    total: Sequence[int] | np.ndarray,
    segments: Sequence[int],
) -> list[Assessment]:
    """``assess_many`` of ``evidence`` (one per segment in ``segments``), each with its
    segment's horizon."""
    return assess_many(
        evidence,
        settings,
        [int(remaining[s]) for s in segments],
        [int(total[s]) for s in segments],
    )


def winners_differ(winners: Sequence[int | None]) -> bool:
    """The campaign-level verdict: two segments have declared different winners."""
    return len({w for w in winners if w is not None}) > 1


def _exposure(evidence: Evidence) -> np.ndarray:
    maturity = np.ones(evidence.sends.shape[1]) if evidence.maturity is None else evidence.maturity
    exposure: np.ndarray = (evidence.sends * maturity).sum(axis=1)
    return exposure
