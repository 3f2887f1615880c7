"""Turning weights into a reproducible batch assignment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from burt.engine.model import HOLDOUT
from burt.engine.stats import apportion


def assign_labels(
    n: int, weights: Sequence[float], holdout_fraction: float, seed: int
) -> np.ndarray:
    """Variant index (or HOLDOUT) for each of `n` contacts taken in load order.

    Counts come from largest-remainder apportionment of the weights (holdout share included),
    so they match the intended split as closely as integers can; the labels are then shuffled
    with `seed`, so the same contacts, weights and seed always give the same assignment.
    """
    shares = np.append(
        np.asarray(weights, dtype=float) * (1.0 - holdout_fraction), holdout_fraction
    )
    counts = apportion(shares, n)
    labels = np.repeat(np.append(np.arange(len(weights)), HOLDOUT), counts)
    np.random.default_rng(seed).shuffle(labels)
    return labels
