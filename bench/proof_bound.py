"""The least regret an error-controlled declaration must spend on its rivals (Wald's bound).

    python -m bench.proof_bound [--power 0.8] [--error 0.05]

A sequential test that tells rival j (rate p_j) from the best variant (rate p*) with type-I
error a and power 1 - b needs on average at least
``((1 - b) log((1 - b) / a) + b log(b / (1 - a))) / KL(p_j, p*)`` sends of j (Wald 1945), KL the
Bernoulli Kullback-Leibler divergence per send, when the leader's own sample is large; each
of them loses p* - p_j. With a = error / (rivals) (a wrong winner needs only one rival to win
its test) the sum over rivals is an oracle's floor on the regret of declaring the right winner
with that power, before warm-up, delays and the search for the leader. Printed for every
scenario where a plain equal split has >= 90% power (issue 9's declaration bar).
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.policy_table import OWN_SCENARIOS, SHARED_SCENARIOS, scenario_files
from burt.engine.simulation import Scenario, equal_split_power


def bernoulli_kl(p: float, q: float) -> float:
    """KL(Bernoulli(p) || Bernoulli(q)), in nats."""
    return float(p * np.log(p / q) + (1.0 - p) * np.log((1.0 - p) / (1.0 - q)))


def proof_regret_floor(rates: np.ndarray, power: float, error: float) -> float:
    """Wald's floor on the regret of proving the best of ``rates`` with that power and error."""
    best = float(rates.max())
    rivals = [float(p) for p in rates if p < best]
    a, b = error / len(rivals), 1.0 - power
    log_ratio_needed = power * np.log(power / a) + b * np.log(b / (1.0 - a))
    return sum(log_ratio_needed / bernoulli_kl(p, best) * (best - p) for p in rivals)


def mean_rates(scenario: Scenario) -> np.ndarray:
    """The variants' rates at the campaign's mean period factor."""
    factor = float(np.mean(np.resize(np.asarray(scenario.period_factors), scenario.batches)))
    return np.asarray(scenario.rates, dtype=float) * factor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--power", type=float, default=0.8)
    parser.add_argument("--error", type=float, default=0.05)
    args = parser.parse_args()
    for path in scenario_files([SHARED_SCENARIOS, OWN_SCENARIOS]):
        scenario = Scenario.from_file(path)
        split_power = equal_split_power(scenario)
        if split_power is None or split_power < 0.9:
            continue
        floor = proof_regret_floor(mean_rates(scenario), args.power, args.error)
        print(f"{scenario.name:<26} equal-split power {split_power:4.0%}  floor {floor:7.1f}")


if __name__ == "__main__":
    main()
