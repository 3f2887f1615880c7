"""Coverage of burt's reported 95% intervals, per scenario and variant.

    python -m bench.coverage [EXTRA_SCENARIO_FOLDER ...] [--replications R] [--only NAME ...]
                             [--goal GOAL]

Every scenario of the policy table runs under burt with the scenario's settings (``--goal`` on
top of them; its own replications and seed unless ``--replications``); the final read comes
after every attribution window has closed
(``engine.simulation``). Printed per variant: the share of campaigns whose interval on the rate
holds the true rate, and the same for the interval on the lift over variant 0, each with its
binomial standard error; a ``!`` marks a coverage outside 0.94-0.96 by more than two standard
errors.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bench.policy_table import OWN_SCENARIOS, SHARED_SCENARIOS, scenario_files
from burt.engine.policy import GOALS
from burt.engine.simulation import Scenario, burt_factory, simulate

LOW, HIGH = 0.94, 0.96


def _cell(share: float, runs: int) -> str:
    se = math.sqrt(max(share * (1.0 - share), 1e-12) / runs)
    off = share + 2.0 * se < LOW or share - 2.0 * se > HIGH
    return f"{share:.3f}{'!' if off else ' '}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, help="extra scenario folders")
    parser.add_argument("--replications", type=int, help="override every scenario's replications")
    parser.add_argument("--only", action="append", help="only these scenarios (repeatable)")
    parser.add_argument("--goal", choices=list(GOALS), help="the campaign goal to run under")
    args = parser.parse_args(argv)
    for path in scenario_files([SHARED_SCENARIOS, OWN_SCENARIOS, *args.folders]):
        scenario = Scenario.from_file(path)
        if args.only and scenario.name not in args.only:
            continue
        goal = {} if args.goal is None else {"goal": args.goal}
        settings = scenario.policy_settings(**goal)
        run = simulate(scenario, burt_factory(settings), replications=args.replications)
        result, runs = run.result, len(run.replications)
        assert result.interval_coverage is not None and result.lift_coverage is not None
        rates = " ".join(_cell(c, runs) for c in result.interval_coverage)
        lifts = " ".join(_cell(c, runs) for c in result.lift_coverage[1:])
        print(f"{scenario.name:<26} n={runs:<5} rate {rates} | lift over v0 {lifts}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
