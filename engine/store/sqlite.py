"""The embedded default store: one SQLite file, WAL, real transactions.

Every write runs in a `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock, so
several processes sharing the file serialize their claims: a contact's `batch_seq` goes from NULL
to a batch inside one transaction or not at all, and a process killed mid-way leaves nothing
half-written. All calls run on one worker thread that owns the connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from engine.assignment import assign_labels
from engine.errors import NoPendingContacts, StoreUnavailable
from engine.model import (
    HOLDOUT,
    OUTCOME_TYPES,
    Batch,
    BatchDraft,
    Campaign,
    CampaignChanges,
    ContactLike,
    EventLike,
    EventTally,
    PeriodCount,
)
from engine.outcomes import classify_events, occurred_at_text
from engine.store import codec
from engine.timefmt import utcnow

T = TypeVar("T")
_CHUNK = 5000  # host parameters per IN (...) query, well below SQLite's limit

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    doc TEXT NOT NULL,
    version INTEGER NOT NULL,
    contacts_total INTEGER NOT NULL DEFAULT 0,
    contacts_pending INTEGER NOT NULL DEFAULT 0,
    next_sequence INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS campaigns_by_tenant ON campaigns (tenant, id);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    ext_id TEXT NOT NULL,
    attributes TEXT,
    batch_seq INTEGER,
    variant INTEGER,
    UNIQUE (campaign_id, ext_id)
);
CREATE INDEX IF NOT EXISTS contacts_pending
    ON contacts (campaign_id, id) WHERE batch_seq IS NULL;
CREATE INDEX IF NOT EXISTS contacts_by_batch
    ON contacts (campaign_id, batch_seq, id) WHERE batch_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (campaign_id, sequence),
    UNIQUE (campaign_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS events (
    campaign_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outcomes (
    campaign_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id, type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS period_counts (
    campaign_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    variant INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    {", ".join(f"{t} INTEGER NOT NULL DEFAULT 0" for t in OUTCOME_TYPES)},
    PRIMARY KEY (campaign_id, sequence, variant)
) WITHOUT ROWID;
"""


def _chunks(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class SQLiteStore:
    """Store on a SQLite file (created with its schema on `open`)."""

    name = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_ms: int = 60_000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    # plumbing -------------------------------------------------------------------------------
    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise StoreUnavailable("the SQLite store is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"SQLite: {exc}") from exc

    @property
    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None, "store not open"
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock from its first statement."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(_SCHEMA)
        self._conn = conn

    async def open(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="burt-sqlite")
            await self._run(self._connect)

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)
        self._executor = None

    async def ping(self) -> None:
        await self._run(lambda: self._db.execute("SELECT 1").fetchone())

    # API keys -------------------------------------------------------------------------------
    async def add_api_key(self, key_hash: str, tenant: str) -> None:
        def write() -> None:
            with self._write() as db:
                db.execute("INSERT INTO api_keys VALUES (?, ?)", (key_hash, tenant))

        await self._run(write)

    async def tenant_for_key(self, key_hash: str) -> str | None:
        def read() -> str | None:
            row = self._db.execute(
                "SELECT tenant FROM api_keys WHERE key_hash = ?", (key_hash,)
            ).fetchone()
            return row[0] if row else None

        return await self._run(read)

    # campaigns ------------------------------------------------------------------------------
    async def insert_campaign(self, campaign: Campaign) -> None:
        def write() -> None:
            with self._write() as db:
                db.execute(
                    "INSERT INTO campaigns (id, tenant, doc, version) VALUES (?, ?, ?, ?)",
                    (
                        campaign.id,
                        campaign.tenant,
                        codec.dumps(codec.campaign_fields(campaign)),
                        campaign.version,
                    ),
                )

        await self._run(write)

    @staticmethod
    def _campaign(row: tuple[str, int, int]) -> Campaign:
        return codec.campaign_from_fields(json.loads(row[0]), total=row[1], pending=row[2])

    _CAMPAIGN_COLUMNS = "doc, contacts_total, contacts_pending"

    def _read_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        row = self._db.execute(
            f"SELECT {self._CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ? AND tenant = ?",
            (campaign_id, tenant),
        ).fetchone()
        return self._campaign(row) if row else None

    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        return await self._run(self._read_campaign, tenant, campaign_id)

    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        def read() -> list[Campaign]:
            rows = self._db.execute(
                f"SELECT {self._CAMPAIGN_COLUMNS} FROM campaigns"
                " WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?",
                (tenant, after_id or "", limit),
            ).fetchall()
            return [self._campaign(r) for r in rows]

        return await self._run(read)

    async def update_campaign(
        self, tenant: str, campaign_id: str, expected_version: int, changes: CampaignChanges
    ) -> Campaign | None:
        def write() -> Campaign | None:
            with self._write() as db:
                current = self._read_campaign(tenant, campaign_id)
                if current is None or current.version != expected_version:
                    return None
                updated = current.with_changes(changes, utcnow())
                db.execute(
                    "UPDATE campaigns SET doc = ?, version = ? WHERE id = ?",
                    (codec.dumps(codec.campaign_fields(updated)), updated.version, campaign_id),
                )
                return updated

        return await self._run(write)

    # contacts -------------------------------------------------------------------------------
    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        rows = [
            (
                campaign_id,
                c.id,
                codec.dumps(dict(c.attributes)) if isinstance(c.attributes, dict) else None,
            )
            for c in contacts
        ]

        def write() -> tuple[int, int]:
            with self._write() as db:
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO contacts (campaign_id, ext_id, attributes)"
                    " VALUES (?, ?, ?)",
                    rows,
                )
                created = db.total_changes - before
                db.execute(
                    "UPDATE campaigns SET contacts_total = contacts_total + ?,"
                    " contacts_pending = contacts_pending + ? WHERE id = ?",
                    (created, created, campaign_id),
                )
            return created, len(rows) - created

        return await self._run(write)

    # batches --------------------------------------------------------------------------------
    def _assignments(self, campaign_id: str, sequence: int) -> tuple[tuple[str, int], ...]:
        rows = self._db.execute(
            "SELECT ext_id, variant FROM contacts"
            " WHERE campaign_id = ? AND batch_seq = ? ORDER BY id",
            (campaign_id, sequence),
        ).fetchall()
        return tuple((r[0], r[1]) for r in rows)

    def _read_batch(self, where: str, params: tuple[Any, ...]) -> Batch | None:
        row = self._db.execute(f"SELECT doc FROM batches WHERE {where}", params).fetchone()
        if row is None:
            return None
        doc = json.loads(row[0])
        return codec.batch_from_fields(doc, self._assignments(doc["campaign_id"], doc["sequence"]))

    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        return await self._run(
            self._read_batch,
            "campaign_id = ? AND idempotency_key = ?",
            (campaign_id, idempotency_key),
        )

    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None:
        return await self._run(
            self._read_batch, "campaign_id = ? AND id = ?", (campaign_id, batch_id)
        )

    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        def write() -> Batch:
            with self._write() as db:
                existing = self._read_batch(
                    "campaign_id = ? AND idempotency_key = ?",
                    (campaign_id, draft.idempotency_key),
                )
                if existing is not None:
                    return existing
                claimed = db.execute(
                    "SELECT id, ext_id FROM contacts WHERE campaign_id = ? AND batch_seq IS NULL"
                    " ORDER BY id LIMIT ?",
                    (campaign_id, draft.size),
                ).fetchall()
                if not claimed:
                    raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
                (sequence,) = db.execute(
                    "SELECT next_sequence FROM campaigns WHERE id = ?", (campaign_id,)
                ).fetchone()
                labels = assign_labels(
                    len(claimed), draft.weights, draft.holdout_fraction, draft.seed
                ).tolist()
                db.executemany(
                    "UPDATE contacts SET batch_seq = ?, variant = ? WHERE id = ?",
                    [(sequence, label, row[0]) for row, label in zip(claimed, labels, strict=True)],
                )
                per_label = Counter(labels)
                counts = [per_label.get(i, 0) for i in range(len(draft.weights))]
                doc = codec.batch_fields(campaign_id, draft, sequence, counts, per_label[HOLDOUT])
                db.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        draft.id,
                        campaign_id,
                        sequence,
                        draft.idempotency_key,
                        doc["created_at"],
                        codec.dumps(doc),
                    ),
                )
                db.executemany(
                    "INSERT INTO period_counts (campaign_id, sequence, variant, sends)"
                    " VALUES (?, ?, ?, ?)",
                    [(campaign_id, sequence, v, n) for v, n in sorted(per_label.items())],
                )
                db.execute(
                    "UPDATE campaigns SET next_sequence = next_sequence + 1,"
                    " contacts_pending = contacts_pending - ? WHERE id = ?",
                    (len(claimed), campaign_id),
                )
            assignments = tuple((row[1], label) for row, label in zip(claimed, labels, strict=True))
            return codec.batch_from_fields(doc, assignments)

        return await self._run(write)

    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        def read() -> list[Batch]:
            rows = self._db.execute(
                "SELECT doc FROM batches WHERE campaign_id = ? AND sequence > ?"
                " ORDER BY sequence LIMIT ?",
                (campaign_id, after_sequence, limit),
            ).fetchall()
            return [codec.batch_from_fields(json.loads(r[0])) for r in rows]

        return await self._run(read)

    # outcomes -------------------------------------------------------------------------------
    def _select_in(
        self, sql: str, campaign_id: str, values: Sequence[str]
    ) -> Iterator[tuple[Any, ...]]:
        for chunk in _chunks(values):
            yield from self._db.execute(
                sql.format(_placeholders(len(chunk))), (campaign_id, *chunk)
            )

    async def record_events(self, campaign_id: str, events: Sequence[EventLike]) -> EventTally:
        def write() -> EventTally:
            with self._write() as db:
                contact_ids = list({e.contact_id for e in events})
                assigned = {
                    row[0]: (row[1], row[2])
                    for row in self._select_in(
                        "SELECT ext_id, batch_seq, variant FROM contacts"
                        " WHERE campaign_id = ? AND ext_id IN ({})",
                        campaign_id,
                        contact_ids,
                    )
                }
                seen_events = {
                    row[0]
                    for row in self._select_in(
                        "SELECT event_id FROM events WHERE campaign_id = ? AND event_id IN ({})",
                        campaign_id,
                        list({e.id for e in events}),
                    )
                }
                had_outcome = set(
                    self._select_in(
                        "SELECT contact_id, type FROM outcomes"
                        " WHERE campaign_id = ? AND contact_id IN ({})",
                        campaign_id,
                        contact_ids,
                    )
                )
                tally = classify_events(events, assigned, seen_events, had_outcome)
                db.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                    [
                        (campaign_id, e.id, e.contact_id, e.type, occurred_at_text(e))
                        for e in tally.new_events
                    ],
                )
                db.executemany(
                    "INSERT INTO outcomes VALUES (?, ?, ?)",
                    [(campaign_id, c, t) for c, t in tally.new_outcomes],
                )
                for (sequence, variant, kind), n in tally.increments.items():
                    db.execute(
                        f"UPDATE period_counts SET {kind} = {kind} + ?"
                        " WHERE campaign_id = ? AND sequence = ? AND variant = ?",
                        (n, campaign_id, sequence, variant),
                    )
            return tally.result

        return await self._run(write)

    def _counts(self, sql: str, campaign_id: str) -> list[PeriodCount]:
        return [
            codec.period_count(
                row[0], row[1], row[2], row[3], dict(zip(OUTCOME_TYPES, row[4:], strict=True))
            )
            for row in self._db.execute(sql, (campaign_id,))
        ]

    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        columns = ", ".join(f"p.{t}" for t in OUTCOME_TYPES)
        sql = (
            f"SELECT p.sequence, b.created_at, p.variant, p.sends, {columns}"
            " FROM period_counts p JOIN batches b"
            " ON b.campaign_id = p.campaign_id AND b.sequence = p.sequence"
            " WHERE p.campaign_id = ? ORDER BY p.sequence, p.variant"
        )
        return await self._run(self._counts, sql, campaign_id)

    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        columns = ", ".join(
            f"(SELECT COUNT(*) FROM outcomes o JOIN contacts k"
            f" ON k.campaign_id = o.campaign_id AND k.ext_id = o.contact_id"
            f" WHERE o.campaign_id = c.campaign_id AND o.type = '{t}'"
            f" AND k.batch_seq = c.batch_seq AND k.variant = c.variant)"
            for t in OUTCOME_TYPES
        )
        sql = (
            f"SELECT c.batch_seq, b.created_at, c.variant, COUNT(*) AS sends, {columns}"
            " FROM contacts c JOIN batches b"
            " ON b.campaign_id = c.campaign_id AND b.sequence = c.batch_seq"
            " WHERE c.campaign_id = ? AND c.batch_seq IS NOT NULL"
            " GROUP BY c.batch_seq, c.variant ORDER BY c.batch_seq, c.variant"
        )
        return await self._run(self._counts, sql, campaign_id)

    async def tenant_digest(self, tenant: str) -> str:
        def read() -> str:
            digest = hashlib.sha256()
            db = self._db
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM campaigns WHERE tenant = ? ORDER BY id", (tenant,)
                )
            ]
            queries = (
                "SELECT id, doc, version, contacts_total, contacts_pending, next_sequence"
                " FROM campaigns WHERE id = ?",
                "SELECT ext_id, attributes, batch_seq, variant FROM contacts"
                " WHERE campaign_id = ? ORDER BY id",
                "SELECT doc FROM batches WHERE campaign_id = ? ORDER BY sequence",
                "SELECT event_id, contact_id, type, occurred_at FROM events"
                " WHERE campaign_id = ? ORDER BY event_id",
                "SELECT contact_id, type FROM outcomes WHERE campaign_id = ?"
                " ORDER BY contact_id, type",
                "SELECT * FROM period_counts WHERE campaign_id = ? ORDER BY sequence, variant",
            )
            for campaign_id in ids:
                for sql in queries:
                    for row in db.execute(sql, (campaign_id,)):
                        digest.update(repr(row).encode())
            return digest.hexdigest()

        return await self._run(read)
