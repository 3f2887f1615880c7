"""The policies the segmented simulator runs: burt's pooled policy, segment-blind burt, peers.

- ``burt``: ``allocate_segments`` (pooled weights per segment, the per-segment winner rule at
  alpha / S) on the evidence the service would build, the delays estimated campaign-wide.
- ``burt-blind``: today's burt on the whole campaign, the same weights in every segment; its
  winner, when it declares one, is declared in every segment.
- ``ts-per-segment``: MABWiser's Thompson sampling (``engine.peers.MabwiserThompson``), one
  independent bandit per segment.
- ``email-platform-per-segment``: the email platforms' rule (``engine.peers.EmailPlatformRule``)
  in every segment on its own.
- ``growthbook-leaves``: GrowthBook's contextual bandit as its docs describe it: the audience
  split into leaves by the context attributes, at most ``max_leaves`` leaves of at least
  ``min_users_per_leaf`` users each, every leaf with its own (unpooled) traffic weights from
  GrowthBook's bandit (``engine.peers.GrowthBookBandit``). With one segmenting attribute a leaf
  is one segment; segments too small for a leaf of their own, or beyond the largest
  ``max_leaves - 1``, share the last leaf. The docs give the two settings but no defaults;
  8 leaves of at least 2,500 contacts are ours.
- ``mabwiser-lints``: MABWiser's ``LinTS`` contextual bandit (defaults alpha = 1, l2_lambda = 1)
  with the segment one-hot as the context, one ridge regression per arm, one draw per contact.

Peers see outcomes in one of the honest modes of ``engine.peers`` (``PeerMode``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from burt.engine.delays import counted_evidence
from burt.engine.peers import (
    EmailPlatformRule,
    EvidencePolicy,
    GrowthBookBandit,
    MabwiserThompson,
    best_observed,
    library_seed,
    new_periods,
    per_contact,
)
from burt.engine.policy import Evidence, PolicySettings
from burt.engine.segments.policy import allocate_segments
from burt.engine.segments.simulation import (
    Horizon,
    SegmentDecision,
    SegmentedObservation,
    SegmentPolicy,
    SegmentPolicyFactory,
)
from burt.engine.simulation import DEFAULT_POLICY, BurtPolicy, Observation, PeerMode


def _counted(seen: Observation, window: int) -> Evidence:
    return counted_evidence(seen.sends, seen.unsubscribes, seen.ages, seen.arrivals, window)


@dataclass
class PooledBurt:
    """burt per segment: deterministic, like ``BurtPolicy``; ``pool`` False for each segment on
    its own evidence."""

    settings: PolicySettings = field(default_factory=PolicySettings)
    pool: bool = True

    def _evidence(self, seen: SegmentedObservation) -> list[Evidence]:
        """Each segment's counts; maturity from the campaign's delays (a segment's own few
        outcomes would estimate the same delays worse)."""
        window = self.settings.attribution_window_seconds
        maturity = _counted(seen.campaign, window).maturity
        return [replace(_counted(s, window), maturity=maturity) for s in seen.segments]

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        allocation = allocate_segments(
            self._evidence(seen), self.settings, horizon.remaining, horizon.total, self.pool
        )
        return SegmentDecision(allocation.weights, allocation.winners)

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        sent = np.maximum(seen.sends.sum(axis=(1, 2)), 1)
        allocation = allocate_segments(
            self._evidence(seen), self.settings, 0 * sent, sent, self.pool
        )
        return tuple(
            0 if d is None else d.leader if d.winner is None else d.winner
            for d in allocation.decisions
        )


@dataclass
class BlindBurt:
    """Today's burt on the campaign as a whole."""

    segments: int
    burt: BurtPolicy = field(default_factory=BurtPolicy)

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        decision = self.burt.decide(
            seen.campaign,
            int(horizon.remaining.sum()),
            int(horizon.total.sum()),
            int(horizon.batch_sizes.sum()),
        )
        weights = np.tile(decision.weights, (self.segments, 1))
        return SegmentDecision(weights, (decision.winner,) * self.segments)

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        return (self.burt.recommend(seen.campaign),) * self.segments


@dataclass
class Grouped:
    """One peer per group of segments (a group: the segments of a leaf, or one segment), each
    deciding on its group's merged counts; every segment of a group gets the group's weights
    and winner."""

    peers: list[EvidencePolicy]
    groups: np.ndarray  # the group of each segment
    mode: PeerMode

    def _evidence(self, observations: Sequence[Observation], mode: PeerMode) -> list[Evidence]:
        parts = [o.evidence(mode) for o in observations]
        return [
            Evidence(
                sum(parts[s].sends for s in members),
                sum(parts[s].successes for s in members),
                sum(parts[s].unsubscribes for s in members),
            )
            for members in self._members()
        ]

    def _members(self) -> list[np.ndarray]:
        return [np.flatnonzero(self.groups == g) for g in range(len(self.peers))]

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        k = seen.sends.shape[1]
        weights = np.full((self.groups.size, k), 1.0 / k)
        winners: list[int | None] = [None] * self.groups.size
        evidence = self._evidence(seen.segments, self.mode)
        for g, members in enumerate(self._members()):
            size = int(horizon.batch_sizes[members].sum())
            if size == 0:
                continue
            decision = self.peers[g].decide(
                evidence[g],
                int(horizon.remaining[members].sum()),
                int(horizon.total[members].sum()),
                size,
            )
            weights[members] = decision.weights
            for s in members:
                winners[s] = decision.winner
        return SegmentDecision(weights, tuple(winners))

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        evidence = self._evidence(seen.segments, "arrive")
        return tuple(self.peers[g].recommend(evidence[g]) for g in self.groups)


def leaves(sizes: np.ndarray, min_users_per_leaf: int, max_leaves: int) -> np.ndarray:
    """The leaf of each segment: the largest segments with at least ``min_users_per_leaf``
    contacts get a leaf each, up to ``max_leaves`` leaves in all; the rest share one more."""
    order = np.argsort(-sizes, kind="stable")
    own = [int(s) for s in order if sizes[s] >= min_users_per_leaf]
    if len(own) < sizes.size or len(own) > max_leaves:
        own = own[: max_leaves - 1]
    groups = np.full(sizes.size, len(own))
    groups[own] = np.arange(len(own))
    return groups


@dataclass
class LinTSSegments:
    """MABWiser's LinTS, the context a one-hot of the contact's segment."""

    k: int
    segments: int
    seed: int
    mode: PeerMode
    seen: int = 0
    mab: Any = None  # a mabwiser MAB: the library ships no type information
    fitted: bool = False

    def __post_init__(self) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB(list(range(self.k)), LearningPolicy.LinTS(), seed=self.seed)

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        self._learn(seen)
        weights = np.full((self.segments, self.k), 1.0 / self.k)
        batch_sizes = horizon.batch_sizes
        if self.fitted and batch_sizes.sum():
            contexts = np.repeat(np.eye(self.segments), batch_sizes, axis=0)
            chosen = np.asarray(self.mab.predict(contexts), dtype=int).reshape(-1)
            segment = np.repeat(np.arange(self.segments), batch_sizes)
            counts = np.zeros((self.segments, self.k))
            np.add.at(counts, (segment, chosen), 1.0)
            sent = batch_sizes > 0
            weights[sent] = counts[sent] / batch_sizes[sent, None]
        return SegmentDecision(weights, (None,) * self.segments)

    def _learn(self, seen: SegmentedObservation) -> None:
        decisions, rewards, contexts = [], [], []
        for s, observation in enumerate(seen.segments):
            sends, successes = new_periods(observation.evidence(self.mode), self.seen)
            chosen, reward = per_contact(sends.astype(int), successes.astype(int))
            decisions.append(chosen)
            rewards.append(reward)
            contexts.append(np.tile(np.eye(self.segments)[s], (chosen.size, 1)))
        self.seen = seen.segments[0].evidence(self.mode).sends.shape[1]
        if sum(d.size for d in decisions) == 0:
            return
        learn = self.mab.partial_fit if self.fitted else self.mab.fit
        learn(np.concatenate(decisions), np.concatenate(rewards), np.concatenate(contexts))
        self.fitted = True

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        if not self.fitted:
            return tuple(best_observed(o.evidence("arrive")) for o in seen.segments)
        expectations = self.mab.predict_expectations(np.eye(self.segments))
        return tuple(int(max(e, key=e.get)) for e in expectations)


MIN_USERS_PER_LEAF = 2_500
MAX_LEAVES = 8


def _grouped(
    make: Callable[[int, np.random.Generator], EvidencePolicy],
    mode: PeerMode,
    groups: Callable[[np.ndarray], np.ndarray],
) -> SegmentPolicyFactory:
    def build(k: int, sizes: np.ndarray, rng: np.random.Generator) -> SegmentPolicy:
        of = groups(sizes)
        return Grouped([make(k, rng) for _ in range(int(of.max()) + 1)], of, mode)

    return build


def _each(sizes: np.ndarray) -> np.ndarray:
    return np.arange(sizes.size)


def _leaves(sizes: np.ndarray) -> np.ndarray:
    return leaves(sizes, MIN_USERS_PER_LEAF, MAX_LEAVES)


SEGMENT_PEERS: dict[str, Callable[[PeerMode], SegmentPolicyFactory]] = {
    "burt-blind": lambda mode: lambda k, sizes, rng: BlindBurt(sizes.size),
    "ts-per-segment": lambda mode: _grouped(
        lambda k, rng: MabwiserThompson(k, library_seed(rng)), mode, _each
    ),
    "email-platform-per-segment": lambda mode: _grouped(
        lambda k, rng: EmailPlatformRule(k), mode, _each
    ),
    "growthbook-leaves": lambda mode: _grouped(GrowthBookBandit, mode, _leaves),
    "mabwiser-lints": lambda mode: (
        lambda k, sizes, rng: LinTSSegments(k, sizes.size, library_seed(rng), mode)
    ),
}
"""Every peer by name, built for a mode (``burt-blind`` ignores it: it is burt)."""


def pooled_burt(settings: PolicySettings | None = None, pool: bool = True) -> SegmentPolicyFactory:
    chosen = settings or PolicySettings()
    return lambda k, sizes, rng: PooledBurt(chosen, pool)


UNPOOLED = "burt-unpooled"
SEGMENT_LIBRARIES: dict[str, str] = {"ts-per-segment": "mabwiser", "mabwiser-lints": "mabwiser"}
"""The module each segment peer from an optional library imports (installed by `burt[peers]`)."""
SEGMENT_POLICY_NAMES = (DEFAULT_POLICY, UNPOOLED, *SEGMENT_PEERS)
"""What runs a segmented scenario: burt (pooled), burt on every segment's own evidence, the
peers."""


def resolve_segment_policy(
    name: str, mode: PeerMode = "arrive", settings: PolicySettings | None = None
) -> SegmentPolicyFactory:
    """burt per segment (with ``settings``, else the defaults; ``burt-blind`` with them too) or a
    peer in ``mode``; KeyError names the choices."""
    if name == DEFAULT_POLICY:
        return pooled_burt(settings)
    if name == UNPOOLED:
        return pooled_burt(settings, pool=False)
    if name == "burt-blind":
        chosen = settings or PolicySettings()
        return lambda k, sizes, rng: BlindBurt(sizes.size, BurtPolicy(chosen))
    if name not in SEGMENT_PEERS:
        raise KeyError(f"unknown policy {name!r}; choose from {', '.join(SEGMENT_POLICY_NAMES)}")
    return SEGMENT_PEERS[name](mode)
