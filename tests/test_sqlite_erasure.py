"""On SQLite, erased data leaves the files themselves, not only the tables: deleted content is
overwritten (secure_delete) and the write-ahead log, which still holds the pages as they were
before the erasure, is checkpointed and truncated right after it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from burt.engine import Burt, ContactIn, EventIn
from burt.engine.store import SQLiteStore

pytestmark = pytest.mark.anyio

WHEN = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Event times: after every batch a test draws (an event dated before its batch is refused)."""
SECRETS = (b"victim-zz9", b"victim@zz9.io", b"ev-victim-zz9")


def traces(path: Path) -> list[bytes]:
    """The secrets found in the store's files (the database, its WAL and shared memory)."""
    found = []
    for file in path.parent.glob(f"{path.name}*"):
        data = file.read_bytes()
        found += [s for s in SECRETS if s in data]
    return found


async def campaign_with_victim(burt: Burt) -> str:
    campaign = await burt.initialize_campaign("x", [("a", "A"), ("b", "B")], optimize="clicked")
    await burt.load_contacts(
        campaign.id,
        [ContactIn(f"c{i}") for i in range(500)]
        + [ContactIn("victim-zz9", {"email": "victim@zz9.io"})],
    )
    await burt.create_experiment_batch(campaign.id, 501, "k")
    await burt.record_outcomes(
        campaign.id, [EventIn("ev-victim-zz9", "victim-zz9", "clicked", WHEN)]
    )
    return campaign.id


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "burt.sqlite3")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.mark.parametrize("erase", ["contact", "campaign"])
async def test_no_byte_of_erased_data_stays_in_the_files(store: SQLiteStore, erase: str) -> None:
    burt = Burt(store)
    campaign_id = await campaign_with_victim(burt)
    assert traces(store.path)
    if erase == "contact":
        await burt.erase_contact(campaign_id, "victim-zz9")
    else:
        await burt.delete_campaign(campaign_id)
    assert traces(store.path) == []


async def test_deleting_a_campaign_also_empties_tables_added_later(store: SQLiteStore) -> None:
    """Tables a later version adds are found by their `campaign` or `campaign_id` column."""
    burt = Burt(store)
    doomed = await campaign_with_victim(burt)
    kept = await campaign_with_victim(burt)
    with closing(sqlite3.connect(store.path)) as db, db:
        db.execute("CREATE TABLE by_id (campaign_id TEXT, note TEXT)")
        db.execute("CREATE TABLE by_num (campaign INTEGER, note TEXT)")
        for campaign_id in (doomed, kept):
            (num,) = db.execute("SELECT num FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
            db.execute("INSERT INTO by_id VALUES (?, ?)", (campaign_id, "x"))
            db.execute("INSERT INTO by_num VALUES (?, ?)", (num, "x"))
    await burt.delete_campaign(doomed)
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("SELECT campaign_id FROM by_id").fetchall() == [(kept,)]
        assert db.execute("SELECT COUNT(*) FROM by_num").fetchone() == (1,)
