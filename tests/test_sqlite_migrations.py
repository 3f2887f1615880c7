"""The SQLite file's schema version: an older file is migrated forward at start-up, once, even
from several processes at once; a file from a newer burt is refused untouched."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

from burt.engine import Burt, EventIn
from burt.engine.apikeys import ApiKey
from burt.engine.errors import IncompatibleStore
from burt.engine.store import SQLiteStore
from burt.engine.store.sqlite_schema import MIGRATIONS, SCHEMA_V1, migrate, script

pytestmark = pytest.mark.anyio

TENANT = "acme"
CAMPAIGN = "cmp_18ebf754216ca6311aadee8e30e7c63f"
BATCH = "b_18ebf75422060d0b04b75caf63cba678"
CAMPAIGN_DOC = {
    "created_at": "2026-11-27T17:33:37.147344Z",
    "id": CAMPAIGN,
    "name": "Launch",
    "optimize": "clicked",
    "settings": {
        "all_in": True,
        "attribution_window_seconds": 86400,
        "elimination_probability": 0.05,
        "exploration_value": 1.0,
        "guardrail_probability": 0.995,
        "holdout_fraction": 0.25,
        "horizon_power": 1.0,
        "period_adjustment": True,
        "prior_alpha": 1.0,
        "prior_beta": 1.0,
        "unsubscribe_guardrail": True,
        "warmup_sends": 50,
        "weight_floor": 0.01,
        "winner_max_expected_loss": 0.001,
        "winner_min_sends": 1000,
        "winner_probability": 0.95,
    },
    "status": "active",
    "tenant": TENANT,
    "updated_at": "2026-11-27T17:33:37.147344Z",
    "variants": [{"id": "a", "label": "Subject A"}, {"id": "b", "label": "Subject B"}],
    "version": 1,
}
BATCH_DOC = {
    "campaign_id": CAMPAIGN,
    "counts": [2, 1],
    "created_at": "2026-11-27T17:33:37.155585Z",
    "fingerprint": "b10bb48698dfb73716432379e4835385850970f74a7605a3c6daf3b7a220cc00",
    "holdout_count": 1,
    "holdout_fraction": 0.25,
    "id": BATCH,
    "idempotency_key": "hour-1",
    "seed": 606456473870493141,
    "sequence": 1,
    "size": 4,
    "weights": [0.5, 0.5],
}
# The rows the first release wrote for: 6 contacts loaded, a batch of 4 drawn (c1 held out),
# events e1 (c0 clicked), e2 (c1 opened), e3 (c0 clicked again: stored, not counted).
V1_ROWS = {
    "api_keys": [("hash-of-a-key", TENANT)],
    "campaigns": [(1, CAMPAIGN, TENANT, json.dumps(CAMPAIGN_DOC), 1, 6, 2, 2)],
    "contacts": [
        (1, 1, "c0", '{"segment":"vip"}', 1, 1),
        (2, 1, "c1", None, 1, -1),
        (3, 1, "c2", None, 1, 0),
        (4, 1, "c3", None, 1, 0),
        (5, 1, "c4", None, None, None),
        (6, 1, "c5", None, None, None),
    ],
    "batches": [(BATCH, 1, 1, "hour-1", BATCH_DOC["created_at"], json.dumps(BATCH_DOC))],
    "events": [
        (1, "e1", 1, "clicked", "2026-11-27T18:35:00Z"),
        (1, "e2", 2, "opened", "2026-11-27T09:00:00Z"),  # before the draw (stored back then)
        (1, "e3", 1, "clicked", "2026-11-27T17:45:00+00:00"),  # the earliest click of c0
    ],
    "outcomes": [(1, "clicked"), (2, "opened")],
    "period_counts": [
        (1, 1, -1, 1, 0, 1, 0, 0, 0, 0),
        (1, 1, 0, 2, 0, 0, 0, 0, 0, 0),
        (1, 1, 1, 1, 0, 0, 1, 0, 0, 0),
    ],
}


def test_the_released_version_1_schema_is_never_edited() -> None:
    digest = hashlib.sha256(SCHEMA_V1.encode()).hexdigest()
    assert digest == "5bfa48afc3d854669997a038e18dc1a8d743d098df7b399affa7b5f53d6a5464"


def first_release_file(path: Path) -> Path:
    """A file as the first release left it: its schema, its rows, no version stamped."""
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_V1)
        for table, rows in V1_ROWS.items():
            marks = ", ".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    db.close()
    return path


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    return version


async def test_a_first_release_file_is_migrated_and_keeps_every_count(tmp_path: Path) -> None:
    path = first_release_file(tmp_path / "burt.sqlite3")
    assert user_version(path) == 0
    store = SQLiteStore(path)
    await store.open()
    try:
        assert user_version(path) == len(MIGRATIONS)
        burt = Burt(store, tenant=TENANT)
        campaign = await burt.get_campaign(CAMPAIGN)
        assert (campaign.name, campaign.contacts_total, campaign.contacts_pending) == (
            "Launch",
            6,
            2,
        )
        assert await store.get_api_key("hash-of-a-key") == ApiKey("hash-of-a-key", TENANT)
        batch = await burt.get_experiment_batch(CAMPAIGN, BATCH)
        assert batch.assignments == (("c0", 1), ("c1", -1), ("c2", 0), ("c3", 0))
        assert batch.variant_ids == ("a", "b")  # version 2: a batch names its variants
        rows = await store.period_counts(CAMPAIGN)
        assert rows == await store.recount(CAMPAIGN)
        got = {(r.variant, r.sends, *(k for k, n in r.outcomes.items() if n)) for r in rows}
        assert got == {(-1, 1, "opened"), (0, 2), (1, 1, "clicked")}
        # version 6: the click counts at its contact's earliest event, 11.4 min after the draw
        # (bin 0); the open dated before the draw has no bin
        assert [(r.variant, r.delays) for r in rows if r.delays] == [
            (1, {"clicked": (1, *[0] * 25)})
        ]
        stats = await burt.get_campaign_stats(CAMPAIGN)
        assert [(v.sends, v.outcomes["clicked"]) for v in stats.variants] == [(2, 0), (1, 1)]
        digest = await store.tenant_digest(TENANT)
    finally:
        await store.close()

    again = SQLiteStore(path)  # opening a current file again changes nothing
    await again.open()
    try:
        assert await again.tenant_digest(TENANT) == digest
        burt = Burt(again, tenant=TENANT)
        latest, _ = await burt.create_experiment_batch(CAMPAIGN, 10, "hour-2")
        assert sorted(c for c, _ in latest.assignments or ()) == ["c4", "c5"]
        tally = await burt.record_outcomes(
            CAMPAIGN, [EventIn("e3", "c0", "clicked", "2026-11-27T18:00:00Z")]
        )
        assert tally.duplicates == 1
        assert await again.period_counts(CAMPAIGN) == await again.recount(CAMPAIGN)
    finally:
        await again.close()


async def test_a_file_from_a_newer_burt_is_refused_untouched(tmp_path: Path) -> None:
    path = first_release_file(tmp_path / "burt.sqlite3")
    newer = len(MIGRATIONS) + 1
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {newer}")
    db.close()
    before = path.read_bytes()
    store = SQLiteStore(path)
    with pytest.raises(IncompatibleStore, match=f"schema version {newer}, written by a newer"):
        await store.open()
    await store.close()
    assert path.read_bytes() == before
    assert user_version(path) == newer


async def test_a_sqlite_without_json_functions_is_refused_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect = sqlite3.connect

    def without_json(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        """A connection on which every json_* function is refused, as if SQLite lacked JSON1."""
        db = connect(*args, **kwargs)
        db.set_authorizer(
            lambda action, arg1, arg2, *_: (
                sqlite3.SQLITE_DENY
                if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").startswith("json")
                else sqlite3.SQLITE_OK
            )
        )
        return db

    monkeypatch.setattr(sqlite3, "connect", without_json)
    store = SQLiteStore(tmp_path / "burt.sqlite3")
    with pytest.raises(IncompatibleStore, match=f"SQLite {sqlite3.sqlite_version} lacks the JSON"):
        await store.open()
    await store.close()


ADD_COLUMN = script("ALTER TABLE period_counts ADD COLUMN extra INTEGER NOT NULL DEFAULT 0;")


def _migrate_with_an_extra_step(path: str) -> int:
    """In another process: migrate with a step that would fail if it ran twice."""
    db = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        return migrate(db, Path(path), (*MIGRATIONS, ADD_COLUMN))
    finally:
        db.close()


def test_processes_migrating_at_once_apply_each_step_once(tmp_path: Path) -> None:
    path = first_release_file(tmp_path / "burt.sqlite3")
    with ProcessPoolExecutor(4, mp_context=get_context("fork")) as pool:
        found = list(pool.map(_migrate_with_an_extra_step, [str(path)] * 8))
    latest = len(MIGRATIONS) + 1
    assert sorted(found) == [1] + [latest] * 7  # the first migrated, the others found it done
    assert user_version(path) == latest
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(period_counts)")]
        assert columns.count("extra") == 1
        assert db.execute("SELECT COUNT(*), SUM(sends) FROM period_counts").fetchone() == (3, 4)
    db.close()


def test_a_failing_step_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = first_release_file(tmp_path / "burt.sqlite3")

    def broken(db: sqlite3.Connection) -> None:
        raise RuntimeError("a step that fails half-way")

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError, match="half-way"):
        migrate(db, path, (*MIGRATIONS, ADD_COLUMN, broken))
    columns = [r[1] for r in db.execute("PRAGMA table_info(period_counts)")]
    assert "extra" not in columns
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()
