"""Peer policies, implemented from their documentation, behind the simulator's Policy protocol.

Every peer sees the same world as burt, in one of two honest modes (``PeerMode``): outcomes
counted as they arrive (fresh sends count as misses), or only batches whose every outcome has
arrived. ``make bench-policy`` runs both and scores a peer by its better one. Peers are rebuilt
for each replication with their own random generator; mabwiser and bayesianbandits are imported
only when their peer is built (``pip install 'burt[peers]'``).

- ``uniform``: an equal split to the end.
- ``ab-test``: a fixed-horizon A/B test on the first 20% of contacts (uniform split), analysed once
  its sample has matured; every later contact goes to the best observed variant. The winner is
  declared when the test is significant (chi-square test of homogeneity, p < 0.05).
- ``mabwiser-ts``: MABWiser's Thompson sampling (Beta-Bernoulli), one draw per contact.
- ``bayesianbandits-ts``: Thompson sampling on bayesianbandits' Beta posteriors (a
  ``DirichletClassifier`` over {0, 1} per arm, updated through the library's ``Agent``).
- ``email-platform``: uniform until each variant has 150 sends, then probability matching, and
  all-in once a variant's probability of being best reaches 0.95.
- ``growthbook``: GrowthBook's bandit: per-period means combined with period weights (the share of
  traffic in each period) into a Gaussian posterior per variant, Thompson sampling (10,000 draws)
  for P(best) as the weights, a 1% weight floor, weights updated only once every variant has 100
  units; a variant is marked the winner at P(best) >= 0.95 (traffic keeps flowing by weights).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import stats

from burt.engine.policy import Evidence, PolicySettings
from burt.engine.simulation import (
    DEFAULT_POLICY,
    Decision,
    Observation,
    PeerMode,
    Policy,
    PolicyFactory,
    burt_factory,
)
from burt.engine.stats import prob_best_and_expected_loss

PEER_MODES: tuple[PeerMode, ...] = ("arrive", "mature")


def _uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


def best_observed(evidence: Evidence) -> int:
    """Highest observed rate (Beta(1, 1) posterior mean, so unsent variants rank at 1/2 x 0)."""
    sends = evidence.sends.sum(axis=1)
    successes = evidence.successes.sum(axis=1)
    return int(np.argmax((successes + 1.0) / (sends + 2.0) * (sends > 0)))


def new_periods(evidence: Evidence, seen: int) -> tuple[np.ndarray, np.ndarray]:
    """Sends and successes per variant over the periods that matured since the last call."""
    return evidence.sends[:, seen:].sum(axis=1), evidence.successes[:, seen:].sum(axis=1)


def per_contact(sends: np.ndarray, successes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-variant counts into per-contact decisions and binary rewards."""
    decisions = np.repeat(np.arange(sends.size), sends)
    rewards = np.concatenate(
        [
            np.r_[np.ones(s, dtype=int), np.zeros(n - s, dtype=int)]
            for n, s in zip(sends, successes, strict=True)
        ]
    )
    return decisions, rewards


def _draw_shares(samples: np.ndarray) -> np.ndarray:
    """Thompson sampling: each contact goes to the arm with the largest draw (samples: n x k)."""
    k = samples.shape[1]
    result: np.ndarray = np.bincount(samples.argmax(axis=1), minlength=k) / samples.shape[0]
    return result


@dataclass
class Uniform:
    k: int

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        return Decision(_uniform(self.k), None)

    def recommend(self, evidence: Evidence) -> int:
        return best_observed(evidence)


@dataclass
class FixedABTest:
    k: int
    test_share: float = 0.2
    significance: float = 0.05
    choice: int | None = None

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        if self.choice is None and evidence.sends.sum() >= self.test_share * total:
            self.choice = best_observed(evidence)
            table = np.vstack([evidence.successes.sum(1), evidence.sends.sum(1)])
            table[1] -= table[0]
            significant = (
                table.min(axis=1).all()
                and stats.chi2_contingency(table, correction=False).pvalue < self.significance
            )
            return Decision(np.eye(self.k)[self.choice], self.choice if significant else None)
        if self.choice is None:
            return Decision(_uniform(self.k), None)
        return Decision(np.eye(self.k)[self.choice], None)

    def recommend(self, evidence: Evidence) -> int:
        return self.choice if self.choice is not None else best_observed(evidence)


@dataclass
class MabwiserThompson:
    k: int
    seed: int
    seen: int = 0
    mab: Any = None  # a mabwiser MAB: the library ships no type information

    def __post_init__(self) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB(list(range(self.k)), LearningPolicy.ThompsonSampling(), seed=self.seed)
        # Fitting on no data sets every arm to the library's Beta(1, 1) prior.
        self.mab.fit(decisions=np.array([], dtype=int), rewards=np.array([]))

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        sends, successes = new_periods(evidence, self.seen)
        if sends.sum():
            self.mab.partial_fit(*per_contact(sends, successes))
        self.seen = evidence.sends.shape[1]
        chosen = np.asarray(self.mab.predict(np.zeros((batch_size, 1))), dtype=int).reshape(-1)
        return Decision(np.bincount(chosen, minlength=self.k) / chosen.size, None)

    def recommend(self, evidence: Evidence) -> int:
        return best_observed(evidence)


@dataclass
class BayesianBanditsThompson:
    """Thompson sampling on bayesianbandits' posteriors.

    The library's policy draws per context row through a Python loop, so a batch of n contacts
    takes the n draws per arm in one ``learner.sample(size=n)`` call instead: the same
    posterior, the same argmax-of-one-draw rule, vectorised.
    """

    k: int
    rng: np.random.Generator
    seen: int = 0
    agent: Any = None  # a bayesianbandits Agent: the library ships no type information

    def __post_init__(self) -> None:
        from bayesianbandits import Agent, Arm, DirichletClassifier, ThompsonSampling

        arms = [
            Arm(i, reward_function=_class_one, learner=DirichletClassifier({0: 1.0, 1: 1.0}))
            for i in range(self.k)
        ]
        self.agent = Agent(arms, ThompsonSampling(), random_seed=self.rng)

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        sends, successes = new_periods(evidence, self.seen)
        for arm, (n, s) in enumerate(zip(sends, successes, strict=True)):
            if n:
                rewards = np.r_[np.ones(s), np.zeros(n - s)]
                self.agent.select_for_update(arm).update(rewards)
        self.seen = evidence.sends.shape[1]
        intercept = np.ones((1, 1))
        samples = np.column_stack(
            [
                _class_one(arm.learner.sample(intercept, size=batch_size))[:, 0]
                for arm in self.agent.arms
            ]
        )
        return Decision(_draw_shares(samples), None)

    def recommend(self, evidence: Evidence) -> int:
        return best_observed(evidence)


def _class_one(samples: np.ndarray) -> np.ndarray:
    """Reward of a Dirichlet draw over {0, 1}: the probability of class 1 (a click)."""
    return samples[..., 1]


@dataclass
class EmailPlatformRule:
    k: int
    warmup: int = 150
    threshold: float = 0.95
    winner: int | None = None

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        if self.winner is not None:
            return Decision(np.eye(self.k)[self.winner], None)
        sends = evidence.sends.sum(axis=1)
        if np.any(sends < self.warmup):
            return Decision(_uniform(self.k), None)
        successes = evidence.successes.sum(axis=1)
        prob_best, _ = prob_best_and_expected_loss(1.0 + successes, 1.0 + sends - successes)
        if prob_best.max() >= self.threshold:
            self.winner = int(np.argmax(prob_best))
            return Decision(np.eye(self.k)[self.winner], self.winner)
        return Decision(prob_best, None)

    def recommend(self, evidence: Evidence) -> int:
        return self.winner if self.winner is not None else best_observed(evidence)


@dataclass
class GrowthBookBandit:
    k: int
    rng: np.random.Generator
    burn_in: int = 100
    floor: float = 0.01
    draws: int = 10_000
    threshold: float = 0.95
    weights: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.weights = _uniform(self.k)

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        if np.any(evidence.sends.sum(axis=1) < self.burn_in):
            return Decision(self.weights, None)
        prob_best = self._prob_best(evidence)
        weights = np.maximum(prob_best, self.floor)
        self.weights = weights / weights.sum()
        best = int(np.argmax(prob_best))
        return Decision(self.weights, best if prob_best[best] >= self.threshold else None)

    def recommend(self, evidence: Evidence) -> int:
        return int(np.argmax(_period_weighted_means(evidence)[0]))

    def _prob_best(self, evidence: Evidence) -> np.ndarray:
        mean, var = _period_weighted_means(evidence)
        samples = self.rng.normal(mean, np.sqrt(var), size=(self.draws, self.k))
        return _draw_shares(samples)


def _period_weighted_means(evidence: Evidence) -> tuple[np.ndarray, np.ndarray]:
    """GrowthBook's period weighting: sum_p w_p mean_kp, variance sum_p w_p^2 var_kp / n_kp.

    w_p is period p's share of all units; a variant's periods without units are dropped and its
    weights renormalised.
    """
    n = evidence.sends.astype(float)
    has = n > 0
    rate = np.divide(evidence.successes, n, out=np.zeros_like(n), where=has)
    var = np.divide(rate * (1 - rate), n, out=np.zeros_like(n), where=has)
    w = np.where(has, n.sum(axis=0), 0.0)
    w = w / w.sum(axis=1, keepdims=True)
    mean = (w * rate).sum(axis=1)
    variance = (w**2 * var).sum(axis=1)
    return mean, np.maximum(variance, 1e-12)


def library_seed(rng: np.random.Generator) -> int:
    """A seed for a library that takes an int, drawn from the replication's generator."""
    return int(rng.integers(2**31 - 1))


class EvidencePolicy(Protocol):
    """A peer: decides from plain counts, knowing nothing of maturity."""

    def decide(
        self, evidence: Evidence, remaining: int, total: int, batch_size: int
    ) -> Decision: ...

    def recommend(self, evidence: Evidence) -> int: ...


@dataclass
class Honest:
    """A peer behind the simulator's Policy protocol, seeing outcomes in one honest mode."""

    peer: EvidencePolicy
    mode: PeerMode

    def decide(self, seen: Observation, remaining: int, total: int, batch_size: int) -> Decision:
        return self.peer.decide(seen.evidence(self.mode), remaining, total, batch_size)

    def recommend(self, seen: Observation) -> int:
        return self.peer.recommend(seen.evidence("arrive"))


PeerFactory = Callable[[int, np.random.Generator], EvidencePolicy]

PEERS: dict[str, PeerFactory] = {
    "uniform": lambda k, rng: Uniform(k),
    "ab-test": lambda k, rng: FixedABTest(k),
    "mabwiser-ts": lambda k, rng: MabwiserThompson(k, library_seed(rng)),
    "bayesianbandits-ts": lambda k, rng: BayesianBanditsThompson(k, rng),
    "email-platform": lambda k, rng: EmailPlatformRule(k),
    "growthbook": lambda k, rng: GrowthBookBandit(k, rng),
}
POLICY_NAMES: tuple[str, ...] = (DEFAULT_POLICY, *PEERS)
LIBRARIES: dict[str, str] = {"mabwiser-ts": "mabwiser", "bayesianbandits-ts": "bayesianbandits"}
"""The module each peer from an optional library imports (installed by `burt[peers]`)."""


def peer_factory(name: str, mode: PeerMode) -> PolicyFactory:
    """The named peer seeing outcomes in ``mode``."""
    make = PEERS[name]

    def build(k: int, rng: np.random.Generator) -> Policy:
        return Honest(make(k, rng), mode)

    return build


def resolve_policy(
    name: str, mode: PeerMode = "arrive", settings: PolicySettings | None = None
) -> PolicyFactory:
    """burt's policy (with ``settings``, else the defaults) or a peer in ``mode``; KeyError
    names the choices."""
    if name == DEFAULT_POLICY:
        return burt_factory(settings)
    if name not in PEERS:
        raise KeyError(f"unknown policy {name!r}; choose from {', '.join(POLICY_NAMES)}")
    return peer_factory(name, mode)
