"""Simulator: delayed evidence, exact counts, regret bookkeeping, CLI output. Kept small."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from burt.engine.peers import POLICY_NAMES, resolve_policy
from burt.engine.policy import PolicySettings
from burt.engine.simulation import (
    BATCH_SECONDS,
    BurtPolicy,
    Decision,
    Observation,
    Scenario,
    burt_factory,
    equal_split_power,
    replication_seeds,
    run_replication,
    simulate,
)
from burt.service.cli.simulate import main as simulate_main

RESULT_FIELDS = {
    "regret_mean",
    "regret_stderr",
    "expected_outcomes_mean",
    "winner_declared_rate",
    "declared_correct_rate",
    "wrong_winner_rate",
    "declared_at_mean",
    "recommendation_correct_rate",
    "false_winner_rate",
    "interval_coverage",
    "lift_coverage",
    "seconds",
}


@dataclass
class Spy:
    """Fixed weights; records the evidence each decision saw."""

    weights: np.ndarray
    seen: list[Observation] = field(default_factory=list)

    def decide(self, seen: Observation, remaining: int, total: int, batch_size: int) -> Decision:
        self.seen.append(seen)
        return Decision(self.weights, None)

    def recommend(self, seen: Observation) -> int:
        return 0


def scenario(**changes: object) -> Scenario:
    base = {
        "name": "tiny",
        "rates": (0.1, 0.2),
        "contacts": 1003,
        "batches": 5,
        "delay": 1,
        "period_factors": (1.0, 0.5),
        "replications": 3,
        "seed": 7,
    }
    return Scenario(**{**base, **changes})


def test_policy_sees_every_send_at_once_and_outcomes_as_they_arrive() -> None:
    spy = Spy(np.array([0.5, 0.5]))
    run_replication(scenario(delay=1), lambda k, rng: spy, replication_seeds(1, 1)[0])
    # Every send drawn so far is known; outcomes of batch t - 1 are not in yet (delay 1).
    assert [o.sends.shape[1] for o in spy.seen] == [0, 1, 2, 3, 4]
    assert [o.matured for o in spy.seen] == [0, 0, 1, 2, 3]
    last = spy.seen[-1]
    assert last.successes[:, -1].sum() == 0
    np.testing.assert_array_equal(last.ages, [4, 3, 2, 1] * np.array(BATCH_SECONDS))
    assert set(last.arrivals.delay) <= {1.5 * BATCH_SECONDS}
    np.testing.assert_array_equal(
        np.bincount(last.arrivals.period, last.arrivals.count, minlength=4),
        last.successes.sum(axis=0),
    )
    # The peers' two honest modes: as they arrive (all periods), or matured periods only.
    assert last.evidence("arrive").sends.shape[1] == 4
    assert last.evidence("mature").sends.shape[1] == 3


def test_a_delay_profile_spreads_outcomes_over_later_batches() -> None:
    spy = Spy(np.array([0.5, 0.5]))
    sc = scenario(rates=(0.4, 0.5), contacts=20000, delay_profile=(0.5, 0.3, 0.2))
    run_replication(sc, lambda k, rng: spy, replication_seeds(2, 1)[0])
    last = spy.seen[-1]  # before batch 4: batch 3 shows lag 0, batch 2 lags 0-1, ...
    by_period = [last.arrivals.delay[last.arrivals.period == p] for p in range(4)]
    assert {d / BATCH_SECONDS for d in by_period[3]} == {0.5}
    assert {d / BATCH_SECONDS for d in by_period[0]} == {0.5, 1.5, 2.5}
    lag0 = last.arrivals.count[last.arrivals.delay == 0.5 * BATCH_SECONDS].sum()
    lag2 = last.arrivals.count[last.arrivals.delay == 2.5 * BATCH_SECONDS].sum()
    assert lag0 > lag2 * 1.5  # 0.5 of outcomes against 0.2 (over more batches for lag 0)


def test_regret_is_the_expected_shortfall_of_the_sends() -> None:
    """All traffic on the worse variant: regret = sum_t size_t * factor_t * gap, exactly."""
    sc = scenario(delay=0)
    spy = Spy(np.array([1.0, 0.0]))
    rep = run_replication(sc, lambda k, rng: spy, replication_seeds(1, 1)[0])
    sizes = np.array([201, 201, 201, 200, 200])
    factors = np.array([1.0, 0.5, 1.0, 0.5, 1.0])
    assert rep.regret == pytest.approx(float((sizes * factors * 0.1).sum()))
    assert rep.expected_outcomes == pytest.approx(float((sizes * factors * 0.1).sum()))
    assert rep.cumulative_regret[-1] == pytest.approx(rep.regret)
    assert spy.seen[-1].sends.sum() == 1003 - 200


def test_simulation_is_reproducible_and_counts_are_exact() -> None:
    sc = scenario()
    first = simulate(sc, lambda k, rng: Spy(np.array([0.3, 0.7])))
    second = simulate(sc, lambda k, rng: Spy(np.array([0.3, 0.7])))
    assert first.result.regret_mean == second.result.regret_mean
    for rep in first.replications:
        np.testing.assert_allclose(rep.weights.sum(axis=1), 1.0)
        np.testing.assert_allclose(rep.weights[:, 1], 0.7, atol=0.01)


def test_aa_scenarios_report_false_winners_and_others_do_not() -> None:
    aa = simulate(scenario(rates=(0.1, 0.1)), lambda k, rng: Spy(np.ones(2) / 2))
    assert aa.result.false_winner_rate == 0.0
    assert aa.result.regret_mean == 0.0
    assert aa.result.wrong_winner_rate is None and aa.result.declared_at_mean is None
    ab = simulate(scenario(), lambda k, rng: Spy(np.ones(2) / 2))
    assert ab.result.false_winner_rate is None


def test_interval_coverage_of_a_fixed_split_is_nominal_against_the_in_window_rate() -> None:
    """burt kept warming up splits evenly all campaign, so its Beta intervals are exact 95%
    intervals; half the outcomes arrive 30 hours late, beyond the 24-hour window, so the rate
    the stats estimate is half the true one. 600 replications: the binomial standard error of
    a 0.95 coverage is 0.009; the tolerance is 0.035 (about 4 of them)."""
    late = np.zeros(31)
    late[[0, 30]] = 0.5
    sc = scenario(rates=(0.1, 0.2), contacts=4000, delay_profile=tuple(late), replications=600)
    uniform = burt_factory(PolicySettings(warmup_sends=1_000_000))
    run = simulate(sc, uniform).result
    assert run.interval_coverage is not None and run.lift_coverage is not None
    np.testing.assert_allclose(run.interval_coverage, 0.95, atol=0.035)
    assert run.lift_coverage[0] == 1.0
    assert run.lift_coverage[1] == pytest.approx(0.95, abs=0.035)
    peer = simulate(sc, lambda k, rng: Spy(np.ones(2) / 2), replications=3).result
    assert peer.interval_coverage is None and peer.lift_coverage is None
    profile = np.asarray(sc.delay_profile)
    assert BurtPolicy(PolicySettings()).in_window(profile) == 0.5
    assert BurtPolicy(PolicySettings(attribution_window_seconds=0)).in_window(profile) == 1.0


@dataclass
class Declarer:
    """Declares ``winner`` at batch ``at`` (then keeps splitting evenly)."""

    winner: int
    at: int
    calls: int = 0

    def decide(self, seen: Observation, remaining: int, total: int, batch_size: int) -> Decision:
        self.calls += 1
        return Decision(np.ones(2) / 2, self.winner if self.calls > self.at else None)

    def recommend(self, seen: Observation) -> int:
        return self.winner


def test_declaration_fields() -> None:
    sc = scenario(replications=4)  # 1003 contacts in batches of 201, 201, 201, 200, 200
    right = simulate(sc, lambda k, rng: Declarer(1, 2)).result
    assert right.winner_declared_rate == right.declared_correct_rate == 1.0
    assert right.wrong_winner_rate == 0.0
    assert right.declared_at_mean == pytest.approx(402 / 1003)
    assert right.recommendation_correct_rate == 1.0
    wrong = simulate(sc, lambda k, rng: Declarer(0, 0)).result
    assert wrong.declared_correct_rate == 0.0 and wrong.wrong_winner_rate == 1.0
    assert wrong.declared_at_mean == 0.0 and wrong.recommendation_correct_rate == 0.0
    aa = simulate(scenario(rates=(0.1, 0.1)), lambda k, rng: Declarer(1, 0)).result
    assert aa.false_winner_rate == 1.0 and aa.wrong_winner_rate == 1.0
    assert aa.declared_correct_rate == 0.0


def test_equal_split_power_matches_a_monte_carlo_of_the_test() -> None:
    sc = scenario(rates=(0.10, 0.12, 0.09), contacts=9000, period_factors=(1.0,))
    power = equal_split_power(sc)
    rng = np.random.default_rng(5)
    n = 3000
    best = rng.binomial(n, 0.12, 20000) / n
    runner = rng.binomial(n, 0.10, 20000) / n
    z = (best - runner) / np.sqrt((best * (1 - best) + runner * (1 - runner)) / n)
    simulated = np.mean(np.abs(z) >= 2.2414)  # two-sided 5% / 2 rivals
    assert power == pytest.approx(simulated, abs=0.015)
    assert equal_split_power(scenario(rates=(0.1, 0.1))) is None


def test_equal_split_power_counts_only_the_outcomes_inside_the_window() -> None:
    """Half the outcomes arrive 30 hours late, beyond the 24-hour window: the equal split's test
    sees half of each rate, so its power is that of a campaign at half the rates, and no window
    (0) gives back the full power."""
    late = np.zeros(31)
    late[[0, 30]] = 0.5
    flat = {"contacts": 60000, "period_factors": (1.0,)}
    windowed = scenario(rates=(0.05, 0.058), delay_profile=tuple(late), **flat)
    halved = scenario(rates=(0.025, 0.029), delay=0, **flat)
    assert windowed.counted_rates() == pytest.approx([0.025, 0.029])
    assert equal_split_power(windowed) == pytest.approx(equal_split_power(halved))
    unwindowed = dataclasses.replace(windowed, settings={"attribution_window_seconds": 0})
    full = scenario(rates=(0.05, 0.058), delay=0, **flat)
    assert equal_split_power(unwindowed) == pytest.approx(equal_split_power(full))
    assert equal_split_power(windowed) < equal_split_power(full) - 0.05


@pytest.mark.parametrize(
    "changes",
    [
        {"rates": (0.1,)},
        {"contacts": 0},
        {"delay": -1},
        {"delay_profile": (0.5, 0.4)},
        {"delay_profile": (1.2, -0.2)},
        {"rates": (0.9, 0.8), "period_factors": (1.5,)},
    ],
)
def test_invalid_scenarios_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        scenario(**changes)


def _write(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "tiny.json"
    tiny = {"name": "tiny", "rates": [0.05, 0.15], "contacts": 4000, "batches": 8, "delay": 1}
    path.write_text(json.dumps({**tiny, "replications": 2, "seed": 3, **changes}))
    return path


def test_cli_json_has_exactly_the_documented_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert simulate_main([str(_write(tmp_path)), "--json", "--seed", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == RESULT_FIELDS
    assert result["false_winner_rate"] is None
    assert 0 <= result["regret_mean"] < 4000 * 0.1


def test_cli_runs_peers_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "run.png"
    args = [str(_write(tmp_path)), "--policy", "burt", "--policy", "uniform"]
    assert simulate_main([*args, "--replications", "2", "--json", "--plot", str(plot)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"burt", "uniform"}
    assert results["burt"]["regret_mean"] < results["uniform"]["regret_mean"]
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_cli_rejects_an_unknown_policy(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        simulate_main([str(_write(tmp_path)), "--policy", "nope"])


@pytest.fixture
def nothing_simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails a test whose command starts simulating."""

    def simulate(*args: object) -> None:
        raise AssertionError("the command simulated before refusing")

    monkeypatch.setattr("burt.service.cli.simulate.simulate", simulate)
    monkeypatch.setattr("burt.service.cli.simulate.simulate_segmented", simulate)


@pytest.mark.parametrize(
    ("option", "module", "says"),
    [
        (
            ["--plot", "sim.png"],
            "matplotlib",
            "--plot needs matplotlib, which is not installed: pip install 'burt[plots]'",
        ),
        (
            ["--policy", "mabwiser-ts"],
            "mabwiser",
            "--policy mabwiser-ts needs mabwiser, which is"
            " not installed: pip install 'burt[peers]'",
        ),
    ],
)
@pytest.mark.usefixtures("nothing_simulated")
def test_cli_refuses_an_option_whose_library_is_missing_before_simulating(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    option: list[str],
    module: str,
    says: str,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import module` fails as if not installed
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        simulate_main([str(_write(tmp_path)), *option])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"burt simulate: error: {says}"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"batches": None}, "Object missing required field `batches`"),
        ({"replication": 3}, "unknown field 'replication'"),
        ({"rates": [0.1, "x"]}, "Expected `float`, got `str` - at `$.rates[1]`"),
        ({"seed": -1}, "tiny: seed must be at least 0"),
        (
            {"settings": {"goal": "fastest"}},
            "tiny: invalid settings: goal must be one of outcomes, balanced, winner",
        ),
        ({"settings": {"proof_shar": 0.1}}, "tiny: unknown settings: proof_shar"),
        ({"settings": {"all_in": "yes"}}, "tiny: invalid settings: all_in must be true or false"),
        ({"settings": ["goal"]}, "Expected `object | null`, got `array` - at `$.settings`"),
    ],
)
@pytest.mark.usefixtures("nothing_simulated")
def test_cli_says_what_is_wrong_with_a_scenario(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    says: str,
) -> None:
    path = _write(tmp_path)
    data = {**json.loads(path.read_text()), **change}
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}))
    with pytest.raises(SystemExit) as stopped:
        simulate_main([str(path)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"burt simulate: error: scenario {path}: {says} (the fields are described in"
        " docs/simulation.md)"
    )


def _write_segmented(tmp_path: Path) -> Path:
    """Two segments whose winners differ, strongly enough that a few small campaigns show it."""
    segments = [
        {"name": "gmail", "share": 0.5, "rates": [0.05, 0.15]},
        {"name": "outlook", "share": 0.5, "rates": [0.15, 0.05]},
    ]
    return _write(tmp_path, name="flipped", rates=[0.1, 0.1], segments=segments, replications=3)


def test_cli_runs_a_segmented_scenario_with_burt_and_the_segment_peers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A segmented scenario used to be refused ("use bench.segment_table")."""
    args = [str(_write_segmented(tmp_path)), "--json", "--seed", "4"]
    assert simulate_main([*args, "--policy", "burt", "--policy", "burt-blind"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"burt", "burt-blind"}
    assert set(results["burt"]["segments"]) == {"gmail", "outlook"}
    # One allocation for both segments loses about half its contacts' lift; per segment, little.
    assert results["burt"]["regret_mean"] < results["burt-blind"]["regret_mean"] / 2
    assert results["burt"]["false_differs_rate"] is None  # the winners do differ

    assert (
        simulate_main([str(_write_segmented(tmp_path)), "--policy", "email-platform-per-segment"])
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert line.startswith("flipped [email-platform-per-segment]: regret ")
    assert "of segments" in line and "winner differs by segment" in line


@pytest.mark.parametrize(
    ("segmented", "option", "says"),
    [
        (
            True,
            ["--policy", "uniform"],
            "--policy uniform does not run scenarios with segments, and {path} has them (choose"
            " from burt, burt-unpooled, burt-blind, ts-per-segment, email-platform-per-segment,"
            " growthbook-leaves, mabwiser-lints)",
        ),
        (
            False,
            ["--policy", "burt-blind"],
            "--policy burt-blind runs scenarios with segments; {path} has none (choose from "
            + ", ".join(POLICY_NAMES)
            + ")",
        ),
        (
            True,
            ["--plot", "{dir}/run.png"],
            "--plot draws scenarios without segments; {path} has them",
        ),
    ],
)
def test_cli_refuses_a_policy_or_plot_the_scenario_cannot_have(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    nothing_simulated: None,
    segmented: bool,
    option: list[str],
    says: str,
) -> None:
    path = _write_segmented(tmp_path) if segmented else _write(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        simulate_main([str(path), *(o.format(dir=tmp_path) for o in option)])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "burt simulate: error: " + says.format(path=path)
    )


def test_a_scenarios_settings_reach_burts_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same campaigns under the outcomes goal (no proof) and the winner goal (a proof share
    of 0.6): fewer outcomes lost, and fewer or later winners, without the proof."""
    results = {}
    for goal in ("outcomes", "winner"):
        path = tmp_path / f"{goal}.json"
        path.write_text(
            json.dumps(
                {
                    "name": goal,
                    "rates": [0.05, 0.07, 0.05],
                    "contacts": 30000,
                    "batches": 24,
                    "delay": 1,
                    "replications": 4,
                    "seed": 3,
                    "settings": {"goal": goal},
                }
            )
        )
        assert simulate_main([str(path), "--json"]) == 0
        results[goal] = json.loads(capsys.readouterr().out)
    outcomes, winner = results["outcomes"], results["winner"]
    assert outcomes["regret_mean"] < winner["regret_mean"]
    assert outcomes["winner_declared_rate"] < winner["winner_declared_rate"]
    peers = {"settings": {"goal": "outcomes"}}  # a peer ignores burt's settings
    uniform = [simulate(scenario(**changes), resolve_policy("uniform")) for changes in ({}, peers)]
    assert uniform[0].result == dataclasses.replace(
        uniform[1].result, seconds=uniform[0].result.seconds
    )


def test_a_scenario_states_burts_settings_and_a_goal_overrides_them() -> None:
    chosen = scenario(settings={"goal": "winner", "warmup_sends": 10})
    settings = chosen.policy_settings()
    assert (settings.goal, settings.warmup_sends, settings.proof_share_in_force) == (
        "winner",
        10,
        0.6,
    )
    assert chosen.policy_settings(goal="outcomes").proof_share_in_force == 0.0
    assert chosen.policy_settings(goal="outcomes").warmup_sends == 10
    assert scenario().policy_settings() == PolicySettings()
    with pytest.raises(ValueError, match=r"^tiny: invalid settings: goal must be one of"):
        scenario().policy_settings(goal="fastest")


def test_the_policy_table_runs_burt_under_every_goal_asked(tmp_path: Path) -> None:
    from bench.policy_table import _run, render

    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps({**json.loads(_write(tmp_path).read_text()), "settings": {"warmup_sends": 10}})
    )
    tasks = [(path, "burt", "service", 1, goal) for goal in ("winner", None, "outcomes")]
    results = [_run(task) for task in [*tasks, (path, "uniform", "arrive", 1, None)]]
    assert [run.policy for _, run in results] == [
        "burt[winner]",
        "burt",
        "burt[outcomes]",
        "uniform",
    ]
    rows = [line.split()[2] for line in render(results).splitlines()[2:] if line]
    assert rows == ["burt", "burt[outcomes]", "burt[winner]", "uniform"]


def test_cli_help_lists_the_policies_and_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        simulate_main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert all(name in out for name in POLICY_NAMES)
    assert "docs/simulation.md" in out


@pytest.mark.parametrize("name", POLICY_NAMES)
@pytest.mark.parametrize("mode", ["arrive", "mature"])
def test_every_policy_runs_from_the_installed_package(name: str, mode: str) -> None:
    run = simulate(scenario(replications=1), resolve_policy(name, mode), name)  # type: ignore[arg-type]
    assert run.result.regret_mean >= 0.0
    assert np.allclose(run.replications[0].weights.sum(axis=1), 1.0)


def test_the_simulation_model_carries_no_entry_point_code() -> None:
    import burt.engine.simulation as model

    source = Path(model.__file__).read_text()
    for banned in ("argparse", "tqdm", "matplotlib", "SystemExit", "bench"):
        assert banned not in source
