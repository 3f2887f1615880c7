"""Simulator: delayed evidence, exact counts, regret bookkeeping, CLI output. Kept small."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from burt.engine.policy import Evidence
from burt.engine.simulation import (
    Decision,
    Scenario,
    replication_seeds,
    run_replication,
    simulate,
    simulate_main,
)

RESULT_FIELDS = {
    "regret_mean",
    "regret_stderr",
    "expected_outcomes_mean",
    "winner_declared_rate",
    "winner_correct_rate",
    "false_winner_rate",
    "seconds",
}


@dataclass
class Spy:
    """Fixed weights; records the evidence each decision saw."""

    weights: np.ndarray
    seen: list[Evidence] = field(default_factory=list)

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        self.seen.append(evidence)
        return Decision(self.weights, None)

    def recommend(self, evidence: Evidence) -> int:
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


def test_policy_sees_only_matured_periods() -> None:
    spy = Spy(np.array([0.5, 0.5]))
    run_replication(scenario(delay=1), lambda k, rng: spy, replication_seeds(1, 1)[0])
    # Batch t sees batches 0 .. t - 2: outcomes of batch t - 1 are not visible yet.
    assert [e.sends.shape[1] for e in spy.seen] == [0, 0, 1, 2, 3]
    spy = Spy(np.array([0.5, 0.5]))
    run_replication(scenario(delay=0), lambda k, rng: spy, replication_seeds(1, 1)[0])
    assert [e.sends.shape[1] for e in spy.seen] == [0, 1, 2, 3, 4]


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
    first = simulate(sc, lambda k, rng: Spy(np.array([0.3, 0.7])), progress=False)
    second = simulate(sc, lambda k, rng: Spy(np.array([0.3, 0.7])), progress=False)
    assert first.result.regret_mean == second.result.regret_mean
    for rep in first.replications:
        np.testing.assert_allclose(rep.weights.sum(axis=1), 1.0)
        np.testing.assert_allclose(rep.weights[:, 1], 0.7, atol=0.01)


def test_aa_scenarios_report_false_winners_and_others_do_not() -> None:
    aa = simulate(scenario(rates=(0.1, 0.1)), lambda k, rng: Spy(np.ones(2) / 2), progress=False)
    assert aa.result.false_winner_rate == 0.0
    assert aa.result.regret_mean == 0.0
    ab = simulate(scenario(), lambda k, rng: Spy(np.ones(2) / 2), progress=False)
    assert ab.result.false_winner_rate is None


@pytest.mark.parametrize(
    "changes",
    [
        {"rates": (0.1,)},
        {"contacts": 0},
        {"delay": -1},
        {"rates": (0.9, 0.8), "period_factors": (1.5,)},
    ],
)
def test_invalid_scenarios_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        scenario(**changes)


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps(
            {
                "name": "tiny",
                "rates": [0.05, 0.15],
                "contacts": 4000,
                "batches": 8,
                "delay": 1,
                "replications": 2,
                "seed": 3,
            }
        )
    )
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
