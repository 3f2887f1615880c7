"""How the SQLite store records one request's events, inside its write transaction.

SQLite does what needs the file, set-wise and without a per-event round trip; numpy does the
per-event arithmetic (the same as `engine.outcomes.classify_events`, which the MongoDB store
uses):

1. `_RESOLVE`: each event's contact (id, batch, variant, segment slot), one index probe per
   event, the contact ids going in and the answers coming out as JSON arrays (one value each
   way, not a bound row or a fetched row per event);
2. numpy: rejections (unknown contact, contact not assigned, dated more than
   EARLY_TOLERANCE_SECONDS before its batch was drawn), delays from the campaign's few batch
   times, `delays.delay_bins`, late events;
3. the accepted events are inserted as they are, in a savepoint: an event id stored before, or
   twice in the request, fails the insert (the primary key), and only then are the stored ids
   read (`_STORED_IDS`) and the first accepted event of each id inserted alone;
4. their outcomes: `_COUNTED_BEFORE` finds those counted before, numpy the first of each
   (contact, type) in the request, and `_INSERT_OUTCOMES` inserts them all, ignoring those
   counted before (the first event of an outcome sets its bin). No conflict can slip between
   the check and the insert: the write lock is held throughout.

Why this shape: filling a TEMP table with the request's rows and joining it in SQL, or
re-joining the contacts for the counted outcomes' cells, costs more CPU than one index probe per
event and numpy; most requests carry only new ids, so the stored ids are read only after an
insert conflicts (the savepoint costs next to nothing); and a RETURNING clause costs more than a
check plus a plain insert. `python -m bench.ingest_profile` prints the CPU time of every
statement and phase of a 10,000-event request.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from burt.engine.delays import BINS, EARLY_TOLERANCE_SECONDS, delay_bins
from burt.engine.model import OUTCOME_TYPES, EventLike, EventRejection, EventTally, RejectionReason

_RESOLVE = """
SELECT json_group_array(j.key), json_group_array(ifnull(c.id, -1)),
    json_group_array(ifnull(c.batch_seq, -1)), json_group_array(ifnull(c.variant, 0)),
    json_group_array(ifnull(c.segment, 0))
FROM json_each(?2) AS j LEFT JOIN contacts AS c ON c.campaign = ?1 AND c.ext_id = j.value
"""
"""?1 = the campaign's num, ?2 = the events' contact ids: five arrays (request index, contact id
or -1, batch sequence or -1, variant, segment slot), each in the same (visiting) order."""
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
"""Rows per multi-row INSERT: binding one statement's 3,000 values costs less CPU than
`executemany` binding and stepping 500 single-row statements."""
_TYPE_CODES: dict[str, int] = {t: i for i, t in enumerate(OUTCOME_TYPES)}
assert len(OUTCOME_TYPES) <= 16 and BINS <= 32  # an outcome's code: type in 4 bits, bin in 5
_TYPE_OF_CODE = " ".join(f"WHEN {i} THEN '{t}'" for t, i in _TYPE_CODES.items())
_COUNTED_BEFORE = f"""
SELECT json_group_array(j.key) FROM json_each(?1) AS j WHERE EXISTS (
    SELECT 1 FROM outcomes AS o
    WHERE o.contact = j.value >> 9 AND o.type = CASE j.value & 15 {_TYPE_OF_CODE} END
)
"""
"""The request indexes of the outcome codes (`_INSERT_OUTCOMES`) in ?1 whose (contact, type) is
counted already."""
_INSERT_OUTCOMES = f"""
INSERT INTO outcomes (contact, type, bin)
SELECT j.value >> 9, CASE j.value & 15 {_TYPE_OF_CODE} END, j.value >> 4 & 31
FROM json_each(?1) AS j WHERE true
ON CONFLICT DO NOTHING
"""
"""The recorded events' (contact, type) outcomes not counted before, from a JSON array of codes
(contact * 32 + delay bin) * 16 + type code, in request order (so the first event of an outcome
sets its bin)."""
_REASONS: tuple[RejectionReason, ...] = (
    "unknown_contact",
    "contact_not_assigned",
    "occurred_before_batch",
)
_INTS = msgspec.json.Decoder(list[int])
_ID, _CONTACT_ID = operator.attrgetter("id"), operator.attrgetter("contact_id")
_TYPE, _OCCURRED = operator.attrgetter("type"), operator.attrgetter("occurred_at")
_ENCODE = msgspec.json.encode


Cell = tuple[int, int, int, int, int, int]
"""Newly counted outcomes: (sequence, segment slot, variant, type code, delay bin, n)."""


@dataclass(frozen=True)
class Recorded:
    """What a request changed: its tally, and its newly counted outcomes as cells for the
    counters and the delay histogram."""

    tally: EventTally
    cells: list[Cell]


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
    ids, types = list(map(_ID, events)), list(map(_TYPE, events))
    contacts, sequences, variants, segments = _resolve(db, num, list(map(_CONTACT_ID, events)))
    starts = _batch_starts(db, num, sequences)
    epoch = np.asarray(epochs, dtype=float)
    reasons = np.select(  # the first that applies, as `_REASONS` index; -1: accepted
        [contacts < 0, np.isnan(starts), epoch < starts - EARLY_TOLERANCE_SECONDS], [0, 1, 2], -1
    )
    rejected = np.flatnonzero(reasons >= 0).tolist()
    delays = np.maximum(epoch - starts, 0.0)  # NaN without a batch: rejected, never stored
    columns = [ids, types, list(map(_OCCURRED, events))]
    fresh = _insert_fresh(db, num, columns, np.flatnonzero(reasons < 0), contacts, delays)
    contact, delay, fresh_types = contacts[fresh], delays[fresh], _pick(types, fresh)
    type_codes = np.fromiter(
        map(_TYPE_CODES.__getitem__, fresh_types), dtype=np.int64, count=len(fresh_types)
    )
    codes = (contact << 5 | delay_bins(delay)) << 4 | type_codes
    counted = _count_outcomes(db, codes)
    tally = EventTally(
        received=len(events),
        recorded=len(fresh),
        repeated=len(fresh) - len(counted),
        duplicates=len(events) - len(rejected) - len(fresh),
        rejected=tuple(EventRejection(i, ids[i], _REASONS[reasons[i]]) for i in rejected),
        late=int(np.count_nonzero(delay >= window_seconds)) if window_seconds else 0,
    )
    new = fresh[counted]
    return Recorded(tally, _cells(codes[counted], sequences[new], segments[new], variants[new]))


def _pick(values: list[Any], indexes: np.ndarray) -> list[Any]:
    """The `values` at `indexes` (distinct, ascending): all of them if there are as many."""
    return values if len(indexes) == len(values) else [values[i] for i in indexes.tolist()]


def _insert_fresh(
    db: sqlite3.Connection,
    num: int,
    columns: list[list[Any]],
    accepted: np.ndarray,
    contacts: np.ndarray,
    delays: np.ndarray,
) -> np.ndarray:
    """Insert the accepted events whose id is new (the first of two with one id); return their
    request indexes. `columns` are the events' ids, types and texts of `occurred_at`."""
    ids, types, occurred = columns

    def insert(fresh: np.ndarray) -> None:
        picked = [_pick(ids, fresh), contacts[fresh].tolist(), _pick(types, fresh)]
        _insert_events(
            db, [[num] * len(fresh), *picked, _pick(occurred, fresh), delays[fresh].tolist()]
        )

    try:
        with _savepoint(db, "fresh_events"):
            insert(accepted)
        return accepted
    except sqlite3.IntegrityError:  # an id stored before or repeated: the careful way
        stored = _INTS.decode(db.execute(_STORED_IDS, (num, _ENCODE(ids))).fetchone()[0])
        fresh = _first_of_each_id(ids, accepted, stored)
        insert(fresh)
        return fresh


@contextmanager
def _savepoint(db: sqlite3.Connection, name: str) -> Iterator[None]:
    """What the block writes, kept if it returns, undone (and the error raised) if it raises."""
    db.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        db.execute(f"ROLLBACK TO {name}")
        raise
    finally:
        db.execute(f"RELEASE {name}")


def _count_outcomes(db: sqlite3.Connection, codes: np.ndarray) -> np.ndarray:
    """Insert the outcomes of the recorded events (their `codes`, in request order); return the
    indexes of the newly counted ones: the first of each (contact, type) not counted before."""
    encoded = _ENCODE(codes.tolist())
    before = _INTS.decode(db.execute(_COUNTED_BEFORE, (encoded,)).fetchone()[0])
    db.execute(_INSERT_OUTCOMES, (encoded,))
    _, first = np.unique(codes >> 9 << 4 | codes & 15, return_index=True)  # (contact, type)
    counted: np.ndarray = np.sort(first[~np.isin(first, before)])
    return counted


def _resolve(
    db: sqlite3.Connection, num: int, contact_ids: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each event's contact (id or -1), its batch (sequence or -1), its variant and its
    segment slot."""
    keys, contacts, sequences, variants, segments = map(
        _array, db.execute(_RESOLVE, (num, _ENCODE(contact_ids))).fetchone()
    )
    order = np.empty(len(contact_ids), dtype=np.int64)  # the arrays come in visiting order
    order[keys] = np.arange(len(contact_ids))
    return contacts[order], sequences[order], variants[order], segments[order]


def _cells(
    codes: np.ndarray, sequences: np.ndarray, segments: np.ndarray, variants: np.ndarray
) -> list[Cell]:
    """The counted outcomes (their codes, sequences, segments and variants) per sequence,
    segment, variant, type code and delay bin."""
    span = int(variants.max()) + 2 if len(variants) else 1  # variants from HOLDOUT = -1
    slots = int(segments.max()) + 1 if len(segments) else 1
    keys, counts = np.unique(
        ((sequences * slots + segments) * span + variants + 1) << 9 | codes & 511,
        return_counts=True,
    )
    return [
        (group // span // slots, group // span % slots, group % span - 1, code & 15, n_bin, n)
        for group, code, n_bin, n in zip(
            (keys >> 9).tolist(),
            (keys & 15).tolist(),
            (keys >> 4 & 31).tolist(),
            counts.tolist(),
            strict=True,
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
    by an earlier candidate (called only once an insert conflicted, so there is one)."""
    taken = {ids[i] for i in stored}
    fresh = []
    for index in candidates.tolist():
        if ids[index] not in taken:
            taken.add(ids[index])
            fresh.append(index)
    return np.array(fresh, dtype=np.int64)
