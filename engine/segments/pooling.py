"""Partial pooling: each variant's effect in a segment shrunk toward its campaign-wide effect.

The model, on the log-odds scale, for segment s and variant i:

    logit p_si = a_s + b_i + u_si,    u_si ~ N(0, tau^2)

a_s is the segment's base (free: segments may differ five-fold in base rate without that
counting as a difference between variants), b_i the variant's campaign-wide effect and u_si
how far the variant's effect in this segment departs from it (y successes in n
maturity-weighted sends per cell).

Whether the effects differ at all is tested first. The additive model (tau^2 = 0) is fitted by
maximum likelihood (``binomial_additive_fit``) and its Pearson statistic
X^2 = sum (y - n p)^2 / (n p (1 - p)) compared with the chi-square quantile at
``INTERACTION_LEVEL`` on (S - 1)(k - 1) degrees of freedom. While the test does not reject,
tau^2 = 0 and a, b are the maximum-likelihood fit. Why a test rather than the moment estimate
below alone: where effects agree, that estimate is above 0 in about two looks in five, and
each such look lets the segments' noise steer their weights. Why maximum likelihood there: the
corrected cell log-odds below are biased by about 1/(2y) in a cell with y successes, so a loser
starved in many small segments looks better in all of them at once and keeps being explored.
Record 0015 ("The interaction gate") measures both.

Once the test rejects, tau^2 by the method of moments on the cells' log-odds
l_si = logit((y + 1/2) / (n + 1)), sampling variance v_si = 1/(y + 1/2) + 1/(n - y + 1/2).
The residuals r of the unweighted two-way fit (row and column means removed) are P l with
P = (I - J/S) ⊗ (I - J/k) the projection, so E Σ r^2 = tr(P Σ) = (1 - 1/S)(1 - 1/k)
Σ (v_si + tau^2), whatever the cells' variances; solving for tau^2 and flooring at 0 gives the
estimate. a and b are then fitted by weighted least squares with weights 1 / (v + tau^2)
(alternating closed-form updates), so a large segment counts for more.

Given a_s, b_i and tau^2, the prior of p_si is logit-normal around m_si = expit(a_s + b_i);
matched to a Beta of the same mean and (delta-method) variance it is Beta(m n0, (1 - m) n0) with
n0 = 1 / (tau^2 m (1 - m)): n0 pseudo-sends at rate m. The conjugate update with the segment's
own counts shrinks its estimate toward m by n0 / (n0 + n), which is v / (v + tau^2), the
normal-normal shrinkage. n0 is capped by the campaign's own sends of the variant (the prior
cannot know b_i better than the data it comes from); tau^2 = 0 (effects not shown to differ)
gives that cap: the segment follows the campaign's comparison at its own base rate. The
segment's data enter a_s and b_i as well as its own cells; with several segments that double
count is a small part of either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

_FIT_ITERATIONS = 30
_NEWTON_ITERATIONS = 60
INTERACTION_LEVEL = 0.95
"""The confidence at which the interaction test must reject before segments' effects may
differ (tau^2 > 0)."""


@dataclass(frozen=True)
class PooledPrior:
    """Per segment and variant: the prior mean rate and its strength in pseudo-sends (0 where
    the segment borrows nothing), tau^2 (0 while the interaction test does not reject; nan
    when fewer than two segments have data) and the test's p-value (nan likewise)."""

    mean: np.ndarray
    strength: np.ndarray
    spread: float
    interaction_p: float = float("nan")


def pooled_prior(successes: np.ndarray, exposure: np.ndarray) -> PooledPrior:
    """The empirical-Bayes prior of every (segment, variant) rate from (segments, variants)
    successes and maturity-weighted sends. Segments without sends of every variant neither
    inform the fit nor get a prior."""
    y = np.asarray(successes, dtype=float)
    n = np.maximum(np.asarray(exposure, dtype=float), y)
    mean, strength = np.zeros(n.shape), np.zeros(n.shape)
    rows = np.all(n > 0, axis=1)
    segments, k = int(rows.sum()), n.shape[1]
    if segments < 2:
        return PooledPrior(mean, strength, float("nan"))
    cap = n.sum(axis=0)
    p_value, fitted = interaction_test(y[rows], n[rows])
    if p_value >= 1.0 - INTERACTION_LEVEL:
        mean[rows] = fitted
        strength[rows] = cap[None, :]
        return PooledPrior(mean, strength, 0.0, p_value)
    log_odds = special.logit((y[rows] + 0.5) / (n[rows] + 1.0))
    variance = 1.0 / (y[rows] + 0.5) + 1.0 / (n[rows] - y[rows] + 0.5)
    residual = (
        log_odds
        - log_odds.mean(axis=1, keepdims=True)
        - log_odds.mean(axis=0, keepdims=True)
        + log_odds.mean()
    )
    leverage = (1.0 - 1.0 / segments) * (1.0 - 1.0 / k)
    spread = max((residual**2).sum() / leverage - variance.sum(), 0.0) / (segments * k)
    base, effect = additive_fit(log_odds, 1.0 / (variance + spread))
    centre = special.expit(base[:, None] + effect[None, :])
    with np.errstate(divide="ignore"):
        wanted = 1.0 / (spread * centre * (1.0 - centre))
    mean[rows] = centre
    strength[rows] = np.minimum(wanted, cap[None, :])
    return PooledPrior(mean, strength, float(spread), p_value)


def interaction_test(successes: np.ndarray, exposure: np.ndarray) -> tuple[float, np.ndarray]:
    """The p-value of "each variant's effect is the same in every segment": Pearson's X^2 of
    the maximum-likelihood additive fit against chi-square on (S - 1)(k - 1) degrees of
    freedom (cells the fit gives no variance count nothing); and that fit's rates."""
    base, effect = binomial_additive_fit(successes, exposure)
    rate: np.ndarray = special.expit(base[:, None] + effect[None, :])
    expected = exposure * rate
    variance = expected * (1.0 - rate)
    held = variance > 0
    pearson = float(((successes - expected)[held] ** 2 / variance[held]).sum())
    freedom = (successes.shape[0] - 1) * (successes.shape[1] - 1)
    return float(stats.chi2.sf(pearson, freedom)), rate


def binomial_additive_fit(
    successes: np.ndarray, exposure: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood of logit p_si = a_s + b_i (b centred on 0) for binomial counts,
    by alternating Newton steps on a and on b (each a closed form per row or column). A row or
    column without successes drifts toward -inf, which is its maximum."""
    base = special.logit((successes.sum(axis=1) + 0.5) / (exposure.sum(axis=1) + 1.0))
    effect = np.zeros(successes.shape[1])
    for _ in range(_NEWTON_ITERATIONS):
        rate = special.expit(base[:, None] + effect[None, :])
        step_a = (successes - exposure * rate).sum(axis=1) / np.maximum(
            (exposure * rate * (1.0 - rate)).sum(axis=1), 1e-300
        )
        base = base + step_a
        rate = special.expit(base[:, None] + effect[None, :])
        step_b = (successes - exposure * rate).sum(axis=0) / np.maximum(
            (exposure * rate * (1.0 - rate)).sum(axis=0), 1e-300
        )
        effect = effect + step_b
        if max(np.abs(step_a).max(), np.abs(step_b).max()) < 1e-10:
            break
    shift = effect.mean()
    return base + shift, effect - shift


def additive_fit(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column effects a, b minimising Σ w (values - a_s - b_i)^2 (b centred on 0)."""
    base = np.zeros(values.shape[0])
    effect = np.zeros(values.shape[1])
    for _ in range(_FIT_ITERATIONS):
        base = (weights * (values - effect)).sum(axis=1) / weights.sum(axis=1)
        effect = (weights * (values - base[:, None])).sum(axis=0) / weights.sum(axis=0)
    shift = effect.mean()
    return base + shift, effect - shift
