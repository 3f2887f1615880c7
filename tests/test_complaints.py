"""The `complained` outcome: counted like every type, watched by the unsubscribe guardrail."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from burt.engine import Burt, EventIn, SQLiteStore
from burt.engine.model import OUTCOME_TYPES
from burt.engine.timefmt import parse_rfc3339

T0 = parse_rfc3339("2026-11-27T09:00:00Z")


async def _complaints_trip_the_guardrail(path: Path) -> None:
    store = SQLiteStore(path)
    await store.open()
    try:
        burt = Burt(store, clock=lambda: T0)
        campaign = await burt.initialize_campaign(
            "spam", [("a", "A"), ("b", "B")], "opened", {"attribution_window_seconds": 0}
        )
        await burt.load_contacts(campaign.id, [f"c{i}" for i in range(4000)])
        batch, _ = await burt.create_experiment_batch(campaign.id, 4000, "k")
        assert batch.assignments is not None
        on_b = [c for c, v in batch.assignments if v == 1][:60]
        on_a = [c for c, v in batch.assignments if v == 0][:2]
        events = [EventIn(f"x-{c}", c, "complained", T0) for c in on_b + on_a]
        tally = await burt.record_outcomes(campaign.id, events)
        assert tally.recorded == 62
        stats = await burt.get_campaign_stats(campaign.id)
        assert [v.outcomes["complained"] for v in stats.variants] == [2, 60]
        assert [v.outcomes["unsubscribed"] for v in stats.variants] == [0, 0]
        assert [v.guardrail_tripped for v in stats.variants] == [False, True]
        assert await store.recount(campaign.id) == await store.period_counts(campaign.id)
    finally:
        await store.close()


def test_spam_complaints_are_counted_and_trip_the_unsubscribe_guardrail(tmp_path: Path) -> None:
    asyncio.run(_complaints_trip_the_guardrail(tmp_path / "burt.sqlite3"))


def test_a_file_from_before_complaints_gains_the_counter_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        columns = ", ".join(f"{t} INTEGER NOT NULL DEFAULT 0" for t in OUTCOME_TYPES[:-1])
        conn.execute(
            "CREATE TABLE period_counts (campaign INTEGER NOT NULL, sequence INTEGER NOT NULL,"
            f" variant INTEGER NOT NULL, sends INTEGER NOT NULL, {columns},"
            " PRIMARY KEY (campaign, sequence, variant)) WITHOUT ROWID"
        )
    asyncio.run(_complaints_trip_the_guardrail(path))
