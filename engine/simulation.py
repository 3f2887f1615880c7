"""Campaign simulator: replay a scenario against known true rates through the allocation code.

A scenario releases ``contacts`` in ``batches`` equal batches, one an hour. Before each batch
the policy sees what the service would know at that moment (an ``Observation``): every send
drawn so far, and the outcomes that have arrived, each with its delay; an outcome of batch t
arrives before batch t + 1 + d with probability ``delay_profile[d]``. burt's policy turns that
into evidence with the same function the service uses (``delays.counted_evidence``) and
allocates; the weights become counts with ``stats.apportion``, exactly as in the service.
Outcomes are drawn per variant per batch (binomial counts, then a multinomial over the delay
profile), so a replication costs one policy call per batch and no per-contact work. Regret is
expected (not realised) outcomes lost against always sending the truly best variant. The
scenario and result formats are in docs/simulation.md.

This module is the simulation model only: policies are passed in (burt's is ``burt_factory``,
peers live in ``engine.peers``); the command line, progress bar and plots are in
``burt.service.cli.simulate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Protocol

import msgspec
import numpy as np
from scipy import special

from burt.engine.burt import settings_with
from burt.engine.delays import Arrivals, counted_evidence
from burt.engine.errors import InvalidInput
from burt.engine.policy import (
    SETTING_BOUNDS,
    WINNER,
    Allocation,
    Evidence,
    PolicySettings,
    allocate,
)
from burt.engine.segments.scenario import Segment, segments_problem
from burt.engine.stats import apportion, relative_lift

DEFAULT_POLICY = "burt"
BATCH_SECONDS = 3600.0
"""A batch interval in the simulated clock: one hour, as in the scenarios' delay profiles."""

CLOSED_AFTER = int(np.ceil(SETTING_BOUNDS["attribution_window_seconds"].high / BATCH_SECONDS))
"""Batches after the last one at which the final read is taken: by then every outcome has
arrived and every attribution window has closed, so nothing the stats report is provisional."""

PeerMode = Literal["arrive", "mature"]
"""How a peer that knows nothing of maturity sees outcomes: counted as they arrive (fresh sends
count as misses), or only from batches whose every outcome has arrived."""


@dataclass(frozen=True)
class Scenario:
    name: str
    rates: tuple[float, ...]
    contacts: int
    batches: int
    delay: int = 0
    delay_profile: tuple[float, ...] | None = None
    period_factors: tuple[float, ...] = (1.0,)
    replications: int = 100
    seed: int = 0
    unsubscribe_rates: tuple[float, ...] | None = None  # extension: per-variant unsubscribe rate
    settings: dict[str, Any] | None = field(default=None, hash=False)
    """The campaign settings burt's policy runs with, as the API takes them (``{"goal":
    "winner"}``); None: the defaults. Peers ignore them."""
    segments: tuple[Segment, ...] | None = None  # engine.segments.simulation runs these

    def __post_init__(self) -> None:
        if len(self.rates) < 2:
            raise ValueError(f"{self.name}: need at least two rates")
        factors = np.asarray(self.period_factors)
        if self.contacts < 1 or self.batches < 1 or self.delay < 0 or self.replications < 1:
            raise ValueError(f"{self.name}: contacts, batches, replications >= 1; delay >= 0")
        if self.seed < 0:
            raise ValueError(f"{self.name}: seed must be at least 0")
        if not factors.size or np.any(factors <= 0):
            raise ValueError(f"{self.name}: period_factors must be positive")
        peak = np.max(self.rates) * factors.max()
        if min(self.rates) < 0 or peak > 1:
            raise ValueError(f"{self.name}: rates x period_factors must lie in [0, 1]")
        if self.unsubscribe_rates is not None and len(self.unsubscribe_rates) != len(self.rates):
            raise ValueError(f"{self.name}: unsubscribe_rates must match rates")
        if self.delay_profile is not None:
            profile = np.asarray(self.delay_profile)
            if not profile.size or np.any(profile < 0) or abs(profile.sum() - 1.0) > 1e-3:
                raise ValueError(f"{self.name}: delay_profile must be shares summing to 1")
        if self.segments is not None and (
            problem := segments_problem(self.segments, self.rates, factors.max())
        ):
            raise ValueError(f"{self.name}: {problem}")
        self.policy_settings()  # a setting the API would refuse is refused here, by name

    def policy_settings(self, **overrides: Any) -> PolicySettings:
        """The settings burt's policy runs with: the scenario's, then ``overrides`` (as the API
        takes them) on top. ValueError names a setting the API would refuse."""
        try:
            return settings_with(
                settings_with(PolicySettings(), self.settings or {}, len(self.rates)),
                overrides,
                len(self.rates),
            )
        except InvalidInput as exc:
            raise ValueError(f"{self.name}: {exc}") from None

    @property
    def is_aa(self) -> bool:
        return len(set(self.rates)) == 1

    @property
    def profile(self) -> np.ndarray:
        """p_d: the share of outcomes that arrive d batches late (``delay`` is a one-hot)."""
        profile: np.ndarray = (
            np.eye(self.delay + 1)[self.delay]
            if self.delay_profile is None
            else np.asarray(self.delay_profile, dtype=float)
        )
        shares: np.ndarray = profile / profile.sum()
        return shares

    def counted_rates(self) -> np.ndarray:
        """The variants' rates as any test can count them: at the campaign's mean period factor
        (an even split over time), times the share of outcomes inside the attribution window of
        the scenario's settings. A late tail beyond the window is lost to every policy alike."""
        factor = float(np.mean(np.resize(np.asarray(self.period_factors), self.batches)))
        window = self.policy_settings().attribution_window_seconds
        return np.asarray(self.rates, dtype=float) * factor * counted_share(self.profile, window)

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """The scenario in a JSON file. ValueError names what is wrong: a field missing, unknown
        or of the wrong type (with its path, `$.rates[1]`), or values that cannot go together."""
        try:
            data = msgspec.json.decode(Path(path).read_bytes())
            if not isinstance(data, dict):
                raise ValueError("a scenario is a JSON object")
            unknown = sorted(set(data) - {f.name for f in fields(cls)})
            if unknown:
                raise ValueError(f"unknown field {', '.join(map(repr, unknown))}")
            scenario: Scenario = msgspec.convert(data, cls)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ValueError(str(exc)) from None
        return scenario


@dataclass(frozen=True)
class Observation:
    """What the service knows just before a batch is drawn.

    ``sends``/``successes``/``unsubscribes`` are (variants, batches so far): every send, and
    the outcomes that have arrived (whatever their delay). ``ages`` are the seconds since each
    batch was drawn; ``arrivals`` the arrived successes by variant, batch and delay;
    ``matured`` how many leading batches have every outcome in.
    """

    sends: np.ndarray
    successes: np.ndarray
    unsubscribes: np.ndarray
    ages: np.ndarray
    arrivals: Arrivals
    matured: int

    def evidence(self, mode: PeerMode) -> Evidence:
        """The plain counts a peer sees in ``mode`` (no maturity weighting)."""
        keep = slice(None) if mode == "arrive" else slice(0, self.matured)
        return Evidence(self.sends[:, keep], self.successes[:, keep], self.unsubscribes[:, keep])


@dataclass(frozen=True)
class Decision:
    weights: np.ndarray
    winner: int | None  # set when the policy's winner rule fired at this decision


class Policy(Protocol):
    """One replication's policy. Stateful peers may keep state between calls."""

    def decide(self, seen: Observation, remaining: int, total: int, batch_size: int) -> Decision:
        """Weights for the next batch, from what the service would know now."""
        ...

    def recommend(self, seen: Observation) -> int:
        """The variant the policy names as best at the end of the campaign."""
        ...


PolicyFactory = Callable[[int, np.random.Generator], Policy]
"""Builds a fresh policy for ``k`` variants with its own random generator."""


@dataclass
class BurtPolicy:
    """burt's ``allocate`` on the evidence the service would build: deterministic."""

    settings: PolicySettings = field(default_factory=PolicySettings)

    def _evidence(self, seen: Observation) -> Evidence:
        return counted_evidence(
            seen.sends,
            seen.unsubscribes,
            seen.ages,
            seen.arrivals,
            self.settings.attribution_window_seconds,
        )

    def decide(self, seen: Observation, remaining: int, total: int, batch_size: int) -> Decision:
        allocation = allocate(self._evidence(seen), self.settings, remaining, total)
        winner = allocation.winner if allocation.status == WINNER else None
        return Decision(allocation.weights, winner)

    def recommend(self, seen: Observation) -> int:
        allocation = self._final(seen)
        return allocation.winner if allocation.winner is not None else allocation.leader

    def covered(self, seen: Observation, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each variant's reported 95% interval holds its true rate (``truth``), and
        whether its interval on the lift over variant 0 holds the true lift."""
        variants = self._final(seen).variants
        low = np.array([v.posterior.ci_low for v in variants])
        high = np.array([v.posterior.ci_high for v in variants])
        alpha, beta = np.array([v.interval_beta for v in variants]).T
        _, lift_low, lift_high = relative_lift(alpha, beta, reference=0)
        lift = truth / truth[0] - 1.0
        return (low <= truth) & (truth <= high), (lift_low <= lift) & (lift <= lift_high)

    def in_window(self, profile: np.ndarray) -> float:
        """The share of outcomes this policy's attribution window counts (``counted_share``)."""
        return counted_share(profile, self.settings.attribution_window_seconds)

    def _final(self, seen: Observation) -> Allocation:
        total = max(int(seen.sends.sum()), 1)
        return allocate(self._evidence(seen), self.settings, 0, total)


def burt_factory(settings: PolicySettings | None = None) -> PolicyFactory:
    chosen = settings or PolicySettings()
    return lambda k, rng: BurtPolicy(chosen)


@dataclass(frozen=True)
class SimulationResult:
    regret_mean: float
    regret_stderr: float
    expected_outcomes_mean: float
    winner_declared_rate: float
    declared_correct_rate: float
    wrong_winner_rate: float | None
    declared_at_mean: float | None
    recommendation_correct_rate: float
    false_winner_rate: float | None
    interval_coverage: tuple[float, ...] | None
    """Per variant: the share of replications whose final 95% interval on the rate holds the
    true rate (burt's; None for peers, which report no interval)."""
    lift_coverage: tuple[float, ...] | None
    """Per variant: the same for the interval on its lift over variant 0 (1 for variant 0)."""
    seconds: float


@dataclass(frozen=True)
class Replication:
    regret: float
    expected_outcomes: float
    declared: int | None  # the first winner the rule declared, if any
    declared_at: float | None  # share of the contacts sent before that declaration
    recommended: int
    weights: np.ndarray  # (batches, k) shares actually sent
    cumulative_regret: np.ndarray  # (batches,)
    covered: tuple[np.ndarray, np.ndarray] | None = None  # rate and lift intervals, per variant


@dataclass(frozen=True)
class SimulationRun:
    scenario: Scenario
    policy: str
    result: SimulationResult
    replications: tuple[Replication, ...]


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Replication r always gets the same seed, whatever the number of replications."""
    return [np.random.SeedSequence([seed, r]) for r in range(replications)]


def observe(
    now: int, periods: int, sends: np.ndarray, arrived: np.ndarray, unsub_arrived: np.ndarray
) -> Observation:
    """What is known at hour ``now`` of the first ``periods`` batches: an outcome of batch s
    with delay d (it occurs (d + 1/2) hours after the draw) is in iff d < now - s."""
    lags = arrived.shape[2]
    age_in_batches = now - np.arange(periods)
    visible = np.arange(lags)[None, :] < age_in_batches[:, None]  # (periods, lags)
    seen = arrived[:, :periods] * visible
    variant, period, lag = np.nonzero(seen)
    arrivals = Arrivals(
        period=period,
        delay=(lag + 0.5) * BATCH_SECONDS,
        count=seen[variant, period, lag].astype(float),
        variant=variant,
    )
    return Observation(
        sends=sends[:, :periods],
        successes=seen.sum(axis=2),
        unsubscribes=(unsub_arrived[:, :periods] * visible).sum(axis=2),
        ages=age_in_batches * BATCH_SECONDS,
        arrivals=arrivals,
        matured=int(np.sum(age_in_batches >= lags)),
    )


def run_replication(
    scenario: Scenario, factory: PolicyFactory, seed: np.random.SeedSequence
) -> Replication:
    """One campaign: observe, decide, apportion, draw outcomes per batch and their delays."""
    outcome_seed, policy_seed = seed.spawn(2)
    rng = np.random.default_rng(outcome_seed)
    rates = np.asarray(scenario.rates)
    unsub_rates = (
        np.zeros_like(rates)
        if scenario.unsubscribe_rates is None
        else np.asarray(scenario.unsubscribe_rates)
    )
    profile = scenario.profile
    k, batches = rates.size, scenario.batches
    policy = factory(k, np.random.default_rng(policy_seed))
    sizes = apportion(np.ones(batches), scenario.contacts)
    factors = np.resize(np.asarray(scenario.period_factors), batches)
    sends = np.zeros((k, batches), dtype=np.int64)
    arrived = np.zeros((k, batches, profile.size), dtype=np.int64)
    unsub_arrived = np.zeros_like(arrived)
    gap = rates.max() - rates
    declared: int | None = None
    declared_at: float | None = None
    assigned = 0
    for t in range(batches):
        seen = observe(t, t, sends, arrived, unsub_arrived)
        decision = policy.decide(seen, scenario.contacts - assigned, scenario.contacts, sizes[t])
        if declared is None and decision.winner is not None:
            declared, declared_at = decision.winner, assigned / scenario.contacts
        counts = apportion(decision.weights, int(sizes[t]))
        sends[:, t] = counts
        successes = rng.binomial(counts, rates * factors[t])
        unsubscribes = rng.binomial(counts - successes, unsub_rates)
        for i in range(k):
            arrived[i, t] = rng.multinomial(successes[i], profile)
            unsub_arrived[i, t] = rng.multinomial(unsubscribes[i], profile)
        assigned += int(sizes[t])
    per_batch_regret = factors * (gap @ sends)
    closed = batches + max(profile.size, CLOSED_AFTER)
    final = observe(closed, batches, sends, arrived, unsub_arrived)
    covered = None
    if isinstance(policy, BurtPolicy):
        truth = rates * (sizes @ factors) / sizes.sum() * policy.in_window(profile)
        covered = policy.covered(final, truth)
    return Replication(
        regret=float(per_batch_regret.sum()),
        expected_outcomes=float((factors * (rates @ sends)).sum()),
        declared=declared,
        declared_at=declared_at,
        recommended=policy.recommend(final),
        weights=(sends / sizes).T,
        cumulative_regret=np.cumsum(per_batch_regret),
        covered=covered,
    )


def simulate(
    scenario: Scenario,
    factory: PolicyFactory,
    policy_name: str = DEFAULT_POLICY,
    replications: int | None = None,
    seed: int | None = None,
    wrap: Callable[[Iterable[np.random.SeedSequence]], Iterable[np.random.SeedSequence]]
    | None = None,
) -> SimulationRun:
    """Every replication of ``scenario`` under one policy; ``wrap`` may add a progress bar.

    A scenario with ``segments`` runs in ``engine.segments.simulation`` (its policies decide per
    segment); here it is refused rather than silently simulated as one segment.
    """
    if scenario.segments is not None:
        raise ValueError(f"{scenario.name}: a segmented scenario runs in engine.segments")
    count = scenario.replications if replications is None else replications
    seeds = replication_seeds(scenario.seed if seed is None else seed, count)
    start = time.perf_counter()
    runs = tuple(
        run_replication(scenario, factory, s) for s in (seeds if wrap is None else wrap(seeds))
    )
    return SimulationRun(
        scenario, policy_name, summarize(scenario, runs, time.perf_counter() - start), runs
    )


def summarize(scenario: Scenario, runs: Sequence[Replication], seconds: float) -> SimulationResult:
    regret = np.array([r.regret for r in runs])
    best = _best_variants(scenario)
    declared = [r for r in runs if r.declared is not None]
    right = [r for r in declared if not scenario.is_aa and r.declared in best]
    stderr = float(regret.std(ddof=1) / np.sqrt(len(runs))) if len(runs) > 1 else 0.0
    return SimulationResult(
        regret_mean=float(regret.mean()),
        regret_stderr=stderr,
        expected_outcomes_mean=float(np.mean([r.expected_outcomes for r in runs])),
        winner_declared_rate=len(declared) / len(runs),
        declared_correct_rate=len(right) / len(runs),
        wrong_winner_rate=1.0 - len(right) / len(declared) if declared else None,
        declared_at_mean=float(np.mean([r.declared_at for r in declared])) if declared else None,
        recommendation_correct_rate=float(np.mean([r.recommended in best for r in runs])),
        false_winner_rate=len(declared) / len(runs) if scenario.is_aa else None,
        interval_coverage=_coverage([r.covered[0] for r in runs if r.covered is not None]),
        lift_coverage=_coverage([r.covered[1] for r in runs if r.covered is not None]),
        seconds=round(seconds, 3),
    )


def counted_share(profile: np.ndarray, window_seconds: float) -> float:
    """The share of outcomes an attribution window of ``window_seconds`` counts: an outcome d
    batches late occurs (d + 1/2) batches after its draw and counts while that is inside the
    window (a window of 0 counts every outcome, however late)."""
    if window_seconds == 0:
        return float(profile.sum())
    delays = (np.arange(profile.size) + 0.5) * BATCH_SECONDS
    return float(profile[delays < window_seconds].sum())


def equal_split_power(scenario: Scenario, level: float = 0.05) -> float | None:
    """Power of a plain equal split over the whole campaign to find the best variant.

    A two-sided ``level`` z-test of the best against the runner-up on N / k contacts each, the
    level Bonferroni-split over the k - 1 rivals, on the rates anyone can count
    (``Scenario.counted_rates``: the campaign's mean period factor, the outcomes inside the
    attribution window). None for A/A scenarios (there is no best variant to find).
    """
    if scenario.is_aa:
        return None
    rates = np.sort(scenario.counted_rates())[::-1]
    best, runner_up = rates[0], rates[1]
    n = scenario.contacts / rates.size
    se = np.sqrt((best * (1 - best) + runner_up * (1 - runner_up)) / n)
    z = special.ndtri(1.0 - level / (2.0 * (rates.size - 1)))
    shift = (best - runner_up) / se
    return float(special.ndtr(shift - z) + special.ndtr(-shift - z))


def _coverage(hits: list[np.ndarray]) -> tuple[float, ...] | None:
    if not hits:
        return None
    shares = np.asarray(hits).mean(axis=0).round(4)  # per variant
    return tuple(float(share) for share in shares)


def _best_variants(scenario: Scenario) -> set[int]:
    rates = np.asarray(scenario.rates)
    return set(np.flatnonzero(rates == rates.max()).tolist())
