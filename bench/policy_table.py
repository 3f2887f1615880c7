"""Side-by-side table: every scenario x every policy (burt's default and the peers).

    python -m bench.policy_table [EXTRA_SCENARIO_FOLDER ...] [--replications R] [--jobs J]

Scenarios come from the shared folder (``../shared/scenarios`` relative to the repository root)
plus any folders given. Each scenario runs with its own replications and seed, so the numbers are
reproducible; the lowest mean regret of each scenario is starred.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from bench.peers import ALL_POLICIES
from burt.engine.simulation import Scenario, SimulationRun, simulate

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SCENARIOS = REPO_ROOT.parent / "shared" / "scenarios"


def scenario_files(folders: list[Path]) -> list[Path]:
    files = [f for folder in folders for f in sorted(folder.glob("*.json"))]
    if not files:
        raise SystemExit(f"no scenario files in {', '.join(map(str, folders))}")
    return files


def available_policies() -> list[str]:
    names = list(ALL_POLICIES)
    if importlib.util.find_spec("bayesianbandits") is None:
        print("skipping bayesianbandits-ts: bayesianbandits is not installed", file=sys.stderr)
        names.remove("bayesianbandits-ts")
    return names


def _run(task: tuple[Path, str, int | None]) -> SimulationRun:
    path, policy, replications = task
    scenario = Scenario.from_file(path)
    return simulate(scenario, ALL_POLICIES[policy], policy, replications, progress=False)


def _fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def render(runs: list[SimulationRun]) -> str:
    header = (
        f"{'scenario':<26} {'policy':<19} {'regret mean ± se':>20} {'declared':>9} "
        f"{'decl. right':>11} {'correct':>8} {'false win':>9} {'seconds':>8}"
    )
    lines = [header, "-" * len(header)]
    by_scenario: dict[str, list[SimulationRun]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario.name, []).append(run)
    for name, group in by_scenario.items():
        best = min(run.result.regret_mean for run in group)
        for run in group:
            r = run.result
            star = "*" if r.regret_mean == best else " "
            regret = f"{r.regret_mean:.1f} ± {r.regret_stderr:.1f}{star}"
            lines.append(
                f"{name:<26} {run.policy:<19} {regret:>20} {_fmt_rate(r.winner_declared_rate):>9} "
                f"{_fmt_rate(run.declared_correct_rate):>11} {_fmt_rate(r.winner_correct_rate):>8} "
                f"{_fmt_rate(r.false_winner_rate):>9} {r.seconds:>8.1f}"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.policy_table", description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, help="extra scenario folders")
    parser.add_argument("--replications", type=int, help="override every scenario's replications")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--policy", action="append", help="only these policies (repeatable)")
    args = parser.parse_args(argv)
    files = scenario_files([SHARED_SCENARIOS, *args.folders])
    policies = args.policy or available_policies()
    tasks = [(path, policy, args.replications) for path in files for policy in policies]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(
            tqdm(pool.map(_run, tasks), total=len(tasks), desc="scenario x policy", file=sys.stderr)
        )
    print(render(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
