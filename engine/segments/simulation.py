"""Segmented campaign simulator: the world of ``engine.simulation`` with the audience split.

Each batch's contacts are split over the segments by their shares (``stats.apportion``, so the
split is exact and deterministic), the policy gives weights per segment, and outcomes are drawn
per segment and variant from the segment's own true rates (``Segment.true_rates`` times the
batch's period factor), with the scenario's delay profile. Regret is against the oracle that
knows the segments: Σ over contacts of ``factor_t × (max(rates_s) − rates_s[assigned])``.

A scenario without ``segments`` is one segment holding every contact at the scenario's rates;
the random draws then come in exactly the order ``engine.simulation.run_replication`` takes
them, so a policy that decides as burt does gives the same campaign, seed for seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from burt.engine.segments.policy import winners_differ
from burt.engine.segments.scenario import Segment
from burt.engine.simulation import CLOSED_AFTER, Observation, Scenario, observe, replication_seeds
from burt.engine.stats import apportion


def scenario_segments(scenario: Scenario) -> tuple[Segment, ...]:
    """The scenario's segments; one holding everything when it names none."""
    return scenario.segments or (Segment("all", 1.0),)


@dataclass
class SegmentedObservation:
    """What the service knows just before a batch: per segment, and for the whole campaign.

    ``sends`` is (segments, variants, batches), ``arrived`` and ``unsubscribed`` (segments,
    variants, batches, delays); the first ``periods`` batches have been drawn at hour ``now``.
    """

    now: int
    periods: int
    sends: np.ndarray
    arrived: np.ndarray
    unsubscribed: np.ndarray

    @cached_property
    def segments(self) -> tuple[Observation, ...]:
        return tuple(
            observe(self.now, self.periods, self.sends[s], self.arrived[s], self.unsubscribed[s])
            for s in range(self.sends.shape[0])
        )

    @cached_property
    def campaign(self) -> Observation:
        return observe(
            self.now,
            self.periods,
            self.sends.sum(axis=0),
            self.arrived.sum(axis=0),
            self.unsubscribed.sum(axis=0),
        )


@dataclass(frozen=True)
class Horizon:
    """Contacts per segment: not yet assigned, in all, and in the next batch."""

    remaining: np.ndarray
    total: np.ndarray
    batch_sizes: np.ndarray


@dataclass(frozen=True)
class SegmentDecision:
    weights: np.ndarray  # (segments, variants)
    winners: tuple[int | None, ...]  # per segment, set when its winner rule fired now


class SegmentPolicy(Protocol):
    """One replication's policy over every segment. Stateful peers may keep state."""

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        """Weights per segment for the next batch."""
        ...

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        """The variant the policy names as best in each segment at the end."""
        ...


SegmentPolicyFactory = Callable[[int, np.ndarray, np.random.Generator], SegmentPolicy]
"""Builds a fresh policy for ``k`` variants and the segments' sizes (contacts each)."""


@dataclass(frozen=True)
class Declarations:
    """Winner declarations over (replication, segment) pairs, named as in
    ``SimulationResult``."""

    winner_declared_rate: float
    declared_correct_rate: float
    wrong_winner_rate: float | None

    @classmethod
    def of(cls, declared: np.ndarray, right: np.ndarray) -> Declarations:
        """From which pairs declared, and which of those named a truly best variant."""
        wrong = 1.0 - right.sum() / declared.sum() if declared.any() else None
        return cls(float(declared.mean()), float(right.mean()), wrong)


@dataclass(frozen=True)
class SegmentedResult:
    """``SimulationResult``'s fields (the winner fields over every segment in
    ``declarations``, and per segment), and the campaign-level verdicts."""

    regret_mean: float
    regret_stderr: float
    expected_outcomes_mean: float
    declarations: Declarations
    recommendation_correct_rate: float
    false_winner_rate: float | None
    differs_rate: float
    false_differs_rate: float | None
    segments: dict[str, Declarations]
    seconds: float


@dataclass(frozen=True)
class SegmentedReplication:
    regret: float
    expected_outcomes: float
    declared: tuple[int | None, ...]  # per segment, the first winner its rule declared
    recommended: tuple[int, ...]


@dataclass(frozen=True)
class SegmentedRun:
    scenario: Scenario
    policy: str
    result: SegmentedResult
    replications: tuple[SegmentedReplication, ...]


def segment_rates(scenario: Scenario) -> np.ndarray:
    """(segments, variants) true rates at period factor 1."""
    return np.array([s.true_rates(scenario.rates) for s in scenario_segments(scenario)])


def batch_split(scenario: Scenario) -> np.ndarray:
    """(batches, segments) contacts of each batch in each segment."""
    sizes = apportion(np.ones(scenario.batches), scenario.contacts)
    shares = [s.share for s in scenario_segments(scenario)]
    return np.array([apportion(shares, int(n)) for n in sizes])


def run_segmented_replication(
    scenario: Scenario, factory: SegmentPolicyFactory, seed: np.random.SeedSequence
) -> SegmentedReplication:
    """One campaign: observe, decide per segment, apportion, draw outcomes and their delays."""
    outcome_seed, policy_seed = seed.spawn(2)
    rng = np.random.default_rng(outcome_seed)
    rates = segment_rates(scenario)
    unsub_rates = (
        np.zeros(rates.shape[1])
        if scenario.unsubscribe_rates is None
        else np.asarray(scenario.unsubscribe_rates)
    )
    profile = scenario.profile
    (segments, k), batches = rates.shape, scenario.batches
    split = batch_split(scenario)
    total = split.sum(axis=0)
    policy = factory(k, total, np.random.default_rng(policy_seed))
    factors = np.resize(np.asarray(scenario.period_factors), batches)
    sends = np.zeros((segments, k, batches), dtype=np.int64)
    arrived = np.zeros((segments, k, batches, profile.size), dtype=np.int64)
    unsubscribed = np.zeros_like(arrived)
    declared: list[int | None] = [None] * segments
    for t in range(batches):
        seen = SegmentedObservation(t, t, sends, arrived, unsubscribed)
        decision = policy.decide(seen, Horizon(total - split[:t].sum(axis=0), total, split[t]))
        for s, winner in enumerate(decision.winners):
            if declared[s] is None:
                declared[s] = winner
        for s in range(segments):
            counts = apportion(decision.weights[s], int(split[t, s]))
            sends[s, :, t] = counts
            successes = rng.binomial(counts, rates[s] * factors[t])
            unsubscribes = rng.binomial(counts - successes, unsub_rates)
            for i in range(k):
                arrived[s, i, t] = rng.multinomial(successes[i], profile)
                unsubscribed[s, i, t] = rng.multinomial(unsubscribes[i], profile)
    gap = rates.max(axis=1, keepdims=True) - rates
    closed = batches + max(profile.size, CLOSED_AFTER)
    final = SegmentedObservation(closed, batches, sends, arrived, unsubscribed)
    return SegmentedReplication(
        regret=float(np.einsum("sk,skt,t->", gap, sends, factors)),
        expected_outcomes=float(np.einsum("sk,skt,t->", rates, sends, factors)),
        declared=tuple(declared),
        recommended=policy.recommend(final),
    )


def simulate_segmented(
    scenario: Scenario,
    factory: SegmentPolicyFactory,
    policy_name: str,
    replications: int | None = None,
    seed: int | None = None,
    wrap: Callable[[Iterable[np.random.SeedSequence]], Iterable[np.random.SeedSequence]]
    | None = None,
) -> SegmentedRun:
    """Every replication of ``scenario`` under one segment policy; ``wrap`` may add a progress
    bar."""
    count = scenario.replications if replications is None else replications
    seeds = replication_seeds(scenario.seed if seed is None else seed, count)
    start = time.perf_counter()
    runs = tuple(
        run_segmented_replication(scenario, factory, s)
        for s in (seeds if wrap is None else wrap(seeds))
    )
    result = summarize_segmented(scenario, runs, time.perf_counter() - start)
    return SegmentedRun(scenario, policy_name, result, runs)


def best_sets(scenario: Scenario) -> list[set[int]]:
    """Each segment's truly best variants (all of them where the segment is A/A)."""
    return [set(np.flatnonzero(r == r.max()).tolist()) for r in segment_rates(scenario)]


def one_best_everywhere(scenario: Scenario) -> bool:
    """Some variant is best in every segment (the campaign-level null of "differs")."""
    return bool(set.intersection(*best_sets(scenario)))


def summarize_segmented(
    scenario: Scenario, runs: Sequence[SegmentedReplication], seconds: float
) -> SegmentedResult:
    regret = np.array([r.regret for r in runs])
    best = best_sets(scenario)
    k = len(scenario.rates)
    aa = [len(b) == k for b in best]
    declared = np.array([[d is not None for d in r.declared] for r in runs])
    right = np.array(
        [
            [d is not None and not aa[s] and d in best[s] for s, d in enumerate(r.declared)]
            for r in runs
        ]
    )
    differs = np.array([winners_differ(r.declared) for r in runs])
    stderr = float(regret.std(ddof=1) / np.sqrt(len(runs))) if len(runs) > 1 else 0.0
    names = [s.name for s in scenario_segments(scenario)]
    return SegmentedResult(
        regret_mean=float(regret.mean()),
        regret_stderr=stderr,
        expected_outcomes_mean=float(np.mean([r.expected_outcomes for r in runs])),
        declarations=Declarations.of(declared, right),
        recommendation_correct_rate=float(
            np.mean([[c in best[s] for s, c in enumerate(r.recommended)] for r in runs])
        ),
        false_winner_rate=float(declared.any(axis=1).mean()) if all(aa) else None,
        differs_rate=float(differs.mean()),
        false_differs_rate=float(differs.mean()) if one_best_everywhere(scenario) else None,
        segments={
            name: Declarations.of(declared[:, s], right[:, s]) for s, name in enumerate(names)
        },
        seconds=round(seconds, 3),
    )
