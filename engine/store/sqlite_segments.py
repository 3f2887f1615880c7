"""Segment slots on the SQLite store: placing a draw's contacts, and reading the registry.

Both run inside the caller's transaction: `place` inside the draw's `BEGIN IMMEDIATE`, so the
registry rows a draw adds commit with its claim or not at all, and concurrent draws serialize
on the write lock (the second sees the first's slots). The rule is `engine.segments.keys`'.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import OTHER, Registry, SegmentKey, key_of, rank

_REGISTRY = "SELECT slot, key FROM segments WHERE campaign = ? ORDER BY slot"
_LOADED = (
    "SELECT attributes, COUNT(*), MIN(id) FROM contacts WHERE campaign = ? GROUP BY attributes"
)
"""Every contact loaded so far, grouped by its attributes' stored text (one group per
distinct text, however many contacts share it)."""


def registry(db: sqlite3.Connection, num: int) -> Registry:
    """Campaign `num`'s slots as stored (empty before its first draw, or without segments)."""
    return Registry(
        tuple(
            OTHER if key is None else tuple(json.loads(key))
            for _, key in db.execute(_REGISTRY, (num,))
        )
    )


def _first_draw(db: sqlite3.Connection, num: int, plan: SegmentPlan) -> Registry:
    """The slots ranked over every contact loaded so far (``keys.rank``): the contacts are
    grouped in SQL, so only one row per distinct attributes text reaches Python."""
    counts: dict[SegmentKey, list[int]] = {}
    for text, n, first in db.execute(_LOADED, (num,)):
        key = key_of(json.loads(text) if text is not None else None, plan.by)
        seen = counts.setdefault(key, [0, first])
        seen[0] += n
        seen[1] = min(seen[1], first)
    ordered = sorted(counts.items(), key=lambda item: item[1][1])  # first loaded first
    return rank(((key, n) for key, (n, _) in ordered), plan.max_segments)


def place(
    db: sqlite3.Connection, num: int, attributes: Sequence[str | None], plan: SegmentPlan
) -> list[int]:
    """The segment slot of each claimed contact (their stored attributes' text, in load
    order), storing the slots this draw makes."""
    stored = registry(db, num)
    slots = stored if stored.slots else _first_draw(db, num, plan)
    known: dict[str | None, int] = {}  # contacts with the same attributes share a slot
    placed = []
    for text in attributes:
        if text not in known:
            key = key_of(json.loads(text) if text is not None else None, plan.by)
            slots, known[text] = slots.place(key, plan.max_segments)
        placed.append(known[text])
    db.executemany(
        "INSERT INTO segments (campaign, slot, key) VALUES (?, ?, ?)",
        [
            (num, slot, None if key is OTHER else json.dumps(list(key)))
            for slot, key in enumerate(slots.slots)
            if slot >= len(stored.slots)
        ],
    )
    return placed
