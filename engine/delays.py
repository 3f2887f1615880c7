"""How far along a send is: the share of its eventual outcomes that should have arrived by now.

Opens and clicks arrive late: about a third in the first hour, a long tail over a day or two.
Counting a fresh send as a plain failure biases every estimate against the variants sent most
recently; waiting out the whole attribution window before counting a send throws away most of
what is already known. So a send counts from the moment it is drawn, weighted by its *maturity*
F(age): the share of its eventual (in-window) outcomes expected to have arrived by its age.

F is estimated from the campaign's own outcomes, each with its delay (the outcome's
``occurred_at`` minus its batch's ``created_at``), by the reverse-time product-limit estimator
that insurers call the chain ladder. On a grid of delays 0 < e_1 < ... < e_m = window, only
batches at least e_{j+1} old can tell how outcomes grow from delay e_j to e_{j+1}:

    R_j = (Σ_p C_p(e_{j+1}) + s F0(e_{j+1})) / (Σ_p C_p(e_j) + s F0(e_j)),  p: age_p ≥ e_{j+1}

with C_p(e) the outcomes of batch p with delay below e, and F(e_j) = Π_{i≥j} 1 / R_i,
F(window) = 1.
The prior F0 (a log-logistic curve with a third of the outcomes in the first hour and 90% within
a day) enters as ``s`` pseudo-outcomes per step, so with no data F = F0 and a few dozen real
outcomes move it. The estimator needs no parametric form and is unbiased for any allocation,
because every ratio compares the same batches at two delays.

Outcomes later than the window are not counted (the window is the longest delay that counts);
outcomes dated before their batch was drawn cannot belong to it and are not counted either.

The stores keep no outcome times for this: they maintain a histogram, counts per (batch,
variant, outcome type, delay bin) on the fixed bins of ``BIN_EDGES``, updated with the outcome
counters (so a request's cost does not grow with the outcomes). Every estimator edge and every
allowed window is a bin edge (``WINDOWS``), so the histogram answers both exactly: an outcome
counts iff its bin ends at or before the window, and an outcome stands in the estimator at its
bin's lower edge, which falls in the same step of ``grid(window)`` as its true delay. Changing a
campaign's window therefore needs no rebuild. Only a replay at an earlier moment (`as_of`) cuts a
bin in two; it counts that bin's outcomes in proportion to the part already past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from burt.engine.policy import Evidence

HOUR = 3600.0
PRIOR_MEDIAN_SECONDS = 2.0 * HOUR
PRIOR_SHAPE = 0.9  # log-logistic: F0(1 h) = 0.35, F0(8 h) = 0.78, F0(24 h) = 0.90
PRIOR_STRENGTH = 20.0  # pseudo-outcomes of the prior per step of the grid
_GRID_SECONDS = (
    np.array([0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 144, 192, 264, 360, 504])
    * HOUR
)
_BIN_HOURS = (0, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 120, 144, 168, 192)
BIN_EDGES = np.array([*_BIN_HOURS, 240, 264, 336, 360, 504, 720]) * HOUR
"""Lower edges of the stored delay bins: bin i holds delays in [BIN_EDGES[i], BIN_EDGES[i + 1]),
the last one every delay from 30 days on. Stored data depend on them: changing them needs a
migration that rebuilds the histograms."""
BINS = BIN_EDGES.size
EARLY_TOLERANCE_SECONDS = 1.0
"""How far before its batch's draw an event may be dated and still count (at delay 0): email
platforms stamp events in whole seconds (SendGrid), so an event in the very second of the draw
may read as up to a second earlier. An event dated earlier still is rejected."""
WINDOWS: tuple[int, ...] = (0, *(int(e) for e in BIN_EDGES[1:]))
"""The attribution windows a campaign may have (seconds): 0 (count at once) or a bin edge."""
assert set(_GRID_SECONDS) <= set(BIN_EDGES)


def delay_bins(delays: ArrayLike) -> np.ndarray:
    """The bin of each delay (seconds, >= 0)."""
    bins: np.ndarray = np.searchsorted(BIN_EDGES, np.asarray(delays, dtype=float), side="right")
    return bins - 1


def window_problem(window_seconds: int) -> str | None:
    """Why a window cannot be used, or None (it must be one of ``WINDOWS``)."""
    if window_seconds in WINDOWS:
        return None
    hours = ", ".join(f"{w / HOUR:g}" for w in WINDOWS[1:])
    return (
        f"attribution_window_seconds must be 0 or one of these delays in hours (times 3600):"
        f" {hours}; got {window_seconds}"
    )


def binned_arrivals(
    period: np.ndarray, bins: np.ndarray, count: np.ndarray, variant: np.ndarray
) -> Arrivals:
    """Arrivals from histogram cells: each bin's outcomes at the bin's lower edge."""
    return Arrivals(
        np.asarray(period, dtype=int),
        BIN_EDGES[np.asarray(bins, dtype=int)],
        np.asarray(count, dtype=float),
        np.asarray(variant, dtype=int),
    )


def arrived_by(arrivals: Arrivals, ages: np.ndarray) -> Arrivals:
    """The binned arrivals that had occurred when each period was ``ages[period]`` old: whole
    bins that ended by then, and the part of the bin then under way in proportion to its time."""
    lower = arrivals.delay
    upper = np.append(BIN_EDGES[1:], np.inf)[np.searchsorted(BIN_EDGES, lower)]
    age = np.asarray(ages, dtype=float)[arrivals.period]
    with np.errstate(invalid="ignore"):
        share = np.clip((age - lower) / (upper - lower), 0.0, 1.0)
    share[np.isinf(upper)] = (age >= lower)[np.isinf(upper)]
    return Arrivals(arrivals.period, lower, arrivals.count * share, arrivals.variant)


@dataclass(frozen=True)
class Arrivals:
    """Outcomes of the optimized type grouped by variant, period (batch) and delay.

    ``variant[g]`` and ``period[g]`` index the evidence's rows and columns, ``delay[g]`` is the
    seconds from that batch's draw to the outcome, ``count[g]`` how many outcomes share them
    (1 for a single event).
    """

    period: np.ndarray
    delay: np.ndarray
    count: np.ndarray
    variant: np.ndarray

    @classmethod
    def empty(cls) -> Arrivals:
        return cls(np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros(0, int))


def prior_cdf(delay: np.ndarray | float) -> np.ndarray:
    """The prior share of outcomes arrived by ``delay`` seconds (log-logistic, median 2 h)."""
    d = np.maximum(np.asarray(delay, dtype=float), 0.0)
    with np.errstate(divide="ignore"):
        result: np.ndarray = 1.0 / (
            1.0 + (np.maximum(d, 1e-9) / PRIOR_MEDIAN_SECONDS) ** -PRIOR_SHAPE
        )
        return result


def grid(window_seconds: float) -> np.ndarray:
    """Delay grid 0 = e_0 < ... < e_m = window (quarter-hours first, days later)."""
    inner = _GRID_SECONDS[window_seconds > _GRID_SECONDS]
    return np.concatenate([[0.0], inner, [float(window_seconds)]])


def arrival_cdf(
    ages: np.ndarray, arrivals: Arrivals, window_seconds: float
) -> tuple[np.ndarray, np.ndarray]:
    """The estimated F on the grid: (edges, F(edges)), F(0) = 0 and F(window) = 1."""
    edges = grid(window_seconds)
    m = edges.size - 1
    ages = np.asarray(ages, dtype=float)
    prior = prior_cdf(edges) / prior_cdf(window_seconds)
    prior[0] = 0.0
    # cumulative[p, j]: outcomes of period p with delay below edges[j] (j = 0..m).
    cumulative = np.zeros((ages.size, m + 1))
    inside = counted(arrivals, window_seconds)
    if inside.any():
        bins = np.searchsorted(edges, arrivals.delay[inside], side="right")  # 1..m
        per_bin = np.zeros((ages.size, m + 2))
        np.add.at(per_bin, (arrivals.period[inside], bins), arrivals.count[inside])
        cumulative = np.cumsum(per_bin, axis=1)[:, : m + 1]
    cdf = np.ones(m + 1)
    for j in range(m - 1, 0, -1):
        old_enough = ages >= edges[j + 1]
        upper = cumulative[old_enough, j + 1].sum() + PRIOR_STRENGTH * prior[j + 1]
        lower = cumulative[old_enough, j].sum() + PRIOR_STRENGTH * prior[j]
        cdf[j] = cdf[j + 1] * min(lower / upper, 1.0)
    cdf[0] = 0.0
    return edges, cdf


def maturity(ages: np.ndarray, arrivals: Arrivals, window_seconds: float) -> np.ndarray:
    """F(age) per period: the share of its in-window outcomes expected to have arrived.

    A window of 0 means every outcome counts at once (maturity 1). Between grid points F is
    interpolated linearly in time.
    """
    ages = np.asarray(ages, dtype=float)
    if window_seconds <= 0:
        return np.ones(ages.size)
    edges, cdf = arrival_cdf(ages, arrivals, window_seconds)
    result: np.ndarray = np.interp(np.clip(ages, 0.0, window_seconds), edges, cdf)
    return result


def counted(arrivals: Arrivals, window_seconds: float) -> np.ndarray:
    """Which arrivals count: dated at or after their batch's draw and within the window."""
    return (arrivals.delay >= 0) & (
        (arrivals.delay < window_seconds) if window_seconds > 0 else True
    )


def counted_evidence(
    sends: np.ndarray,
    unsubscribes: np.ndarray,
    ages: np.ndarray,
    arrivals: Arrivals,
    window_seconds: float,
) -> Evidence:
    """The policy's evidence from what is known now (the service and the simulator both call it).

    ``sends`` and ``unsubscribes`` are (variants, periods) counts, ``ages`` the seconds since
    each period's batch was drawn, ``arrivals`` the outcomes of the optimized type. Successes
    are the arrivals that count; every period carries its maturity.
    """
    sends = np.asarray(sends)
    successes = np.zeros(sends.shape)
    keep = counted(arrivals, window_seconds)
    np.add.at(successes, (arrivals.variant[keep], arrivals.period[keep]), arrivals.count[keep])
    return Evidence(
        sends=sends,
        successes=np.minimum(successes, sends),
        unsubscribes=np.minimum(np.asarray(unsubscribes), sends),
        maturity=maturity(ages, arrivals, window_seconds),
    )
