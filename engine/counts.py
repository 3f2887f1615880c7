"""A campaign's maintained counters as arrays: what the policy and the stats report read.

`Store.count_table` answers it in one read: the SQLite store builds it from three plain selects in
one transaction (no object per row); ``CountTable.from_rows`` builds the same table from
``period_counts`` rows and the batches (the MongoDB store uses it, and the conformance tests hold
every store's table to it). Arrays from one read, not a `PeriodCount` per row and a `Batch` per
batch looped over in Python, which would be most of a stats request's time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from burt.engine.model import HOLDOUT, OUTCOME_TYPES, Batch, PeriodCount
from burt.engine.segments.keys import Registry


@dataclass(frozen=True, eq=False)
class CountTable:
    """One column per batch (a period), in sequence order; variant rows, then the holdout's.

    ``histogram`` holds the delay histogram of one outcome type (the optimized one) as rows of
    (batch column, variant, delay bin, count), non-zero counts of the variants only (no
    holdout), ordered by column, variant and bin.
    """

    created_at: tuple[datetime, ...]
    """Each batch's draw."""
    sends: np.ndarray
    """(variants + 1, batches) ints; the last row (index ``HOLDOUT``) is the held-out contacts."""
    outcomes: np.ndarray
    """(variants + 1, batches, len(OUTCOME_TYPES)) ints, rows as in ``sends``."""
    histogram: np.ndarray
    """(cells, 4) ints: batch column, variant, delay bin (``delays.BIN_EDGES``), count."""
    intended: np.ndarray
    """(batches, variants) floats: each batch's contacts not held out times its weights."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CountTable) and (
            self.created_at == other.created_at
            and all(
                np.array_equal(getattr(self, name), getattr(other, name))
                for name in ("sends", "outcomes", "histogram", "intended")
            )
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def build(
        cls,
        variants: int,
        batches: Sequence[tuple[int, datetime, int, Sequence[float]]],
        counters: Sequence[Sequence[int]],
        histogram: Sequence[Sequence[int]],
    ) -> CountTable:
        """From plain rows, each ordered by batch sequence (then variant, then bin).

        ``batches``: (sequence, draw, contacts not held out, weights); ``counters``: (sequence,
        variant or HOLDOUT, sends, *outcome counts in OUTCOME_TYPES order); ``histogram``:
        (sequence, variant or HOLDOUT, bin, count), the holdout's left out here. Every
        sequence of a counter or a histogram cell is one of the batches'.
        """
        sequences = np.array([b[0] for b in batches], dtype=int)
        sends = np.zeros((variants + 1, sequences.size), int)
        outcomes = np.zeros((variants + 1, sequences.size, len(OUTCOME_TYPES)), int)
        width = 3 + len(OUTCOME_TYPES)
        rows = _columns(sequences, np.array(counters, dtype=int).reshape(-1, width))
        sends[rows[:, 1], rows[:, 0]] = rows[:, 2]
        outcomes[rows[:, 1], rows[:, 0]] = rows[:, 3:]
        cells = _columns(sequences, np.array(histogram, dtype=int).reshape(-1, 4))
        share = np.array([[n * w for w in weights] for _, _, n, weights in batches], dtype=float)
        return cls(
            tuple(b[1] for b in batches),
            sends,
            outcomes,
            cells[(cells[:, 1] != HOLDOUT) & (cells[:, 3] != 0)],
            share.reshape(sequences.size, variants),
        )

    @classmethod
    def from_rows(
        cls, rows: Sequence[PeriodCount], batches: Sequence[Batch], kind: str, variants: int
    ) -> CountTable:
        """The table of ``period_counts`` rows and the campaign's batches, with the histogram
        of outcome type ``kind``; the rows of every segment are added together."""
        counters: dict[tuple[int, int], np.ndarray] = {}
        cells: Counter[tuple[int, int, int]] = Counter()
        for r in rows:
            counts = np.array([r.sends, *(r.outcomes.get(t, 0) for t in OUTCOME_TYPES)])
            key = (r.sequence, r.variant)
            counters[key] = counters[key] + counts if key in counters else counts
            for b, n in enumerate(r.delays.get(kind, ())):
                cells[(r.sequence, r.variant, b)] += n
        return cls.build(
            variants,
            [(b.sequence, b.created_at, b.size - b.holdout_count, b.weights) for b in batches],
            [(*key, *counts.tolist()) for key, counts in sorted(counters.items())],
            [(*cell, n) for cell, n in sorted(cells.items())],
        )

    def drawn_by(self, moment: datetime) -> CountTable:
        """The table of the batches drawn by ``moment`` (its counts are today's)."""
        keep = np.array([c <= moment for c in self.created_at], dtype=bool)
        if keep.all():
            return self
        column = np.cumsum(keep) - 1
        cells = self.histogram[keep[self.histogram[:, 0]]].copy()
        cells[:, 0] = column[cells[:, 0]]
        return CountTable(
            tuple(c for c, k in zip(self.created_at, keep, strict=True) if k),
            # compress, not a mask: a mask on the second axis gives a Fortran-ordered array,
            # whose sums along a row add in another order (different last bits).
            self.sends.compress(keep, axis=1),
            self.outcomes.compress(keep, axis=1),
            cells,
            self.intended[keep],
        )


@dataclass(frozen=True)
class SegmentTables:
    """A segmented campaign's counters per segment slot, from one consistent read
    (``Store.segment_tables``): ``tables[s]`` is slot s's table, with a column for every batch
    of the campaign (zeros where the batch drew none of the slot's contacts) and ``intended``
    from the slot's weights in each batch (``model.SegmentPlan``). A campaign without segments
    has no slots and no tables (``whole`` is its table all the same)."""

    registry: Registry
    whole: CountTable
    """The campaign's table (``Store.count_table``), from the same read."""
    tables: tuple[CountTable, ...]

    def drawn_by(self, moment: datetime) -> SegmentTables:
        """The tables of the batches drawn by ``moment`` (``CountTable.drawn_by``)."""
        return SegmentTables(
            self.registry,
            self.whole.drawn_by(moment),
            tuple(t.drawn_by(moment) for t in self.tables),
        )


def _columns(sequences: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` with their first column, a batch sequence, turned into the batch's column."""
    if not rows.size:
        return rows
    column = np.searchsorted(sequences, rows[:, 0])
    if not (column < sequences.size).all() or not (sequences[column] == rows[:, 0]).all():
        raise ValueError("counts of a batch that is not in the table")
    return np.column_stack([column, rows[:, 1:]])
