"""The allocation decision: from the evidence so far to the next batch's weights.

The policy is a pure, deterministic function of its inputs (no random numbers): the engine and
the simulator both call ``allocate`` and turn the weights into counts with ``stats.apportion``.

Decision science, in order of application (docs/decision-science.md tells it in prose):

1. Maturity. A send counts from the moment it is drawn, weighted by the share of its outcomes
   that should have arrived by now (``Evidence.maturity``, estimated in ``engine.delays``), so
   the policy never waits out the attribution window and never mistakes a fresh send for a miss.
2. Period adjustment. Base rates swing by hour and weekday while the split changes between
   batches, so pooled rates are biased toward variants sent in good periods. A multiplicative
   model rate(i, p) = rho_i * f_p is fitted to the per-period counts and each variant's sends
   are re-expressed as exposure at the campaign's average period (``_effective_posterior``).
   The reported interval adds the estimated factors' uncertainty (``reported_beta``).
3. Guardrail: a variant whose unsubscribe rate (unsubscribes and spam complaints) is credibly
   worse than the best-unsubscribe variant is not fed any more.
4. Warm-up: uniform until every live variant has ``warmup_sends`` (maturity-weighted) sends.
5. Winner rule (``winner_conditions``): the leader by P(best) is declared when all of these hold:
   P(best) >= ``winner_probability``; ``winner_min_sends`` sends; expected loss <=
   ``winner_max_expected_loss``; and it beats every live rival in an always-valid sequential
   test (a mixture SPRT on the difference of rates) at error 1 - ``winner_probability``, which
   keeps false winners rare although the rule is checked after every batch while the split
   changes. With ``all_in`` every later send goes to the winner.
6. Exploration, horizon-aware: probability matching tempered by the share of the campaign still
   to send (weights ∝ P(best)^c, c growing as the horizon shrinks), a floor for every variant
   still worth exploring, and elimination of variants whose best-case gain over the leader,
   times the contacts left, is worth less than ``exploration_value`` outcomes. A *proof share*
   of every batch goes to the rivals the sequential test has not yet settled, as long as the
   test could plausibly conclude within the contacts left for every one of them (a
   declaration needs them all); a rival it has settled gets nothing more. The campaign's
   ``goal`` sets that share, the floor and the horizon's power (``GOALS``): proving a winner
   costs outcomes (Wald's floor, docs/design/0007-walds-floor.md), so the campaign says which
   it wants more.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Literal

import numpy as np
from scipy import special

from burt.engine.stats import (
    beta_credible_interval,
    beta_mean_variance,
    prob_best_and_expected_loss,
)

DecisionStatus = Literal["warming_up", "exploring", "winner"]
Goal = Literal["outcomes", "balanced", "winner"]
WARMING_UP: DecisionStatus = "warming_up"
EXPLORING: DecisionStatus = "exploring"
WINNER: DecisionStatus = "winner"

PRIOR_MIN = 0.1
PRIOR_MAX = 1000.0
"""Bounds of prior_alpha and prior_beta: a Beta(1000, 0.1) prior is already certain beyond
anything a campaign can move, and the quadrature in ``stats`` is exact to 1e-6 over this whole
range (a property test covers it)."""


@dataclass(frozen=True)
class Bounds:
    """The interval a numeric setting must lie in; an open end excludes its value."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value: float) -> bool:
        """NaN is in no interval."""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        opening = "(" if self.low_open else "["
        closing = ")" if self.high_open else "]"
        return f"{opening}{self.low:g}, {self.high:g}{closing}"

    def nearest(self, value: float) -> float:
        """The value in the interval nearest to `value` (at an open end, the nearest float
        inside it)."""
        if value in self:
            return value
        if value <= self.low or math.isnan(value):
            return math.nextafter(self.low, math.inf) if self.low_open else self.low
        return math.nextafter(self.high, -math.inf) if self.high_open else self.high


SETTING_BOUNDS: dict[str, Bounds] = {
    "prior_alpha": Bounds(PRIOR_MIN, PRIOR_MAX),
    "prior_beta": Bounds(PRIOR_MIN, PRIOR_MAX),
    "warmup_sends": Bounds(0, 1_000_000),
    "weight_floor": Bounds(0.0, 0.5, high_open=True),
    "winner_probability": Bounds(0.5, 0.9999, low_open=True),
    "winner_min_sends": Bounds(0, 10_000_000),
    "winner_max_expected_loss": Bounds(0.0, 1.0, low_open=True),
    "holdout_fraction": Bounds(0.0, 0.5),
    "attribution_window_seconds": Bounds(0, 2_592_000),
    "guardrail_probability": Bounds(0.5, 0.9999, low_open=True),
    "horizon_power": Bounds(0.0, 100.0),
    "exploration_value": Bounds(0.0, 1_000_000.0),
    "elimination_probability": Bounds(0.0, 0.5, high_open=True),
    "proof_share": Bounds(0.0, 1.0, high_open=True),
    "max_segments": Bounds(2, 64),
}
"""The bounds of every numeric setting: the contract's (`PolicySettings` in openapi.yaml), which
tests/test_spec.py holds equal to these, so a notebook and the API accept the same settings.
A setting that may be None (``GOAL_SETTINGS``: the goal's) is only checked when set."""


@dataclass(frozen=True)
class GoalPlan:
    """What a campaign's goal sets (``GOAL_SETTINGS``): the share of every batch spent on
    proving a winner, the exploration floor and how soon exploitation sharpens; and the goal in
    one sentence a marketer understands (the stats report shows it)."""

    proof_share: float
    weight_floor: float
    horizon_power: float
    meaning: str


GOALS: dict[Goal, GoalPlan] = {
    "outcomes": GoalPlan(
        0.0,
        0.0,
        2.0,
        "Earns the most outcomes: spends no contacts on exploration floors or on proving a"
        " winner, and sends to the message that looks best as soon as the evidence points one"
        " way; a winner is declared only when the evidence comes along anyway, so many"
        " campaigns end without one.",
    ),
    "balanced": GoalPlan(
        0.3,
        0.01,
        1.0,
        "Spends a modest part of every batch proving which message wins, trading a few outcomes"
        " for a winner declared in many campaigns where one exists.",
    ),
    "winner": GoalPlan(
        0.6,
        0.01,
        1.0,
        "Spends part of every batch proving which message wins, so a winner is declared in most"
        " campaigns where one exists, at the price of some outcomes.",
    ),
}
"""What each goal means. No rule that keeps wrong winners at 5% proves a winner for free
(docs/design/0007-walds-floor.md), so the goals trade outcomes for proof; the outcomes goal
also drops the exploration floor and exploits sooner (less regret where measured, see
docs/decision-science.md). Every setting stays available as an override (one set explicitly
wins over the goal's)."""

GOAL_SETTINGS = ("proof_share", "weight_floor", "horizon_power")
"""The settings a goal sets (the fields of ``GoalPlan`` but its meaning): None in
``PolicySettings`` follows the goal (``PolicySettings.in_force``)."""

GOAL_RULE = f"goal must be one of {', '.join(GOALS)}"

SETTINGS_BEFORE_GOALS: dict[str, float] = {
    "proof_share": 0.3,
    "weight_floor": 0.01,
    "horizon_power": 1.0,
}
"""The defaults of the goal's settings before goals: every campaign stored then carried them
unless it chose another value (a default was stored like any chosen value). They are the
balanced goal's values, so such a value reads as following the goal."""


def bounds_rule(name: str) -> str:
    """The rule the numeric setting `name` follows, as ``validate`` states it."""
    return f"{name} must be in {SETTING_BOUNDS[name]}"


def floor_problem(weight_floor: float, variants: int) -> str | None:
    """Why `weight_floor` cannot serve `variants` variants (a floor each must leave room for
    the policy to choose), or None."""
    if weight_floor * variants < 1.0:
        return None
    return f"weight_floor {weight_floor} times {variants} variants must stay below 1"


MAX_SEGMENT_ATTRIBUTES = 3
ATTRIBUTE_NAME_LENGTH = 64


def segment_by_problem(segment_by: object) -> str | None:
    """Why ``segment_by`` is not a list of at most three distinct attribute names (non-empty,
    at most 64 characters, no U+0000), or None."""
    if not isinstance(segment_by, tuple) or not all(isinstance(n, str) for n in segment_by):
        return "segment_by must be a list of attribute names"
    if len(segment_by) > MAX_SEGMENT_ATTRIBUTES:
        return (
            f"segment_by names at most {MAX_SEGMENT_ATTRIBUTES} attributes, got {len(segment_by)}"
        )
    for name in segment_by:
        if not 0 < len(name) <= ATTRIBUTE_NAME_LENGTH or "\x00" in name:
            return (
                f"segment_by attribute {name!r} must be 1 to {ATTRIBUTE_NAME_LENGTH}"
                " characters without U+0000"
            )
    if len(set(segment_by)) != len(segment_by):
        return f"segment_by names an attribute twice: {list(segment_by)}"
    return None


@dataclass(frozen=True)
class PolicySettings:
    """Campaign policy settings. Defaults come from the simulations in ``bench/``."""

    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    warmup_sends: int = 50
    weight_floor: float | None = None
    """None: the goal's (``in_force``)."""
    winner_probability: float = 0.95
    winner_min_sends: int = 1000
    winner_max_expected_loss: float = 0.001
    all_in: bool = True
    holdout_fraction: float = 0.0
    attribution_window_seconds: int = 86400
    unsubscribe_guardrail: bool = True
    guardrail_probability: float = 0.995
    period_adjustment: bool = True
    horizon_power: float | None = None
    """None: the goal's (``in_force``)."""
    exploration_value: float = 1.0
    elimination_probability: float = 0.05
    goal: Goal = "balanced"
    proof_share: float | None = None
    """None: the goal's (``in_force``)."""
    segment_by: tuple[str, ...] = ()
    """The contact attributes whose values make a contact's segment (``engine.segments``);
    empty: one allocation for the whole campaign."""
    max_segments: int = 32
    """The most segment slots a campaign keeps (``engine.segments.keys``)."""

    def __post_init__(self) -> None:
        # A list (JSON, a request, a notebook) is kept as a tuple: settings stay hashable.
        value: object = self.segment_by
        if isinstance(value, list):
            object.__setattr__(self, "segment_by", tuple(value))

    @property
    def plan(self) -> GoalPlan:
        """What the campaign's goal means (``GOALS``)."""
        return GOALS[self.goal]

    def in_force(self, name: str) -> float:
        """The value in force of numeric setting `name`: the one set, else (one of
        ``GOAL_SETTINGS`` left None) the goal's."""
        value = getattr(self, name)
        return float(getattr(self.plan, name)) if value is None else value

    @property
    def proof_share_in_force(self) -> float:
        """The share of every batch spent on proof: ``proof_share`` if set, else the goal's."""
        return self.in_force("proof_share")

    def validate(self, variants: int | None = None) -> None:
        """Raise ``ValueError`` naming the first invalid setting (or combination)."""
        if not isinstance(self.goal, str) or self.goal not in GOALS:
            raise ValueError(GOAL_RULE)
        for f in fields(self):
            if isinstance(f.default, bool) and not isinstance(getattr(self, f.name), bool):
                raise ValueError(f"{f.name} must be true or false")
        for name, bounds in SETTING_BOUNDS.items():
            value = getattr(self, name)
            if value is None and name in GOAL_SETTINGS:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name} must be a number")
            if float(value) not in bounds:
                raise ValueError(bounds_rule(name))
        if isinstance(self.max_segments, bool) or not isinstance(self.max_segments, int):
            raise ValueError("max_segments must be an integer")
        if (problem := segment_by_problem(self.segment_by)) is not None:
            raise ValueError(problem)
        split = 1.0 - (1.0 - self.winner_probability) / self.max_segments
        if self.segment_by and split not in SETTING_BOUNDS["winner_probability"]:
            raise ValueError(
                f"winner_probability {self.winner_probability} leaves each of up to"
                f" {self.max_segments} segments an error of {1.0 - split:.2g}, below what the"
                " winner rule allows: lower winner_probability or max_segments"
            )
        floor = self.in_force("weight_floor")
        if variants is not None and (problem := floor_problem(floor, variants)):
            raise ValueError(problem)


@dataclass(frozen=True)
class Evidence:
    """Counts per variant (rows) and period (columns; a period is one batch).

    ``sends`` are every send drawn so far; ``successes`` and ``unsubscribes`` the outcomes
    counted so far; ``maturity`` (one value per period, default 1) the share of a period's
    eventual outcomes expected to have arrived by now (``engine.delays.maturity``).
    """

    sends: np.ndarray
    successes: np.ndarray
    unsubscribes: np.ndarray
    maturity: np.ndarray | None = None


@dataclass(frozen=True)
class Posterior:
    """A variant's Beta(alpha, beta) posterior on its rate, its mean, and the equal-tailed 95%
    interval reported for it (``reported_beta``)."""

    alpha: float
    beta: float
    mean: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class VariantSummary:
    """What the policy concludes about one variant (a stats report extends it)."""

    posterior: Posterior
    prob_best: float
    expected_loss: float
    guardrail_tripped: bool
    effective_sends: float
    interval_beta: tuple[float, float]
    """The Beta (alpha, beta) whose interval is reported (``reported_beta``): the posterior's
    own unless the period adjustment's factors add their uncertainty."""


@dataclass(frozen=True)
class Condition:
    """One condition of the winner rule: its current value against its threshold."""

    name: str
    value: float
    threshold: float
    comparison: str  # ">=" or "<="
    met: bool


@dataclass(frozen=True)
class Allocation:
    weights: np.ndarray
    status: DecisionStatus
    winner: int | None
    winner_probability: float | None
    variants: tuple[VariantSummary, ...]
    leader: int
    conditions: tuple[Condition, ...]
    sends_needed: int | None
    """Estimated further sends until the sequential test could conclude (None: unknown)."""


def allocate(
    evidence: Evidence, settings: PolicySettings, remaining: int, total: int
) -> Allocation:
    """Weights for the next batch, the campaign status and per-variant posteriors.

    ``remaining`` is the number of contacts not yet assigned and ``total`` the campaign size;
    their ratio is the share of the horizon still to play, which sets how much exploration is
    still worth paying for.
    """
    return assess(evidence, settings, remaining, total).allocation()


def assess(evidence: Evidence, settings: PolicySettings, remaining: int, total: int) -> Assessment:
    """The policy's reading of the evidence up to its winner rule (what ``allocate`` builds
    on): the status and winner cost no proof planning, and the weights and the report are
    computed only when asked for (``Assessment``). A caller that wants only the status, or
    only the weights, pays for that alone; ``allocate`` is ``assess(...).allocation()``."""
    return assess_many([evidence], settings, [remaining], [total])[0]


def assess_many(
    evidence: Sequence[Evidence],
    settings: PolicySettings,
    remaining: Sequence[int],
    total: Sequence[int],
) -> list[Assessment]:
    """``assess`` of each evidence with its ``remaining`` and ``total``, under one
    ``settings`` (a segmented campaign's segments): the settings are checked once per number
    of variants, and the period fits of evidence of one shape run stacked (``_fit_periods``:
    the same arithmetic on each, so the same results as one at a time)."""
    checked = [_check_evidence(e) for e in evidence]
    for k in sorted({sends.shape[0] for sends, *_ in checked}):
        settings.validate(k)
    if not all(0 <= r <= t and t > 0 for r, t in zip(remaining, total, strict=True)):
        raise ValueError("need 0 <= remaining <= total and total > 0")
    exposure = [sends * maturity for sends, _, _, maturity in checked]
    fitted = _fit_stacked(
        [(e, successes) for e, (_, successes, _, _) in zip(exposure, checked, strict=True)],
        settings,
    )
    return [
        _assess(exposure[i], successes, unsubscribes, fitted[i], settings, remaining[i], total[i])
        for i, (_, successes, unsubscribes, _) in enumerate(checked)
    ]


def _assess(
    exposure_by_period: np.ndarray,
    successes: np.ndarray,
    unsubscribes: np.ndarray,
    fitted: np.ndarray | None,
    settings: PolicySettings,
    remaining: int,
    total: int,
) -> Assessment:
    k = exposure_by_period.shape[0]
    alpha, beta, exposure, factor_variance = _effective_posterior(
        exposure_by_period, successes, settings, fitted
    )
    effective = exposure_by_period.sum(axis=1)
    tripped = (
        guardrail_tripped(effective, unsubscribes.sum(axis=1), settings)
        if settings.unsubscribe_guardrail
        else np.zeros(k, dtype=bool)
    )
    return Assessment(
        settings=settings,
        remaining=remaining,
        total=total,
        alpha=alpha,
        beta=beta,
        factor_variance=factor_variance,
        successes=successes.sum(axis=1),
        exposure=exposure,
        effective=effective,
        tripped=tripped,
    )


@dataclass(frozen=True)
class Assessment:
    """The evidence read up to the winner rule (``assess``). ``status`` and ``winner`` are
    what ``allocate`` reports; ``weights`` (the next batch's) and ``allocation()`` (the whole
    report: intervals, summaries, sends needed) are computed on first use, each the same as
    ``allocate`` gives. So are P(best), the leader, the sequential test and the winner rule's
    conditions: while no variant has ``winner_min_sends`` sends no leader can meet the rule, so
    ``winner`` and ``status`` need none of them (a segment's rule early in a campaign)."""

    settings: PolicySettings
    remaining: int
    total: int
    alpha: np.ndarray
    beta: np.ndarray
    factor_variance: np.ndarray
    successes: np.ndarray  # per variant
    exposure: np.ndarray  # per variant, at the campaign's average period (the test's)
    effective: np.ndarray
    tripped: np.ndarray

    @cached_property
    def _best(self) -> tuple[np.ndarray, np.ndarray]:
        return prob_best_and_expected_loss(self.alpha, self.beta)

    @property
    def prob_best(self) -> np.ndarray:
        return self._best[0]

    @property
    def loss(self) -> np.ndarray:
        return self._best[1]

    @cached_property
    def leader(self) -> int:
        return int(np.argmax(np.where(self.live, self.prob_best, -1.0)))

    @cached_property
    def test(self) -> SequentialTest:
        return _sequential_test(
            self.successes,
            self.exposure,
            self.leader,
            self.live,
            self.remaining,
            self.total,
            self.settings,
        )

    @cached_property
    def conditions(self) -> tuple[Condition, ...]:
        return winner_conditions(
            self.prob_best, self.loss, self.effective, self.leader, self.test, self.settings
        )

    @cached_property
    def winner(self) -> int | None:
        # The rule's sends condition is the leader's: with no variant at that count it fails
        # whoever leads, so neither P(best) nor the test is needed to say there is no winner.
        if not np.any(self.effective >= self.settings.winner_min_sends):
            return None
        return self.leader if all(c.met for c in self.conditions) else None

    @property
    def live(self) -> np.ndarray:
        live: np.ndarray = ~self.tripped
        return live

    @property
    def warming_up(self) -> bool:
        return bool(np.any(self.effective[self.live] < self.settings.warmup_sends))

    @property
    def status(self) -> DecisionStatus:
        if self.warming_up:
            return WARMING_UP
        return EXPLORING if self.winner is None else WINNER

    @property
    def open_rivals(self) -> np.ndarray:
        """The live rivals the sequential test has not settled yet."""
        open_rivals: np.ndarray = self.live & ~self.test.settled
        open_rivals[self.leader] = False
        return open_rivals

    @cached_property
    def weights(self) -> np.ndarray:
        """The next batch's weights: the warm-up's even split, all in on a declared winner, or
        exploration with the proof shares."""
        live, settings = self.live, self.settings
        if self.warming_up:
            even: np.ndarray = live / live.sum()
            return even
        if settings.all_in and self.winner is not None:  # the rule's verdict only if used
            all_in: np.ndarray = np.eye(live.size)[self.winner]
            return all_in
        proof = _proof_weights(self.test, self.open_rivals, self.remaining, settings)
        return _exploration_weights(
            self.alpha,
            self.beta,
            self.prob_best,
            live,
            self.leader,
            self.test,
            proof,
            self.remaining,
            self.total,
            settings,
        )

    def allocation(self) -> Allocation:
        """Everything ``allocate`` reports."""
        alpha, beta, winner, weights = self.alpha, self.beta, self.winner, self.weights
        interval_alpha, interval_beta = reported_beta(alpha, beta, self.factor_variance)
        ci_low, ci_high = beta_credible_interval(interval_alpha, interval_beta)
        mean = beta_mean_variance(alpha, beta)[0]
        summaries = tuple(
            VariantSummary(
                posterior=Posterior(
                    float(alpha[i]),
                    float(beta[i]),
                    float(mean[i]),
                    float(ci_low[i]),
                    float(ci_high[i]),
                ),
                prob_best=float(self.prob_best[i]),
                expected_loss=float(self.loss[i]),
                guardrail_tripped=bool(self.tripped[i]),
                effective_sends=float(self.effective[i]),
                interval_beta=(float(interval_alpha[i]), float(interval_beta[i])),
            )
            for i in range(alpha.size)
        )
        return Allocation(
            weights=weights,
            status=self.status,
            winner=winner,
            winner_probability=None if winner is None else float(self.prob_best[winner]),
            variants=summaries,
            leader=self.leader,
            conditions=self.conditions,
            sends_needed=None
            if winner is not None
            else _sends_needed(self.test, weights, self.leader, self.open_rivals),
        )


def guardrail_tripped(
    sends: np.ndarray, unsubscribes: np.ndarray, settings: PolicySettings
) -> np.ndarray:
    """Variants whose unsubscribe rate is credibly above the lowest-unsubscribe variant's.

    With Beta(1 + u, 1 + n - u) posteriors on the unsubscribe rate, variant i trips when
    P(rate_i > rate_ref) >= ``guardrail_probability``, the reference being the variant with the
    lowest posterior mean (which therefore never trips itself). ``sends`` may be fractional
    (maturity-weighted).
    """
    a = 1.0 + unsubscribes
    b = 1.0 + np.maximum(sends - unsubscribes, 0.0)
    ref = int(np.argmin(beta_mean_variance(a, b)[0]))
    tripped = np.zeros(sends.shape[0], dtype=bool)
    for i in range(sends.shape[0]):
        if i != ref and unsubscribes[i] > 0:
            worse, _ = prob_best_and_expected_loss(a[[i, ref]], b[[i, ref]])
            tripped[i] = worse[0] >= settings.guardrail_probability
    return tripped


def winner_conditions(
    prob_best: np.ndarray,
    loss: np.ndarray,
    effective_sends: np.ndarray,
    leader: int,
    test: SequentialTest,
    settings: PolicySettings,
) -> tuple[Condition, ...]:
    """Every condition of the winner rule for the current leader, met or not."""
    return (
        Condition(
            "prob_best",
            float(prob_best[leader]),
            settings.winner_probability,
            ">=",
            bool(prob_best[leader] >= settings.winner_probability),
        ),
        Condition(
            "sends",
            float(effective_sends[leader]),
            float(settings.winner_min_sends),
            ">=",
            bool(effective_sends[leader] >= settings.winner_min_sends),
        ),
        Condition(
            "expected_loss",
            float(loss[leader]),
            settings.winner_max_expected_loss,
            "<=",
            bool(loss[leader] <= settings.winner_max_expected_loss),
        ),
        Condition(
            "sequential_z",
            0.0 if test.weakest is None else float(test.z[test.weakest]),
            0.0 if test.weakest is None else float(test.boundary[test.weakest]),
            ">=",
            test.weakest is None or bool(test.settled[test.weakest]),
        ),
    )


@dataclass(frozen=True)
class SequentialTest:
    """The always-valid test of the leader against every live rival.

    ``z`` is each variant's standardized lag behind the leader (0 for the leader itself),
    ``boundary`` the z it must reach for the leader to beat it now, ``required`` the sends a
    rival needs for the test to conclude if the difference seen so far held and the leader got
    ``_PROOF_PACE`` of the contacts left (inf when it cannot conclude that way), ``reachable``
    the same if the difference were ``_PROOF_OPTIMISM`` standard errors larger than seen.
    ``unit`` is each variant's variance per send, ``conclude`` the variance of each rival's
    difference at which the test would settle it at the difference seen (nan where the leader
    is not ahead of it). ``required``, ``reachable`` and ``conclude`` plan the proof; the
    verdict needs none of them, so they are computed on first use.
    """

    z: np.ndarray
    boundary: np.ndarray
    settled: np.ndarray  # rivals the leader beats at their boundary
    weakest: int | None  # the live rival closest to (or furthest from) being beaten
    sends: np.ndarray
    unit: np.ndarray
    diff: np.ndarray  # the leader's rate minus each variant's
    variance: np.ndarray  # of each difference
    rivals: np.ndarray
    leader_unit: float  # the leader's variance at ``_PROOF_PACE`` of the contacts left
    tau2: float
    log_threshold: float

    @cached_property
    def _at_diff(self) -> tuple[np.ndarray, np.ndarray]:
        return _plan_many([self], [self.diff])[0]

    @property
    def required(self) -> np.ndarray:
        return self._at_diff[0]

    @cached_property
    def reachable(self) -> np.ndarray:
        return _plan_many([self], [self.optimistic])[0][0]

    @property
    def optimistic(self) -> np.ndarray:
        """The differences ``reachable`` plans at."""
        optimistic: np.ndarray = self.diff + _PROOF_OPTIMISM * np.sqrt(self.variance)
        return optimistic

    @property
    def conclude(self) -> np.ndarray:
        return self._at_diff[1]


_MIXTURE_SPREAD = 10.0  # tau^2 over the variance of the difference at the planned sample
_PROOF_PACE = 0.5  # a proof is planned to conclude within this share of the contacts left
_PROOF_OPTIMISM = 0.5
"""A rival keeps its proof share while the test could conclude in time were the true difference
this many standard errors above the one seen: a plan on the difference seen alone abandons the
proof in every campaign whose sample happens to understate the lead
(docs/design/0009-which-proofs-to-pay-for.md)."""
_VARIANCE_PRIOR_SUCCESSES = 10.0
"""Each rate in the variance of a difference is shrunk toward the pooled rate by this many
pseudo-outcomes (at the pooled rate), so a rival with a handful of outcomes cannot fake a tiny
variance."""
_LOG_2 = float(np.log(2.0))
_HALF_LOG_2PI = float(0.5 * np.log(2.0 * np.pi))
_LOG_V_GRID = np.arange(-40.0, 10.5)  # log V - log tau^2: where _variance_to_conclude_many looks
_NEWTON_STEPS = 60  # a bound: from the grid's bracket, four or five steps converge


def _log_mixture_ratio(
    diff: np.ndarray, log_v: np.ndarray, tau2: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log of the one-sided mixture likelihood ratio (N(theta; 0, tau^2) over theta > 0) at
    variance V = exp(log_v), and its derivative in log V.

    With W = V + tau^2 and x = d sqrt(tau^2 / (V W)): log Lambda = log(V / W) / 2 + x^2 / 2 +
    log 2 + log Phi(x), and d log Lambda / d log V = (tau^2 - (V + W) x (x + phi(x) / Phi(x)))
    / (2 W).
    """
    v = np.exp(log_v)
    w = v + tau2
    x = diff * np.sqrt(tau2 / (v * w))
    log_phi = special.log_ndtr(x)
    ratio = 0.5 * np.log(v / w) + 0.5 * x * x + _LOG_2 + log_phi
    mills = np.exp(-0.5 * x * x - _HALF_LOG_2PI - log_phi)  # phi(x) / Phi(x)
    return ratio, 0.5 / w * (tau2 - (v + w) * x * (x + mills))


def _sequential_test(
    successes: np.ndarray,
    exposure: np.ndarray,
    leader: int,
    live: np.ndarray,
    remaining: int,
    total: int,
    settings: PolicySettings,
) -> SequentialTest:
    """One-sided mixture sequential probability ratio test (mSPRT) of the leader against every
    rival.

    P(best) is checked after every batch; looked at that often, a 0.95 threshold fires on
    identical variants far more than 5% of the time. For the difference d of two rates, with
    variance V = p_l (1 - p_l) / n_l + p_j (1 - p_j) / n_j, the likelihood ratio of "the
    leader is better by theta" against "no difference", mixed over theta > 0 with a half-normal
    weight of scale tau, is Lambda = 2 sqrt(V / (V + tau^2)) exp(tau^2 d^2 / (2 V (V + tau^2)))
    Phi(d tau / sqrt(V (V + tau^2))). Whenever the leader is in truth no better, it is a
    (super)martingale whatever the adaptive split, so by Ville's inequality it ever reaches
    m / error with probability at most error / m, however often it is checked (Johari et al.,
    "Always valid inference", 2017; one-sided, since only "the leader is better" can declare).
    m is the number of live variants: a false winner on an A/A campaign needs some variant to
    beat one fixed other (k events), and a wrong winner where one variant is best needs the
    declared one to beat it (k - 1 events), so either stays below error = 1 -
    ``winner_probability``. The rates in V are each variant's own, shrunk toward the pooled
    rate by ``_VARIANCE_PRIOR_SUCCESSES`` pseudo-outcomes: under "no difference" they estimate
    the same rate as the pooled one, and under a real difference the worse rival's lower rate
    gives the smaller, true variance (a quarter fewer rival sends for a 2% vs 3% proof).
    ``boundary`` is the z = d / sqrt(V) at which Lambda reaches the threshold (a fixed point:
    the Phi factor is nearly 1 there). tau^2 is ``_MIXTURE_SPREAD`` times the variance of the
    difference at half an equal split of the campaign per variant, where the test is most
    powerful; it depends on the campaign's size and the pooled rate, not on the difference.
    """
    k = successes.size
    rivals = live.copy()
    rivals[leader] = False
    error = 1.0 - settings.winner_probability
    log_threshold = float(np.log(max(rivals.sum(), 1) + 1) - np.log(error))
    n = np.maximum(exposure, 1e-9)
    pooled = (successes[live].sum() + 1.0) / (exposure[live].sum() + 2.0)
    tau2 = _MIXTURE_SPREAD * pooled * (1.0 - pooled) * 4.0 * k / max(total, 1)
    diff = successes[leader] / n[leader] - successes / n
    prior = _VARIANCE_PRIOR_SUCCESSES / pooled
    rate = (successes + prior * pooled) / (n + prior)
    unit = rate * (1.0 - rate)
    v = unit[leader] / n[leader] + unit / n
    z = diff / np.sqrt(v)
    boundary = np.zeros(k)
    slope, scale, widen = np.sqrt(tau2 / (v + tau2)), (v + tau2) / tau2, np.log((v + tau2) / v)
    for _ in range(6):
        shift = _LOG_2 + special.log_ndtr(boundary * slope)
        boundary = np.sqrt(scale * (2.0 * (log_threshold - shift) + widen))
    z[leader], boundary[leader] = 0.0, 0.0
    settled = rivals & (z >= boundary)
    weakest = (
        int(np.flatnonzero(rivals)[np.argmin(z[rivals] - boundary[rivals])])
        if rivals.any()
        else None
    )
    leader_unit = float(unit[leader] / (n[leader] + _PROOF_PACE * remaining))
    return SequentialTest(
        z, boundary, settled, weakest, n, unit, diff, v, rivals, leader_unit, tau2, log_threshold
    )


def _plan_many(
    tests: Sequence[SequentialTest], diffs: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each test at difference ``diffs[i]``: the sends each rival needs for it to conclude
    (inf when even infinitely many would not do, the leader's share of the variance being
    ``leader_unit``; a settled rival's own sends, it needs no more), and the variance of each
    difference at which it concludes (nan where the leader is not ahead). The Newton solves of
    every test run as one stack (``_variance_to_conclude_many``)."""
    aheads = [np.flatnonzero(t.rivals & (d > 0)) for t, d in zip(tests, diffs, strict=True)]
    variances = _variance_to_conclude_many(
        [d[ahead] for d, ahead in zip(diffs, aheads, strict=True)],
        [t.tau2 for t in tests],
        [t.log_threshold for t in tests],
    )
    plans = []
    for test, diff, ahead, variance in zip(tests, diffs, aheads, variances, strict=True):
        required = np.full(diff.size, np.inf)
        conclude = np.full(diff.size, np.nan)
        conclude[ahead] = variance
        room = conclude[ahead] - test.leader_unit
        feasible = room > 0
        required[ahead[feasible]] = test.unit[ahead[feasible]] / room[feasible]
        required[test.settled] = test.sends[test.settled]
        plans.append((required, conclude))
    return plans


def _variance_to_conclude_many(
    diffs: Sequence[np.ndarray], tau2s: Sequence[float], log_thresholds: Sequence[float]
) -> list[np.ndarray]:
    """For each test i, the largest variance V of each of ``diffs[i]`` at which it would beat
    the boundary at ``tau2s[i]`` and ``log_thresholds[i]``.

    The ratio falls with V. One pass over a grid of log V (a point per unit, over the bracket
    [tau^2 e^-40, tau^2 e^10]) brackets each crossing; Newton steps on log V from the secant's
    root, kept inside the bracket (else halving it), then reach the resolution of a double in
    four or five steps, all differences at once, where a bisection needs 52 halvings (the two
    agree to 2e-14 relative). A crossing outside the bracket gives its end. The tests (a
    segmented campaign's) run as one stack of elementwise arithmetic: each solve takes the
    Newton steps it takes alone and stops where it stops alone (once all its differences
    converged; it is then held while others go on), so each result is the one it gets alone,
    to the last bit."""
    if not diffs:
        return []
    sizes = [d.size for d in diffs]
    solve = np.repeat(np.arange(len(diffs)), sizes)
    diff = np.concatenate([np.asarray(d, dtype=float) for d in diffs])
    tau2 = np.repeat(np.asarray(tau2s, dtype=float), sizes)
    log_threshold = np.repeat(np.asarray(log_thresholds, dtype=float), sizes)
    grid = np.log(tau2)[:, None] + _LOG_V_GRID
    excess = _log_mixture_ratio(diff[:, None], grid, tau2[:, None])[0] - log_threshold[:, None]
    last = (excess >= 0).sum(axis=1) - 1  # the grid point before the crossing
    inside = (last >= 0) & (last < _LOG_V_GRID.size - 1)
    left = np.clip(last, 0, _LOG_V_GRID.size - 2)
    rows = np.arange(diff.size)
    low, high = grid[rows, left], grid[rows, left + 1]
    above, below = excess[rows, left], excess[rows, left + 1]
    log_v = np.where(inside, low + above / (above - below), np.where(last < 0, low, high))
    done = np.zeros(len(diffs), dtype=bool)
    for _ in range(_NEWTON_STEPS):
        ratio, slope = _log_mixture_ratio(diff, log_v, tau2)
        excess = ratio - log_threshold
        low = np.where(excess >= 0, log_v, low)
        high = np.where(excess >= 0, high, log_v)
        step = np.where(inside, excess / slope, 0.0)
        proposed = log_v - step
        converged = np.abs(step) <= 1e-9  # the next step would be below a double's resolution
        stepped = np.where(
            converged | ((proposed > low) & (proposed < high)), proposed, (low + high) / 2.0
        )
        log_v = np.where(done[solve], log_v, stepped)
        done |= np.bincount(solve[~converged], minlength=len(diffs)) == 0
        if done.all():
            break
    result = np.exp(log_v)
    return np.split(result, np.cumsum(sizes)[:-1])


def _proof_weights(
    test: SequentialTest, open_rivals: np.ndarray, remaining: int, settings: PolicySettings
) -> np.ndarray:
    """Share of the next batches each open rival needs for the test to conclude in time.

    A rival short of ``required`` sends gets the proof share in force (``proof_share``, else the
    goal's) split over the open rivals, so the test concludes early and the rest of the
    campaign can go all in. The proof is paid only while every open rival could plausibly be
    settled within the campaign at that share (``reachable``: the lead a little larger than
    seen): a declaration needs them all, so if one cannot be beaten in time, the sends to the
    others buy nothing. Zero for everyone else.
    """
    weights = np.zeros(test.z.size)
    cap = _proof_cap(open_rivals, remaining, settings)
    if cap is None or not _in_reach(test, open_rivals, cap, remaining):
        return weights
    weights[open_rivals & (test.required > test.sends)] = cap
    return weights


def _proof_cap(open_rivals: np.ndarray, remaining: int, settings: PolicySettings) -> float | None:
    """Each open rival's proof share, None where no proof is paid whatever the test says."""
    share = settings.proof_share_in_force
    if share <= 0 or not open_rivals.any() or remaining <= 0:
        return None
    return float(share / open_rivals.sum())


def _in_reach(test: SequentialTest, open_rivals: np.ndarray, cap: float, remaining: int) -> bool:
    """Whether every open rival could plausibly be settled at share ``cap`` of ``remaining``."""
    reachable = test.reachable[open_rivals] - test.sends[open_rivals]
    return bool(np.all(np.isfinite(reachable) & (reachable <= cap * remaining)))


def weights_many(assessments: Sequence[Assessment]) -> list[np.ndarray]:
    """Each assessment's ``weights`` (a segmented campaign's segments), the proof planning of
    them all stacked: the ``reachable`` plans every proof share needs, then the ``required``
    ones of those in reach, each as one ``_plan_many``. The same weights as one at a time."""
    paying = []
    for a in assessments:
        if a.warming_up or (a.settings.all_in and a.winner is not None):
            continue
        cap = _proof_cap(a.open_rivals, a.remaining, a.settings)
        if cap is not None:
            paying.append((a.test, a.open_rivals, cap, a.remaining))
    tests = [test for test, *_ in paying]
    for test, plan in zip(tests, _plan_many(tests, [t.optimistic for t in tests]), strict=True):
        vars(test)["reachable"] = plan[0]  # what the cached property would compute
    tests = [
        test for test, rivals, cap, remaining in paying if _in_reach(test, rivals, cap, remaining)
    ]
    for test, plan in zip(tests, _plan_many(tests, [t.diff for t in tests]), strict=True):
        vars(test)["_at_diff"] = plan
    return [a.weights for a in assessments]


_SENDS_NEEDED_MAX = 2.0**53
"""The largest count a JSON number carries exactly; no campaign comes near it."""


def _sends_needed(
    test: SequentialTest, weights: np.ndarray, leader: int, open_rivals: np.ndarray
) -> int | None:
    """Contacts still to draw until every open rival is settled, at the next batch's split
    (``weights``), if the differences seen so far held; None when some rival cannot be settled
    that way.

    Rival j is settled once a / (n_l + w_l m) + b / (n_j + w_j m) <= V_j, with a and b the
    leader's and the rival's variance per send, n their sends, w their weights and V_j the
    variance at which the test concludes. Both the leader's and the rival's sends shrink the
    variance: counting the rival's alone said 0 while the test still waited for the leader's.
    The smallest such m is the positive root of A m^2 + B m + C = 0 (A = V w_l w_j, B = V (n_l
    w_j + n_j w_l) - a w_j - b w_l, C = V n_l n_j - a n_j - b n_l < 0 while j is open), taken in
    the form -2C / (B + sqrt(B^2 - 4AC)) where B >= 0, which also holds when a weight is 0
    (A = 0), and (sqrt(B^2 - 4AC) - B) / 2A where B < 0, where the first form cancels to 0 / 0
    (a rival weighted 1e-17 once ``weight_floor`` is 0). Beyond ``_SENDS_NEEDED_MAX`` there is
    no estimate.
    """
    rivals = np.flatnonzero(open_rivals)
    if rivals.size == 0:
        return 0
    v = test.conclude[rivals]
    a, n_l, w_l = test.unit[leader], test.sends[leader], weights[leader]
    b, n_j, w_j = test.unit[rivals], test.sends[rivals], weights[rivals]
    at_most = a / n_l * (w_l <= 0) + b / n_j * (w_j <= 0)  # the variance with infinitely many
    if np.any(~(at_most < v)):  # nan (the leader is not ahead) compares False
        return None
    c = np.minimum(v * n_l * n_j - a * n_j - b * n_l, 0.0)
    b_coef = v * (n_l * w_j + n_j * w_l) - a * w_j - b * w_l
    a_coef = v * w_l * w_j
    spread = np.sqrt(b_coef * b_coef - 4.0 * a_coef * c)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = np.where(b_coef >= 0, -2.0 * c / (b_coef + spread), (spread - b_coef) / (2.0 * a_coef))
    m = np.where(c < 0, m, 0.0)
    if not np.all(m <= _SENDS_NEEDED_MAX):  # nan and inf included
        return None
    return int(np.ceil(np.max(m)))


def _check_evidence(
    evidence: Evidence,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sends = np.asarray(evidence.sends, dtype=float)
    successes = np.asarray(evidence.successes, dtype=float)
    unsubscribes = np.asarray(evidence.unsubscribes, dtype=float)
    if sends.ndim != 2 or sends.shape[0] < 2:
        raise ValueError("evidence must be (variants, periods) arrays with at least 2 variants")
    if successes.shape != sends.shape or unsubscribes.shape != sends.shape:
        raise ValueError("sends, successes and unsubscribes must have the same shape")
    if np.any(sends < 0) or np.any(successes < 0) or np.any(unsubscribes < 0):
        raise ValueError("counts must be non-negative")
    if np.any(successes > sends) or np.any(unsubscribes > sends):
        raise ValueError("successes and unsubscribes cannot exceed sends")
    maturity = (
        np.ones(sends.shape[1])
        if evidence.maturity is None
        else np.asarray(evidence.maturity, dtype=float)
    )
    if maturity.shape != (sends.shape[1],) or np.any(~(maturity >= 0) | (maturity > 1)):
        raise ValueError("maturity must hold one share in [0, 1] per period")
    return sends, successes, unsubscribes, maturity


def _effective_posterior(
    exposure: np.ndarray,
    successes: np.ndarray,
    settings: PolicySettings,
    fitted: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Beta posteriors on each variant's rate at the campaign's average period, its exposure,
    and the relative variance the estimated period factors add to its rate.

    ``exposure`` holds sends weighted by maturity. Fits rate(i, p) = rho_i * f_p (a Poisson
    model with variant and period effects, by alternating closed-form updates) with the
    send-weighted mean of f equal to 1, the factors shrunk by empirical Bayes so sampling noise
    is not mistaken for a swing. A variant's exposure is then sum_p exposure(i, p) * f_p: its
    sends re-expressed as sends in an average period, which removes the bias of comparing
    variants sent at different times (Simpson's paradox) while keeping the posterior's
    effective sample size. With one period, or no adjustment, this is the plain
    Beta-Bernoulli posterior. A fresh period's successes can exceed its expected share
    (exposure), so failures are floored at zero.

    The factors are estimates. By the delta method a variant's log exposure moves by
    sum_p (w_ip - W_p) d_p when log f_p moves by d_p, w_ip being the variant's share of its
    exposure in period p and W_p the campaign's (the normalisation cancels what they share),
    so the factors add sum_p (w_ip - W_p)^2 v_p to the relative variance of its rate, v_p the
    posterior variance of log f_p. A variant sent like the campaign gets none; one fed mostly
    in some hours (a loser starved after the morning) gets their factors' uncertainty.
    ``fitted``: the factors ``_fit_periods`` gives for this evidence, if already fitted.
    """
    total_successes = successes.sum(axis=1)
    adjusted = exposure
    factor_variance = np.zeros(exposure.shape[0])
    if _adjusts(exposure, settings):
        if fitted is None:
            fitted = _fit_periods(exposure, successes, settings)
        factor, log_variance = _period_factors(exposure, successes, fitted)
        adjusted = exposure * factor
        row = adjusted.sum(axis=1, keepdims=True)
        own = adjusted / np.maximum(row, 1e-300)
        campaign = adjusted.sum(axis=0) / adjusted.sum()
        # A variant never sent has no rate to lean on the factors: its prior stays as it is.
        factor_variance = np.where(
            row[:, 0] > 0, ((own - campaign) ** 2 * log_variance).sum(axis=1), 0.0
        )
    exposure_total = adjusted.sum(axis=1)
    alpha = settings.prior_alpha + total_successes
    beta = settings.prior_beta + np.maximum(exposure_total - total_successes, 0.0)
    return alpha, beta, np.maximum(exposure_total, total_successes), factor_variance


_SMALLEST_INTERVAL_SIZE = 1e-3
"""alpha + beta of the reported Beta never falls below this (a positive Beta however wide the
factors' uncertainty)."""


def reported_beta(
    alpha: np.ndarray, beta: np.ndarray, factor_variance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Beta with the posterior's mean and its variance plus what the period factors add
    (``factor_variance``, relative): the interval the stats report, rates and lifts. Where the
    factors add nothing it is the posterior itself."""
    mean, variance = beta_mean_variance(alpha, beta)
    widened = variance + mean**2 * factor_variance
    size = np.where(
        factor_variance > 0,
        np.maximum(mean * (1.0 - mean) / widened - 1.0, _SMALLEST_INTERVAL_SIZE),
        alpha + beta,
    )
    return mean * size, (1.0 - mean) * size


_PERIOD_ITERATIONS = 25


def _adjusts(exposure: np.ndarray, settings: PolicySettings) -> bool:
    """Whether the period adjustment applies to this exposure (variants x periods)."""
    return bool(settings.period_adjustment and exposure.shape[1] > 1 and exposure.sum() > 0)


def _fit_stacked(
    counts: Sequence[tuple[np.ndarray, np.ndarray]], settings: PolicySettings
) -> list[np.ndarray | None]:
    """``_fit_periods`` of every (exposure, successes) the adjustment applies to (None for the
    others), those of one shape fitted as one stack."""
    fitted: list[np.ndarray | None] = [None] * len(counts)
    shapes: dict[tuple[int, ...], list[int]] = {}
    for i, (exposure, _) in enumerate(counts):
        if _adjusts(exposure, settings):
            shapes.setdefault(exposure.shape, []).append(i)
    for members in shapes.values():
        stacked = _fit_periods(
            np.stack([counts[i][0] for i in members]),
            np.stack([counts[i][1] for i in members]),
            settings,
        )
        for i, factor in zip(members, stacked, strict=True):
            fitted[i] = factor
    return fitted


def _fit_periods(sends: np.ndarray, successes: np.ndarray, settings: PolicySettings) -> np.ndarray:
    """The period factors f_p of the multiplicative model rate(i, p) = rho_i * f_p, by
    alternating closed-form updates, before shrinkage (``_period_factors``). ``sends`` and
    ``successes`` are (variants, periods), or a stack of such (each fitted on its own: the
    stacked products are each one's own, so the factors are the same)."""
    variant_numerator = successes.sum(axis=-1) + settings.prior_alpha
    period_numerator = successes.sum(axis=-2) + 0.5
    prior = settings.prior_alpha + settings.prior_beta
    factor = np.ones(sends.shape[:-2] + sends.shape[-1:])
    for _ in range(_PERIOD_ITERATIONS):
        rho = variant_numerator / (np.matmul(sends, factor[..., None])[..., 0] + prior)
        factor = period_numerator / (np.matmul(rho[..., None, :], sends)[..., 0, :] + 0.5)
    return factor


def _period_factors(
    sends: np.ndarray, successes: np.ndarray, factor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes-shrunk period factors f_p, and the posterior variance of each log f_p,
    from the fitted ``factor`` (``_fit_periods``).

    Each raw factor is noisy (relative variance ~ 1 / period successes); with many small
    periods that noise alone would tilt the comparison between variants sent in different
    shares. So log f_p is shrunk toward 0 by tau^2 / (tau^2 + 1 / successes_p), tau^2 being
    the spread of the log factors beyond sampling noise (method of moments): constant base
    rates give tau^2 ~ 0 and no adjustment; a real daily cycle gives a large tau^2 and nearly
    full adjustment. The shrunk log factor's posterior variance is tau^2 noise / (tau^2 +
    noise).
    """
    period_sends = sends.sum(axis=0)
    period_successes = successes.sum(axis=0)
    active = period_sends > 0
    log_factor = np.log(factor[active])
    noise = 1.0 / (period_successes[active] + 0.5)
    weights = period_sends[active] / period_sends[active].sum()
    centre = weights @ log_factor
    spread = max(weights @ (log_factor - centre) ** 2 - weights @ noise, 0.0)
    shrunk = np.ones_like(factor)
    shrunk[active] = np.exp((log_factor - centre) * spread / (spread + noise))
    shrunk /= (period_sends @ shrunk) / period_sends.sum()
    log_variance = np.zeros_like(factor)
    log_variance[active] = spread * noise / (spread + noise)
    return shrunk, log_variance


def _exploration_weights(
    alpha: np.ndarray,
    beta: np.ndarray,
    prob_best: np.ndarray,
    live: np.ndarray,
    leader: int,
    test: SequentialTest,
    proof: np.ndarray,
    remaining: int,
    total: int,
    settings: PolicySettings,
) -> np.ndarray:
    """Tempered probability matching over the variants still worth exploring, with a floor,
    raised to the proof share for the rivals the sequential test still needs to settle (what
    is above the proof shares scaled so the weights sum to one)."""
    explore = (
        live
        & ~test.settled
        & (prob_best >= settings.elimination_probability)
        & (_best_case_gain(alpha, beta, leader) * remaining >= settings.exploration_value)
    )
    explore[leader] = True
    share_left = max(remaining, 1) / total
    power = share_left ** (-settings.in_force("horizon_power"))
    log_p = np.where(explore, np.log(np.maximum(prob_best, 1e-300)), -np.inf)
    raw = np.exp(power * (log_p - log_p[leader]))  # the leader has the largest P(best): no overflow
    raw = raw / raw.sum()
    floor = settings.in_force("weight_floor")
    weights: np.ndarray = np.where(explore, floor + (1.0 - floor * explore.sum()) * raw, 0.0)
    weights = weights / weights.sum()
    if proof.any():
        # The proof shares are floors; everything above them is scaled to fit the batch, so the
        # leader keeps a positive weight even when the fed rivals' own exploration weights
        # already fill it (a near tie of many variants).
        above = np.where(proof > 0, np.maximum(weights - proof, 0.0), weights)
        weights = proof + above * (1.0 - proof.sum()) / above.sum()
    return weights


def _best_case_gain(alpha: np.ndarray, beta: np.ndarray, leader: int) -> np.ndarray:
    """E[(X_i - X_leader)^+] per contact, by the normal approximation of the difference.

    It bounds what learning more about variant i could be worth per remaining contact.
    """
    mean, var = beta_mean_variance(alpha, beta)
    diff = mean - mean[leader]
    sd = np.sqrt(var + var[leader])
    z = diff / sd
    gain: np.ndarray = sd * np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi) + diff * special.ndtr(z)
    gain[leader] = 0.0
    return gain
