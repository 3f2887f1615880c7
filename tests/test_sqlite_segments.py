"""Segments on the SQLite store (real files): a file from before segments migrated forward.
What every store does with segments is tested in tests/test_store_segments.py."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from burt.engine import Burt
from burt.engine.store import SQLiteStore
from burt.engine.store.sqlite_schema import MIGRATIONS, migrate
from tests.test_store_segments import draft

pytestmark = pytest.mark.anyio

RELEASE = Path(__file__).parent / "fixtures" / "release-b747cf7.sqlite3"


async def test_a_file_from_before_segments_is_migrated_and_counts_as_before(
    tmp_path: Path,
) -> None:
    path = Path(shutil.copyfile(RELEASE, tmp_path / "burt.sqlite3"))
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        migrate(db, path, MIGRATIONS[:8])
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        before = db.execute(
            "SELECT c.id, p.sequence, p.variant, p.sends, p.clicked FROM period_counts p"
            " JOIN campaigns c ON c.num = p.campaign ORDER BY 1, 2, 3"
        ).fetchall()
    store = SQLiteStore(path)
    await store.open()
    try:
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        campaigns = sorted({row[0] for row in before})
        burt = Burt(store, tenant="acme")
        after = []
        for cid in campaigns:
            rows = await store.period_counts(cid)
            assert {r.segment for r in rows} == {0}
            assert rows == await store.recount(cid)
            variants = len((await burt.get_campaign(cid)).variants)
            tables = await store.segment_tables(cid, "clicked", variants)
            assert tables.tables == ()
            assert tables.whole == await store.count_table(cid, "clicked", variants)
            after += [(cid, r.sequence, r.variant, r.sends, r.outcomes["clicked"]) for r in rows]
        assert after == before
        campaign = await burt.get_campaign(campaigns[0])
        assert campaign.settings.segment_by == () and campaign.settings.max_segments == 32
        drawn = await store.draw_batch(campaign.id, replace(draft("new", 5, None), id="b_new"))
        rows = await store.period_counts(campaign.id)
        assert {r.segment for r in rows if r.sequence == drawn.sequence} == {0}
        assert rows == await store.recount(campaign.id)
    finally:
        await store.close()
