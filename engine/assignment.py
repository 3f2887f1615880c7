"""Turning weights into a reproducible batch assignment."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from burt.engine.model import HOLDOUT, SegmentPlan
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


def segment_seed(seed: int, slot: int) -> int:
    """The seed a batch drawn with ``seed`` shuffles segment slot ``slot``'s labels with: a
    hash of both, so every slot's shuffle is its own and reproducible."""
    digest = hashlib.blake2b(f"{seed}:{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) >> 2


def assign_segments(
    slots: Sequence[int], plan: SegmentPlan, holdout_fraction: float, seed: int
) -> np.ndarray:
    """Variant index (or HOLDOUT) for each contact of a segmented draw, in load order, whose
    segment slots are ``slots``: each slot's contacts, in load order, are assigned by
    ``assign_labels`` with the slot's weights and ``segment_seed(seed, slot)``."""
    where = np.asarray(slots, dtype=np.int64)
    labels = np.empty(where.size, dtype=np.int64)
    for slot in np.unique(where).tolist():
        members = np.flatnonzero(where == slot)
        labels[members] = assign_labels(
            members.size, plan.weights_of(slot), holdout_fraction, segment_seed(seed, slot)
        )
    return labels


def segment_mixture(slots: Sequence[int], plan: SegmentPlan) -> tuple[float, ...]:
    """The weights a segmented draw's contacts were assigned by, averaged over its contacts
    (in slots ``slots``): the split its counts should match."""
    used, per_slot = np.unique(np.asarray(slots, dtype=np.int64), return_counts=True)
    weights = np.array([plan.weights_of(s) for s in used.tolist()], dtype=float)
    mixture = per_slot @ weights / per_slot.sum()
    return tuple(float(w) for w in mixture)
