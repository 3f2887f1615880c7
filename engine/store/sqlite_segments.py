"""Segment slots on the SQLite store: placing a draw's contacts, reading the registry, and
redacting an erased contact's key.

All run inside the caller's transaction: `place` inside the draw's `BEGIN IMMEDIATE`, so the
registry rows a draw adds commit with its claim or not at all, and concurrent draws serialize
on the write lock (the second sees the first's slots); `forget` inside the erasure's, so a key
is redacted with the erasure of its last carrier or not at all. The rule is
`engine.segments.keys`'. A slot's key is stored as `keys.slot_text` gives it.

A contact's key is read in SQL (`key_column`): ``json_extract`` with two or more paths gives
the values as one JSON array text, each value exactly as stored (``true`` apart from ``1``,
numbers digit for digit), so the first draw groups a million contacts by their few keys in
SQLite and decodes one row per distinct key; a draw decodes one row per distinct key of its
batch. Only JSON1 is needed (``json_each`` is used elsewhere already), no newer SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import (
    Registry,
    SegmentKey,
    key_of,
    rank,
    slot_from_text,
    slot_text,
    value_text,
)
from burt.engine.store import codec

_REGISTRY = "SELECT slot, key FROM segments WHERE campaign = ? ORDER BY slot"

KeyText = str | None
"""A contact's segment values as `key_column` reads them: the JSON array of its values (a
leading null, then one per attribute), or else its attributes' stored text (a JSON object, or
None: no attributes)."""


def _path(name: str) -> str:
    """The JSON path of top-level attribute ``name`` as stored: SQLite (3.40 at least) compares
    a quoted path label with a key's text as written, and `codec.dumps` writes keys escaped."""
    return "$." + json.dumps(name)


def _addressable(db: sqlite3.Connection, name: str) -> bool:
    """Whether this SQLite finds ``name`` by `_path` in stored text, asked of the SQLite in use
    since versions differ: 3.40 finds no name with a double quote by any path (a quoted label
    ends at the first quote), so such a campaign's keys are decoded in Python as before."""
    try:
        found = db.execute(
            "SELECT json_extract(?, '$[0]', ?)", (codec.dumps({name: True}), _path(name))
        ).fetchone()[0]
    except sqlite3.OperationalError:  # a SQLite that refuses the path outright
        return False
    return bool(found == "[null,true]")


def key_column(db: sqlite3.Connection, by: Sequence[str]) -> tuple[str, list[str]]:
    """The column of a query over `contacts` that makes a `KeyText`, and its parameters.

    ``'$[0]'`` (null on an object) keeps two paths even for one attribute, so the result is
    always an array; text that is not canonical JSON (a ``NaN`` the Python API let through)
    is read as it is stored and decoded as before. One column, so one ``json_valid`` a row:
    a second cost a fifth more CPU at 200,000 contacts."""
    if not all(_addressable(db, name) for name in by):
        return "attributes", []
    paths = ", ".join("?" for _ in by)
    sql = (
        f"CASE WHEN json_valid(attributes) THEN json_extract(attributes, '$[0]', {paths})"
        " ELSE attributes END"
    )
    return sql, [_path(name) for name in by]


def segment_key(text: KeyText, by: Sequence[str]) -> SegmentKey:
    """The segment key (`keys.key_of`) of a contact whose `key_column` is ``text``."""
    if text is not None and text.startswith("["):  # stored attributes are an object
        return tuple(value_text(value) for value in json.loads(text)[1:])
    return key_of(json.loads(text) if text is not None else None, by)


def registry(db: sqlite3.Connection, num: int) -> Registry:
    """Campaign `num`'s slots as stored (empty before its first draw, or without segments)."""
    return Registry(tuple(slot_from_text(key) for _, key in db.execute(_REGISTRY, (num,))))


def _first_draw(db: sqlite3.Connection, num: int, plan: SegmentPlan) -> Registry:
    """The slots ranked over every contact loaded so far (``keys.rank``): the contacts are
    grouped in SQL by their segment values, so one row per distinct key reaches Python (rows
    of one key, such as those with a ``NaN`` read from their own stored text, are summed here,
    their first contact kept)."""
    column, params = key_column(db, plan.by)
    loaded = f"SELECT {column}, COUNT(*), MIN(id) FROM contacts WHERE campaign = ? GROUP BY 1"
    counts: dict[SegmentKey, list[int]] = {}
    for text, n, first in db.execute(loaded, (*params, num)):
        seen = counts.setdefault(segment_key(text, plan.by), [0, first])
        seen[0] += n
        seen[1] = min(seen[1], first)
    ordered = sorted(counts.items(), key=lambda item: item[1][1])  # first loaded first
    return rank(((key, n) for key, (n, _) in ordered), plan.max_segments)


def place(
    db: sqlite3.Connection, num: int, texts: Sequence[KeyText], plan: SegmentPlan
) -> list[int]:
    """The segment slot of each claimed contact (their `key_column`, in load order), storing
    the slots this draw makes."""
    stored = registry(db, num)
    slots = stored if stored.slots else _first_draw(db, num, plan)
    known: dict[KeyText, int] = {}  # contacts with the same segment values share a slot
    placed = []
    for text in texts:
        if text not in known:
            slots, known[text] = slots.place(segment_key(text, plan.by), plan.max_segments)
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


def forget(
    db: sqlite3.Connection, num: int, contact: int, key: SegmentKey, by: Sequence[str]
) -> None:
    """Redact `key` (`Registry.redact`) if a slot of campaign `num` holds it of its own and no
    contact but `contact` (being erased) and the erased carries it: an assigned contact in its
    slot, or a pending one whose attributes give it (`key_of` by `by`). Reads every pending
    contact's segment values (`key_column`: one row per distinct key) only when no assigned one
    carries it."""
    redacted, slot = registry(db, num).redact(key)
    if slot is None or db.execute(_CARRIER_ASSIGNED, (num, slot, contact)).fetchone():
        return
    column, params = key_column(db, by)
    pending = (
        f"SELECT DISTINCT {column} FROM contacts"
        " WHERE campaign = ? AND batch_seq IS NULL AND id != ?"
    )
    for (text,) in db.execute(pending, (*params, num, contact)):
        if segment_key(text, by) == key:
            return
    db.execute(
        "UPDATE segments SET key = ? WHERE campaign = ? AND slot = ?",
        (slot_text(redacted.slots[slot]), num, slot),
    )
