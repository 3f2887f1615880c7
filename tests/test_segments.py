"""Segments: the scenario field, the segmented simulator, pooling and the per-segment rule."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special

from burt.engine.policy import (
    EXPLORING,
    WARMING_UP,
    WINNER,
    Evidence,
    PolicySettings,
    allocate,
)
from burt.engine.segments.policies import SEGMENT_PEERS, leaves, pooled_burt
from burt.engine.segments.policy import (
    allocate_segments,
    segment_settings,
    winners_differ,
    with_prior,
)
from burt.engine.segments.pooling import (
    INTERACTION_LEVEL,
    additive_fit,
    binomial_additive_fit,
    interaction_test,
    pooled_prior,
)
from burt.engine.segments.scenario import MAX_SEGMENTS, Segment
from burt.engine.segments.simulation import (
    Declarations,
    Horizon,
    SegmentDecision,
    SegmentedObservation,
    batch_split,
    simulate_segmented,
)
from burt.engine.simulation import Scenario, burt_factory, simulate

SCENARIOS = Path(__file__).resolve().parent.parent / "bench" / "scenarios" / "segments"


def scenario(**changes: object) -> Scenario:
    base: dict[str, object] = {
        "name": "tiny",
        "rates": (0.05, 0.08),
        "contacts": 3001,
        "batches": 6,
        "delay_profile": (0.5, 0.3, 0.2),
        "replications": 3,
        "seed": 11,
    }
    base.update(changes)
    return Scenario(**base)  # type: ignore[arg-type]


TWO = (Segment("a", 0.7, rates=(0.05, 0.08)), Segment("b", 0.3, 2.0, rates=(0.06, 0.04)))


def test_without_segments_the_campaign_is_todays_seed_for_seed() -> None:
    plain = scenario(period_factors=(1.0, 0.7, 1.2), unsubscribe_rates=(0.002, 0.004))
    today = simulate(plain, burt_factory(), "burt")
    for segmented in (plain, replace(plain, segments=(Segment("all", 1.0),))):
        for factory in (pooled_burt(), SEGMENT_PEERS["burt-blind"]("arrive")):
            run = simulate_segmented(segmented, factory, "burt")
            assert [r.regret for r in run.replications] == [r.regret for r in today.replications]
            assert [r.recommended for r in run.replications] == [
                (r.recommended,) for r in today.replications
            ]
            assert [r.declared for r in run.replications] == [
                (r.declared,) for r in today.replications
            ]


@dataclass
class Fixed:
    """The same weights in every segment, whatever it sees."""

    weights: np.ndarray

    def decide(self, seen: SegmentedObservation, horizon: Horizon) -> SegmentDecision:
        segments = horizon.total.size
        return SegmentDecision(np.tile(self.weights, (segments, 1)), (None,) * segments)

    def recommend(self, seen: SegmentedObservation) -> tuple[int, ...]:
        return (1, 0)


def test_contacts_split_exactly_and_regret_is_against_each_segments_best() -> None:
    world = scenario(segments=TWO, period_factors=(1.0, 0.5))
    split = batch_split(world)
    assert split.sum() == world.contacts
    assert np.all(np.abs(split[:, 0] - 0.7 * split.sum(axis=1)) <= 1)
    run = simulate_segmented(world, lambda k, sizes, rng: Fixed(np.array([0.5, 0.5])), "fixed")
    factors = np.resize([1.0, 0.5], world.batches)
    # Half of each segment's contacts go to its worse variant: a gap of 0.03 in a, 0.04 in b.
    expected = sum(f * (0.03 * a + 0.04 * b) / 2 for f, (a, b) in zip(factors, split, strict=True))
    assert run.result.regret_mean == pytest.approx(expected, abs=0.03)
    assert run.result.recommendation_correct_rate == 1.0
    assert run.result.false_differs_rate is None
    assert run.result.declarations == Declarations(0.0, 0.0, None)


def test_declarations_count_pairs_and_wrong_ones_among_the_declared() -> None:
    declared = np.array([[True, False], [True, True]])
    right = np.array([[True, False], [False, True]])
    assert Declarations.of(declared, right) == Declarations(0.75, 0.5, pytest.approx(1 / 3))


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ((Segment("a", 0.5), Segment("b", 0.4)), "sum to 1"),
        ((Segment("a", 1.2), Segment("b", -0.2)), "positive"),
        ((Segment("a", 0.5, rates=(0.1, 0.2, 0.3)), Segment("b", 0.5)), "one rate per variant"),
        ((Segment("a", 0.5), Segment("a", 0.5)), "unique"),
        ((Segment("a", 0.5, 0.0), Segment("b", 0.5)), "base_factor must be positive"),
        ((Segment("a", 0.5, 20.0), Segment("b", 0.5)), "must lie in [0, 1]"),
        ((), "1 to 32"),
        (tuple(Segment(f"s{i}", 1 / 33) for i in range(MAX_SEGMENTS + 1)), "1 to 32"),
    ],
)
def test_invalid_segments_are_rejected(segments: tuple[Segment, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        scenario(segments=segments)


def test_a_segments_file_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    body = {"name": "s", "rates": [0.03, 0.04], "contacts": 100, "batches": 2}
    path.write_text(json.dumps({**body, "segments": [{"name": "x", "share": 1.0}]}))
    assert Scenario.from_file(path).segments == (Segment("x", 1.0),)
    path.write_text(json.dumps({**body, "segments": [{"name": "x", "share": 0.9}]}))
    with pytest.raises(ValueError, match="sum to 1"):
        Scenario.from_file(path)


def test_every_shipped_segment_scenario_loads() -> None:
    files = sorted(SCENARIOS.glob("*.json"))
    assert len(files) >= 6
    for path in files:
        assert Scenario.from_file(path).segments


def test_the_plain_simulator_refuses_a_segmented_scenario() -> None:
    with pytest.raises(ValueError, match="segmented"):
        simulate(scenario(segments=TWO), burt_factory())


def test_additive_fit_is_weighted_least_squares() -> None:
    rng = np.random.default_rng(1)
    values, weights = rng.normal(size=(6, 3)), rng.uniform(0.5, 2.0, size=(6, 3))
    base, effect = additive_fit(values, weights)
    # Reference: the same model as one least-squares problem (effects summing to 0).
    rows = [
        np.r_[np.eye(6)[s], np.eye(3)[i]] * np.sqrt(weights[s, i])
        for s in range(6)
        for i in range(3)
    ]
    design = np.vstack([*rows, np.r_[np.zeros(6), np.ones(3)] * 1e3])
    target = np.r_[(values * np.sqrt(weights)).ravel(), 0.0]
    reference = np.linalg.lstsq(design, target, rcond=None)[0]
    assert np.allclose(np.r_[base, effect], reference, atol=1e-6)


def _binomial_loss(theta: np.ndarray, successes: np.ndarray, sends: np.ndarray) -> float:
    """The negative log-likelihood of logit p_si = a_s + b_i, the last b minus the others'."""
    segments = successes.shape[0]
    a, b = theta[:segments], np.r_[theta[segments:], -theta[segments:].sum()]
    eta = a[:, None] + b[None, :]
    return float((sends * np.logaddexp(0.0, eta) - successes * eta).sum())


def test_the_additive_fit_by_maximum_likelihood_matches_a_general_optimiser() -> None:
    """Against scipy's BFGS on the binomial log-likelihood (independent code): the variant
    effects agree within 1e-5 on tables with small cells and a segment without successes."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        segments, k = int(rng.integers(2, 12)), int(rng.integers(2, 5))
        sends = rng.integers(20, 3000, size=(segments, k)).astype(float)
        truth = special.expit(rng.normal(-3.2, 0.5, (segments, 1)) + rng.normal(0, 0.2, (1, k)))
        successes = rng.binomial(sends.astype(int), truth).astype(float)
        successes[0] = 0.0

        start = np.r_[np.full(segments, -3.0), np.zeros(k - 1)]
        reference = optimize.minimize(
            _binomial_loss, start, (successes, sends), method="BFGS", options={"gtol": 1e-9}
        ).x
        _, effect = binomial_additive_fit(successes, sends)
        expected = np.r_[reference[segments:], -reference[segments:].sum()]
        assert np.allclose(effect, expected, atol=1e-5)


def test_the_interaction_test_errs_at_its_level_and_finds_flipped_winners() -> None:
    """Where every variant's effect is the same in each segment (bases differing, cells from
    40 to 5,000 sends at 1-6%), 2,000 simulated tables reject at 5% within 1.5 points (three
    binomial standard errors, 0.49 points each). Flipped winners (3.0% vs 3.8% and back, 10,000
    sends a cell: a z of about 4.4) are found in at least 95% of 200 tables."""
    rng = np.random.default_rng(17)
    rejected = 0
    for _ in range(2000):
        segments, k = int(rng.integers(2, 10)), int(rng.integers(2, 4))
        sends = rng.integers(40, 5000, size=(segments, k))
        rates = special.expit(rng.normal(-3.4, 0.4, (segments, 1)) + rng.normal(0, 0.15, (1, k)))
        successes = rng.binomial(sends, rates)
        rejected += interaction_test(successes.astype(float), sends.astype(float))[0] < 0.05
    assert abs(rejected / 2000 - 0.05) <= 0.015
    flipped = np.array([[0.030, 0.038], [0.038, 0.030]])
    found = sum(
        interaction_test(rng.binomial(10_000, flipped).astype(float), np.full((2, 2), 1e4))[0]
        < 1.0 - INTERACTION_LEVEL
        for _ in range(200)
    )
    assert found >= 190


def test_until_the_test_rejects_every_segment_follows_the_campaign() -> None:
    """Segments that agree get the campaign's sends as pseudo-sends at the fitted rates (tau^2
    0); segments whose winners flip get their own spread (tau^2 > 0, fewer pseudo-sends)."""
    sends = np.full((3, 2), 4000.0)
    agree = pooled_prior(np.array([[120.0, 150.0], [60.0, 76.0], [240.0, 290.0]]), sends)
    assert agree.spread == 0.0 and agree.interaction_p >= 0.05
    assert np.array_equal(agree.strength, np.full((3, 2), 12000.0))
    base, effect = binomial_additive_fit(
        np.array([[120.0, 150.0], [60.0, 76.0], [240.0, 290.0]]), sends
    )
    assert np.allclose(agree.mean, special.expit(base[:, None] + effect[None, :]))
    differ = pooled_prior(np.array([[120.0, 170.0], [170.0, 120.0], [240.0, 290.0]]), sends)
    assert differ.interaction_p < 0.05 and differ.spread > 0.0
    assert (differ.strength < 12000.0).all()


def test_the_spread_estimate_is_unbiased_over_simulated_campaigns() -> None:
    """tau^2 by moments against the true tau^2 = 0.04 over 200 simulated campaigns of 40
    segments x 3 variants (mean within 4 standard errors); 0 when effects do not differ."""
    rng = np.random.default_rng(7)
    estimates = {0.04: [], 0.0: []}
    for tau2, found in estimates.items():
        for _ in range(200):
            base = rng.normal(-3.2, 0.4, size=(40, 1))
            logit = base + np.array([0.0, 0.15, -0.1]) + rng.normal(0, np.sqrt(tau2), (40, 3))
            sends = rng.integers(3000, 20000, size=(40, 3))
            successes = rng.binomial(sends, special.expit(logit))
            found.append(pooled_prior(successes, sends).spread)
    spread = np.array(estimates[0.04])
    assert abs(spread.mean() - 0.04) < 4 * spread.std() / np.sqrt(spread.size)
    assert np.median(estimates[0.0]) == 0.0


def test_the_pooled_posterior_matches_the_exact_logit_normal_posterior() -> None:
    """The Beta from pseudo-sends plus the segment's counts against the exact posterior mean of
    p under the logit-normal prior N(a + b, tau^2) and the binomial likelihood (quadrature):
    within 3% of the prior-to-data gap."""
    rng = np.random.default_rng(3)
    base = rng.normal(-3.3, 0.3, size=(12, 1))
    truth = special.expit(base + np.array([0.0, 0.2]) + rng.normal(0, 0.15, (12, 2)))
    sends = np.full((12, 2), 4000)
    successes = rng.binomial(sends, truth)
    prior = pooled_prior(successes, sends)
    centre = special.logit(prior.mean)
    theta = np.linspace(-8, 0, 20001)
    for s in range(12):
        for i in range(2):
            y, n = successes[s, i], sends[s, i]
            log_post = (
                -0.5 * (theta - centre[s, i]) ** 2 / prior.spread
                + y * np.log(special.expit(theta))
                + (n - y) * np.log(special.expit(-theta))
            )
            weight = np.exp(log_post - log_post.max())
            exact = (special.expit(theta) * weight).sum() / weight.sum()
            n0 = prior.strength[s, i]
            pooled = (y + prior.mean[s, i] * n0) / (n + n0)
            gap = abs(prior.mean[s, i] - y / n)
            assert abs(pooled - exact) <= 0.03 * gap + 1e-5


def test_a_segment_with_too_few_sends_borrows_nothing_and_one_segment_pools_nothing() -> None:
    prior = pooled_prior(np.array([[5, 6], [3, 0]]), np.array([[100, 100], [50, 0]]))
    assert not prior.strength.any() and np.isnan(prior.spread)


def test_the_winner_rule_splits_the_error_over_the_segments() -> None:
    assert segment_settings(PolicySettings(), 4).winner_probability == pytest.approx(0.9875)
    assert segment_settings(PolicySettings(winner_probability=0.9), 10).winner_probability == (
        pytest.approx(0.99)
    )
    with pytest.raises(ValueError, match="winner_probability"):
        segment_settings(PolicySettings(winner_probability=0.999), 32)


def test_pseudo_sends_steer_the_weights_but_never_declare() -> None:
    """Segment 1 alone is inconclusive; with the campaign's strong evidence as pseudo-sends the
    plain rule would declare, the segment's own rule at alpha / 2 must not."""
    big = Evidence(
        np.array([[40000.0], [40000.0]]), np.array([[1200.0], [1600.0]]), np.zeros((2, 1))
    )
    small = Evidence(np.array([[300.0], [300.0]]), np.array([[9.0], [13.0]]), np.zeros((2, 1)))
    result = allocate_segments([big, small], PolicySettings(), [20000, 2000], [100000, 5000])
    assert result.prior is not None and result.prior.strength[1].min() > 1000
    pooled = with_prior(small, result.prior.mean[1], result.prior.strength[1])
    assert allocate(pooled, PolicySettings(), 2000, 5000).winner == 1
    assert result.winners == (1, None)
    assert result.weights[1, 1] > 0.8  # steered toward the campaign's winner nonetheless
    alone = allocate_segments([big, small], PolicySettings(), [20000, 2000], [100000, 5000], False)
    split = segment_settings(PolicySettings(), 2)
    assert alone.prior is None
    assert np.array_equal(alone.weights[1], allocate(small, split, 2000, 5000).weights)


def test_each_segments_rule_and_weights_are_allocates() -> None:
    """The per-segment rule reads its raw evidence as ``allocate`` does, and the weights are
    ``allocate``'s on the pooled evidence, or the rule's own where the segment declared (all in)
    or has no prior: a segment that declares, one warming up, one exploring, one without sends
    and one without contacts. The rule's proof planning is skipped where its weights are not
    used."""

    def counts(sends: list[list[float]], successes: list[list[float]]) -> Evidence:
        return Evidence(np.array(sends), np.array(successes), np.zeros((2, len(sends[0]))))

    evidence = [
        counts([[2500, 2500], [2500, 2500]], [[50, 60], [110, 120]]),
        counts([[30, 0], [25, 10]], [[1, 0], [1, 0]]),
        counts([[1500, 1500], [1500, 1500]], [[40, 50], [45, 55]]),
        counts([[0, 0], [0, 0]], [[0, 0], [0, 0]]),
        counts([[0, 0], [0, 0]], [[0, 0], [0, 0]]),
    ]
    remaining, total = [20000, 20000, 20000, 5000, 0], [30000, 30000, 30000, 5000, 0]
    result = allocate_segments(evidence, PolicySettings(), remaining, total)
    split = segment_settings(PolicySettings(), len(evidence))
    assert result.prior is not None
    statuses = []
    for s, own in enumerate(evidence[:4]):
        rule, full = result.decisions[s], allocate(own, split, remaining[s], total[s])
        assert rule is not None
        assert (rule.status, rule.winner, rule.leader) == (full.status, full.winner, full.leader)
        statuses.append(rule.status)
        if full.status == WINNER or not result.prior.strength[s].any():
            expected = full.weights
        else:
            pooled = with_prior(own, result.prior.mean[s], result.prior.strength[s])
            steer = replace(split, all_in=False)
            expected = allocate(pooled, steer, remaining[s], total[s]).weights
            assert not {"_at_diff", "reachable"} & vars(rule.test).keys()
        np.testing.assert_array_equal(result.weights[s], expected)
    assert statuses == [WINNER, WARMING_UP, EXPLORING, WARMING_UP]
    assert result.decisions[4] is None and result.winners == (1, None, None, None, None)


def test_differs_needs_two_segments_declaring_different_winners() -> None:
    assert not winners_differ([None, None, 1])
    assert not winners_differ([1, None, 1])
    assert winners_differ([0, None, 1])


def test_leaves_keep_the_largest_segments_and_pool_the_rest() -> None:
    sizes = np.array([5000, 100, 8000, 3000, 2000])
    assert leaves(sizes, 2500, 8).tolist() == [1, 3, 0, 2, 3]
    assert leaves(sizes, 2500, 2).tolist() == [1, 1, 0, 1, 1]
    assert leaves(np.array([3000, 4000]), 2500, 8).tolist() == [1, 0]


@pytest.mark.parametrize("name", sorted(SEGMENT_PEERS))
def test_every_segment_peer_runs(name: str) -> None:
    world = scenario(segments=TWO, replications=1)
    for mode in ("arrive", "mature"):
        run = simulate_segmented(world, SEGMENT_PEERS[name](mode), name)  # type: ignore[arg-type]
        assert run.result.regret_mean >= 0.0
        assert len(run.replications[0].recommended) == 2


def test_the_segment_table_runs_one_scenario_under_the_goals_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--only`` keeps one scenario and ``--goal`` adds two rows, pooled and segment-blind burt
    under that goal, the first's ``/blind`` against the second."""
    from bench.segment_table import main

    args = ["--only", "seg-winners-differ-two", "--policy", "burt", "--policy", "burt-blind"]
    assert main([*args, "--goal", "outcomes", "--replications", "2"]) == 0
    rows = {
        row[1]: row for line in capsys.readouterr().out.splitlines()[2:] if (row := line.split())
    }
    assert list(rows) == ["burt", "burt-blind", "burt[outcomes]", "burt-blind[outcomes]"]
    assert all(row[0] == "seg-winners-differ-two" for row in rows.values())
    regret = {name: float(row[3]) for name, row in rows.items()}
    ratio = regret["burt[outcomes]"] / regret["burt-blind[outcomes]"]
    assert float(rows["burt[outcomes]"][7]) == pytest.approx(ratio, abs=0.006)
    assert float(rows["burt"][7]) == pytest.approx(regret["burt"] / regret["burt-blind"], abs=0.006)
