"""Where a 10,000-event `Burt.record_outcomes` on the SQLite store spends its time, by phase.

The data are `make bench`'s ingestion shape (100,000 contacts in two batches, ten requests of
10,000 new events each, every event a new outcome), on a real file. Each SQL statement the store
runs is timed through a wrapper around its connection, the Python work around them is timed
from outside, and every phase is reported as thread CPU time (min and median over the ten
requests: CPU time moves far less with the machine's load than wall time).

    python -m bench.ingest_profile

What the HTTP layer adds on top (body transfer, middleware, decode, response) is the difference
between this and `make bench`'s per-request time.

It ends with the reference `make bench` divides by: the raw `executemany` of the same 100,000
rows, timed here in the same process, per 10,000 rows, against two sums of SQL: burt's own
statements, and the leanest SQL that still does what ingestion must do per event (find the
contact by its id, store the event under its unique id, count its outcome once per contact and
type), run on the same file with every input prepared beforehand: the contact probe as burt
runs it, then plain multi-row INSERTs of integers into two narrow tables without RETURNING,
then COMMIT. Either sum bounds `make bench`'s ingestion ratio from above, before a line of
Python or HTTP is paid for.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from bench.performance import _events, sqlite_target
from burt.engine import Burt, ContactIn, SQLiteStore
from burt.engine.model import OUTCOME_TYPES
from burt.engine.store.sqlite_ingest import _RESOLVE
from burt.service.generated import models

REQUESTS, PER_REQUEST = 10, 10_000
DECODE = "decode + validate the body (msgspec, as the service does)"
LOOP = "engine on the event-loop thread (checks, times, rows, awaiting)"


_STATEMENT = r"(INSERT INTO \S+|SELECT .{0,30}|UPDATE \S+|DELETE FROM \S+|\w+)"
"""How a statement is named in the table: its verb and table (a SELECT by its first columns)."""


class FetchedRows:
    """The rows a statement returned, read like the cursor they came from."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def fetchall(self) -> list[Any]:
        return self.rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class TimedConnection:
    """A connection whose execute/executemany are timed per statement (rows fetched inside)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.request: defaultdict[str, float] = defaultdict(float)
        """This request's time per statement (summed over its runs, e.g. chunks of rows)."""
        self.on = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    def _note(self, sql: str, start: float) -> None:
        if self.on:
            words = " ".join(sql[:200].split()).replace("executemany ", "")  # a name suffices
            found = re.match(_STATEMENT, words)
            many = "executemany " if sql.startswith("executemany ") else ""
            self.request[f"sql: {many}" + (found.group(1) if found else words[:30])] += (
                time.thread_time() - start
            )

    def execute(self, sql: str, params: Iterable[Any] = ()) -> FetchedRows:
        start = time.thread_time()
        rows = self.db.execute(sql, tuple(params)).fetchall()
        self._note(sql, start)
        return FetchedRows(rows)

    def executemany(self, sql: str, rows: Iterable[Any]) -> sqlite3.Cursor:
        start = time.thread_time()
        cursor = self.db.executemany(sql, rows)
        self._note("executemany " + sql, start)
        return cursor


async def profile(path: Path) -> dict[str, list[float]]:
    phases: dict[str, list[float]] = defaultdict(list)
    store = SQLiteStore(path)
    await store.open()
    burt = Burt(store)
    campaign = await burt.initialize_campaign("ingest", [("a", "A"), ("b", "B")], "clicked")
    ids = [f"c{i}" for i in range(REQUESTS * PER_REQUEST)]
    for first in range(0, len(ids), 50_000):
        await burt.load_contacts(campaign.id, [ContactIn(c) for c in ids[first : first + 50_000]])
        await burt.create_experiment_batch(campaign.id, 50_000, f"k{first}")
    decoder = msgspec.json.Decoder(models.EventLoad)
    bodies = [
        msgspec.json.encode({"events": _events(ids[r::REQUESTS], f"r{r}")}) for r in range(REQUESTS)
    ]
    timed = TimedConnection(store._db)
    store._conn = timed  # type: ignore[assignment]
    try:
        for body in bodies:
            timed.on = True
            start, own = time.process_time(), time.thread_time()
            events = decoder.decode(body).events
            decoded = time.thread_time()
            phases[DECODE].append(decoded - own)
            tally = await burt.record_outcomes(campaign.id, events)
            phases[LOOP].append(time.thread_time() - decoded)
            phases["TOTAL (process CPU, both threads)"].append(time.process_time() - start)
            timed.on = False
            for name, seconds in timed.request.items():
                phases[name].append(seconds)
            timed.request.clear()
            assert tally.recorded == PER_REQUEST, tally
    finally:
        store._conn = timed.db
        await store.close()
    totals = phases["TOTAL (process CPU, both threads)"]
    parts = [v for k, v in phases.items() if not k.startswith("TOTAL")]
    phases["rest: worker-thread Python (codes, tally), hand-offs"] = [
        total - sum(part[i] for part in parts) for i, total in enumerate(totals)
    ]
    return phases


RAW_RUNS = 5
LEAN_TABLES = """
CREATE TABLE lean_events (campaign INTEGER, event_id TEXT, contact INTEGER, type INTEGER,
    occurred_at TEXT, delay REAL, PRIMARY KEY (campaign, event_id)) WITHOUT ROWID;
CREATE TABLE lean_outcomes (contact INTEGER, type INTEGER, bin INTEGER,
    PRIMARY KEY (contact, type)) WITHOUT ROWID;
"""
ROWS_PER_INSERT = 500


def _insert_rows(db: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Multi-row INSERTs of `rows`, ROWS_PER_INSERT a statement."""
    marks = "(" + ", ".join("?" * len(rows[0])) + ")"
    for first in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[first : first + ROWS_PER_INSERT]
        values = [value for row in chunk for value in row]
        db.execute(f"INSERT INTO {table} VALUES " + ", ".join([marks] * len(chunk)), values)


def lean_sql_ms(path: Path) -> list[float]:
    """Wall ms per request of the leanest SQL ingestion needs (module docstring), on the file
    `profile` left: its contacts, drawn, and PER_REQUEST fresh events per request."""
    db = sqlite3.connect(path, isolation_level=None)
    for setting in ("synchronous = FULL", "mmap_size = 1073741824", "cache_size = -131072"):
        db.execute(f"PRAGMA {setting}")  # as the store sets them
    db.executescript(LEAN_TABLES)
    num = db.execute("SELECT num FROM campaigns").fetchone()[0]
    ids = [f"c{i}" for i in range(REQUESTS * PER_REQUEST)]
    contacts = dict(db.execute("SELECT ext_id, id FROM contacts WHERE campaign = ?", (num,)))
    runs = []
    for r in range(REQUESTS):
        contact_ids = ids[r::REQUESTS]
        events = _events(contact_ids, f"lean{r}")
        # (The delay and its bin are placeholders: their values do not change the cost.)
        event_rows = [
            (
                num,
                e["id"],
                contacts[e["contact_id"]],
                OUTCOME_TYPES.index(e["type"]),
                e["occurred_at"],
                60.0,
            )
            for e in events
        ]
        outcome_rows = [(row[2], row[3], 3) for row in event_rows]
        probe = msgspec.json.encode(contact_ids)
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(_RESOLVE, (num, probe)).fetchone()
        _insert_rows(db, "lean_events", event_rows)
        _insert_rows(db, "lean_outcomes", outcome_rows)
        db.execute("COMMIT")
        runs.append((time.perf_counter() - start) * 1e3)
    db.close()
    return runs


def raw_ms_per_request(tmp: Path) -> list[float]:
    """`make bench`'s raw reference, ms per PER_REQUEST rows, run RAW_RUNS times."""
    rows = _events([f"c{i}" for i in range(REQUESTS * PER_REQUEST)], "raw")
    insert = sqlite_target(tmp).raw_insert_rate
    return [PER_REQUEST / insert(rows) * 1e3 for _ in range(RAW_RUNS)]


def _sums(phases: list[list[float]]) -> tuple[float, float]:
    """The sums of the phases' mins and of their medians, in ms."""
    return sum(map(min, phases)) * 1e3, sum(map(statistics.median, phases)) * 1e3


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        phases = asyncio.run(profile(Path(tmp) / "burt.sqlite3"))
        lean = lean_sql_ms(Path(tmp) / "burt.sqlite3")
        raw = raw_ms_per_request(Path(tmp))
    print(f"Burt.record_outcomes on SQLite, {REQUESTS} x {PER_REQUEST:,} new events, ms CPU:")
    print(f"   {'min':>7} {'median':>7}  phase")
    for name, seconds in sorted(phases.items(), key=lambda kv: -statistics.median(kv[1])):
        if statistics.median(seconds) >= 0.05e-3:
            print(f"   {min(seconds) * 1e3:7.2f} {statistics.median(seconds) * 1e3:7.2f}  {name}")
    sql = [v for k, v in phases.items() if k.startswith("sql: ")]
    reference = statistics.median(raw)
    print(f"ms per {PER_REQUEST:,} events (min, median) against the raw reference:")
    print(f"   {min(raw):7.2f} {reference:7.2f}  raw executemany, make bench's reference (wall)")
    for label, low, mid in (
        ("burt's SQL statements alone (sums of the above, CPU)", *_sums(sql)),
        ("the leanest SQL ingestion needs (wall)", min(lean), statistics.median(lean)),
    ):
        print(
            f"   {low:7.2f} {mid:7.2f}  {label}: {mid / reference:.2f}x raw;"
            f" even with no Python and no HTTP, a ratio of at most {reference / mid:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
