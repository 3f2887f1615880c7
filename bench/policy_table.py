"""Side-by-side table: every scenario x every policy (burt's default and the peers).

    python -m bench.policy_table [EXTRA_SCENARIO_FOLDER ...] [--replications R] [--jobs J]
                                 [--policy NAME ...] [--goal GOAL ...]

Scenarios come from the shared folder (the nearest ``shared/scenarios`` above the repository),
``bench/scenarios`` and any folders given. Each scenario runs with its own replications and seed,
so the numbers are reproducible; burt runs with the scenario's settings, and ``--goal`` adds a
row ``burt[GOAL]`` per goal (the scenario's settings with that goal). Every peer runs in both
honest modes (outcomes counted as they arrive, or only once a batch has matured) and is scored
by its better one (lower regret; the mode is shown). The lowest mean regret of each scenario is
starred; ``power`` is the chance that a plain equal split over the whole campaign finds the best
variant (two-sided 5% test of the best against the runner-up, Bonferroni over the rivals).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from burt.engine.peers import LIBRARIES, PEER_MODES, POLICY_NAMES, resolve_policy
from burt.engine.policy import GOALS
from burt.engine.simulation import (
    DEFAULT_POLICY,
    Scenario,
    SimulationRun,
    equal_split_power,
    simulate,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SCENARIOS = next(
    (
        p / "shared" / "scenarios"
        for p in REPO_ROOT.parents
        if (p / "shared" / "scenarios").is_dir()
    ),
    REPO_ROOT.parent / "shared" / "scenarios",
)
OWN_SCENARIOS = REPO_ROOT / "bench" / "scenarios"


def scenario_files(folders: list[Path]) -> list[Path]:
    files = [f for folder in folders for f in sorted(folder.glob("*.json"))]
    if not files:
        raise SystemExit(f"no scenario files in {', '.join(map(str, folders))}")
    return files


def available_policies() -> list[str]:
    names = list(POLICY_NAMES)
    for name, module in LIBRARIES.items():
        if importlib.util.find_spec(module) is None:
            print(f"skipping {name}: {module} is not installed", file=sys.stderr)
            names.remove(name)
    return names


def goal_row(goal: str) -> str:
    """The policy name of burt's row under ``goal``."""
    return f"{DEFAULT_POLICY}[{goal}]"


def _run(task: tuple[Path, str, str, int | None, str | None]) -> tuple[str, SimulationRun]:
    path, policy, mode, replications, goal = task
    scenario = Scenario.from_file(path)
    if goal is None:
        settings = scenario.policy_settings()
        name = policy
    else:
        settings, name = scenario.policy_settings(goal=goal), goal_row(goal)
    factory = resolve_policy(policy, mode, settings)  # type: ignore[arg-type]
    return mode, simulate(scenario, factory, name, replications)


def _order(policy: str) -> tuple[int, int]:
    """Rows in the order of ``POLICY_NAMES``, burt's goal rows right after burt's own."""
    goals = [goal_row(goal) for goal in GOALS]
    if policy in goals:
        return POLICY_NAMES.index(DEFAULT_POLICY), 1 + goals.index(policy)
    return POLICY_NAMES.index(policy), 0


def rate_cell(value: float | None) -> str:
    """A share as a table cell: a whole percentage, or - when there is none."""
    return "-" if value is None else f"{value:.0%}"


def best_modes(results: list[tuple[str, SimulationRun]]) -> list[tuple[str, SimulationRun]]:
    """Per scenario and policy, the run of the mode with the lower mean regret."""
    chosen: dict[tuple[str, str], tuple[str, SimulationRun]] = {}
    for mode, run in results:
        key = (run.scenario.name, run.policy)
        if key not in chosen or run.result.regret_mean < chosen[key][1].result.regret_mean:
            chosen[key] = (mode, run)
    return list(chosen.values())


def render(results: list[tuple[str, SimulationRun]]) -> str:
    header = (
        f"{'scenario':<26} {'power':>6} {'policy':<19} {'mode':<7} {'regret mean ± se':>18} "
        f"{'declared':>8} {'decl.right':>10} {'wrong':>6} {'decl.at':>7} {'rec.right':>9} "
        f"{'false':>6} {'s':>6}"
    )
    lines = [header, "-" * len(header)]
    by_scenario: dict[str, list[tuple[str, SimulationRun]]] = {}
    for mode, run in best_modes(results):
        by_scenario.setdefault(run.scenario.name, []).append((mode, run))
    for name, group in by_scenario.items():
        best = min(run.result.regret_mean for _, run in group)
        power = equal_split_power(group[0][1].scenario)
        for mode, run in sorted(group, key=lambda mr: _order(mr[1].policy)):
            r = run.result
            star = "*" if r.regret_mean == best else " "
            regret = f"{r.regret_mean:.1f} ± {r.regret_stderr:.1f}{star}"
            at = "-" if r.declared_at_mean is None else f"{r.declared_at_mean:.2f}"
            lines.append(
                f"{name:<26} {rate_cell(power):>6} {run.policy:<19} {mode:<7} {regret:>18} "
                f"{rate_cell(r.winner_declared_rate):>8} {rate_cell(r.declared_correct_rate):>10} "
                f"{rate_cell(r.wrong_winner_rate):>6} {at:>7} "
                f"{rate_cell(r.recommendation_correct_rate):>9} "
                f"{rate_cell(r.false_winner_rate):>6} {r.seconds:>6.1f}"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.policy_table", description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, help="extra scenario folders")
    parser.add_argument("--replications", type=int, help="override every scenario's replications")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--policy", action="append", help="only these policies (repeatable)")
    parser.add_argument(
        "--goal",
        action="append",
        choices=list(GOALS),
        default=[],
        help="add a row burt[GOAL]: burt with this goal (repeatable)",
    )
    args = parser.parse_args(argv)
    files = scenario_files([SHARED_SCENARIOS, OWN_SCENARIOS, *args.folders])
    policies = args.policy or available_policies()
    tasks: list[tuple[Path, str, str, int | None, str | None]] = [
        (path, policy, mode, args.replications, None)
        for path in files
        for policy in policies
        for mode in (("service",) if policy == DEFAULT_POLICY else PEER_MODES)
    ]
    tasks += [
        (path, DEFAULT_POLICY, "service", args.replications, goal)
        for path in files
        for goal in dict.fromkeys(args.goal)
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(tqdm(pool.map(_run, tasks), total=len(tasks), desc="runs", file=sys.stderr))
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
