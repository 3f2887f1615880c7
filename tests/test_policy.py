"""Allocation policy: warm-up, floor, winner rule, all-in, period weighting, guardrail."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from burt.engine import policy as policy_module
from burt.engine.policy import (
    EXPLORING,
    GOAL_SETTINGS,
    GOALS,
    SETTING_BOUNDS,
    SETTINGS_BEFORE_GOALS,
    WARMING_UP,
    WINNER,
    Evidence,
    PolicySettings,
    allocate,
    assess,
    bounds_rule,
    guardrail_tripped,
)
from burt.engine.simulation import Scenario, burt_factory, replication_seeds, run_replication
from burt.engine.stats import prob_best_and_expected_loss


def evidence(sends: list[list[int]], successes: list[list[int]], unsubs=None) -> Evidence:
    s = np.array(sends)
    return Evidence(
        sends=s,
        successes=np.array(successes),
        unsubscribes=np.zeros_like(s) if unsubs is None else np.array(unsubs),
    )


SETTINGS = PolicySettings()
NO_PROOF = dataclasses.replace(SETTINGS, proof_share=0.0)


@pytest.mark.parametrize(
    ("ev", "status"),
    [
        (evidence([[2500, 2500], [2500, 2500]], [[50, 60], [110, 120]]), WINNER),
        (evidence([[30, 0], [500, 10]], [[1, 0], [10, 0]]), WARMING_UP),
        (
            evidence([[1500, 1500], [1500, 1500], [1000, 1200]], [[40, 50], [45, 55], [30, 33]]),
            EXPLORING,
        ),
    ],
)
def test_assess_rules_without_planning_the_proof_and_agrees_with_allocate(
    ev: Evidence, status: str
) -> None:
    """``assess`` gives the status and winner without the proof planning (a segment's winner
    rule wants only those), and its weights and report are ``allocate``'s."""
    full = allocate(ev, SETTINGS, 50_000, 100_000)
    quick = assess(ev, SETTINGS, 50_000, 100_000)
    assert (quick.status, quick.winner, quick.leader) == (status, full.winner, full.leader)
    assert full.status == status
    assert not {"_at_diff", "reachable"} & vars(quick.test).keys()  # no proof planned
    np.testing.assert_array_equal(quick.weights, full.weights)
    again = quick.allocation()
    np.testing.assert_array_equal(again.weights, full.weights)
    assert (again.variants, again.conditions, again.sends_needed) == (
        full.variants,
        full.conditions,
        full.sends_needed,
    )


def test_winner_below_the_minimum_sends_is_the_full_rules_without_reading_p_best() -> None:
    """While no variant has ``winner_min_sends`` sends, ``assess`` says there is no winner
    without computing P(best), the leader or the test; read after, they are what the full
    rule gives (the same numbers, and every condition with the sends one unmet). At and above
    the minimum the rule is read in full."""
    rng = np.random.default_rng(11)
    settings = dataclasses.replace(SETTINGS, winner_min_sends=1000)
    for _ in range(200):
        k = int(rng.integers(2, 5))
        sends = rng.integers(0, 1400, (k, 3))
        successes = np.floor(sends * rng.random((k, 3)) * 0.2)
        ev = evidence(sends.tolist(), successes.tolist())
        quick = assess(ev, settings, 20_000, 40_000)
        skipped = not np.any(quick.effective >= settings.winner_min_sends)
        winner = quick.winner
        assert ("_best" in vars(quick)) is not skipped
        full = allocate(ev, settings, 20_000, 40_000)
        rule = quick.leader if all(c.met for c in quick.conditions) else None
        assert winner == rule == full.winner
        assert (quick.status, quick.leader, quick.conditions) == (
            full.status,
            full.leader,
            full.conditions,
        )
        np.testing.assert_array_equal(quick.prob_best, [v.prob_best for v in full.variants])
        if skipped:
            assert not next(c for c in quick.conditions if c.name == "sends").met


def test_variance_to_conclude_stacked_is_each_ones_own() -> None:
    """``_variance_to_conclude_many`` solves its tests as one stack: each solve's Newton steps
    stop where they stop alone, so each result is the one it gets alone, to the last bit."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        solves = int(rng.integers(1, 25))
        tau2s = list(10.0 ** rng.uniform(-9, -3, solves))
        diffs = [np.sqrt(t) * 10.0 ** rng.uniform(-4, 3, int(rng.integers(0, 5))) for t in tau2s]
        thresholds = list(np.log(rng.integers(2, 6, solves) / 10.0 ** rng.uniform(-4, -1, solves)))
        stacked = policy_module._variance_to_conclude_many(diffs, tau2s, thresholds)
        for got, d, t, h in zip(stacked, diffs, tau2s, thresholds, strict=True):
            alone = policy_module._variance_to_conclude_many([d], [t], [h])[0]
            np.testing.assert_array_equal(got, alone)


def test_weights_many_are_each_ones_own() -> None:
    """``weights_many`` plans the proofs of its assessments as one stack; each weight vector is
    the one ``weights`` gives alone, to the last bit, with or without a proof share paid."""
    rng = np.random.default_rng(9)
    paid = 0
    for _ in range(30):
        segments, k = int(rng.integers(1, 12)), int(rng.integers(2, 5))
        sends = rng.integers(40, 3000, (segments, k, 3))
        rates = rng.uniform(0.01, 0.08, (segments, k, 1))
        successes = np.floor(sends * rates * rng.uniform(0.5, 1.5, sends.shape))
        evidences = [
            evidence(a.tolist(), b.tolist()) for a, b in zip(sends, successes, strict=True)
        ]
        remaining = rng.integers(0, 40_000, segments).tolist()
        total = [r + 20_000 for r in remaining]
        settings = dataclasses.replace(SETTINGS, all_in=bool(rng.integers(2)))
        many = policy_module.weights_many(
            policy_module.assess_many(evidences, settings, remaining, total)
        )
        alone = policy_module.assess_many(evidences, settings, remaining, total)
        for got, one in zip(many, alone, strict=True):
            np.testing.assert_array_equal(got, one.weights)
            paid += "_at_diff" in vars(one.test)
    assert paid  # some proofs were planned in full


def test_period_fits_stacked_are_each_ones_own() -> None:
    """``assess_many`` fits the periods of its evidence as one stack: each fit is the one it
    gets alone, to the last bit."""
    rng = np.random.default_rng(7)
    sends = rng.integers(0, 2000, (6, 4, 9)) * rng.random((6, 1, 9))
    successes = np.floor(sends * rng.random(sends.shape) * 0.1)
    stacked = policy_module._fit_periods(sends, successes, SETTINGS)
    for one, s, c in zip(stacked, sends, successes, strict=True):
        np.testing.assert_array_equal(one, policy_module._fit_periods(s, c, SETTINGS))


def test_warm_up_is_uniform_until_every_variant_has_enough_sends() -> None:
    ev = evidence([[500], [30], [500]], [[100], [1], [10]])
    result = allocate(ev, SETTINGS, remaining=9000, total=10000)
    assert result.status == WARMING_UP
    np.testing.assert_allclose(result.weights, np.full(3, 1 / 3))
    assert result.winner is None


def test_no_evidence_at_all_is_warm_up() -> None:
    ev = evidence([[], []], [[], []])
    result = allocate(ev, SETTINGS, remaining=1000, total=1000)
    assert result.status == WARMING_UP
    np.testing.assert_allclose(result.weights, [0.5, 0.5])


def test_exploring_weights_follow_prob_best_and_respect_the_floor() -> None:
    settings = dataclasses.replace(
        NO_PROOF, weight_floor=0.05, horizon_power=0.0, elimination_probability=0.0
    )
    ev = evidence([[400], [400], [400]], [[40], [48], [30]])
    result = allocate(ev, settings, remaining=90000, total=100000)
    assert result.status == EXPLORING
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.all(result.weights >= 0.05 - 1e-12)
    prob_best = np.array([v.prob_best for v in result.variants])
    # Plain probability matching (power 0 => exponent 1) with the floor mixed in.
    expected = 0.05 + (1 - 0.15) * prob_best
    np.testing.assert_allclose(result.weights, expected / expected.sum(), atol=1e-12)
    assert np.argmax(result.weights) == 1


def test_exploitation_sharpens_as_the_horizon_shrinks() -> None:
    ev = evidence([[2000], [2000]], [[200], [215]])
    early = allocate(ev, NO_PROOF, remaining=900_000, total=1_000_000)
    late = allocate(ev, NO_PROOF, remaining=100_000, total=1_000_000)
    assert early.status == late.status == EXPLORING
    assert late.weights[1] > early.weights[1] > 0.5


def test_variants_not_worth_exploring_for_the_remaining_contacts_get_nothing() -> None:
    ev = evidence([[5000], [5000]], [[500], [560]])
    settings = dataclasses.replace(SETTINGS, winner_probability=0.999)
    result = allocate(ev, settings, remaining=10, total=1_000_000)
    assert result.status == EXPLORING
    np.testing.assert_array_equal(result.weights, [0.0, 1.0])


def test_winner_rule_and_all_in() -> None:
    ev = evidence([[5000], [5000]], [[500], [640]])
    result = allocate(ev, SETTINGS, remaining=50_000, total=100_000)
    assert result.status == WINNER
    assert result.winner == 1
    assert result.winner_probability == pytest.approx(result.variants[1].prob_best)
    assert result.winner_probability >= 0.95
    np.testing.assert_array_equal(result.weights, [0.0, 1.0])

    keep_exploring = dataclasses.replace(
        SETTINGS, all_in=False, exploration_value=0.0, elimination_probability=0.0
    )
    no_all_in = allocate(ev, keep_exploring, 50_000, 100_000)
    assert no_all_in.status == WINNER
    assert no_all_in.winner == 1
    # Without all-in the split goes on by the exploration rule, but a rival the sequential test
    # has settled (proven worse) is fed nothing more.
    np.testing.assert_array_equal(no_all_in.weights, [0.0, 1.0])
    three = evidence([[5000], [5000], [5000]], [[500], [640], [600]])
    partly = allocate(three, keep_exploring, 50_000, 100_000)
    assert partly.status == EXPLORING and partly.weights[0] == 0.0 < partly.weights[2]


def test_winner_needs_min_sends_and_small_expected_loss() -> None:
    # 10% against 17% on 1,000 sends each: a clear winner whose expected loss (~1e-8) is small
    # but far from both zero and the default bound, so a tighter bound holds it back.
    ev = evidence([[1000], [1000]], [[100], [170]])
    assert allocate(ev, SETTINGS, 5_000, 10_000).status == WINNER
    strict_sends = dataclasses.replace(SETTINGS, winner_min_sends=1001)
    assert allocate(ev, strict_sends, 5_000, 10_000).status == EXPLORING
    loss = allocate(ev, SETTINGS, 5_000, 10_000).variants[1].expected_loss
    assert 1e-11 < loss < SETTINGS.winner_max_expected_loss
    strict_loss = dataclasses.replace(SETTINGS, winner_max_expected_loss=1e-11)
    assert allocate(ev, strict_loss, 5_000, 10_000).status == EXPLORING


def test_a_bare_prob_best_crossing_is_not_a_winner() -> None:
    """P(best) >= 0.95 on a small lift is what repeated looks at an A/A test produce; the
    always-valid (mSPRT) condition of the winner rule holds the declaration back."""
    ev = evidence([[5000], [5000]], [[500], [552]])
    result = allocate(ev, SETTINGS, 50_000, 100_000)
    assert result.variants[1].prob_best >= 0.95
    assert result.status == EXPLORING
    assert result.winner is None


def test_summaries_match_the_posteriors() -> None:
    ev = evidence([[1000], [1000]], [[100], [120]])
    result = allocate(ev, SETTINGS, 50_000, 100_000)
    alpha = np.array([101.0, 121.0])
    beta = np.array([901.0, 881.0])
    prob_best, loss = prob_best_and_expected_loss(alpha, beta)
    for i, summary in enumerate(result.variants):
        assert summary.posterior.alpha == alpha[i]
        assert summary.posterior.beta == beta[i]
        assert summary.posterior.mean == pytest.approx(alpha[i] / (alpha[i] + beta[i]))
        assert summary.posterior.ci_low < summary.posterior.mean < summary.posterior.ci_high
        assert summary.prob_best == pytest.approx(prob_best[i])
        assert summary.expected_loss == pytest.approx(loss[i])


def test_period_weighting_removes_simpsons_paradox() -> None:
    """Both variants convert at 5% x period factor, but B was sent mostly in the good period.

    Pooled, B looks far better (7.3% vs 3.0%); adjusted for the period, they are equal.
    """
    sends = [[1000, 9000], [9000, 1000]]
    successes = [[100, 225], [900, 25]]  # period factors 2.0 and 0.5 on a 5% base rate
    ev = evidence(sends, successes)
    adjusted = allocate(ev, SETTINGS, 50_000, 100_000)
    means = [v.posterior.mean for v in adjusted.variants]
    assert means[0] == pytest.approx(means[1], rel=0.02)
    assert adjusted.variants[0].prob_best == pytest.approx(0.5, abs=0.1)

    pooled = allocate(ev, dataclasses.replace(SETTINGS, period_adjustment=False), 50_000, 100_000)
    assert pooled.variants[1].prob_best > 0.999


def test_period_weighting_leaves_noise_alone() -> None:
    """Constant base rates across periods: the shrunk period factors are all 1."""
    sends = [[1000, 1000, 1000], [500, 1000, 1500]]
    successes = [[50, 50, 50], [25, 50, 75]]
    result = allocate(evidence(sends, successes), SETTINGS, 50_000, 100_000)
    assert result.variants[0].posterior.beta == pytest.approx(1 + 3000 - 150)
    assert result.variants[1].posterior.beta == pytest.approx(1 + 3000 - 150)


def test_period_weighting_is_neutral_with_a_single_period() -> None:
    ev = evidence([[1000], [800]], [[90], [80]])
    result = allocate(ev, SETTINGS, 50_000, 100_000)
    assert result.variants[0].posterior.beta == 1 + 1000 - 90
    assert result.variants[1].posterior.beta == 1 + 800 - 80


def test_guardrail_stops_feeding_a_variant_with_credibly_more_unsubscribes() -> None:
    ev = evidence([[3000], [3000], [3000]], [[300], [330], [300]], [[3], [40], [4]])
    result = allocate(ev, SETTINGS, 50_000, 100_000)
    assert result.variants[1].guardrail_tripped
    assert result.weights[1] == 0.0
    assert result.winner != 1
    off = allocate(ev, dataclasses.replace(SETTINGS, unsubscribe_guardrail=False), 50_000, 100_000)
    assert off.weights[1] > 0


def test_guardrail_ignores_noise() -> None:
    tripped = guardrail_tripped(np.array([3000, 3000]), np.array([5, 9]), SETTINGS)
    assert not tripped.any()


def test_allocate_is_deterministic() -> None:
    ev = evidence([[400, 300], [400, 500]], [[40, 20], [48, 41]])
    first = allocate(ev, SETTINGS, 60_000, 100_000)
    second = allocate(ev, SETTINGS, 60_000, 100_000)
    np.testing.assert_array_equal(first.weights, second.weights)
    assert first == dataclasses.replace(second, weights=first.weights)


@pytest.mark.parametrize(
    "change",
    [
        {"prior_alpha": -1.0},
        {"prior_beta": 0.0},
        {"prior_alpha": 1000.5},
        {"prior_beta": 0.005},
        {"proof_share": 1.0},
        {"weight_floor": 0.6},
        {"winner_probability": 0.5},
        {"winner_probability": 1.0},
        {"winner_min_sends": -1},
        {"winner_max_expected_loss": 0.0},
        {"holdout_fraction": 1.0},
        {"warmup_sends": -5},
    ],
)
def test_invalid_settings_are_rejected(change: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(SETTINGS, **change).validate()


def test_floor_times_variants_above_one_is_rejected() -> None:
    settings = dataclasses.replace(SETTINGS, weight_floor=0.3)
    settings.validate()
    with pytest.raises(ValueError, match="must stay below 1"):
        settings.validate(4)
    with pytest.raises(ValueError, match="must stay below 1"):  # exactly 1 leaves no room
        dataclasses.replace(SETTINGS, weight_floor=0.25).validate(4)
    ev = evidence([[1]] * 4, [[0]] * 4)
    with pytest.raises(ValueError):
        allocate(ev, settings, 10, 10)


@pytest.mark.parametrize(
    "ev",
    [
        evidence([[10], [10]], [[11], [0]]),
        evidence([[10], [-1]], [[0], [0]]),
        evidence([[10]], [[1]]),
    ],
)
def test_invalid_evidence_is_rejected(ev: Evidence) -> None:
    with pytest.raises(ValueError):
        allocate(ev, SETTINGS, 10, 100)


def test_the_boundary_is_where_the_mixture_likelihood_ratio_reaches_its_threshold() -> None:
    """Independent check of the one-sided mSPRT: integrate N(d; theta, V) 2 N(theta; 0, tau^2)
    over theta > 0 numerically and divide by N(d; 0, V) at the boundary the policy reports; it
    must equal (live variants) / error. V uses each rate shrunk toward the pooled one."""
    from scipy import integrate, stats

    from burt.engine.policy import (
        _MIXTURE_SPREAD,
        _VARIANCE_PRIOR_SUCCESSES,
        _sequential_test,
    )

    n, total, rates = np.array([4000.0, 3000.0, 2500.0]), 40_000, np.array([0.12, 0.1, 0.1])
    successes = n * rates
    test = _sequential_test(successes, n, 0, np.ones(3, bool), 20_000, total, SETTINGS)
    pooled = (successes.sum() + 1) / (n.sum() + 2)
    tau = np.sqrt(_MIXTURE_SPREAD * pooled * (1 - pooled) * 4 * 3 / total)
    prior = _VARIANCE_PRIOR_SUCCESSES / pooled
    shrunk = (successes + prior * pooled) / (n + prior)
    for j in (1, 2):
        sd = np.sqrt(shrunk[0] * (1 - shrunk[0]) / n[0] + shrunk[j] * (1 - shrunk[j]) / n[j])
        d = test.boundary[j] * sd

        def joint(theta: float, d: float = d, sd: float = sd) -> float:
            return stats.norm.pdf(d, theta, sd) * 2 * stats.norm.pdf(theta, 0, tau)

        mixture, _ = integrate.quad(joint, 0, 20 * tau, points=[d], limit=200)
        ratio = mixture / stats.norm.pdf(d, 0, sd)
        assert ratio == pytest.approx(3 / (1 - SETTINGS.winner_probability), rel=1e-6)


@pytest.mark.parametrize("tau2", [3e-9, 2e-6, 4e-4])
def test_the_variance_to_conclude_is_where_the_mixture_ratio_crosses_its_threshold(
    tau2: float,
) -> None:
    """Each difference's variance to conclude against scipy's brentq on Lambda as the
    sequential test states it, from far below tau^2 to above it; a crossing beyond the
    searched bracket [tau^2 e^-40, tau^2 e^10] gives the bracket's end."""
    from scipy import optimize, special

    from burt.engine.policy import _variance_to_conclude_many

    def log_ratio(log_v: float, d: float) -> float:
        v = np.exp(log_v)
        return float(
            np.log(2 * np.sqrt(v / (v + tau2)))
            + tau2 * d**2 / (2 * v * (v + tau2))
            + special.log_ndtr(d * np.sqrt(tau2 / (v * (v + tau2))))
        )

    diffs = np.sqrt(tau2) * np.array([1e-12, 1e-3, 0.1, 0.7, 1.0, 3.0, 10.0, 300.0, 1e7])
    for threshold in (np.log(2 / 0.05), np.log(9 / 0.01)):
        got = _variance_to_conclude_many([diffs], [tau2], [float(threshold)])[0]
        low, high = np.log(tau2) - 40.0, np.log(tau2) + 10.0
        for d, v in zip(diffs, got, strict=True):
            if log_ratio(low, d) < threshold:
                assert v == np.exp(low)
            elif log_ratio(high, d) >= threshold:
                assert v == pytest.approx(np.exp(high), rel=1e-12)
            else:
                root = optimize.brentq(
                    lambda m, d, t: log_ratio(m, d) - t, low, high, (d, threshold), 1e-14, 1e-15
                )
                assert v == pytest.approx(np.exp(root), rel=1e-12)


def test_a_clear_leader_keeps_feeding_the_rivals_it_has_yet_to_beat() -> None:
    ev = evidence([[2000], [2000], [2000]], [[200], [240], [200]])
    with_proof = allocate(ev, SETTINGS, 60_000, 100_000)
    without = allocate(ev, NO_PROOF, 60_000, 100_000)
    assert with_proof.status == without.status == EXPLORING
    assert without.weights[0] < 0.05 and without.weights[2] < 0.05  # exploitation alone starves
    np.testing.assert_allclose(with_proof.weights[[0, 2]], SETTINGS.proof_share_in_force / 2)
    assert with_proof.sends_needed is not None and 0 < with_proof.sends_needed <= 60_000
    sequential = next(c for c in with_proof.conditions if c.name == "sequential_z")
    assert not sequential.met and sequential.value < sequential.threshold


@pytest.mark.parametrize(
    ("goal", "in_force"),
    [("outcomes", (0.0, 0.0, 2.0)), ("balanced", (0.3, 0.01, 1.0)), ("winner", (0.6, 0.01, 1.0))],
)
def test_the_goal_sets_the_settings_in_force(
    goal: str, in_force: tuple[float, float, float]
) -> None:
    """Proof share, weight floor and horizon power, in that order (``GOAL_SETTINGS``)."""
    assert GOAL_SETTINGS == ("proof_share", "weight_floor", "horizon_power")
    settings = PolicySettings(goal=goal)  # type: ignore[arg-type]
    assert all(getattr(settings, name) is None for name in GOAL_SETTINGS)
    plan = GOALS[goal]  # type: ignore[index]
    assert tuple(settings.in_force(name) for name in GOAL_SETTINGS) == in_force
    assert (plan.proof_share, plan.weight_floor, plan.horizon_power) == in_force
    assert settings.proof_share_in_force == in_force[0]
    ev = evidence([[2000], [2000], [2000]], [[200], [240], [200]])
    weights = allocate(ev, settings, 60_000, 100_000).weights
    stated = PolicySettings(**dict(zip(GOAL_SETTINGS, in_force, strict=True)))
    np.testing.assert_array_equal(weights, allocate(ev, stated, 60_000, 100_000).weights)


def test_balanced_and_winner_keep_the_floor_and_horizon_of_before_goals() -> None:
    for goal in ("balanced", "winner"):
        plan = GOALS[goal]
        assert (plan.weight_floor, plan.horizon_power) == (
            SETTINGS_BEFORE_GOALS["weight_floor"],
            SETTINGS_BEFORE_GOALS["horizon_power"],
        )
    assert GOALS["balanced"].proof_share == SETTINGS_BEFORE_GOALS["proof_share"]


def test_an_outcomes_campaign_explores_without_a_floor() -> None:
    """A losing variant still explored gets at least the floor, 0.01, under the balanced goal;
    under outcomes (no floor, a steeper horizon) it gets less, though more than nothing."""
    ev = evidence([[2000], [2000]], [[200], [230]])
    balanced = allocate(ev, PolicySettings(), 30_000, 100_000)
    outcomes = allocate(ev, PolicySettings(goal="outcomes"), 30_000, 100_000)
    assert balanced.status == outcomes.status == EXPLORING
    assert balanced.variants[0].prob_best >= 0.05  # explored: above the elimination line
    assert balanced.weights[0] >= 0.01
    assert 0.0 < outcomes.weights[0] < 0.01
    assert outcomes.weights.sum() == pytest.approx(1.0)
    pinned = allocate(ev, PolicySettings(goal="outcomes", weight_floor=0.01), 30_000, 100_000)
    assert pinned.weights[0] >= 0.01  # a floor set explicitly outlives the goal


def test_an_explicit_floor_and_horizon_win_over_the_goal() -> None:
    settings = PolicySettings(goal="outcomes", weight_floor=0.02, horizon_power=0.5)
    assert (settings.in_force("weight_floor"), settings.in_force("horizon_power")) == (0.02, 0.5)
    assert settings.in_force("proof_share") == 0.0  # the one left None follows the goal
    explicit = PolicySettings(goal="winner", weight_floor=0.0, horizon_power=2.0)
    assert (explicit.in_force("weight_floor"), explicit.in_force("horizon_power")) == (0.0, 2.0)
    assert PolicySettings(warmup_sends=7).in_force("warmup_sends") == 7  # not a goal's: as set


def test_the_floor_in_force_is_the_one_validated() -> None:
    PolicySettings(goal="outcomes").validate(60)  # the goal's floor, 0, serves any count
    with pytest.raises(ValueError, match=r"^weight_floor 0.01 times 100 variants"):
        PolicySettings().validate(100)  # the balanced goal's floor, 0.01
    with pytest.raises(ValueError, match=r"^weight_floor 0.25 times 4 variants"):
        PolicySettings(goal="outcomes", weight_floor=0.25).validate(4)


def test_the_default_goal_is_balanced_and_says_what_it_means() -> None:
    assert SETTINGS.goal == "balanced"
    assert SETTINGS.proof_share_in_force == 0.3
    for plan in GOALS.values():
        assert plan.meaning.endswith(".") and "proof_share" not in plan.meaning


def test_an_explicit_proof_share_wins_over_the_goal() -> None:
    settings = PolicySettings(goal="winner", proof_share=0.1)
    assert settings.proof_share_in_force == 0.1
    assert PolicySettings(goal="outcomes", proof_share=0.45).proof_share_in_force == 0.45
    ev = evidence([[2000], [2000], [2000]], [[200], [240], [200]])
    with_override = allocate(ev, settings, 60_000, 100_000)
    np.testing.assert_allclose(with_override.weights[[0, 2]], 0.1 / 2)


@pytest.mark.parametrize("goal", ["fastest", "", "Winner", None, ["winner"]])
def test_an_unknown_goal_is_refused(goal: object) -> None:
    with pytest.raises(ValueError, match=r"^goal must be one of outcomes, balanced, winner$"):
        PolicySettings(goal=goal).validate()  # type: ignore[arg-type]


def test_a_setting_that_is_no_number_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^proof_share must be a number$"):
        PolicySettings(proof_share="high").validate()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^warmup_sends must be a number$"):
        PolicySettings(warmup_sends=True).validate()
    PolicySettings(warmup_sends=np.int64(10), proof_share=None).validate()  # type: ignore[arg-type]


def test_a_lead_smaller_than_needed_keeps_its_proof_while_a_proof_is_plausible() -> None:
    """Planned on the lead seen (120 vs 100 of 5000), the proof would need 31,800 more rival
    sends, more than the 9,000 its share of the contacts left allows: a plan on the lead seen
    would drop it, as in every campaign whose sample understates the lead. Half a standard error
    more lead would conclude in time, so the rival keeps its share; at 110 vs 100 not even that
    would."""
    from burt.engine.policy import _PROOF_OPTIMISM, _sequential_test

    assert _PROOF_OPTIMISM == 0.5
    remaining, total = 30_000, 60_000
    cap_sends = SETTINGS.proof_share_in_force * remaining
    sends = np.array([5000.0, 5000.0])
    plausible = allocate(evidence([[5000], [5000]], [[100], [120]]), SETTINGS, remaining, total)
    test = _sequential_test(
        np.array([100.0, 120.0]), sends, 1, np.ones(2, bool), remaining, total, SETTINGS
    )
    assert test.required[0] - sends[0] > cap_sends >= test.reachable[0] - sends[0]
    assert plausible.status == EXPLORING
    assert plausible.weights[0] == pytest.approx(SETTINGS.proof_share_in_force)
    hopeless = allocate(evidence([[5000], [5000]], [[100], [110]]), SETTINGS, remaining, total)
    assert hopeless.weights[0] < 0.5 * SETTINGS.proof_share_in_force


def test_no_proof_share_while_some_rival_cannot_be_beaten_in_time() -> None:
    """A declaration needs the leader to beat every live rival: with variant 2 nearly tied,
    proving the leader against variant 0 buys nothing, so variant 0 gets no proof share
    (without variant 2's near tie it gets half of it, as above)."""
    from burt.engine.policy import _sequential_test

    tied = allocate(
        evidence([[2000], [2000], [2000]], [[200], [240], [230]]), SETTINGS, 60_000, 100_000
    )
    test = _sequential_test(
        np.array([200.0, 240.0, 230.0]),
        np.full(3, 2000.0),
        1,
        np.ones(3, bool),
        60_000,
        100_000,
        SETTINGS,
    )
    assert tied.status == EXPLORING and not test.settled[0]
    assert tied.weights[0] == 0.0 and tied.weights[2] > 0.1
    clear = allocate(
        evidence([[2000], [2000], [2000]], [[200], [240], [200]]), SETTINGS, 60_000, 100_000
    )
    np.testing.assert_allclose(clear.weights[[0, 2]], SETTINGS.proof_share_in_force / 2)


def test_proof_shares_on_a_near_tie_of_many_leave_the_leader_its_weight() -> None:
    """Ten variants just out of warm-up (two batches, the second barely matured), four of them
    close, proof share 0.5 (a state of ten-variants-one-winner): the fed rivals' own exploration
    weights plus their proof shares exceed the batch, so scaling only the others would give the
    leader a negative weight. The proof shares are floors; what is above them is scaled."""
    settings = dataclasses.replace(SETTINGS, proof_share=0.5)
    successes = [14, 8, 8, 7, 14, 9, 13, 15, 3, 15]
    sends = np.full((10, 2), 250)
    result = allocate(
        Evidence(
            sends=sends,
            successes=np.array([[x, 0] for x in successes]),
            unsubscribes=np.zeros_like(sends),
            maturity=np.array([0.55, 0.04]),
        ),
        settings,
        115_000,
        120_000,
    )
    assert result.status == EXPLORING
    assert np.all(result.weights >= 0) and result.weights.sum() == pytest.approx(1.0)
    assert np.all(result.weights >= settings.proof_share_in_force / 9 - 1e-12)
    assert result.weights[result.leader] > 0.1


def test_every_condition_of_the_winner_rule_is_reported() -> None:
    ev = evidence([[5000], [5000]], [[500], [640]])
    result = allocate(ev, SETTINGS, 50_000, 100_000)
    names = [c.name for c in result.conditions]
    assert names == ["prob_best", "sends", "expected_loss", "sequential_z"]
    assert all(c.met for c in result.conditions) and result.status == WINNER
    assert result.sends_needed is None


@pytest.mark.parametrize("rates", [(0.1, 0.1), (0.05, 0.05, 0.05)])
def test_false_winners_on_a_a_campaigns_stay_below_the_error_by_simulation(
    rates: tuple[float, ...],
) -> None:
    """The winner rule looked at after every batch of an adaptive A/A campaign (with the proof
    share feeding the rivals): the share of campaigns that ever declare must stay below 5%, as
    Ville's inequality promises (with three variants the one-sided tests' threshold k / error
    is what keeps it there). 200 campaigns: were the true rate 5%, more than 16 (8%) would
    happen with probability < 5%; a bare P(best) >= 0.95 rule fires in about a third of them."""
    from burt.engine.simulation import Scenario, burt_factory, simulate

    aa = Scenario(name="aa", rates=rates, contacts=8_000, batches=10, replications=200)
    result = simulate(aa, burt_factory(), seed=9).result
    assert result.false_winner_rate is not None and result.false_winner_rate <= 0.08


@pytest.mark.parametrize(
    ("sends", "successes"),
    [
        ((3000, 6000), (190, 300)),  # the rival has its sends; the test waits for the leader's
        ((4000, 4000), (240, 200)),
        ((5000, 5000, 5000), (300, 250, 240)),
    ],
)
def test_sends_needed_is_where_the_test_would_conclude_at_the_next_batchs_split(
    sends: tuple[int, ...], successes: tuple[int, ...]
) -> None:
    """The estimate counts the leader's sends as well as the rivals': counting only the rivals'
    shortfall said 0 for 3,000 vs 6,000 sends while the test was still short (z 2.54 of 3.19).
    Checked by replaying the policy on the evidence after that many contacts at the next
    batch's weights, the rates seen held: the test concludes within 3% of the estimate."""
    n, s = np.array(sends, float), np.array(successes, float)

    def test_after(m: float) -> bool:
        more = n + result.weights * m
        ev = Evidence(more[:, None], (s / n * more)[:, None], np.zeros((n.size, 1)))
        replay = allocate(ev, SETTINGS, 40_000, 60_000)
        return next(c for c in replay.conditions if c.name == "sequential_z").met

    result = allocate(
        evidence([[x] for x in sends], [[x] for x in successes]), SETTINGS, 40_000, 60_000
    )
    assert result.status == EXPLORING and result.sends_needed is not None
    assert result.sends_needed > 0
    assert not test_after(0.97 * result.sends_needed)
    assert test_after(1.03 * result.sends_needed)


@pytest.mark.parametrize("name", sorted(SETTING_BOUNDS))
def test_every_bound_holds_at_its_ends(name: str) -> None:
    """An end is allowed iff it is closed; a value past it is refused, and `nearest` brings
    it back to the closest allowed value."""
    bounds = SETTING_BOUNDS[name]
    for end, is_open, outward in (
        (bounds.low, bounds.low_open, -math.inf),
        (bounds.high, bounds.high_open, math.inf),
    ):
        at_end = dataclasses.replace(SETTINGS, **{name: end})
        if is_open:
            with pytest.raises(ValueError, match=re.escape(bounds_rule(name))):
                at_end.validate()
        else:
            at_end.validate()
        past = math.nextafter(end, outward)
        with pytest.raises(ValueError, match=re.escape(bounds_rule(name))):
            dataclasses.replace(SETTINGS, **{name: past}).validate()
        back = bounds.nearest(past)
        dataclasses.replace(SETTINGS, **{name: back}).validate()
        assert back == (math.nextafter(end, -outward) if is_open else end)
    with pytest.raises(ValueError):
        dataclasses.replace(SETTINGS, **{name: math.nan}).validate()


def test_bounds_read_as_intervals() -> None:
    assert str(SETTING_BOUNDS["prior_alpha"]) == "[0.1, 1000]"
    assert str(SETTING_BOUNDS["winner_probability"]) == "(0.5, 0.9999]"
    assert str(SETTING_BOUNDS["proof_share"]) == "[0, 1)"


def test_a_campaign_without_a_floor_gets_a_sends_estimate_or_none() -> None:
    """With ``weight_floor`` 0 and a steep horizon, a rival's weight falls to about 1e-17 while
    it still needs sends: the root of the sends-needed quadratic then cancelled to 0, and the
    division raised OverflowError, so every draw of such a campaign failed. Replays the first
    campaign that hit it (small-campaign's seventh replication)."""
    scenario = Scenario("no-floor", (0.10, 0.12), contacts=5000, batches=10, delay=1, seed=104)
    settings = PolicySettings(proof_share=0.0, weight_floor=0.0, horizon_power=2.0)
    seen: list[int | None] = []
    original = policy_module.allocate

    def recording(*args: object, **kwargs: object) -> policy_module.Allocation:
        allocation = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(allocation.sends_needed)
        return allocation

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("burt.engine.simulation.allocate", recording)
        run_replication(scenario, burt_factory(settings), replication_seeds(104, 7)[6])
    assert seen and all(s is None or 0 <= s <= 2**53 for s in seen)


def test_the_reported_interval_carries_the_period_factors_uncertainty() -> None:
    """Variant 1 is sent only in the low periods of a strong cycle, variant 0 evenly, so
    variant 1's rate leans on estimated factors. Over 1,500 Monte Carlo campaigns (binomial
    outcomes at rate x factor, 48 periods), the spread of its estimated rate is compared with
    the standard deviation each interval implies. The posterior alone implies 0.84 of the
    spread; the reported Beta, with the factors' variance by the delta method, 0.91 (first
    order: the shrinkage's own noise is left out). Tolerances: the Monte Carlo error of a
    standard deviation at 1,500 draws is about 2%. A variant sent like the campaign gets no
    widening."""
    rng = np.random.default_rng(7)
    factors = np.tile([1.6, 1.2, 0.7, 0.5], 12)
    sends = np.vstack([np.full(48, 300.0), np.where(factors < 1.0, 400.0, 0.0)])
    rates = 0.05 * factors
    estimates, reported, posterior = [], [], []
    for _ in range(1500):
        successes = rng.binomial(sends.astype(int), rates).astype(float)
        result = allocate(Evidence(sends, successes, np.zeros_like(sends)), SETTINGS, 10, 100)
        variant = result.variants[1]
        estimates.append(variant.posterior.mean)
        reported.append(_beta_sd(*variant.interval_beta))
        posterior.append(_beta_sd(variant.posterior.alpha, variant.posterior.beta))
    spread = float(np.std(estimates))
    assert 0.87 * spread < float(np.mean(reported)) < 1.05 * spread
    assert float(np.mean(posterior)) < 0.87 * spread
    even = allocate(
        Evidence(np.full((2, 48), 300.0), np.full((2, 48), 15.0) * factors, np.zeros((2, 48))),
        SETTINGS,
        10,
        100,
    )
    for v in even.variants:
        assert v.interval_beta == pytest.approx((v.posterior.alpha, v.posterior.beta))
    unsent = np.vstack([sends, np.zeros(48)])
    cycle = rng.binomial(unsent.astype(int), 0.05 * factors).astype(float)
    fresh = allocate(Evidence(unsent, cycle, np.zeros_like(unsent)), SETTINGS, 10, 100).variants[2]
    assert fresh.interval_beta == pytest.approx((fresh.posterior.alpha, fresh.posterior.beta))


def _beta_sd(alpha: float, beta: float) -> float:
    return math.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1.0)))
