"""How the SQLite store records one request's events, inside its write transaction.

SQLite does what needs the file, set-wise and without a per-event round trip; numpy does the
per-event arithmetic (the same as `engine.outcomes.classify_events`, which the MongoDB store
uses):

1. `_RESOLVE`: each event's contact (id, batch, variant), one index probe per event, the
   contact ids going in and the answers coming out as JSON arrays (one value each way, not a
   bound row or a fetched row per event);
2. `_STORED_IDS`: which of the request's event ids are stored already (usually none);
3. numpy: rejections (unknown contact, contact not assigned, dated more than
   EARLY_TOLERANCE_SECONDS before its batch was drawn), delays from the campaign's few batch
   times, `delays.delay_bins`, late events; Python: the first of two accepted events with one
   id wins;
4. the fresh events are inserted as they are (no conflict is possible: the write lock is held
   since the stored ids were read), then their outcomes by code, ignoring those counted before
   (`_INSERT_OUTCOMES` returns the newly counted ones, whose cells are tallied here).

Thread CPU per 10,000-event request (`python -m bench.ingest_profile`, medians): this replaced a
TEMP table of the request's rows (11 ms to fill) joined in SQL to the contacts and batches by
one INSERT ... RETURNING (27 ms; its RETURNING alone about 8), then a statement re-joining the
contacts for the counted outcomes' cells (8 ms): about 60 ms of SQL where these statements take
about 38 (resolve 10, stored ids 2-4, events 10, outcomes 13) and numpy and Python about 7.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from burt.engine.delays import BINS, EARLY_TOLERANCE_SECONDS, delay_bins
from burt.engine.model import OUTCOME_TYPES, EventLike, EventRejection, EventTally, RejectionReason

_RESOLVE = """
SELECT json_group_array(j.key), json_group_array(ifnull(c.id, -1)),
    json_group_array(ifnull(c.batch_seq, -1)), json_group_array(ifnull(c.variant, 0))
FROM json_each(?2) AS j LEFT JOIN contacts AS c ON c.campaign = ?1 AND c.ext_id = j.value
"""
"""?1 = the campaign's num, ?2 = the events' contact ids: four arrays (request index, contact id
or -1, batch sequence or -1, variant), each in the same (visiting) order."""
_STORED_IDS = """
SELECT json_group_array(j.key) FROM json_each(?2) AS j
WHERE EXISTS (SELECT 1 FROM events AS e WHERE e.campaign = ?1 AND e.event_id = j.value)
"""
"""The request indexes of the event ids ?2 that campaign ?1 has stored (an erased contact's
events have BLOB ids, which never equal a request's text)."""
_BATCH_EPOCHS = "SELECT sequence, created_epoch FROM batches WHERE campaign = ? ORDER BY sequence"
_INSERT_EVENTS = (
    "INSERT INTO events (campaign, event_id, contact, type, occurred_at, delay) VALUES "
)
_EVENT_ROW = "(?, ?, ?, ?, ?, ?)"
_EVENTS_PER_INSERT = 500
"""Rows per multi-row INSERT: binding one statement's 3,000 values costs about 30% less CPU than
`executemany` binding and stepping 500 single-row statements."""
_TYPE_CODES: dict[str, int] = {t: i for i, t in enumerate(OUTCOME_TYPES)}
assert len(OUTCOME_TYPES) <= 16 and BINS <= 32  # an outcome's code: type in 4 bits, bin in 5
_TYPE_OF_CODE = " ".join(f"WHEN {i} THEN '{t}'" for t, i in _TYPE_CODES.items())
_CODE_OF_TYPE = " ".join(f"WHEN '{t}' THEN {i}" for t, i in _TYPE_CODES.items())
_INSERT_OUTCOMES = f"""
INSERT INTO outcomes (contact, type, bin)
SELECT j.value >> 9, CASE j.value & 15 {_TYPE_OF_CODE} END, j.value >> 4 & 31
FROM json_each(?1) AS j WHERE true
ON CONFLICT DO NOTHING RETURNING (contact << 5 | bin) << 4 | CASE type {_CODE_OF_TYPE} END
"""
"""The recorded events' (contact, type) outcomes not counted before, from a JSON array of codes
(contact * 32 + delay bin) * 16 + type code, in request order (so the first event of an outcome
sets its bin); returns the newly counted ones' codes."""
_REASONS: tuple[RejectionReason, ...] = (
    "unknown_contact",
    "contact_not_assigned",
    "occurred_before_batch",
)
_INTS = msgspec.json.Decoder(list[int])
_ID, _CONTACT_ID = operator.attrgetter("id"), operator.attrgetter("contact_id")
_TYPE, _OCCURRED = operator.attrgetter("type"), operator.attrgetter("occurred_at")
_FIRST = operator.itemgetter(0)
_ENCODE = msgspec.json.encode


@dataclass(frozen=True)
class Recorded:
    """What a request changed: its tally, and its newly counted outcomes as cells (sequence,
    variant, type code, delay bin, n) for the counters and the delay histogram."""

    tally: EventTally
    cells: list[tuple[int, int, int, int, int]]


def _array(text: str) -> np.ndarray:
    return np.array(_INTS.decode(text), dtype=np.int64)


def record(
    db: sqlite3.Connection,
    num: int,
    events: Sequence[EventLike],
    epochs: Sequence[float],
    window_seconds: int,
) -> Recorded:
    """Classify, deduplicate and store the events of campaign `num`; the caller holds the write
    transaction and adds the cells to the counters."""
    ids = list(map(_ID, events))
    contacts, sequences, variants = _resolve(db, num, list(map(_CONTACT_ID, events)))
    starts = _batch_starts(db, num, sequences)
    epoch = np.asarray(epochs, dtype=float)
    reasons = np.select(  # the first that applies, as `_REASONS` index; -1: accepted
        [contacts < 0, np.isnan(starts), epoch < starts - EARLY_TOLERANCE_SECONDS], [0, 1, 2], -1
    )
    rejected = np.flatnonzero(reasons >= 0).tolist()
    stored = _INTS.decode(db.execute(_STORED_IDS, (num, _ENCODE(ids))).fetchone()[0])
    fresh = _first_of_each_id(ids, np.flatnonzero(reasons < 0), stored)
    if len(fresh) == len(events):
        fresh_ids, types, occurred = ids, list(map(_TYPE, events)), list(map(_OCCURRED, events))
    else:
        fresh_ids = [ids[i] for i in fresh.tolist()]
        types = [events[i].type for i in fresh.tolist()]
        occurred = [events[i].occurred_at for i in fresh.tolist()]
    contact = contacts[fresh]
    delay = np.maximum(epoch[fresh] - starts[fresh], 0.0)
    _insert_events(
        db, [[num] * len(fresh_ids), fresh_ids, contact.tolist(), types, occurred, delay.tolist()]
    )
    type_codes = np.fromiter(map(_TYPE_CODES.__getitem__, types), dtype=np.int64, count=len(types))
    codes = (contact << 5 | delay_bins(delay)) << 4 | type_codes
    counted = np.fromiter(
        map(_FIRST, db.execute(_INSERT_OUTCOMES, (_ENCODE(codes.tolist()),))), dtype=np.int64
    )
    tally = EventTally(
        received=len(events),
        recorded=len(fresh),
        repeated=len(fresh) - len(counted),
        duplicates=len(events) - len(rejected) - len(fresh),
        rejected=tuple(EventRejection(i, ids[i], _REASONS[reasons[i]]) for i in rejected),
        late=int(np.count_nonzero(delay >= window_seconds)) if window_seconds else 0,
    )
    return Recorded(tally, _cells(codes, sequences[fresh], variants[fresh], counted))


def _resolve(
    db: sqlite3.Connection, num: int, contact_ids: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event's contact (id or -1), its batch (sequence or -1) and its variant."""
    keys, contacts, sequences, variants = map(
        _array, db.execute(_RESOLVE, (num, _ENCODE(contact_ids))).fetchone()
    )
    order = np.empty(len(contact_ids), dtype=np.int64)  # the arrays come in visiting order
    order[keys] = np.arange(len(contact_ids))
    return contacts[order], sequences[order], variants[order]


def _cells(
    codes: np.ndarray, sequences: np.ndarray, variants: np.ndarray, counted: np.ndarray
) -> list[tuple[int, int, int, int, int]]:
    """The counted outcomes (codes, each one of the recorded events' `codes`) per sequence,
    variant, type code and delay bin, from the recorded events' sequences and variants."""
    by_code = np.argsort(codes, kind="stable")  # equal codes: one contact, so one cell
    at = by_code[np.searchsorted(codes[by_code], counted)]
    span = int(variants.max()) + 2 if len(variants) else 1  # variants from HOLDOUT = -1
    keys, counts = np.unique(
        (sequences[at] * span + variants[at] + 1) << 9 | counted & 511, return_counts=True
    )
    return [
        (group // span, group % span - 1, code & 15, code >> 4 & 31, n)
        for group, code, n in zip(
            (keys >> 9).tolist(), (keys & 511).tolist(), counts.tolist(), strict=True
        )
    ]


def _insert_events(db: sqlite3.Connection, columns: Sequence[list[Any]]) -> None:
    """Insert the events given column by column, in order."""
    width, count = len(columns), len(columns[0])
    values: list[Any] = [None] * (width * count)  # row-major, filled a column at a time in C
    for offset, column in enumerate(columns):
        values[offset::width] = column
    per = min(_EVENTS_PER_INSERT, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    for first in range(0, count, per):
        rows = min(per, count - first)  # the last statement may be shorter
        sql = _INSERT_EVENTS + ", ".join([_EVENT_ROW] * rows)
        db.execute(sql, values[first * width : (first + rows) * width])


def _batch_starts(db: sqlite3.Connection, num: int, sequences: np.ndarray) -> np.ndarray:
    """When each event's batch was drawn (epoch seconds), NaN for none (sequence -1)."""
    drawn = db.execute(_BATCH_EPOCHS, (num,)).fetchall()
    if not drawn:
        return np.full(len(sequences), np.nan)
    known = np.array([sequence for sequence, _ in drawn], dtype=np.int64)
    created = np.array([epoch for _, epoch in drawn] + [np.nan], dtype=float)
    at = np.searchsorted(known, sequences)  # the batches come ordered by sequence
    at[known[np.minimum(at, len(known) - 1)] != sequences] = len(known)
    result: np.ndarray = created[at]
    return result


def _first_of_each_id(ids: list[str], candidates: np.ndarray, stored: list[int]) -> np.ndarray:
    """The candidates (accepted events, by request index) whose id is neither stored nor taken
    by an earlier candidate."""
    if not stored and len(set(ids)) == len(ids):
        return candidates
    taken = {ids[i] for i in stored}
    fresh = []
    for index in candidates.tolist():
        if ids[index] not in taken:
            taken.add(ids[index])
            fresh.append(index)
    return np.array(fresh, dtype=np.int64)
