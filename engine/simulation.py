"""Campaign simulator: replay a scenario against known true rates through the allocation code.

A scenario releases ``contacts`` in ``batches`` equal batches. Before each batch the policy sees
only matured evidence (outcomes of batch t are visible from batch t + 1 + delay on), decides the
weights, and ``stats.apportion`` turns them into counts, exactly as the service does. Outcomes
are drawn per variant per batch (binomial counts), so a replication costs one policy call per
batch and no per-contact work. Regret is expected (not realised) outcomes lost against always
sending the truly best variant. See SIMULATION.md for the scenario and result formats.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from burt.engine.policy import WINNER, Evidence, PolicySettings, allocate
from burt.engine.stats import apportion

DEFAULT_POLICY = "burt"


@dataclass(frozen=True)
class Scenario:
    name: str
    rates: tuple[float, ...]
    contacts: int
    batches: int
    delay: int = 0
    period_factors: tuple[float, ...] = (1.0,)
    replications: int = 100
    seed: int = 0
    unsubscribe_rates: tuple[float, ...] | None = None  # extension: per-variant unsubscribe rate

    def __post_init__(self) -> None:
        if len(self.rates) < 2:
            raise ValueError(f"{self.name}: need at least two rates")
        factors = np.asarray(self.period_factors)
        if self.contacts < 1 or self.batches < 1 or self.delay < 0 or self.replications < 1:
            raise ValueError(f"{self.name}: contacts, batches, replications >= 1; delay >= 0")
        if not factors.size or np.any(factors <= 0):
            raise ValueError(f"{self.name}: period_factors must be positive")
        peak = np.max(self.rates) * factors.max()
        if min(self.rates) < 0 or peak > 1:
            raise ValueError(f"{self.name}: rates x period_factors must lie in [0, 1]")
        if self.unsubscribe_rates is not None and len(self.unsubscribe_rates) != len(self.rates):
            raise ValueError(f"{self.name}: unsubscribe_rates must match rates")

    @property
    def is_aa(self) -> bool:
        return len(set(self.rates)) == 1

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        data = json.loads(Path(path).read_text())
        for key in ("rates", "period_factors", "unsubscribe_rates"):
            if data.get(key) is not None:
                data[key] = tuple(float(v) for v in data[key])
        return cls(**data)


@dataclass(frozen=True)
class Decision:
    weights: np.ndarray
    winner: int | None  # set when the policy's winner rule fired at this decision


class Policy(Protocol):
    """One replication's policy. Stateful peers may keep state between calls."""

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        """Weights for the next batch, from matured evidence only."""
        ...

    def recommend(self, evidence: Evidence) -> int:
        """The variant the policy would send everything to at the end of the campaign."""
        ...


PolicyFactory = Callable[[int, np.random.Generator], Policy]
"""Builds a fresh policy for ``k`` variants with its own random generator."""


@dataclass
class BurtPolicy:
    """burt's ``allocate``: deterministic, so the generator is unused."""

    settings: PolicySettings = field(default_factory=PolicySettings)

    def decide(self, evidence: Evidence, remaining: int, total: int, batch_size: int) -> Decision:
        allocation = allocate(evidence, self.settings, remaining, total)
        winner = allocation.winner if allocation.status == WINNER else None
        return Decision(allocation.weights, winner)

    def recommend(self, evidence: Evidence) -> int:
        allocation = allocate(evidence, self.settings, 0, max(int(evidence.sends.sum()), 1))
        if allocation.winner is not None:
            return allocation.winner
        return int(np.argmax([v.prob_best for v in allocation.variants]))


def burt_factory(settings: PolicySettings | None = None) -> PolicyFactory:
    chosen = settings or PolicySettings()
    return lambda k, rng: BurtPolicy(chosen)


@dataclass(frozen=True)
class SimulationResult:
    regret_mean: float
    regret_stderr: float
    expected_outcomes_mean: float
    winner_declared_rate: float
    winner_correct_rate: float
    false_winner_rate: float | None
    seconds: float


@dataclass(frozen=True)
class Replication:
    regret: float
    expected_outcomes: float
    declared: int | None  # the first winner the rule declared, if any
    recommended: int
    weights: np.ndarray  # (batches, k) shares actually sent
    cumulative_regret: np.ndarray  # (batches,)


@dataclass(frozen=True)
class SimulationRun:
    scenario: Scenario
    policy: str
    result: SimulationResult
    replications: tuple[Replication, ...]

    @property
    def declared_correct_rate(self) -> float | None:
        """Among replications that declared a winner, the share whose first winner was best."""
        best = _best_variants(self.scenario)
        declared = [r.declared for r in self.replications if r.declared is not None]
        return float(np.mean([d in best for d in declared])) if declared else None


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Replication r always gets the same seed, whatever the number of replications."""
    return [np.random.SeedSequence([seed, r]) for r in range(replications)]


def run_replication(
    scenario: Scenario, factory: PolicyFactory, seed: np.random.SeedSequence
) -> Replication:
    """One campaign: decide, apportion, draw outcomes per batch; no per-contact loops."""
    outcome_seed, policy_seed = seed.spawn(2)
    rng = np.random.default_rng(outcome_seed)
    rates = np.asarray(scenario.rates)
    unsub_rates = (
        np.zeros_like(rates)
        if scenario.unsubscribe_rates is None
        else np.asarray(scenario.unsubscribe_rates)
    )
    k, batches = rates.size, scenario.batches
    policy = factory(k, np.random.default_rng(policy_seed))
    sizes = apportion(np.ones(batches), scenario.contacts)
    factors = np.resize(np.asarray(scenario.period_factors), batches)
    sends = np.zeros((k, batches), dtype=np.int64)
    successes = np.zeros_like(sends)
    unsubscribes = np.zeros_like(sends)
    gap = rates.max() - rates
    declared: int | None = None
    assigned = 0
    for t in range(batches):
        visible = max(t - scenario.delay, 0)
        evidence = Evidence(sends[:, :visible], successes[:, :visible], unsubscribes[:, :visible])
        decision = policy.decide(
            evidence, scenario.contacts - assigned, scenario.contacts, sizes[t]
        )
        if declared is None and decision.winner is not None:
            declared = decision.winner
        counts = apportion(decision.weights, int(sizes[t]))
        sends[:, t] = counts
        successes[:, t] = rng.binomial(counts, rates * factors[t])
        unsubscribes[:, t] = rng.binomial(counts - successes[:, t], unsub_rates)
        assigned += int(sizes[t])
    per_batch_regret = factors * (gap @ sends)
    final = Evidence(sends, successes, unsubscribes)
    return Replication(
        regret=float(per_batch_regret.sum()),
        expected_outcomes=float((factors * (rates @ sends)).sum()),
        declared=declared,
        recommended=policy.recommend(final),
        weights=(sends / sizes).T,
        cumulative_regret=np.cumsum(per_batch_regret),
    )


def simulate(
    scenario: Scenario,
    factory: PolicyFactory,
    policy_name: str = DEFAULT_POLICY,
    replications: int | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> SimulationRun:
    count = scenario.replications if replications is None else replications
    seeds = replication_seeds(scenario.seed if seed is None else seed, count)
    start = time.perf_counter()
    runs = tuple(
        run_replication(scenario, factory, s)
        for s in tqdm(
            seeds,
            desc=f"{scenario.name} [{policy_name}]",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        )
    )
    return SimulationRun(
        scenario, policy_name, summarize(scenario, runs, time.perf_counter() - start), runs
    )


def summarize(scenario: Scenario, runs: Sequence[Replication], seconds: float) -> SimulationResult:
    regret = np.array([r.regret for r in runs])
    best = _best_variants(scenario)
    declared = np.array([r.declared is not None for r in runs])
    stderr = float(regret.std(ddof=1) / np.sqrt(len(runs))) if len(runs) > 1 else 0.0
    return SimulationResult(
        regret_mean=float(regret.mean()),
        regret_stderr=stderr,
        expected_outcomes_mean=float(np.mean([r.expected_outcomes for r in runs])),
        winner_declared_rate=float(declared.mean()),
        winner_correct_rate=float(np.mean([r.recommended in best for r in runs])),
        false_winner_rate=float(declared.mean()) if scenario.is_aa else None,
        seconds=round(seconds, 3),
    )


def _best_variants(scenario: Scenario) -> set[int]:
    rates = np.asarray(scenario.rates)
    return set(np.flatnonzero(rates == rates.max()).tolist())


def resolve_policy(name: str) -> PolicyFactory:
    """burt's policy, or a peer from ``bench.peers`` (available in a source checkout)."""
    if name == DEFAULT_POLICY:
        return burt_factory()
    try:
        from bench.peers import PEERS
    except ImportError as error:  # an installed package without the bench folder
        raise SystemExit(f"policy {name!r} needs the bench package: {error}") from error
    if name not in PEERS:
        choices = ", ".join([DEFAULT_POLICY, *PEERS])
        raise SystemExit(f"unknown policy {name!r}; choose from {choices}")
    return PEERS[name]


def plot_runs(runs: Sequence[SimulationRun], path: str | Path) -> None:
    """Mean allocation over batches (one panel per policy) and cumulative regret of each."""
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


def simulate_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="burt simulate", description="Replay a campaign scenario against a policy."
    )
    parser.add_argument("scenario", type=Path, help="scenario JSON file (see SIMULATION.md)")
    parser.add_argument(
        "--policy",
        action="append",
        help=f"policy to run (repeatable; default {DEFAULT_POLICY}); peers come from bench.peers",
    )
    parser.add_argument("--replications", type=int, help="override the scenario's replications")
    parser.add_argument("--seed", type=int, help="override the scenario's base seed")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--plot", type=Path, help="write a PNG of allocation and regret")
    args = parser.parse_args(argv)
    if args.replications is not None and args.replications < 1:
        parser.error("--replications must be at least 1")
    try:
        scenario = Scenario.from_file(args.scenario)
    except (OSError, ValueError, TypeError) as error:
        parser.error(f"cannot read scenario {args.scenario}: {error}")
    names = args.policy or [DEFAULT_POLICY]
    runs = [
        simulate(scenario, resolve_policy(name), name, args.replications, args.seed)
        for name in names
    ]
    if args.json:
        results = {run.policy: asdict(run.result) for run in runs}
        print(json.dumps(results[names[0]] if len(runs) == 1 else results, indent=2))
    else:
        for run in runs:
            r = run.result
            print(
                f"{scenario.name} [{run.policy}]: regret {r.regret_mean:.1f} ± "
                f"{r.regret_stderr:.1f}, outcomes {r.expected_outcomes_mean:.1f}, "
                f"winner declared {r.winner_declared_rate:.0%}, "
                f"correct {r.winner_correct_rate:.0%}"
                + (
                    ""
                    if r.false_winner_rate is None
                    else f", false winner {r.false_winner_rate:.0%}"
                )
                + f" ({r.seconds:.1f} s)"
            )
    if args.plot:
        plot_runs(runs, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(simulate_main())
