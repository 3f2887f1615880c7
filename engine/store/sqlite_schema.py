"""The SQLite file's schema, as numbered migration steps, and the start-up migration.

The file carries its schema version in `PRAGMA user_version`. `MIGRATIONS[n]` takes a file from
version n to n + 1, so a new file runs them all and an older one the ones it lacks. Version 1 is
the schema of the first release, frozen here as it shipped (files written before versioning
existed carry user_version 0 but have its tables: they are version 1). A later change to the
schema adds a step at the end; a step once released is never edited.

`migrate` runs in one `BEGIN IMMEDIATE` transaction: it holds SQLite's write lock while it reads
the version, applies the missing steps and writes the new version, so several processes opening
one file at once serialize (the first migrates, the others find the file current) and a process
killed mid-way leaves the file at its old version, untouched. A file from a newer burt (a version
this code does not know) is refused, never written.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from burt.engine.delays import delay_bins
from burt.engine.errors import IncompatibleStore
from burt.engine.store import codec
from burt.engine.timefmt import parse_rfc3339, utcnow

Migration = Callable[[sqlite3.Connection], None]


def script(sql: str) -> Migration:
    """A step running the statements of `sql` inside the caller's transaction.

    (`Connection.executescript` would COMMIT first and so break the migration's atomicity.)
    """

    def run(db: sqlite3.Connection) -> None:
        statement = ""
        for line in sql.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                db.execute(statement)
                statement = ""
        if statement.strip():
            raise ValueError(f"incomplete SQL statement in a migration: {statement!r}")

    return run


SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
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
    campaign INTEGER NOT NULL,
    ext_id TEXT NOT NULL,
    attributes TEXT,
    batch_seq INTEGER,
    variant INTEGER,
    UNIQUE (campaign, ext_id)
);
CREATE INDEX IF NOT EXISTS contacts_pending
    ON contacts (campaign, id) WHERE batch_seq IS NULL;
CREATE INDEX IF NOT EXISTS contacts_by_batch
    ON contacts (campaign, batch_seq, id) WHERE batch_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    campaign INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (campaign, sequence),
    UNIQUE (campaign, idempotency_key)
);
CREATE TABLE IF NOT EXISTS events (
    campaign INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    contact INTEGER NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (campaign, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outcomes (
    contact INTEGER NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (contact, type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS period_counts (
    campaign INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    variant INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0,
    clicked INTEGER NOT NULL DEFAULT 0,
    converted INTEGER NOT NULL DEFAULT 0,
    unsubscribed INTEGER NOT NULL DEFAULT 0,
    bounced INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, sequence, variant)
) WITHOUT ROWID;
"""
"""Version 1: the schema of the first release (commit 4147503), as it shipped."""


def batches_name_their_variants(db: sqlite3.Connection) -> None:
    """Version 2: each batch's doc carries `variant_ids`, its campaign's variant ids in order
    (what its weights and counts are for), since commit 8c41c08."""
    variants = {
        num: [v["id"] for v in json.loads(doc)["variants"]]
        for num, doc in db.execute("SELECT num, doc FROM campaigns")
    }
    for batch_id, campaign, text in db.execute("SELECT id, campaign, doc FROM batches").fetchall():
        doc = json.loads(text)
        if "variant_ids" not in doc:
            doc["variant_ids"] = variants[campaign]
            db.execute(
                "UPDATE batches SET doc = ? WHERE id = ?",
                (json.dumps(doc, sort_keys=True, separators=(",", ":")), batch_id),
            )


_V3_OUTCOME_COLUMNS = (
    "delivered",
    "opened",
    "clicked",
    "converted",
    "unsubscribed",
    "bounced",
    "complained",
)
"""The counters' outcome columns from version 3 on (frozen here: a later outcome type adds its
column in a step of its own)."""

COMPLAINTS_V3 = """
ALTER TABLE period_counts ADD COLUMN complained INTEGER NOT NULL DEFAULT 0;
"""
"""Version 3: the `complained` outcome type (spam reports) gets its counter column."""

WEBHOOKS_V4 = """
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    doc TEXT NOT NULL,
    activity TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS webhooks_by_tenant ON webhooks (tenant, id);
"""
"""Version 4: webhook receivers (their counters and state in `activity`)."""
API_KEY_COLUMNS = {
    "name": "TEXT",
    "created_at": "TEXT",
    "expires_at": "TEXT",
    "last_used_at": "TEXT",
    "read_only": "INTEGER NOT NULL DEFAULT 0",
    "revoked_at": "TEXT",
}
"""The key-lifecycle columns version 5 adds to api_keys (NULL on the keys stored before)."""

API_KEYS_V5 = (
    "".join(
        f"ALTER TABLE api_keys ADD COLUMN {column} {kind};\n"
        for column, kind in API_KEY_COLUMNS.items()
    )
    + """
CREATE TABLE campaign_keys (
    tenant TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (tenant, idempotency_key)
) WITHOUT ROWID;
"""
)
"""Version 5: API keys get names, times, a scope and revocation; campaign creates get
Idempotency-Keys (issue 11)."""

DELAYS_V6 = """
ALTER TABLE batches ADD COLUMN created_epoch REAL;
ALTER TABLE events ADD COLUMN delay REAL;
ALTER TABLE outcomes ADD COLUMN bin INTEGER;
CREATE TABLE delay_counts (
    campaign INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    variant INTEGER NOT NULL,
    type TEXT NOT NULL,
    bin INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign, sequence, variant, type, bin)
) WITHOUT ROWID;
"""


def delay_histograms(db: sqlite3.Connection) -> None:
    """Version 6: maintained delay histograms (issue 15), so that no request reads every
    outcome's time. Batches get their draw time in epoch seconds, events and outcomes their
    delay from it, outcomes their delay bin; an outcome counted by an earlier version takes its
    earliest event's delay (the one that version used); the histogram of every campaign is
    built from the outcomes. Outcomes dated before their batch, which versions from 6 on refuse,
    get no bin."""
    script(DELAYS_V6)(db)
    drawn = {}
    for rowid, campaign, sequence, created in db.execute(
        "SELECT rowid, campaign, sequence, created_at FROM batches"
    ).fetchall():
        drawn[(campaign, sequence)] = parse_rfc3339(created).timestamp()
        db.execute(
            "UPDATE batches SET created_epoch = ? WHERE rowid = ?",
            (drawn[(campaign, sequence)], rowid),
        )
    earliest: dict[tuple[int, str], float] = {}
    events = db.execute(
        "SELECT e.campaign, e.event_id, e.contact, e.type, e.occurred_at, c.batch_seq"
        " FROM events e JOIN contacts c ON c.id = e.contact"
    ).fetchall()
    for campaign, event_id, contact, kind, occurred_at, sequence in events:
        delay = parse_rfc3339(occurred_at).timestamp() - drawn[(campaign, sequence)]
        db.execute(
            "UPDATE events SET delay = ? WHERE campaign = ? AND event_id = ?",
            (delay, campaign, event_id),
        )
        if delay < earliest.get((contact, kind), float("inf")):
            earliest[(contact, kind)] = delay
    db.executemany(
        "UPDATE outcomes SET bin = ? WHERE contact = ? AND type = ?",
        [
            (int(delay_bins(delay)), contact, kind)
            for (contact, kind), delay in earliest.items()
            if delay >= 0
        ],
    )
    cells: Counter[tuple[int, int, int, str, int]] = Counter()
    for campaign, sequence, variant, kind, bin_ in db.execute(
        "SELECT c.campaign, c.batch_seq, c.variant, o.type, o.bin FROM outcomes o"
        " JOIN contacts c ON c.id = o.contact WHERE o.bin IS NOT NULL"
    ):
        cells[(campaign, sequence, variant, kind, bin_)] += 1
    db.executemany(
        "INSERT INTO delay_counts VALUES (?, ?, ?, ?, ?, ?)",
        [(*cell, n) for cell, n in cells.items()],
    )


def campaigns_within_the_rules(db: sqlite3.Connection) -> None:
    """Version 7: every campaign stored with settings this burt's rules refuse (release b747cf7
    allowed priors of 0.01 to 10000, a weight floor times the variants of 1 and windows off the
    delay bins' edges) takes the nearest allowed values and records the change
    (`codec.conformed_campaign`, see `engine.upgrade`). Campaigns within the rules are not
    written.

    It applies the rules of the burt that runs it, so a release that tightens a rule appends
    this step again."""
    at = utcnow()
    for num, text in db.execute("SELECT num, doc FROM campaigns").fetchall():
        doc = json.loads(text)
        changes = codec.conformed_campaign(doc, at)
        if changes is not None:
            doc.update(changes)
            db.execute(
                "UPDATE campaigns SET doc = ?, version = ? WHERE num = ?",
                (codec.dumps(doc), doc["version"], num),
            )


WEBHOOK_TOKENS_V8 = """
CREATE TABLE IF NOT EXISTS webhook_tokens (
    webhook TEXT NOT NULL,
    token TEXT NOT NULL,
    body_digest TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (webhook, token)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_tokens_by_expiry ON webhook_tokens (expires_at);
"""
"""Version 8: signed deliveries' one-time tokens (Mailgun's), kept until `expires_at` (Unix
seconds) to refuse a second use with another body."""


SEGMENTS_V9 = f"""
ALTER TABLE contacts ADD COLUMN segment INTEGER NOT NULL DEFAULT 0;
CREATE TABLE period_counts_v9 (
    campaign INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    variant INTEGER NOT NULL,
    sends INTEGER NOT NULL,
    {" ".join(f"{t} INTEGER NOT NULL DEFAULT 0," for t in _V3_OUTCOME_COLUMNS)}
    PRIMARY KEY (campaign, sequence, segment, variant)
) WITHOUT ROWID;
INSERT INTO period_counts_v9 (campaign, sequence, segment, variant, sends,
    {", ".join(_V3_OUTCOME_COLUMNS)})
SELECT campaign, sequence, 0, variant, sends, {", ".join(_V3_OUTCOME_COLUMNS)}
FROM period_counts;
DROP TABLE period_counts;
ALTER TABLE period_counts_v9 RENAME TO period_counts;
CREATE TABLE delay_counts_v9 (
    campaign INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    variant INTEGER NOT NULL,
    type TEXT NOT NULL,
    bin INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign, sequence, segment, variant, type, bin)
) WITHOUT ROWID;
INSERT INTO delay_counts_v9 (campaign, sequence, segment, variant, type, bin, n)
SELECT campaign, sequence, 0, variant, type, bin, n FROM delay_counts;
DROP TABLE delay_counts;
ALTER TABLE delay_counts_v9 RENAME TO delay_counts;
CREATE TABLE segments (
    campaign INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    key TEXT,
    PRIMARY KEY (campaign, slot)
) WITHOUT ROWID;
"""
"""Version 9: segments (issue 23). Every assigned contact carries its segment slot (0 in a
campaign without segments, so every contact stored before is in slot 0); the counters and the
delay histogram gain the slot in their keys (tables rebuilt, their rows moved to slot 0); a
segmented campaign's slots are the rows of `segments` (`key`: the JSON array of the slot's
attribute values, NULL for the slot named "other", see `engine.segments.keys`)."""


def segment_slots(db: sqlite3.Connection) -> None:
    """Version 9 (`SEGMENTS_V9`); a file that has it already (its version stamped back by
    hand, as tests of earlier steps do) is left as it is."""
    if "segment" not in {row[1] for row in db.execute("PRAGMA table_info(contacts)")}:
        script(SEGMENTS_V9)(db)


MIGRATIONS: tuple[Migration, ...] = (
    script(SCHEMA_V1),
    batches_name_their_variants,
    script(COMPLAINTS_V3),
    script(WEBHOOKS_V4),
    script(API_KEYS_V5),
    delay_histograms,
    campaigns_within_the_rules,
    script(WEBHOOK_TOKENS_V8),
    segment_slots,
)
"""`MIGRATIONS[n]` takes a file from version n to n + 1; append new steps, never edit one."""


def stored_version(db: sqlite3.Connection) -> int:
    """The file's schema version; 1 for a file of the first release (no version stamped)."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if (
        version == 0
        and db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'campaigns'"
        ).fetchone()
    ):
        return 1
    return version


_JSON_PROBE = """SELECT json_valid('{}'), json_extract('{"a":true}', '$[0]', '$.a'),
(SELECT count(*) FROM json_each('[1]'))"""


def refuse_without_json(db: sqlite3.Connection, path: Path) -> None:
    """IncompatibleStore unless this SQLite has the JSON functions the store's queries use
    (`json_each`, `json_valid`, `json_extract` with several paths: JSON1, built in since SQLite
    3.38 and compiled into Python's own builds before that), so a Python linked with a SQLite
    without them stops at start-up with a message, not at its first segmented draw."""
    try:
        found: object = tuple(db.execute(_JSON_PROBE).fetchone())
    except sqlite3.DatabaseError as exc:
        found = str(exc)
    if found != (1, "[null,true]", 1):
        raise IncompatibleStore(
            f"cannot use {path}: this Python's SQLite {sqlite3.sqlite_version} lacks the JSON"
            f" functions burt needs (JSON1: json_each, json_valid, json_extract; {found})."
            " Use a Python linked with SQLite 3.38 or newer, or one built with JSON1."
        )


def refuse_newer(db: sqlite3.Connection, path: Path, latest: int) -> int:
    """The file's version; IncompatibleStore if a newer burt wrote it (a read, writes nothing)."""
    found = stored_version(db)
    if found > latest:
        raise IncompatibleStore(
            f"{path} has schema version {found}, written by a newer burt; this burt reads"
            f" up to version {latest}. Upgrade burt, or point BURT_DATA_DIR elsewhere."
        )
    return found


def migrate(
    db: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the file to the latest version (idempotent, atomic); returns the version found.

    Raises IncompatibleStore, writing nothing, when the file is newer than `migrations` know.
    """
    latest = len(migrations)
    db.execute("BEGIN IMMEDIATE")
    try:
        found = refuse_newer(db, path, latest)
        for step in migrations[found:]:
            step(db)
        if db.execute("PRAGMA user_version").fetchone()[0] != latest:
            db.execute(f"PRAGMA user_version = {latest:d}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return found
