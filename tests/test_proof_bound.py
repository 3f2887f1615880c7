"""Wald's floor on a proof's regret (bench.proof_bound), against independent computation."""

from __future__ import annotations

import numpy as np
from scipy import stats

from bench.proof_bound import bernoulli_kl, proof_regret_floor


def test_bernoulli_kl_equals_scipy_entropy() -> None:
    for p, q in ((0.02, 0.024), (0.1, 0.05), (0.5, 0.3)):
        assert abs(bernoulli_kl(p, q) - stats.entropy([p, 1 - p], [q, 1 - q])) < 1e-12


def test_floor_is_walds_bound_summed_over_rivals() -> None:
    """Two rivals at 2% and 3% against 4%: each needs Wald's log-ratio over its KL sends."""
    rates = np.array([0.04, 0.02, 0.03])
    a, power = 0.05 / 2, 0.8
    needed = power * np.log(power / a) + 0.2 * np.log(0.2 / (1 - a))
    expected = sum(
        needed / stats.entropy([p, 1 - p], [0.04, 0.96]) * (0.04 - p) for p in (0.02, 0.03)
    )
    assert abs(proof_regret_floor(rates, power, 0.05) - expected) < 1e-9 * expected
    # More power or less error costs more; a variant tied with the best is not a rival.
    assert proof_regret_floor(rates, 0.9, 0.05) > proof_regret_floor(rates, 0.8, 0.05)
    assert proof_regret_floor(rates, 0.8, 0.01) > proof_regret_floor(rates, 0.8, 0.05)
    tied = proof_regret_floor(np.array([0.04, 0.04, 0.02]), 0.8, 0.05)
    assert tied == proof_regret_floor(np.array([0.04, 0.02]), 0.8, 0.05)
