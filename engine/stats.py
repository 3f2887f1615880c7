"""Pure statistics over arrays: apportionment, Beta posteriors, P(best), expected loss, SRM.

Every function here is deterministic and free of I/O so it can be checked against scipy and
large Monte Carlo runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy import special

_WINDOW_SDS = 14.0  # half-width of each posterior's integration window, in standard deviations
_PANELS_PER_SD = 1.0  # panel breakpoints per standard deviation inside a window
_GAUSS_NODES = 8  # Gauss-Legendre nodes per panel
_GRADED_BREAKS = 200  # geometric breakpoints toward 0 or 1 when a density is singular there


def apportion(weights: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` items into integer counts proportional to ``weights`` (largest remainder).

    Each share gets the floor of its quota; the items left over go one each to the largest
    fractional remainders, ties broken by the lower index, so the result is deterministic and
    sums exactly to ``n``.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError("weights must be a non-empty one-dimensional sequence")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise ValueError("n must be a non-negative integer")
    n = int(n)
    quotas = w * n / total
    counts: np.ndarray = np.floor(quotas).astype(np.int64)
    # Guard against floating error pushing a floor above the exact quota sum.
    while counts.sum() > n:
        counts[np.argmax(counts - quotas)] -= 1
    leftover = n - int(counts.sum())
    if leftover:
        order = np.argsort(-(quotas - counts), kind="stable")
        counts[order[:leftover]] += 1
    return counts


def beta_mean_variance(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean a / (a + b) and variance ab / ((a + b)^2 (a + b + 1)) of Beta(a, b), elementwise."""
    total = alpha + beta
    mean: np.ndarray = alpha / total
    variance: np.ndarray = alpha * beta / (total**2 * (total + 1.0))
    return mean, variance


def beta_credible_interval(
    alpha: np.ndarray, beta: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval of Beta(alpha, beta) posteriors.

    `special.betaincinv` is the Beta quantile itself, without the per-call argument checking of
    `stats.beta.ppf` that would cost a stats request ten times as much.
    """
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")
    a, b = _check_beta_params(alpha, beta)
    tail = (1.0 - level) / 2.0
    return special.betaincinv(a, b, tail), special.betaincinv(a, b, 1.0 - tail)


def prob_best_and_expected_loss(
    alpha: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Probability that each Beta posterior is the largest, and its expected loss.

    P(best_i) = ∫ f_i(x) Π_{j≠i} F_j(x) dx and loss_i = E[max_j X_j] - E[X_i], with
    E[max_j X_j] = Σ_i ∫ x f_i(x) Π_{j≠i} F_j(x) dx.

    The integrals run over panels whose breakpoints are the union of every posterior's own grid
    (one breakpoint per standard deviation over ±14 sd), so a very peaked posterior next to a
    flat one is resolved at its own scale. Densities are evaluated in log space and normalised
    numerically; each CDF is the running integral of its density, with the exact integral of the
    Gauss-Legendre interpolant inside a panel. This avoids the costly incomplete beta function
    and keeps the result accurate to ~1e-6 for posteriors from Beta(1, 1) to Beta(1e5, 1e6).
    """
    a, b = _check_beta_params(alpha, beta)
    if a.size == 1:
        return np.ones(1), np.zeros(1)
    x, w, cdf_within = _quadrature(a, b)
    # Panels graded toward 1 can be narrower than float spacing there, putting a node at 1.0
    # exactly (log 0 = -inf, then inf - inf = NaN for a prior like Beta(1000, 0.01)); the
    # nearest float below 1 keeps the integrable singularity finite.
    inside = np.clip(x, np.finfo(float).tiny, np.nextafter(1.0, 0.0))
    log_pdf = (a[:, None] - 1.0) * np.log(inside) + (b[:, None] - 1.0) * np.log1p(-inside)
    pdf = np.exp(log_pdf - log_pdf.max(axis=1, keepdims=True))
    pdf /= (pdf * w).sum(axis=1, keepdims=True)
    cdf = _running_cdf(pdf, w, cdf_within)
    others = _product_of_others(cdf)
    density_best = pdf * others * w
    prob_best = density_best.sum(axis=1)
    prob_best /= prob_best.sum()
    mean = (pdf * x * w).sum(axis=1)
    expected_max = (density_best * x).sum()
    return prob_best, np.maximum(expected_max - mean, 0.0)


def srm_chi_square(
    observed_counts: np.ndarray, intended_weights: np.ndarray
) -> tuple[float, float]:
    """Sample-ratio-mismatch test: chi-square of observed counts against intended weights.

    Follows ``scipy.stats.chisquare`` (k - 1 degrees of freedom over the variants with a
    positive intended weight). Counts observed in a variant that was meant to get nothing are an
    infinite mismatch (statistic inf, p-value 0); with fewer than two live variants or no counts
    there is nothing to test (0, 1).
    """
    observed = np.asarray(observed_counts, dtype=float)
    weights = np.asarray(intended_weights, dtype=float)
    if observed.shape != weights.shape or observed.ndim != 1:
        raise ValueError("observed_counts and intended_weights must be 1-d of equal length")
    if np.any(observed < 0) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("counts must be non-negative and weights non-negative with positive sum")
    live = weights > 0
    if np.any(observed[~live] > 0):
        return float("inf"), 0.0
    total = observed.sum()
    if live.sum() < 2 or total == 0:
        return 0.0, 1.0
    expected = weights[live] / weights[live].sum() * total
    # scipy.stats.chisquare's arithmetic without its input-policy wrapper, which costs far more
    # than the arithmetic on a handful of variants; tests/test_stats.py holds this to chisquare
    # at a relative 1e-12.
    statistic = float(((observed[live] - expected) ** 2 / expected).sum())
    return statistic, float(special.chdtrc(live.sum() - 1, statistic))


def _check_beta_params(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.atleast_1d(np.asarray(alpha, dtype=float))
    b = np.atleast_1d(np.asarray(beta, dtype=float))
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("alpha and beta must be 1-d arrays of equal length")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or np.any(a <= 0) or np.any(b <= 0):
        raise ValueError("alpha and beta must be finite and positive")
    return a, b


@cache
def _gauss_rule() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes/weights on [0, 1] and the matrix integrating the node interpolant
    from 0 to each node (row i: weights giving ∫_0^{t_i} p(t) dt from the values p(t_j))."""
    nodes, weights = np.polynomial.legendre.leggauss(_GAUSS_NODES)
    t = (nodes + 1.0) / 2.0
    vander = np.polynomial.legendre.legvander(2.0 * t - 1.0, _GAUSS_NODES - 1)
    # ∫_0^{t_i} P_m(2s-1) ds = (Q_m(2 t_i - 1) - Q_m(-1)) / 2 with Q_m the antiderivative of P_m.
    integrals = np.empty_like(vander)
    for m in range(_GAUSS_NODES):
        coef = np.zeros(_GAUSS_NODES)
        coef[m] = 1.0
        anti = np.polynomial.legendre.legint(coef, lbnd=-1.0)
        integrals[:, m] = np.polynomial.legendre.legval(2.0 * t - 1.0, anti) / 2.0
    within = integrals @ np.linalg.inv(vander)
    return t, weights / 2.0, within


def _breakpoints(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean, variance = beta_mean_variance(a, b)
    sd = np.sqrt(variance)
    steps = np.arange(-_WINDOW_SDS, _WINDOW_SDS + 1e-9, 1.0 / _PANELS_PER_SD)
    points = [np.clip(mean[:, None] + sd[:, None] * steps, 0.0, 1.0).ravel(), np.array([0.0, 1.0])]
    singular_low, singular_high = a < 1.0, b < 1.0
    if singular_low.any() or singular_high.any():  # rare: a density infinite at 0 or 1
        grading = 0.5 ** np.arange(1, _GRADED_BREAKS + 1)
        for m, s, low, high in zip(mean, sd, singular_low, singular_high, strict=True):
            if low:
                points.append(min(m + _WINDOW_SDS * s, 1.0) * grading)
            if high:
                points.append(1.0 - (1.0 - max(m - _WINDOW_SDS * s, 0.0)) * grading)
    return np.unique(np.concatenate(points))


def _quadrature(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quadrature nodes (P*n,), weights (P*n,) and the within-panel CDF operator (P, n, n)."""
    t, weights, within = _gauss_rule()
    edges = _breakpoints(a, b)
    left = edges[:-1]
    width = np.diff(edges)
    keep = width > 0
    left, width = left[keep], width[keep]
    x = (left[:, None] + width[:, None] * t).ravel()
    w = (width[:, None] * weights).ravel()
    return x, w, width[:, None, None] * within


def _running_cdf(pdf: np.ndarray, w: np.ndarray, cdf_within: np.ndarray) -> np.ndarray:
    k = pdf.shape[0]
    panels, n = cdf_within.shape[0], cdf_within.shape[1]
    by_panel = pdf.reshape(k, panels, n)
    panel_mass = (pdf * w).reshape(k, panels, n).sum(axis=2)
    start = np.concatenate([np.zeros((k, 1)), np.cumsum(panel_mass, axis=1)[:, :-1]], axis=1)
    inside = np.einsum("pij,kpj->kpi", cdf_within, by_panel)
    result: np.ndarray = np.clip((start[:, :, None] + inside).reshape(k, panels * n), 0.0, 1.0)
    return result


def _product_of_others(cdf: np.ndarray) -> np.ndarray:
    """Row i: Π_{j≠i} cdf_j, via prefix and suffix products (no division by zero).

    A loop over the rows (a handful) costs less than cumulative products of stacked copies, and
    gives the same products in the same order.
    """
    prefix = [np.ones(cdf.shape[1])]
    for row in cdf[:-1]:
        prefix.append(prefix[-1] * row)
    result = np.empty_like(cdf)
    suffix = np.ones(cdf.shape[1])
    for i in range(cdf.shape[0] - 1, -1, -1):
        result[i] = prefix[i] * suffix
        suffix = suffix * cdf[i]
    return result


def _log_beta_cumulant(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The n-th cumulant (n >= 2) of log X for X ~ Beta(a, b): psi_{n-1}(a) - psi_{n-1}(a + b),
    with psi_m(x) = (-1)^(m+1) m! zeta(m + 1, x) (the Hurwitz zeta ufunc costs less than
    ``special.polygamma``)."""
    scale = (-1.0) ** n * math.factorial(n - 1)
    both = special.zeta(float(n), np.concatenate([a, a + b]))
    result: np.ndarray = scale * (both[: a.size] - both[a.size :])
    return result


def relative_lift(
    alpha: np.ndarray, beta: np.ndarray, reference: int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative lift X_i / X_ref - 1 of each Beta posterior over the reference's, with an interval.

    The point value is the ratio of posterior means minus one. The interval is the quantiles of
    L = log X_i - log X_ref from its exact cumulants (log X of X ~ Beta(a, b) has cumulants
    psi_n(a) - psi_n(a + b), the posteriors are independent) by the Cornish-Fisher expansion to
    the fourth cumulant, so it keeps the skew of the ratio. The plain normal approximation of
    log(X_i / X_ref) (delta method) is off by 0.03 or more at an end of the interval once a
    variant has fewer than about 20 outcomes (as a starved control has); this stays within about
    0.005 of Monte Carlo quantiles there. The reference's own lift is 0 with a zero-width
    interval.
    """
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")
    a, b = _check_beta_params(alpha, beta)
    mean = beta_mean_variance(a, b)[0]
    k2, k3, k4 = (_log_beta_cumulant(n, a, b) for n in (2, 3, 4))
    log_mean = special.digamma(a) - special.digamma(a + b)
    centre = log_mean - log_mean[reference]
    sd = np.sqrt(k2 + k2[reference])
    sd[reference] = 1.0  # its own lift is exactly 0: any scale, no skew
    skew = (k3 - k3[reference]) / sd**3
    kurtosis = (k4 + k4[reference]) / sd**4
    skew[reference] = kurtosis[reference] = 0.0

    def expansion(z: float) -> np.ndarray:
        w: np.ndarray = (
            z
            + (z**2 - 1.0) * skew / 6.0
            + (z**3 - 3.0 * z) * kurtosis / 24.0
            - (2.0 * z**3 - 5.0 * z) * skew**2 / 36.0
        )
        return w

    z = float(special.ndtri(0.5 + level / 2.0))
    w_low, w_high = expansion(-z), expansion(z)
    # The expansion stops being monotone only for skews no campaign produces (a prior of
    # Beta(0.1, 1000) against Beta(1000, 0.1) with no data); there, the normal quantiles.
    broken = ~(w_low < w_high)
    w_low, w_high = np.where(broken, -z, w_low), np.where(broken, z, w_high)
    low, high = np.expm1(centre + sd * w_low), np.expm1(centre + sd * w_high)
    lift: np.ndarray = mean / mean[reference] - 1.0
    lift[reference] = low[reference] = high[reference] = 0.0
    return lift, low, high
