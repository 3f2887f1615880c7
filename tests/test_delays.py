"""Maturity of partly arrived sends: the chain-ladder estimate against known delay laws."""

from __future__ import annotations

import numpy as np
import pytest

from burt.engine.delays import (
    HOUR,
    Arrivals,
    arrival_cdf,
    counted_evidence,
    grid,
    maturity,
    prior_cdf,
)

DAY = 24 * HOUR


def test_with_no_outcomes_maturity_is_the_prior_within_the_window() -> None:
    ages = np.array([0.5, 1, 6, 23, 24, 48]) * HOUR
    got = maturity(ages, Arrivals.empty(), DAY)
    expected = prior_cdf(np.minimum(ages, DAY)) / prior_cdf(DAY)
    # Linear interpolation between grid points of the same curve.
    np.testing.assert_allclose(got, expected, atol=0.03)
    assert got[-2] == got[-1] == 1.0
    assert prior_cdf(HOUR) == pytest.approx(0.35, abs=0.01)  # a third in the first hour
    assert np.all(np.diff(got) >= 0)


def test_a_window_of_zero_counts_every_outcome_at_once() -> None:
    np.testing.assert_array_equal(maturity(np.array([1.0, 10.0]), Arrivals.empty(), 0), [1, 1])


def synthetic(rng: np.random.Generator, delays_hours: np.ndarray, batches: int, per_batch: int):
    """Batches drawn hourly, observed now; each outcome's delay drawn from ``delays_hours``."""
    ages = (batches - np.arange(batches)) * HOUR
    period, delay = [], []
    for p, age in enumerate(ages):
        d = rng.choice(delays_hours, size=per_batch) * HOUR
        seen = d < age
        period.append(np.full(seen.sum(), p))
        delay.append(d[seen])
    period_a, delay_a = np.concatenate(period), np.concatenate(delay)
    return ages, Arrivals(period_a, delay_a, np.ones(delay_a.size), np.zeros(delay_a.size, int))


@pytest.mark.parametrize("law", ["fast", "slow"])
def test_the_estimate_recovers_a_delay_law_unlike_the_prior(law: str) -> None:
    """The chain ladder sees the law through the older batches only; check it at each grid point
    against the true in-window CDF (tolerance: a few standard errors of 200 outcomes a batch)."""
    rng = np.random.default_rng(3)
    # "fast": everything within two hours; "slow": uniform over the day, far slower than the prior
    delays = rng.uniform(0, 2 if law == "fast" else 24, 5000)
    ages, arrivals = synthetic(rng, delays, batches=60, per_batch=200)
    edges, got = arrival_cdf(ages, arrivals, DAY)
    np.testing.assert_array_equal(edges, grid(DAY))
    truth = np.array([np.mean(delays * HOUR < e) for e in edges]) / np.mean(delays < 24)
    np.testing.assert_allclose(got, truth, atol=0.04)
    prior = prior_cdf(edges) / prior_cdf(DAY)
    assert np.max(np.abs(prior - truth)) > 0.2  # the data, not the prior, set the answer


def test_counted_evidence_drops_late_and_early_outcomes_and_weights_sends() -> None:
    arrivals = Arrivals(
        period=np.array([0, 0, 0, 1]),
        delay=np.array([-5.0, 10.0, 2 * DAY, 30.0]),
        count=np.array([1.0, 3.0, 2.0, 4.0]),
        variant=np.array([0, 1, 1, 0]),
    )
    sends = np.array([[10, 10], [10, 10]])
    ev = counted_evidence(sends, np.zeros((2, 2)), np.array([3 * DAY, 60.0]), arrivals, DAY)
    # Before the draw (-5 s) and after the window (2 days) do not count.
    np.testing.assert_array_equal(ev.successes, [[0, 4], [3, 0]])
    assert ev.maturity is not None
    assert ev.maturity[0] == 1.0 and 0 < ev.maturity[1] < 0.05
