"""The embedded default store: one SQLite file, WAL, real transactions.

Every write runs in a `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock, so
several processes sharing the file serialize: a contact's `batch_seq` goes from NULL to a batch
inside one transaction or not at all, and a process killed mid-way leaves nothing half-written.
All calls run on one worker thread that owns the connection.

Layout choices for speed: big tables are keyed by the campaign's integer `num`, not its text id;
an outcome is counted once per (contact, type) by the `outcomes` table's primary key, and the
counters and delay histogram are updated with the outcomes a request adds to it, in the same
transaction (`sqlite_ingest` records a request's events); the file is memory-mapped so random
index probes avoid read() calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from burt.engine.apikeys import ApiKey, key_hash_prefix
from burt.engine.assignment import assign_labels, assign_segments, segment_mixture
from burt.engine.counts import CountTable, SegmentTables
from burt.engine.errors import Conflict, NoPendingContacts, NotFound, StoreUnavailable
from burt.engine.model import (
    HOLDOUT,
    OUTCOME_TYPES,
    ActivityUpdate,
    Batch,
    BatchDraft,
    Campaign,
    ContactLike,
    EventLike,
    EventTally,
    PeriodCount,
    Webhook,
)
from burt.engine.store import codec, sqlite_erasure, sqlite_ingest, sqlite_segments
from burt.engine.store.codec import draft_segments, segments_of
from burt.engine.store.sqlite_schema import (
    API_KEY_COLUMNS,
    MIGRATIONS,
    migrate,
    refuse_newer,
    refuse_without_json,
)
from burt.engine.timefmt import format_rfc3339, parse_rfc3339

T = TypeVar("T")
_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    }
)
"""Primary result codes that mean the file cannot be used right now (503); any other SQLite
error is a defect or a damaged file and surfaces as itself (500, logged)."""
_IN_JSON = "IN (SELECT value FROM json_each(?))"


_API_KEY_SELECT = f"SELECT key_hash, tenant, {', '.join(API_KEY_COLUMNS)} FROM api_keys"

# The delay histogram as maintained, and as recounted from the outcome rows' bins (each set with
# its outcome), as rows of (sequence, segment, variant, type, bin, n) for a campaign id:
_MAINTAINED_DELAYS = """
SELECT sequence, segment, variant, type, bin, n FROM delay_counts
WHERE campaign = (SELECT num FROM campaigns WHERE id = ?)
"""
_RECOUNTED_DELAYS = """
SELECT k.batch_seq, k.segment, k.variant, o.type, o.bin, COUNT(*) FROM outcomes o
JOIN contacts k ON k.id = o.contact
WHERE k.campaign = (SELECT num FROM campaigns WHERE id = ?) AND o.bin IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
"""


_CAMPAIGN_NUM = "SELECT num FROM campaigns WHERE id = ?"
# What `count_table` reads besides the campaign's integer key:
_BATCH_SHARES = "SELECT sequence, created_at, doc FROM batches WHERE campaign = ? ORDER BY sequence"
_COUNTERS = (
    f"SELECT sequence, variant, SUM(sends), {', '.join(f'SUM({t})' for t in OUTCOME_TYPES)}"
    " FROM period_counts WHERE campaign = ? GROUP BY sequence, variant ORDER BY sequence, variant"
)
_HISTOGRAM = (
    "SELECT sequence, variant, bin, SUM(n) FROM delay_counts WHERE campaign = ? AND type = ?"
    " GROUP BY sequence, variant, bin ORDER BY sequence, variant, bin"
)
# ... and per segment slot, what `segment_tables` reads:
_SEGMENT_COUNTERS = (
    f"SELECT segment, sequence, variant, sends, {', '.join(OUTCOME_TYPES)} FROM period_counts"
    " WHERE campaign = ? ORDER BY segment, sequence, variant"
)
_SEGMENT_HISTOGRAM = (
    "SELECT segment, sequence, variant, bin, n FROM delay_counts WHERE campaign = ? AND type = ?"
    " ORDER BY segment, sequence, variant, bin"
)


class _Plan(msgspec.Struct):
    """What a segmented batch's doc says about its segments' weights."""

    weights: list[list[float]]
    new_weights: list[float]


class _Shares(msgspec.Struct):
    """What a batch's doc says about its intended split."""

    size: int
    holdout_count: int
    weights: list[float]
    segments: _Plan | None = None

    def weights_of(self, slot: int) -> list[float]:
        """The weights the batch drew segment slot `slot`'s contacts by."""
        if self.segments is None:
            return self.weights
        plan = self.segments
        return plan.weights[slot] if slot < len(plan.weights) else plan.new_weights


_SHARES = msgspec.json.Decoder(_Shares)


def _batch_share(
    sequence: int, created_at: str, doc: str
) -> tuple[int, datetime, int, list[float]]:
    shares = _SHARES.decode(doc)
    return sequence, parse_rfc3339(created_at), shares.size - shares.holdout_count, shares.weights


def _segment_tables(
    slots: int,
    variants: int,
    batches: Sequence[tuple[int, str, str]],
    counters: Sequence[tuple[int, ...]],
    histogram: Sequence[tuple[int, ...]],
) -> tuple[CountTable, ...]:
    """Every slot's table from every batch and the per-segment counter and histogram rows
    (each led by its slot, in slot order); a batch's intended split for a slot is the slot's
    contacts not held out, by the weights the batch drew the slot by. Each row is visited
    once."""
    if not slots:  # a campaign without segments: its rows are all slot 0's, and no table's
        return ()
    shares = [(b[0], parse_rfc3339(b[1]), _SHARES.decode(b[2])) for b in batches]
    rows: list[list[tuple[int, ...]]] = [[] for _ in range(slots)]
    drawn: list[Counter[int]] = [Counter() for _ in range(slots)]
    for slot, *row in counters:
        rows[slot].append(tuple(row))
        if row[1] != HOLDOUT:
            drawn[slot][row[0]] += row[2]
    cells: list[list[tuple[int, ...]]] = [[] for _ in range(slots)]
    for slot, *cell in histogram:
        cells[slot].append(tuple(cell))
    return tuple(
        CountTable.build(
            variants,
            [(seq, at, drawn[slot][seq], share.weights_of(slot)) for seq, at, share in shares],
            rows[slot],
            cells[slot],
        )
        for slot in range(slots)
    )


def _webhook(row: tuple[str, str]) -> Webhook:
    return codec.webhook_from_fields(json.loads(row[0]), json.loads(row[1]))


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
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _UNAVAILABLE:  # extended -> primary
                raise StoreUnavailable(f"SQLite: {exc}") from exc
            raise

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
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            refuse_without_json(conn, self.path)
            # Refuse a newer file before switching to WAL, which writes the file's header.
            refuse_newer(conn, self.path, len(MIGRATIONS))
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA secure_delete = ON")  # erased bytes are overwritten, not freed
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA mmap_size = 1073741824")
            conn.execute("PRAGMA cache_size = -131072")
            migrate(conn, self.path)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    async def exists(self) -> bool:
        return self.path.exists()

    def location(self) -> str:
        return f"SQLite file {self.path.resolve()}"

    async def open(self) -> None:
        """Open the file, creating it or migrating it to this burt's schema version.

        Raises IncompatibleStore when the file was written by a newer burt.
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="burt-sqlite")
            try:
                await self._run(self._connect)
            except BaseException:
                self._executor.shutdown(wait=True)
                self._executor = None
                raise

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

    async def backup(self, dest: Path) -> None:
        """SQLite's online backup API, in one step: it copies inside one read transaction, so
        the copy is the database at one instant while writers (WAL) go on. It is written beside
        `dest` and renamed into place, so `dest` is never half a copy."""

        def copy() -> None:
            partial = dest.with_name(dest.name + ".partial")
            partial.unlink(missing_ok=True)
            target = sqlite3.connect(partial)
            try:
                self._db.backup(target)
            finally:
                target.close()
            partial.replace(dest)

        await self._run(copy)

    def _num(self, campaign_id: str) -> int:
        """The campaign's integer key; NotFound when it was deleted since the engine read it."""
        row = self._db.execute(_CAMPAIGN_NUM, (campaign_id,)).fetchone()
        if row is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return int(row[0])

    # API keys -------------------------------------------------------------------------------
    async def add_api_key(self, key: ApiKey) -> None:
        fields = codec.api_key_fields(key)

        def write() -> None:
            with self._write() as db:
                db.execute(
                    f"INSERT INTO api_keys ({', '.join(fields)})"
                    f" VALUES ({', '.join('?' * len(fields))})",
                    tuple(fields.values()),
                )

        await self._run(write)

    def _api_keys(self, where: str, params: tuple[Any, ...]) -> list[ApiKey]:
        names = ["key_hash", "tenant", *API_KEY_COLUMNS]
        rows = self._db.execute(f"{_API_KEY_SELECT} {where}", params).fetchall()
        return [codec.api_key_from_fields(dict(zip(names, row, strict=True))) for row in rows]

    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        keys = await self._run(self._api_keys, "WHERE key_hash = ?", (key_hash,))
        return keys[0] if keys else None

    async def list_api_keys(self) -> list[ApiKey]:
        return await self._run(self._api_keys, "ORDER BY coalesce(created_at, ''), key_hash", ())

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        prefix = key_hash_prefix(key_id)
        if prefix is None:
            return None

        def write() -> ApiKey | None:
            with self._write() as db:
                db.execute(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?)"
                    " WHERE substr(key_hash, 1, ?) = ?",
                    (format_rfc3339(at), len(prefix), prefix),
                )
                keys = self._api_keys("WHERE substr(key_hash, 1, ?) = ?", (len(prefix), prefix))
            return keys[0] if keys else None

        return await self._run(write)

    async def touch_api_key(self, key_hash: str, at: datetime) -> None:
        def write() -> None:
            with self._write() as db:
                db.execute(
                    "UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?",
                    (format_rfc3339(at), key_hash),
                )

        await self._run(write)

    # campaigns ------------------------------------------------------------------------------
    _CAMPAIGN_COLUMNS = "doc, contacts_total, contacts_pending"

    @staticmethod
    def _campaign(row: tuple[str, int, int]) -> Campaign:
        return codec.campaign_from_fields(json.loads(row[0]), total=row[1], pending=row[2])

    def _read_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        row = self._db.execute(
            f"SELECT {self._CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ? AND tenant = ?",
            (campaign_id, tenant),
        ).fetchone()
        return self._campaign(row) if row else None

    @staticmethod
    def _insert_campaign_row(db: sqlite3.Connection, campaign: Campaign) -> None:
        db.execute(
            "INSERT INTO campaigns (id, tenant, doc, version) VALUES (?, ?, ?, ?)",
            (
                campaign.id,
                campaign.tenant,
                codec.dumps(codec.campaign_fields(campaign)),
                campaign.version,
            ),
        )

    async def insert_campaign(self, campaign: Campaign) -> None:
        def write() -> None:
            with self._write() as db:
                self._insert_campaign_row(db, campaign)

        await self._run(write)

    async def insert_campaign_once(
        self, campaign: Campaign, idempotency_key: str, fingerprint: str
    ) -> tuple[str, str]:
        """The key row and the campaign in one transaction: both are there, or neither."""

        def write() -> tuple[str, str]:
            with self._write() as db:
                row = db.execute(
                    "SELECT campaign_id, fingerprint FROM campaign_keys"
                    " WHERE tenant = ? AND idempotency_key = ?",
                    (campaign.tenant, idempotency_key),
                ).fetchone()
                if row is not None:
                    return row[0], row[1]
                self._insert_campaign_row(db, campaign)
                db.execute(
                    "INSERT INTO campaign_keys VALUES (?, ?, ?, ?)",
                    (campaign.tenant, idempotency_key, campaign.id, fingerprint),
                )
            return campaign.id, fingerprint

        return await self._run(write)

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

    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        def write() -> bool:
            with self._write() as db:
                row = db.execute(
                    "SELECT doc, next_sequence FROM campaigns WHERE id = ? AND tenant = ?",
                    (campaign.id, campaign.tenant),
                ).fetchone()
                if row is not None and row[1] > 1:  # a batch was drawn: the segments are fixed
                    stored = codec.settings_from_dict(json.loads(row[0])["settings"])
                    if segments_of(stored) != segments_of(campaign.settings):
                        return False
                cursor = db.execute(
                    "UPDATE campaigns SET doc = ?, version = ?"
                    " WHERE id = ? AND tenant = ? AND version = ?",
                    (
                        codec.dumps(codec.campaign_fields(campaign)),
                        campaign.version,
                        campaign.id,
                        campaign.tenant,
                        expected_version,
                    ),
                )
                return cursor.rowcount == 1

        return await self._run(write)

    def _erase(self, erasure: Callable[[sqlite3.Connection], bool]) -> bool:
        """Run an erasure in one transaction, then checkpoint and truncate the WAL, whose
        frames still hold the erased rows as they were (best effort: a checkpoint that readers
        block leaves them to the next one)."""
        with self._write() as db:
            erased = erasure(db)
        if erased:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased

    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        return await self._run(
            self._erase, lambda db: sqlite_erasure.delete_campaign(db, tenant, campaign_id)
        )

    # contacts -------------------------------------------------------------------------------
    async def erase_contact(self, campaign_id: str, contact_id: str) -> bool:
        return await self._run(
            self._erase,
            lambda db: sqlite_erasure.erase_contact(db, self._num(campaign_id), contact_id),
        )

    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        def write() -> tuple[int, int]:
            with self._write() as db:
                num = self._num(campaign_id)
                before = db.total_changes
                db.executemany(
                    "INSERT OR IGNORE INTO contacts (campaign, ext_id, attributes)"
                    " VALUES (?, ?, ?)",
                    (
                        (
                            num,
                            c.id,
                            codec.dumps(dict(c.attributes))
                            if isinstance(c.attributes, dict)
                            else None,
                        )
                        for c in contacts
                    ),
                )
                created = db.total_changes - before
                db.execute(
                    "UPDATE campaigns SET contacts_total = contacts_total + ?,"
                    " contacts_pending = contacts_pending + ? WHERE num = ?",
                    (created, created, num),
                )
            return created, len(contacts) - created

        return await self._run(write)

    # batches --------------------------------------------------------------------------------
    def _read_batch(self, where: str, params: tuple[Any, ...]) -> Batch | None:
        row = self._db.execute(
            f"SELECT b.doc, b.campaign FROM batches b JOIN campaigns c ON c.num = b.campaign"
            f" WHERE {where}",
            params,
        ).fetchone()
        if row is None:
            return None
        doc = json.loads(row[0])
        assignments = self._db.execute(
            "SELECT ext_id, variant FROM contacts WHERE campaign = ? AND batch_seq = ?"
            " AND typeof(ext_id) = 'text' ORDER BY id",  # an erased contact's id is a BLOB
            (row[1], doc["sequence"]),
        ).fetchall()
        return codec.batch_from_fields(doc, tuple(assignments))

    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        return await self._run(
            self._read_batch, "c.id = ? AND b.idempotency_key = ?", (campaign_id, idempotency_key)
        )

    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None:
        return await self._run(self._read_batch, "c.id = ? AND b.id = ?", (campaign_id, batch_id))

    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        def write() -> Batch:
            with self._write() as db:
                existing = self._read_batch(
                    "c.id = ? AND b.idempotency_key = ?", (campaign_id, draft.idempotency_key)
                )
                if existing is not None:
                    return existing
                num = self._num(campaign_id)
                sequence, doc = db.execute(
                    "SELECT next_sequence, doc FROM campaigns WHERE num = ?", (num,)
                ).fetchone()
                settings = codec.settings_from_dict(json.loads(doc)["settings"])
                if segments_of(settings) != draft_segments(draft):
                    raise Conflict(
                        f"campaign {campaign_id!r} changed its segment settings while this batch"
                        " was being decided; retry the request"
                    )
                plan, mixture = draft.segments, None
                column, params = (
                    ("NULL", []) if plan is None else sqlite_segments.key_column(db, plan.by)
                )
                claimed = db.execute(
                    f"SELECT id, ext_id, {column} FROM contacts"
                    " WHERE campaign = ? AND batch_seq IS NULL ORDER BY id LIMIT ?",
                    (*params, num, draft.size),
                ).fetchall()
                if not claimed:
                    raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
                if plan is None:
                    slots = [0] * len(claimed)
                    labels = assign_labels(
                        len(claimed), draft.weights, draft.holdout_fraction, draft.seed
                    ).tolist()
                else:
                    slots = sqlite_segments.place(db, num, [row[2] for row in claimed], plan)
                    labels = assign_segments(
                        slots, plan, draft.holdout_fraction, draft.seed
                    ).tolist()
                    mixture = segment_mixture(slots, plan)
                db.executemany(
                    "UPDATE contacts SET batch_seq = ?, variant = ?, segment = ? WHERE id = ?",
                    [
                        (sequence, label, slot, row[0])
                        for row, label, slot in zip(claimed, labels, slots, strict=True)
                    ],
                )
                batch = draft.drawn(
                    campaign_id,
                    sequence,
                    labels,
                    tuple((row[1], label) for row, label in zip(claimed, labels, strict=True)),
                    mixture,
                )
                doc = codec.batch_fields(batch)
                db.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        draft.id,
                        num,
                        sequence,
                        draft.idempotency_key,
                        doc["created_at"],
                        codec.dumps(doc),
                        draft.created_at.timestamp(),  # created_epoch: events' delays from it
                    ),
                )
                db.executemany(
                    "INSERT INTO period_counts (campaign, sequence, segment, variant, sends)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [
                        (num, sequence, slot, v, n)
                        for (slot, v), n in sorted(Counter(zip(slots, labels, strict=True)).items())
                    ],
                )
                db.execute(
                    "UPDATE campaigns SET next_sequence = next_sequence + 1,"
                    " contacts_pending = contacts_pending - ? WHERE num = ?",
                    (len(claimed), num),
                )
            return batch

        return await self._run(write)

    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        def read() -> list[Batch]:
            rows = self._db.execute(
                "SELECT b.doc FROM batches b JOIN campaigns c ON c.num = b.campaign"
                " WHERE c.id = ? AND b.sequence > ? ORDER BY b.sequence LIMIT ?",
                (campaign_id, after_sequence, limit),
            ).fetchall()
            return [codec.batch_from_fields(json.loads(r[0])) for r in rows]

        return await self._run(read)

    # outcomes -------------------------------------------------------------------------------
    async def record_events(
        self,
        campaign_id: str,
        events: Sequence[EventLike],
        epochs: Sequence[float],
        window_seconds: int,
    ) -> EventTally:
        """Classify, deduplicate and count (`sqlite_ingest`); the delay histogram is updated
        in the same transaction as the counters."""

        def write() -> EventTally:
            with self._write() as db:
                num = self._num(campaign_id)
                recorded = sqlite_ingest.record(db, num, events, epochs, window_seconds)
                self._count(db, num, recorded.cells)
            return recorded.tally

        return await self._run(write)

    @staticmethod
    def _count(db: sqlite3.Connection, num: int, cells: list[sqlite_ingest.Cell]) -> None:
        """Add newly counted outcomes, (sequence, segment, variant, type code, bin, n), to the
        counters and the delay histogram."""
        per_type: Counter[tuple[int, int, int, int]] = Counter()
        for sequence, segment, variant, code, _, n in cells:
            per_type[(sequence, segment, variant, code)] += n
        for (sequence, segment, variant, code), n in per_type.items():
            kind = OUTCOME_TYPES[code]
            db.execute(
                f"UPDATE period_counts SET {kind} = {kind} + ?"
                " WHERE campaign = ? AND sequence = ? AND segment = ? AND variant = ?",
                (n, num, sequence, segment, variant),
            )
        db.executemany(
            "INSERT INTO delay_counts (campaign, sequence, segment, variant, type, bin, n)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n",
            [(num, s, g, v, OUTCOME_TYPES[code], b, n) for s, g, v, code, b, n in cells],
        )

    def _counts(self, sql: str, campaign_id: str, delays_sql: str) -> list[PeriodCount]:
        """Counter rows from ``sql`` (sequence, draw, segment, variant, sends, outcomes), each
        with its delay histogram from ``delays_sql`` (rows of sequence, segment, variant, type,
        bin, n)."""
        delays: dict[tuple[int, int, int], Counter[tuple[str, int]]] = {}
        for sequence, segment, variant, kind, b, n in self._db.execute(delays_sql, (campaign_id,)):
            delays.setdefault((sequence, segment, variant), Counter())[(kind, b)] = n
        return [
            codec.period_count(
                row[0],
                row[1],
                row[3],
                row[4],
                dict(zip(OUTCOME_TYPES, row[5:], strict=True)),
                delays.get((row[0], row[2], row[3])),
                segment=row[2],
            )
            for row in self._db.execute(sql, (campaign_id,))
        ]

    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        columns = ", ".join(f"p.{t}" for t in OUTCOME_TYPES)
        sql = (
            f"SELECT p.sequence, b.created_at, p.segment, p.variant, p.sends, {columns}"
            " FROM period_counts p"
            " JOIN campaigns c ON c.num = p.campaign"
            " JOIN batches b ON b.campaign = p.campaign AND b.sequence = p.sequence"
            " WHERE c.id = ? ORDER BY p.sequence, p.segment, p.variant"
        )
        return await self._run(self._counts, sql, campaign_id, _MAINTAINED_DELAYS)

    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """Sends from the contacts' assignments; outcomes as distinct (contact, type) events.

        One pass over the campaign's contacts and one over its events, each grouped by batch
        and variant, joined at the end: the work grows with the records, not with their
        product."""
        columns = ", ".join(
            f"COALESCE(SUM(CASE WHEN o.type = '{t}' THEN o.n END), 0)" for t in OUTCOME_TYPES
        )
        sql = (
            "WITH c AS (SELECT num FROM campaigns WHERE id = ?),"
            " s AS (SELECT campaign, batch_seq, segment, variant, COUNT(*) AS sends"
            "   FROM contacts WHERE campaign = (SELECT num FROM c) AND batch_seq IS NOT NULL"
            "   GROUP BY batch_seq, segment, variant),"
            " o AS (SELECT k.batch_seq, k.segment, k.variant, e.type,"
            "   COUNT(DISTINCT e.contact) AS n"
            "   FROM events e JOIN contacts k ON k.id = e.contact"
            "   WHERE e.campaign = (SELECT num FROM c) AND k.batch_seq IS NOT NULL"
            "   GROUP BY k.batch_seq, k.segment, k.variant, e.type)"
            f" SELECT s.batch_seq, b.created_at, s.segment, s.variant, s.sends, {columns} FROM s"
            " JOIN batches b ON b.campaign = s.campaign AND b.sequence = s.batch_seq"
            " LEFT JOIN o ON o.batch_seq = s.batch_seq AND o.segment = s.segment"
            "   AND o.variant = s.variant"
            " GROUP BY s.batch_seq, s.segment, s.variant"
            " ORDER BY s.batch_seq, s.segment, s.variant"
        )
        return await self._run(self._counts, sql, campaign_id, _RECOUNTED_DELAYS)

    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        """One read transaction (a consistent snapshot) of three plain selects, rows taken as
        they come: no per-row objects."""

        def read() -> CountTable:
            with self._snapshot(campaign_id) as (db, num):
                batches = db.execute(_BATCH_SHARES, (num,)).fetchall()
                return self._table(db, num, kind, variants, batches)

        return await self._run(read)

    @contextmanager
    def _snapshot(self, campaign_id: str) -> Iterator[tuple[sqlite3.Connection, int]]:
        """One read transaction (a consistent snapshot), with the campaign's integer key (-1
        when it is absent: every select then finds nothing)."""
        db = self._db
        db.execute("BEGIN")
        try:
            row = db.execute(_CAMPAIGN_NUM, (campaign_id,)).fetchone()
            yield db, -1 if row is None else row[0]
        finally:
            db.execute("COMMIT")

    @staticmethod
    def _table(
        db: sqlite3.Connection,
        num: int,
        kind: str,
        variants: int,
        batches: Sequence[tuple[int, str, str]],
    ) -> CountTable:
        """The campaign's table (its segment slots summed), inside the caller's read."""
        return CountTable.build(
            variants,
            [_batch_share(*b) for b in batches],
            db.execute(_COUNTERS, (num,)).fetchall(),
            db.execute(_HISTOGRAM, (num, kind)).fetchall(),
        )

    async def segment_tables(self, campaign_id: str, kind: str, variants: int) -> SegmentTables:
        """One read transaction: the registry, the batches and the counters per slot."""

        def read() -> SegmentTables:
            with self._snapshot(campaign_id) as (db, num):
                registry = sqlite_segments.registry(db, num)
                batches = db.execute(_BATCH_SHARES, (num,)).fetchall()
                whole = self._table(db, num, kind, variants, batches)
                counters = db.execute(_SEGMENT_COUNTERS, (num,)).fetchall()
                histogram = db.execute(_SEGMENT_HISTOGRAM, (num, kind)).fetchall()
            return SegmentTables(
                registry,
                whole,
                _segment_tables(len(registry.slots), variants, batches, counters, histogram),
            )

        return await self._run(read)

    # webhook receivers ----------------------------------------------------------------------
    async def insert_webhook(self, webhook: Webhook) -> None:
        def write() -> None:
            with self._write() as db:
                db.execute(
                    "INSERT INTO webhooks (id, tenant, doc) VALUES (?, ?, ?)",
                    (webhook.id, webhook.tenant, codec.dumps(codec.webhook_fields(webhook))),
                )

        await self._run(write)

    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        def read() -> Webhook | None:
            row = self._db.execute(
                "SELECT doc, activity FROM webhooks WHERE id = ?", (webhook_id,)
            ).fetchone()
            return (
                codec.webhook_from_fields(json.loads(row[0]), json.loads(row[1])) if row else None
            )

        return await self._run(read)

    async def list_webhooks(self, tenant: str, after_id: str | None, limit: int) -> list[Webhook]:
        def read() -> list[Webhook]:
            rows = self._db.execute(
                "SELECT doc, activity FROM webhooks WHERE tenant = ? AND id > ?"
                " ORDER BY id LIMIT ?",
                (tenant, after_id or "", limit),
            ).fetchall()
            return [_webhook(row) for row in rows]

        return await self._run(read)

    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        def write() -> bool:
            with self._write() as db:
                gone = db.execute(
                    "DELETE FROM webhooks WHERE id = ? AND tenant = ?", (webhook_id, tenant)
                )
                return gone.rowcount == 1

        return await self._run(write)

    async def replace_webhook_credential(
        self, webhook_id: str, old: Mapping[str, str], new: Mapping[str, str]
    ) -> bool:
        def write() -> bool:
            with self._write() as db:
                row = db.execute("SELECT doc FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
                doc = json.loads(row[0]) if row else None
                if doc is None or doc["credential"] != dict(old):
                    return False
                doc["credential"] = dict(new)
                db.execute(
                    "UPDATE webhooks SET doc = ? WHERE id = ?", (codec.dumps(doc), webhook_id)
                )
                return True

        return await self._run(write)

    async def claim_webhook_token(
        self, webhook_id: str, token: str, body_digest: str, expires_at: datetime, now: datetime
    ) -> bool:
        def write() -> bool:
            with self._write() as db:
                db.execute("DELETE FROM webhook_tokens WHERE expires_at <= ?", (now.timestamp(),))
                db.execute(
                    "INSERT OR IGNORE INTO webhook_tokens (webhook, token, body_digest, expires_at)"
                    " VALUES (?, ?, ?, ?)",
                    (webhook_id, token, body_digest, expires_at.timestamp()),
                )
                (held,) = db.execute(
                    "SELECT body_digest FROM webhook_tokens WHERE webhook = ? AND token = ?",
                    (webhook_id, token),
                ).fetchone()
                return bool(held == body_digest)

        return await self._run(write)

    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        def write() -> None:
            with self._write() as db:
                row = db.execute(
                    "SELECT activity FROM webhooks WHERE id = ?", (webhook_id,)
                ).fetchone()
                if row is None:
                    return
                activity = json.loads(row[0])
                counts = Counter(activity.get("counts", {}))
                counts.update(update.counts)
                activity.update(codec.activity_changes(update), counts=dict(counts))
                db.execute(
                    "UPDATE webhooks SET activity = ? WHERE id = ?",
                    (codec.dumps(activity), webhook_id),
                )

        await self._run(write)

    async def tenant_digest(self, tenant: str) -> str:
        def read() -> str:
            digest = hashlib.sha256()
            db = self._db
            nums = [
                r[0]
                for r in db.execute(
                    "SELECT num FROM campaigns WHERE tenant = ? ORDER BY id", (tenant,)
                )
            ]
            queries = (
                "SELECT * FROM campaigns WHERE num = ?",
                "SELECT * FROM contacts WHERE campaign = ? ORDER BY id",
                "SELECT * FROM batches WHERE campaign = ? ORDER BY sequence",
                "SELECT * FROM events WHERE campaign = ? ORDER BY event_id",
                "SELECT o.* FROM outcomes o JOIN contacts c ON c.id = o.contact"
                " WHERE c.campaign = ? ORDER BY o.contact, o.type",
                "SELECT * FROM period_counts WHERE campaign = ?"
                " ORDER BY sequence, segment, variant",
                "SELECT * FROM delay_counts WHERE campaign = ?"
                " ORDER BY sequence, segment, variant, type, bin",
                "SELECT * FROM segments WHERE campaign = ? ORDER BY slot",
            )
            for num in nums:
                for sql in queries:
                    for row in db.execute(sql, (num,)):
                        digest.update(repr(row).encode())
            for row in db.execute("SELECT * FROM webhooks WHERE tenant = ? ORDER BY id", (tenant,)):
                digest.update(repr(row).encode())
            return digest.hexdigest()

        return await self._run(read)
