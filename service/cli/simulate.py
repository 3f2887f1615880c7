"""`burt simulate SCENARIO [--policy NAME ...]`: the simulator's command line, progress and plots.

The simulation model is ``burt.engine.simulation``; this module only parses arguments, picks
the policies (``burt.engine.peers``), shows progress and draws the optional plot.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from importlib import import_module
from pathlib import Path

import numpy as np
from numpy.random import SeedSequence

from burt.engine.peers import LIBRARIES, PEER_MODES, POLICY_NAMES, resolve_policy
from burt.engine.segments.policies import (
    SEGMENT_LIBRARIES,
    SEGMENT_POLICY_NAMES,
    resolve_segment_policy,
)
from burt.engine.segments.simulation import SegmentedRun, simulate_segmented
from burt.engine.simulation import DEFAULT_POLICY, Scenario, SimulationRun, simulate
from burt.service.cli.main import Commands

DOCS = "docs/simulation.md"


def _progress(label: str) -> Callable[[Iterable[SeedSequence]], Iterable[SeedSequence]]:
    def wrap(items: Iterable[SeedSequence]) -> Iterable[SeedSequence]:
        try:
            from tqdm import tqdm
        except ImportError:  # the progress bar is a nicety
            return items
        bar: Iterable[SeedSequence] = tqdm(items, desc=label, file=sys.stderr, leave=False)
        return bar

    return wrap


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="burt simulate",
        description="Replay a campaign scenario against burt's policy and its peers.",
        epilog=(
            f"Policies: {', '.join(POLICY_NAMES)}; for a scenario with segments:"
            f" {', '.join(SEGMENT_POLICY_NAMES)}. Peers see outcomes either as they arrive or"
            " only once a batch has matured (--peer-mode). The scenario and result formats are"
            f" described in {DOCS}."
        ),
    )
    parser.add_argument("scenario", type=Path, help=f"scenario JSON file (see {DOCS})")
    parser.add_argument(
        "--policy",
        action="append",
        choices=dict.fromkeys([*POLICY_NAMES, *SEGMENT_POLICY_NAMES]),
        metavar="NAME",
        help=f"policy to run (repeatable; default {DEFAULT_POLICY}; the choices are below)",
    )
    parser.add_argument(
        "--peer-mode",
        choices=PEER_MODES,
        default="arrive",
        help="how peers see outcomes: as they arrive, or only from matured batches",
    )
    parser.add_argument("--replications", type=int, help="override the scenario's replications")
    parser.add_argument("--seed", type=int, help="override the scenario's base seed")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--plot", type=Path, help="write a PNG of allocation and regret (needs burt[plots])"
    )
    return parser


def _missing(module: str) -> bool:
    try:
        import_module(module)
    except ImportError:
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.replications is not None and args.replications < 1:
        parser().error("--replications must be at least 1")
    if args.seed is not None and args.seed < 0:
        parser().error("--seed must be at least 0")
    libraries = {**LIBRARIES, **SEGMENT_LIBRARIES}
    for name in args.policy or []:
        if name in libraries and _missing(libraries[name]):
            parser().error(
                f"--policy {name} needs {libraries[name]}, which is not installed:"
                " pip install 'burt[peers]'"
            )
    if args.plot:
        if _missing("matplotlib"):
            parser().error(
                "--plot needs matplotlib, which is not installed: pip install 'burt[plots]'"
            )
        if not args.plot.parent.is_dir():
            parser().error(f"--plot {args.plot}: there is no folder {args.plot.parent}")
    try:
        scenario = Scenario.from_file(args.scenario)
    except OSError as error:
        parser().error(f"cannot read scenario {args.scenario}: {error.strerror or error}")
    except ValueError as error:
        parser().error(f"scenario {args.scenario}: {error} (the fields are described in {DOCS})")
    names = args.policy or [DEFAULT_POLICY]
    if refusal := _policy_refusal(scenario, names, args):
        parser().error(refusal)
    settings = scenario.policy_settings()
    runs: list[SimulationRun | SegmentedRun] = []
    for name in names:
        wrap = _progress(f"{scenario.name} [{name}]")
        if scenario.segments is None:
            factory = resolve_policy(name, args.peer_mode, settings)
            runs.append(simulate(scenario, factory, name, args.replications, args.seed, wrap))
        else:
            per_segment = resolve_segment_policy(name, args.peer_mode, settings)
            runs.append(
                simulate_segmented(scenario, per_segment, name, args.replications, args.seed, wrap)
            )
    if args.json:
        results = {run.policy: asdict(run.result) for run in runs}
        print(json.dumps(results[names[0]] if len(runs) == 1 else results, indent=2))
    else:
        for run in runs:
            print(summary_line(run) if isinstance(run, SimulationRun) else segmented_line(run))
    if args.plot:
        plot_runs([run for run in runs if isinstance(run, SimulationRun)], args.plot)
    return 0


def _policy_refusal(scenario: Scenario, names: list[str], args: argparse.Namespace) -> str | None:
    """Why the policies (or the plot) asked for cannot run on this scenario, if they cannot."""
    if scenario.segments is None:
        if unknown := [name for name in names if name not in POLICY_NAMES]:
            return (
                f"--policy {unknown[0]} runs scenarios with segments; {args.scenario} has none"
                f" (choose from {', '.join(POLICY_NAMES)})"
            )
        return None
    if unknown := [name for name in names if name not in SEGMENT_POLICY_NAMES]:
        return (
            f"--policy {unknown[0]} does not run scenarios with segments, and {args.scenario}"
            f" has them (choose from {', '.join(SEGMENT_POLICY_NAMES)})"
        )
    if args.plot:
        return f"--plot draws scenarios without segments; {args.scenario} has them"
    return None


def summary_line(run: SimulationRun) -> str:
    r = run.result
    declared = f"winner declared {r.winner_declared_rate:.0%}"
    if r.declared_at_mean is not None:
        declared += f" at {r.declared_at_mean:.0%} of contacts"
    if r.wrong_winner_rate is not None:
        declared += f", wrong {r.wrong_winner_rate:.0%} of declarations"
    false = "" if r.false_winner_rate is None else f", false winner {r.false_winner_rate:.0%}"
    return (
        f"{run.scenario.name} [{run.policy}]: regret {r.regret_mean:.1f} ± {r.regret_stderr:.1f},"
        f" outcomes {r.expected_outcomes_mean:.1f}, {declared}{false},"
        f" recommendation correct {r.recommendation_correct_rate:.0%} ({r.seconds:.1f} s)"
    )


def segmented_line(run: SegmentedRun) -> str:
    r = run.result
    d = r.declarations
    declared = f"winner declared in {d.winner_declared_rate:.0%} of segments"
    if d.wrong_winner_rate is not None:
        declared += f", wrong {d.wrong_winner_rate:.0%} of declarations"
    false = "" if r.false_winner_rate is None else f", false winner {r.false_winner_rate:.0%}"
    differs = f"winner differs by segment {r.differs_rate:.0%}"
    if r.false_differs_rate is not None:
        differs += " (false: one variant is best everywhere)"
    return (
        f"{run.scenario.name} [{run.policy}]: regret {r.regret_mean:.1f} ± {r.regret_stderr:.1f},"
        f" outcomes {r.expected_outcomes_mean:.1f}, {declared}{false}, {differs},"
        f" recommendation correct {r.recommendation_correct_rate:.0%} ({r.seconds:.1f} s)"
    )


def plot_runs(runs: Sequence[SimulationRun], path: str | Path) -> None:
    """Mean allocation over batches (one panel per policy) and cumulative regret of each
    (matplotlib must be installed: `main` checks it before simulating)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(runs) + 1, 1, figsize=(9, 2.6 * (len(runs) + 1)), constrained_layout=True
    )
    for ax, run in zip(axes[:-1], runs, strict=False):
        shares = np.mean([r.weights for r in run.replications], axis=0)
        batches = np.arange(1, shares.shape[0] + 1)
        ax.stackplot(
            batches, shares.T, labels=[f"v{i} ({p:g})" for i, p in enumerate(run.scenario.rates)]
        )
        ax.set(title=f"{run.policy}: mean share of each batch", xlabel="batch", ylim=(0, 1))
        ax.legend(loc="upper left", fontsize="x-small", ncols=4)
    for run in runs:
        curve = np.mean([r.cumulative_regret for r in run.replications], axis=0)
        axes[-1].plot(np.arange(1, curve.size + 1), curve, label=run.policy)
    axes[-1].set(title="cumulative regret (mean)", xlabel="batch", ylabel="outcomes lost")
    axes[-1].legend(fontsize="small")
    fig.suptitle(runs[0].scenario.name)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def register(cli: Commands) -> None:
    cli.add_passthrough(
        "simulate", help="replay simulated campaigns (see `burt simulate -h`)", main=main
    )
