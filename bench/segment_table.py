"""Side-by-side table for segments: every segment scenario x burt's pooled policy and the peers.

    python -m bench.segment_table [EXTRA_SCENARIO_FOLDER ...] [--replications R] [--policy NAME]
                                  [--only SCENARIO ...] [--goal GOAL ...]

Scenarios come from ``bench/scenarios/segments`` and any folders given; each runs with its own
replications and seed. One process (the machine is shared). Every peer runs in both honest modes
and is scored by its better one (lower regret), as in ``bench.policy_table``; ``burt-no-proof`` is
burt with ``proof_share`` 0 (what the proofs cost), ``burt-unpooled`` burt on every segment's own
evidence alone (what pooling earns); ``--goal G`` adds ``burt[G]`` and ``burt-blind[G]``, pooled
and segment-blind burt under goal G (the first's ``/blind`` is against the second). Columns: regret
mean ± standard error (the lowest starred), its ratio to the best peer (burt's rows excluded) and
to segment-blind burt, the share of (replication, segment) pairs that declared a winner, the share
of replications with a "winner differs by segment" verdict (a false verdict where one variant is
best everywhere, marked !), the share of per-segment declarations that named a wrong winner, and on
A/A scenarios the share of replications in which any segment declared a winner.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from bench.policy_table import goal_row, rate_cell, scenario_files
from burt.engine.peers import PEER_MODES
from burt.engine.policy import GOALS, PolicySettings
from burt.engine.segments.policies import (
    SEGMENT_LIBRARIES,
    SEGMENT_PEERS,
    UNPOOLED,
    pooled_burt,
    resolve_segment_policy,
)
from burt.engine.segments.simulation import (
    SegmentedRun,
    SegmentPolicyFactory,
    simulate_segmented,
)
from burt.engine.simulation import DEFAULT_POLICY, Scenario

OWN_SCENARIOS = Path(__file__).resolve().parent / "scenarios" / "segments"
BLIND = "burt-blind"
NO_PROOF = "burt-no-proof"
OURS: dict[str, SegmentPolicyFactory] = {
    DEFAULT_POLICY: pooled_burt(),
    NO_PROOF: pooled_burt(PolicySettings(proof_share=0.0)),
    UNPOOLED: pooled_burt(pool=False),
}
"""burt's pooled policy; the same with ``proof_share`` 0 (what the proofs cost); every segment
on its own evidence (what pooling earns)."""


def available_policies() -> list[str]:
    names = [*OURS, *SEGMENT_PEERS]
    for name, module in SEGMENT_LIBRARIES.items():
        if importlib.util.find_spec(module) is None:
            print(f"skipping {name}: {module} is not installed", file=sys.stderr)
            names.remove(name)
    return names


def run(scenario: Scenario, policy: str, replications: int | None) -> tuple[str, SegmentedRun]:
    """The policy's run on the scenario, in the mode with the lower regret for a peer."""
    if policy in OURS:
        return "service", simulate_segmented(scenario, OURS[policy], policy, replications)
    goal = next((g for g in GOALS if policy in (goal_row(g), blind_row(g))), None)
    if goal is not None:
        name = DEFAULT_POLICY if policy == goal_row(goal) else BLIND
        factory = resolve_segment_policy(name, settings=PolicySettings(goal=goal))
        return "service", simulate_segmented(scenario, factory, policy, replications)
    if policy == BLIND:
        return "service", simulate_segmented(
            scenario, SEGMENT_PEERS[BLIND]("arrive"), policy, replications
        )
    runs = [
        (mode, simulate_segmented(scenario, SEGMENT_PEERS[policy](mode), policy, replications))
        for mode in PEER_MODES
    ]
    return min(runs, key=lambda mr: mr[1].result.regret_mean)


def blind_row(goal: str) -> str:
    """The policy name of segment-blind burt's row under ``goal``."""
    return f"{BLIND}[{goal}]"


def _blind_for(policy: str) -> str:
    """The row a policy's ``/blind`` is against: segment-blind burt under the row's goal."""
    goal = policy.partition("[")[2].rstrip("]")
    return blind_row(goal) if goal else BLIND


def _ratio(value: float, reference: float | None) -> str:
    return "-" if reference is None or reference <= 0 else f"{value / reference:.2f}"


def render(results: list[tuple[str, SegmentedRun]]) -> str:
    header = (
        f"{'scenario':<28} {'policy':<27} {'mode':<7} {'regret mean ± se':>17} "
        f"{'/peer':>5} {'/blind':>6} {'declared':>8} {'differs':>8} {'wrong':>6} {'aa.false':>8} "
        f"{'s':>6}"
    )
    lines = [header, "-" * len(header)]
    by_scenario: dict[str, list[tuple[str, SegmentedRun]]] = {}
    for mode, segmented in results:
        by_scenario.setdefault(segmented.scenario.name, []).append((mode, segmented))
    for name, group in by_scenario.items():
        regrets = {r.policy: r.result.regret_mean for _, r in group}
        peers = [v for p, v in regrets.items() if p not in OURS and not p.startswith("burt[")]
        best_peer = min(peers) if peers else None
        lowest = min(regrets.values())
        for mode, segmented in group:
            r = segmented.result
            star = "*" if r.regret_mean == lowest else " "
            differs = rate_cell(r.differs_rate) + ("!" if r.false_differs_rate is not None else " ")
            lines.append(
                f"{name:<28} {segmented.policy:<27} {mode:<7} "
                f"{f'{r.regret_mean:.1f} ± {r.regret_stderr:.1f}{star}':>17} "
                f"{_ratio(r.regret_mean, best_peer):>5} "
                f"{_ratio(r.regret_mean, regrets.get(_blind_for(segmented.policy))):>6} "
                f"{rate_cell(r.declarations.winner_declared_rate):>8} {differs:>8} "
                f"{rate_cell(r.declarations.wrong_winner_rate):>6} "
                f"{rate_cell(r.false_winner_rate):>8} "
                f"{r.seconds:>6.1f}"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segment_table", description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, help="extra scenario folders")
    parser.add_argument("--replications", type=int, help="override every scenario's replications")
    parser.add_argument("--policy", action="append", help="only these policies (repeatable)")
    parser.add_argument("--only", action="append", help="only these scenarios (repeatable)")
    parser.add_argument(
        "--goal",
        action="append",
        default=[],
        choices=list(GOALS),
        help="add rows burt[GOAL] and burt-blind[GOAL]: pooled and segment-blind burt with this"
        " goal (repeatable)",
    )
    args = parser.parse_args(argv)
    goals = dict.fromkeys(args.goal)
    policies = [
        *(args.policy or available_policies()),
        *(row for g in goals for row in (goal_row(g), blind_row(g))),
    ]
    results = []
    for path in scenario_files([OWN_SCENARIOS, *args.folders]):
        scenario = Scenario.from_file(path)
        if args.only and scenario.name not in args.only:
            continue
        for policy in policies:
            results.append(run(scenario, policy, args.replications))
            print(
                f"{scenario.name} {policy}: {results[-1][1].result.seconds:.0f}s", file=sys.stderr
            )
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
