"""Segment slots on the SQLite store: placing a draw's contacts, reading the registry, and
redacting an erased contact's key.

All run inside the caller's transaction: `place` inside the draw's `BEGIN IMMEDIATE`, so the
registry rows a draw adds commit with its claim or not at all, and concurrent draws serialize
on the write lock (the second sees the first's slots); `forget` inside the erasure's, so a key
is redacted with the erasure of its last carrier or not at all. The rule is
`engine.segments.keys`'. A slot's key is stored as `keys.slot_text` gives it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import Registry, SegmentKey, key_of, rank, slot_from_text, slot_text

_REGISTRY = "SELECT slot, key FROM segments WHERE campaign = ? ORDER BY slot"
_LOADED = (
    "SELECT attributes, COUNT(*), MIN(id) FROM contacts WHERE campaign = ? GROUP BY attributes"
)
"""Every contact loaded so far, grouped by its attributes' stored text (one group per
distinct text, however many contacts share it)."""


def registry(db: sqlite3.Connection, num: int) -> Registry:
    """Campaign `num`'s slots as stored (empty before its first draw, or without segments)."""
    return Registry(tuple(slot_from_text(key) for _, key in db.execute(_REGISTRY, (num,))))


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
            (num, slot, slot_text(key))
            for slot, key in enumerate(slots.slots)
            if slot >= len(stored.slots)
        ],
    )
    return placed


_CARRIER_ASSIGNED = (
    "SELECT 1 FROM contacts WHERE campaign = ? AND segment = ? AND batch_seq IS NOT NULL"
    " AND typeof(ext_id) = 'text' AND id != ? LIMIT 1"
)
"""Another assigned contact in the slot, not erased (an erased one's id is a BLOB)."""
_PENDING = (
    "SELECT DISTINCT attributes FROM contacts WHERE campaign = ? AND batch_seq IS NULL AND id != ?"
)


def forget(
    db: sqlite3.Connection, num: int, contact: int, key: SegmentKey, by: Sequence[str]
) -> None:
    """Redact `key` (`Registry.redact`) if a slot of campaign `num` holds it of its own and no
    contact but `contact` (being erased) and the erased carries it: an assigned contact in its
    slot, or a pending one whose attributes give it (`key_of` by `by`). Reads every pending
    contact's attributes (one row per distinct text) only when no assigned one carries it."""
    redacted, slot = registry(db, num).redact(key)
    if slot is None or db.execute(_CARRIER_ASSIGNED, (num, slot, contact)).fetchone():
        return
    for (text,) in db.execute(_PENDING, (num, contact)):
        if key_of(json.loads(text) if text is not None else None, by) == key:
            return
    db.execute(
        "UPDATE segments SET key = ? WHERE campaign = ? AND slot = ?",
        (slot_text(redacted.slots[slot]), num, slot),
    )
