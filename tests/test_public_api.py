"""`import burt` is the library: the engine, both stores and the simulator."""

from __future__ import annotations

import subprocess
import sys

import burt


def test_the_simulator_runs_from_the_top_level_package() -> None:
    scenario = burt.Scenario(
        name="tiny", rates=(0.05, 0.15), contacts=2_000, batches=10, replications=3, seed=1
    )
    run = burt.simulate(scenario, burt.resolve_policy("uniform"), policy_name="uniform")
    result = run.result
    assert isinstance(result, burt.SimulationResult)
    assert burt.summarize(scenario, run.replications, seconds=0.0).regret_mean == 100.0
    # Sending uniformly loses half the gap on every contact: 2,000 x 0.10 / 2 in expectation.
    assert result.regret_mean == 100.0
    assert burt.MongoStore.__module__ == "burt.engine.store.mongo.store"


def test_importing_burt_loads_no_optional_part() -> None:
    optional = "{'matplotlib', 'mabwiser', 'bayesianbandits'}"
    code = f"import sys, burt; print(sorted({optional} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
