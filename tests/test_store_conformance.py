"""One conformance suite, run on every store (SQLite, and MongoDB on each Mongo-wire server).

Concurrency and crashes use real OS processes (`tests.stores` workers) sharing the store, and
SIGKILL at random moments; every check reads the store back through the engine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import pytest
from pymongo import MongoClient

from burt.engine import Burt, ContactIn, EventIn
from burt.engine.apikeys import ApiKey
from burt.engine.assignment import assign_labels
from burt.engine.counts import CountTable
from burt.engine.delays import BIN_EDGES, BINS, delay_bins
from burt.engine.errors import (
    IdempotencyKeyReused,
    InvalidInput,
    NoPendingContacts,
    NotFound,
    VersionMismatch,
)
from burt.engine.model import (
    Batch,
    BatchDraft,
    Campaign,
    CampaignChanges,
    EventRejection,
    PeriodCount,
)
from burt.engine.store import SQLiteStore
from burt.engine.store.base import Store
from burt.engine.store.mongo import MongoStore, ingest
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.draws import Draws
from burt.engine.store.mongo.erasure import Erasure
from burt.engine.store.mongo.journal import Journal
from burt.engine.timefmt import epoch_seconds, format_rfc3339
from tests.conftest import MONGO_KINDS, make_spec
from tests.stores import TENANT, StoreSpec, Worker, chunk_ids, delay_cells, worker

pytestmark = pytest.mark.anyio

WHEN = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Event times: after every batch a test draws (an event dated before its batch is refused)."""
VARIANTS = [("a", "Subject A"), ("b", "Subject B"), ("c", "Subject C")]


def ids(n: int, prefix: str = "c") -> list[str]:
    return [f"{prefix}-{i:05d}" for i in range(n)]


async def new_campaign(burt: Burt, contacts: list[str], holdout: float = 0.0) -> Campaign:
    campaign = await burt.initialize_campaign(
        "Launch", VARIANTS, optimize="clicked", settings={"holdout_fraction": holdout}
    )
    if contacts:
        await burt.load_contacts(campaign.id, [ContactIn(c) for c in contacts])
    return campaign


async def all_batches(burt: Burt, campaign_id: str) -> list[Batch]:
    """Every batch with its assignments, read through listing and get."""
    listed: list[Batch] = []
    cursor = None
    while True:
        page = await burt.list_experiment_batches(campaign_id, limit=7, cursor=cursor)
        listed.extend(page.items)
        if page.next_cursor is None:
            return [await burt.get_experiment_batch(campaign_id, b.id) for b in listed]
        cursor = page.next_cursor


async def check_partition(burt: Burt, campaign_id: str, loaded: set[str]) -> dict[str, int]:
    """Every loaded contact is pending or assigned exactly once; counters equal a recount.

    Returns the assigned contacts and their variant.
    """
    campaign = await burt.get_campaign(campaign_id)
    assert campaign.contacts_total == len(loaded)
    assigned: dict[str, int] = {}
    for batch in await all_batches(burt, campaign_id):
        assert batch.assignments is not None
        assert type(batch.seed) is int  # a plain int: what the service encodes as JSON
        assert batch.size == len(batch.assignments) == sum(batch.counts) + batch.holdout_count
        labels = Counter(label for _, label in batch.assignments)
        assert [labels.get(i, 0) for i in range(len(VARIANTS))] == list(batch.counts)
        for contact, label in batch.assignments:
            assert contact not in assigned, f"{contact} assigned twice"
            assigned[contact] = label
    assert set(assigned) <= loaded
    assert campaign.contacts_pending == len(loaded) - len(assigned)
    rows = await burt.store.period_counts(campaign_id)
    assert rows == await burt.store.recount(campaign_id)
    await check_count_table(burt, campaign_id, rows)
    return assigned


async def check_count_table(burt: Burt, campaign_id: str, rows: list[PeriodCount]) -> None:
    """The store's count table is the table of its counter rows and batches, for each kind."""
    batches = await all_batches(burt, campaign_id)
    for kind in ("opened", "clicked"):
        table = await burt.store.count_table(campaign_id, kind, len(VARIANTS))
        assert table == CountTable.from_rows(rows, batches, kind, len(VARIANTS))
        assert table.sends.sum() == sum(b.size for b in batches)


async def drain(burt: Burt, campaign_id: str, size: int = 50, keys: str = "drain") -> None:
    for i in range(10_000):
        try:
            await burt.create_experiment_batch(campaign_id, size, f"{keys}-{i}")
        except NoPendingContacts:
            return


async def check_all_assigned(burt: Burt, campaign_id: str, loaded: set[str]) -> None:
    """Drawing until nothing is pending assigns every loaded contact exactly once."""
    await drain(burt, campaign_id)
    assert set(await check_partition(burt, campaign_id, loaded)) == loaded
    assert (await burt.get_campaign(campaign_id)).contacts_pending == 0


@pytest.fixture
async def burt(store: Store) -> Burt:
    return Burt(store, tenant=TENANT)


@pytest.fixture
async def recovering_burt(store_spec: StoreSpec) -> AsyncIterator[Burt]:
    """The engine on a second handle of the store that treats every unfinished claim as
    abandoned (MongoDB's claim timeout 0): for checks after the writers were killed."""
    store = store_spec.open_store(claim_timeout=0.0)
    await store.open()
    try:
        yield Burt(store, tenant=TENANT)
    finally:
        await store.close()


def finish(workers: list[Worker]) -> list[dict[str, Any]]:
    """Wait for the workers; all the lines they reported."""
    return [line for w in workers for line in w.finish()]


# contacts and batches ---------------------------------------------------------------------------
async def test_load_is_idempotent_by_contact_id(burt: Burt) -> None:
    campaign = await new_campaign(burt, [])
    first = await burt.load_contacts(campaign.id, ["x", "y", "x"])
    again = await burt.load_contacts(campaign.id, ["y", "z"])
    assert (first.created, first.existing) == (2, 1)
    assert (again.created, again.existing) == (1, 1)
    current = await burt.get_campaign(campaign.id)
    assert (current.contacts_total, current.contacts_pending) == (3, 3)


async def test_batches_take_contacts_in_load_order_with_reproducible_labels(burt: Burt) -> None:
    loaded = ids(8)
    campaign = await new_campaign(burt, loaded, holdout=0.2)
    first, replayed = await burt.create_experiment_batch(campaign.id, 5, "k1")
    assert not replayed
    assert first.assignments is not None
    assert [c for c, _ in first.assignments] == loaded[:5]
    expected = assign_labels(5, first.weights, first.holdout_fraction, first.seed).tolist()
    assert [label for _, label in first.assignments] == expected
    second, _ = await burt.create_experiment_batch(campaign.id, 5, "k2")
    assert second.sequence > first.sequence
    assert [c for c, _ in second.assignments or ()] == loaded[5:]
    before = await burt.store.tenant_digest(TENANT)
    with pytest.raises(NoPendingContacts):
        await burt.create_experiment_batch(campaign.id, 5, "k3")
    with pytest.raises(NoPendingContacts):
        await burt.store.draw_batch(campaign.id, _draft_like(second, "k4"))
    assert await burt.store.tenant_digest(TENANT) == before
    assert await burt.store.find_batch_by_key(campaign.id, "k3") is None
    await check_partition(burt, campaign.id, set(loaded))


def _draft_like(batch: Batch, key: str) -> BatchDraft:
    return BatchDraft(
        id=f"{batch.id}-again",
        idempotency_key=key,
        fingerprint=batch.fingerprint,
        size=batch.size,
        created_at=batch.created_at,
        seed=batch.seed,
        variant_ids=batch.variant_ids,
        weights=batch.weights,
        holdout_fraction=batch.holdout_fraction,
    )


async def test_an_update_is_stamped_by_the_engines_clock_and_compare_and_set(store: Store) -> None:
    """The store keeps the engine's time (not its own clock) and writes only at the version read."""
    t0 = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    burt = Burt(store, tenant=TENANT, clock=lambda: t0)
    campaign = await new_campaign(burt, [])
    renamed = campaign.with_changes(CampaignChanges(name="Renamed"), t0 + timedelta(hours=1))
    assert not await store.update_campaign(renamed, expected_version=campaign.version + 1)
    assert await store.update_campaign(renamed, expected_version=campaign.version)
    assert not await store.update_campaign(renamed, expected_version=campaign.version)
    assert await burt.get_campaign(campaign.id) == renamed
    later = Burt(store, tenant=TENANT, clock=lambda: t0 + timedelta(days=1))
    updated = await later.update_campaign(campaign.id, renamed.version, status="paused")
    assert updated.updated_at == t0 + timedelta(days=1)
    assert await burt.get_campaign(campaign.id) == updated


async def test_idempotency_key_replay_returns_the_stored_batch(burt: Burt) -> None:
    campaign = await new_campaign(burt, ids(20))
    batch, _ = await burt.create_experiment_batch(campaign.id, 6, "hourly-09")
    digest = await burt.store.tenant_digest(TENANT)
    again, replayed = await burt.create_experiment_batch(campaign.id, 6, "hourly-09")
    assert replayed
    assert again == batch
    assert await burt.store.tenant_digest(TENANT) == digest
    assert (await burt.get_campaign(campaign.id)).contacts_pending == 14
    with pytest.raises(IdempotencyKeyReused):
        await burt.create_experiment_batch(campaign.id, 7, "hourly-09")
    assert await burt.store.tenant_digest(TENANT) == digest


async def test_concurrent_draws_from_processes_never_assign_a_contact_twice(
    burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    loaded = ids(120)
    campaign = await new_campaign(burt, loaded)
    workers = [
        worker(store_spec, tmp_path / f"w{n}", "draw", campaign.id, 7, f"w{n}", 100)
        for n in range(4)
    ]
    drawn = finish(workers)
    assert sum(line["size"] for line in drawn) == len(loaded)
    assert len({line["id"] for line in drawn}) == len(drawn)
    assigned = await check_partition(burt, campaign.id, set(loaded))
    assert set(assigned) == set(loaded)


async def test_concurrent_requests_with_one_key_make_one_batch(
    burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    campaign = await new_campaign(burt, ids(40))
    workers = [
        worker(store_spec, tmp_path / f"w{n}", "draw", campaign.id, 9, "same", 1) for n in range(4)
    ]
    drawn = finish(workers)
    assert len(drawn) == 4
    assert len({line["id"] for line in drawn}) == 1
    batches = await all_batches(burt, campaign.id)
    assert [b.id for b in batches] == [drawn[0]["id"]]
    assert (await burt.get_campaign(campaign.id)).contacts_pending == 40 - 9


# crashes ----------------------------------------------------------------------------------------
async def test_sigkill_during_draws_loses_no_contact(
    burt: Burt, recovering_burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    # More contacts than the drawer can claim before the kill, even on a busy machine, so every
    # kill lands while it is still drawing. MongoDB draws are far slower than SQLite's, so a
    # smaller campaign keeps the same margin there.
    loaded = ids(300 if store_spec.kind == "mongodb" else 30_000)
    campaign = await new_campaign(burt, loaded, holdout=0.1)
    rng = random.Random(7)
    for round_ in range(3):
        drawer = worker(
            store_spec, tmp_path / f"k{round_}", "draw", campaign.id, 4, f"k{round_}", 10**4
        )
        drawer.kill_after(lines=1, delay=rng.uniform(0.0, 0.25))
        assert drawer.process.exitcode == -signal.SIGKILL, "the drawer finished before the kill"
    await recovering_burt.create_experiment_batch(campaign.id, 1, "after-kill")  # recovers first
    await check_partition(recovering_burt, campaign.id, set(loaded))
    await check_all_assigned(recovering_burt, campaign.id, set(loaded))


async def test_sigkill_during_loads_loses_no_contact(
    burt: Burt, recovering_burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    campaign = await new_campaign(burt, ids(30))
    rng = random.Random(11)
    started: set[str] = set(ids(30))
    for round_ in range(3):
        prefix = f"load{round_}"
        loader = worker(store_spec, tmp_path / prefix, "load", campaign.id, prefix, 40, 10**4)
        announced = loader.kill_after(lines=2, delay=rng.uniform(0.0, 0.25))
        for line in announced:  # the client retries every load it did not see finish
            chunk = chunk_ids(prefix, line["chunk"], 40)
            await burt.load_contacts(campaign.id, chunk)
            started.update(chunk)
        await burt.create_experiment_batch(campaign.id, 25, f"between-{round_}")
        await check_partition(burt, campaign.id, started)
    await check_all_assigned(recovering_burt, campaign.id, started)


# outcomes ---------------------------------------------------------------------------------------
async def test_events_count_once_and_bad_contacts_are_rejected(burt: Burt) -> None:
    campaign = await new_campaign(burt, ids(10))
    batch, _ = await burt.create_experiment_batch(campaign.id, 6, "k")
    assert batch.assignments is not None
    (c0, v0), (c1, v1) = batch.assignments[:2]
    pending_contact = ids(10)[9]
    events = [
        EventIn("e1", c0, "clicked", WHEN),
        EventIn("e1", c0, "clicked", WHEN),  # same id twice in one request
        EventIn("e2", c0, "clicked", WHEN),  # second click of one contact: stored, not counted
        EventIn("e3", c1, "opened", WHEN),
        EventIn("e4", "nobody", "opened", WHEN),
        EventIn("e5", pending_contact, "opened", WHEN),
    ]
    tally = await burt.record_outcomes(campaign.id, events)
    assert (tally.received, tally.recorded, tally.repeated, tally.duplicates) == (6, 3, 1, 1)
    assert [(r.index, r.event_id, r.reason) for r in tally.rejected] == [
        (4, "e4", "unknown_contact"),
        (5, "e5", "contact_not_assigned"),
    ]
    again = await burt.record_outcomes(
        campaign.id, [EventIn("e1", c0, "clicked", WHEN), EventIn("e6", c1, "opened", WHEN)]
    )
    assert (again.recorded, again.repeated, again.duplicates) == (1, 1, 1)
    rows = {(r.sequence, r.variant): r for r in await burt.store.period_counts(campaign.id)}
    expected: Counter[tuple[int, str]] = Counter({(v0, "clicked"): 1, (v1, "opened"): 1})
    for (sequence, variant), row in rows.items():
        assert sequence == batch.sequence
        assert row.sends == batch.counts[variant]
        for kind, n in row.outcomes.items():
            assert n == expected[(variant, kind)]
    assert await burt.store.period_counts(campaign.id) == await burt.store.recount(campaign.id)


async def test_each_event_is_judged_alone_in_request_order(store: Store) -> None:
    """A rejected event is rejected whatever its id (stored, or taken earlier in the request);
    the first accepted event of an id is recorded, even after a rejected one with that id; each
    event's delay is from its own contact's batch."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    burt = Burt(store, tenant=TENANT, clock=lambda: now[0])
    campaign = await new_campaign(burt, ids(4))
    first, _ = await burt.create_experiment_batch(campaign.id, 2, "k1")
    now[0] += timedelta(hours=5)
    second, _ = await burt.create_experiment_batch(campaign.id, 2, "k2")
    (a, va), (b, _) = first.assignments or ()
    (c, vc), (d, _) = second.assignments or ()

    def at(batch: Batch, **delay: float) -> str:
        return format_rfc3339(batch.created_at + timedelta(**delay))

    await burt.record_outcomes(campaign.id, [EventIn("old", a, "opened", at(first, minutes=1))])
    tally = await burt.record_outcomes(
        campaign.id,
        [
            EventIn("old", "nobody", "clicked", at(first, hours=1)),  # stored id, rejected
            EventIn("x", c, "clicked", at(first, hours=1)),  # before its own (second) batch
            EventIn(
                "x", a, "clicked", at(first, hours=1)
            ),  # the first accepted "x": bin [1 h, 2 h)
            EventIn("x", b, "clicked", at(first, hours=2)),  # duplicate: b's click not counted
            EventIn("x", "nobody", "opened", at(first, hours=1)),  # rejected, not a duplicate
            EventIn("y", c, "clicked", at(second, minutes=20)),  # from the second batch: bin 1
            EventIn("old", d, "opened", at(second, hours=3)),  # stored id: duplicate
        ],
    )
    assert [(r.index, r.event_id, r.reason) for r in tally.rejected] == [
        (0, "old", "unknown_contact"),
        (1, "x", "occurred_before_batch"),
        (4, "x", "unknown_contact"),
    ]
    assert (tally.received, tally.recorded, tally.repeated, tally.duplicates) == (7, 2, 0, 2)
    rows = await burt.store.period_counts(campaign.id)
    assert delay_cells(rows) == Counter(
        {
            (first.sequence, va, "opened", 0): 1,
            (first.sequence, va, "clicked", 3): 1,
            (second.sequence, vc, "clicked", 1): 1,
        }
    )
    assert rows == await burt.store.recount(campaign.id)


async def test_outcomes_are_binned_by_delay_early_ones_refused_late_ones_told(burt: Burt) -> None:
    """Each counted outcome lands in its delay bin (its counting event's delay from the draw);
    an event dated before its batch is rejected with its reason and stores nothing; one later
    than the window (a day, the default) is recorded and reported late."""
    campaign = await new_campaign(burt, ids(12), holdout=0.25)
    batch, _ = await burt.create_experiment_batch(campaign.id, 12, "k")
    sent = [(c, v) for c, v in batch.assignments or () if v >= 0]
    held = next(c for c, v in batch.assignments or () if v < 0)
    (c0, v0), (c1, v1), (c2, v2) = sent[:3]

    def at(**delay: float) -> str:
        return format_rfc3339(batch.created_at + timedelta(**delay))

    tally = await burt.record_outcomes(
        campaign.id,
        [
            EventIn("a", c0, "clicked", at(minutes=20)),  # counts: bin [15 min, 30 min)
            EventIn("b", c0, "clicked", at(minutes=5)),  # repeated: the first recorded counts
            EventIn("c", c1, "clicked", at(hours=30)),  # counted, but after the window: late
            EventIn("d", c1, "opened", at(hours=2)),  # bin [2 h, 3 h)
            EventIn("e", held, "clicked", at(seconds=1)),  # held out: its own row
            EventIn("f", c2, "clicked", at(seconds=-1.5)),  # before the draw: rejected
            EventIn("f", c2, "clicked", at(seconds=-0.9)),  # in the draw's second: delay 0
        ],
    )
    assert tally.rejected == (EventRejection(5, "f", "occurred_before_batch"),)
    assert (tally.recorded, tally.repeated, tally.duplicates, tally.late) == (6, 1, 0, 1)
    expected: Counter[tuple[int, str, int]] = Counter(
        {(v0, "clicked", 1): 1, (v1, "clicked", 11): 1, (v1, "opened", 4): 1}
    )
    expected[(-1, "clicked", 0)] += 1
    expected[(v2, "clicked", 0)] += 1
    rows = await burt.store.period_counts(campaign.id)
    assert delay_cells(rows) == Counter({(batch.sequence, *k): n for k, n in expected.items()})
    assert rows == await burt.store.recount(campaign.id)
    await check_count_table(burt, campaign.id, rows)
    table = await burt.store.count_table(campaign.id, "clicked", len(VARIANTS))
    assert table.histogram.tolist() == sorted(
        [0, v, b, n] for (v, kind, b), n in expected.items() if kind == "clicked" and v >= 0
    )
    stats = await burt.get_campaign_stats(campaign.id)
    late = {v.variant_id: v.late_outcomes for v in stats.variants}
    assert late[VARIANTS[v1][0]] >= 1 and sum(late.values()) == 1


async def test_outcomes_at_and_just_below_every_bin_edge_land_in_their_bins(burt: Burt) -> None:
    """The bins a store keeps are `delays.delay_bins` of the delays, at every edge: an outcome
    exactly on an edge opens the bin above it, one half a second before stays below (SQLite
    bins in SQL, MongoDB in numpy)."""
    delays = sorted({0.0, *(e + d for e in BIN_EDGES[1:].tolist() for d in (-0.5, 0.0))})
    campaign = await new_campaign(burt, ids(len(delays)))
    batch, _ = await burt.create_experiment_batch(campaign.id, len(delays), "k")
    events = [
        EventIn(f"e{i}", contact, "opened", batch.created_at + timedelta(seconds=delay))
        for i, ((contact, _), delay) in enumerate(zip(batch.assignments or (), delays, strict=True))
    ]
    tally = await burt.record_outcomes(campaign.id, events)
    assert (tally.recorded, tally.rejected) == (len(delays), ())
    epochs = epoch_seconds([format_rfc3339(e.occurred_at) for e in events])  # as the engine
    assert not isinstance(epochs, int)
    expected = np.bincount(
        delay_bins(np.maximum(np.array(epochs) - batch.created_at.timestamp(), 0.0)),
        minlength=BINS,
    )
    rows = await burt.store.period_counts(campaign.id)
    got = np.sum([r.delays.get("opened", (0,) * BINS) for r in rows], axis=0)
    assert got.tolist() == expected.tolist()
    assert expected.min() >= 1  # every bin was reached
    assert rows == await burt.store.recount(campaign.id)


async def test_a_window_must_be_a_delay_bin_edge(burt: Burt) -> None:
    with pytest.raises(InvalidInput, match="attribution_window_seconds must be 0 or one of"):
        await burt.initialize_campaign(
            "w", VARIANTS, "clicked", {"attribution_window_seconds": 5 * 3600}
        )
    campaign = await new_campaign(burt, [])
    for window in (0, 7 * 86400, 2592000):
        campaign = await burt.update_campaign(
            campaign.id, campaign.version, settings={"attribution_window_seconds": window}
        )
        assert campaign.settings.attribution_window_seconds == window


async def test_counts_equal_recount_after_a_mixed_workload(burt: Burt) -> None:
    rng = random.Random(3)
    loaded = ids(90)
    campaign = await new_campaign(burt, loaded, holdout=0.1)
    expected: Counter[tuple[int, int, str]] = Counter()
    counted: set[tuple[str, str]] = set()
    for round_ in range(4):
        await burt.create_experiment_batch(campaign.id, 20, f"r{round_}")
        await burt.load_contacts(campaign.id, ids(5, prefix=f"late{round_}"))
        placed = {
            c: (b.sequence, v)
            for b in await all_batches(burt, campaign.id)
            for c, v in b.assignments or ()
        }
        events = []
        for n in range(30):
            contact = rng.choice(sorted(placed))
            kind = rng.choice(["delivered", "opened", "clicked", "unsubscribed"])
            events.append(EventIn(f"ev{round_}-{n % 25}", contact, kind, WHEN))
        tally = await burt.record_outcomes(campaign.id, events)
        seen_ids: set[str] = set()
        for event in events:
            if event.id in seen_ids:
                continue
            seen_ids.add(event.id)
            if (event.contact_id, event.type) not in counted:
                counted.add((event.contact_id, event.type))
                expected[(*placed[event.contact_id], event.type)] += 1
        assert tally.recorded == len(seen_ids)
    rows = await burt.store.period_counts(campaign.id)
    assert rows == await burt.store.recount(campaign.id)
    got = Counter({(r.sequence, r.variant, k): n for r in rows for k, n in r.outcomes.items() if n})
    assert got == expected
    await check_partition(
        burt, campaign.id, set(loaded) | {c for r in range(4) for c in ids(5, prefix=f"late{r}")}
    )


# tenants, pagination, reads ---------------------------------------------------------------------
async def test_another_tenants_campaign_is_not_found(store: Store) -> None:
    ours, theirs = Burt(store, tenant="acme"), Burt(store, tenant="globex")
    mine = await new_campaign(ours, ids(5))
    other = await new_campaign(theirs, ids(5))
    with pytest.raises(NotFound):
        await ours.get_campaign(other.id)
    with pytest.raises(NotFound):
        await ours.create_experiment_batch(other.id, 2, "k")
    with pytest.raises(NotFound):
        await ours.load_contacts(other.id, ["x"])
    with pytest.raises(NotFound):
        await ours.record_outcomes(other.id, [EventIn("e", "c-00000", "opened", WHEN)])
    assert [c.id for c in (await ours.list_campaigns()).items] == [mine.id]
    assert (await theirs.get_campaign(other.id)).contacts_pending == 5


async def test_campaigns_and_batches_paginate_with_cursors(burt: Burt) -> None:
    made = [await new_campaign(burt, []) for _ in range(5)]
    seen, cursor = [], None
    for expected_size in (2, 2, 1):
        page = await burt.list_campaigns(limit=2, cursor=cursor)
        assert len(page.items) == expected_size
        seen.extend(c.id for c in page.items)
        cursor = page.next_cursor
    assert cursor is None
    assert seen == [c.id for c in made]
    campaign = made[0]
    await burt.load_contacts(campaign.id, ids(10))
    batches = [(await burt.create_experiment_batch(campaign.id, 2, f"k{i}"))[0] for i in range(4)]
    first = await burt.list_experiment_batches(campaign.id, limit=3)
    assert [b.id for b in first.items] == [b.id for b in batches[:3]]
    assert all(b.assignments is None for b in first.items)
    last = await burt.list_experiment_batches(campaign.id, limit=3, cursor=first.next_cursor)
    assert [b.id for b in last.items] == [batches[3].id]
    assert last.next_cursor is None


async def test_reads_change_nothing_and_writes_change_the_digest(burt: Burt) -> None:
    campaign = await new_campaign(burt, ids(12))
    batch, _ = await burt.create_experiment_batch(campaign.id, 6, "k")
    assert batch.assignments is not None
    await burt.record_outcomes(
        campaign.id, [EventIn("e1", batch.assignments[0][0], "opened", WHEN)]
    )
    digest = await burt.store.tenant_digest(TENANT)
    for _ in range(2):
        await burt.get_campaign(campaign.id)
        await burt.list_campaigns()
        await burt.get_experiment_batch(campaign.id, batch.id)
        await burt.list_experiment_batches(campaign.id)
        await burt.preview_allocation(campaign.id)
        await burt.get_campaign_stats(campaign.id)
        await burt.store.period_counts(campaign.id)
        await burt.store.count_table(campaign.id, "opened", len(VARIANTS))
        await burt.store.recount(campaign.id)
        await burt.store.find_batch_by_key(campaign.id, "k")
    assert await burt.store.tenant_digest(TENANT) == digest
    writes = [
        lambda: burt.load_contacts(campaign.id, ["new-contact"]),
        lambda: burt.create_experiment_batch(campaign.id, 2, "k2"),
        lambda: burt.record_outcomes(
            campaign.id, [EventIn("e2", batch.assignments[1][0], "clicked", WHEN)]
        ),
        lambda: burt.update_campaign(campaign.id, expected_version=1, name="Renamed"),
    ]
    for write in writes:
        await write()
        changed = await burt.store.tenant_digest(TENANT)
        assert changed != digest
        digest = changed


# MongoDB crash points, staged deterministically -------------------------------------------------
# The SIGKILL tests above hit random instants; these stop a draw or an event post exactly between
# two of its writes (running the adapter's own steps up to there) and check the recovery.
@pytest.fixture(params=MONGO_KINDS)
def mongo_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSpec]:
    yield from make_spec(request, request.param, tmp_path)


async def open_mongo(spec: StoreSpec, claim_timeout: float) -> MongoStore:
    store = spec.open_store(claim_timeout=claim_timeout)
    assert isinstance(store, MongoStore)
    await store.open()
    return store


async def test_mongo_draw_killed_while_claiming_is_aborted_and_its_contacts_drawn(
    mongo_spec: StoreSpec,
) -> None:
    patient, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        burt = Burt(patient, tenant=TENANT)
        loaded = ids(10)
        campaign = await new_campaign(burt, loaded)
        first, _ = await burt.create_experiment_batch(campaign.id, 2, "first")
        crashed = _draft_like(first, "crashed")
        doc = await patient._draws._begin(campaign.id, dataclasses.replace(crashed, size=4))
        assert doc is not None
        assert len(await patient._draws._claim(doc, 4)) == 4  # then: SIGKILL
        assert (await burt.get_campaign(campaign.id)).contacts_pending == 8  # not lost
        await burt.create_experiment_batch(campaign.id, 10, "others")  # a live claim is left alone
        with pytest.raises(NoPendingContacts):
            await burt.create_experiment_batch(campaign.id, 10, "too-early")
        await check_all_assigned(Burt(recovering, tenant=TENANT), campaign.id, set(loaded))

        # The "dead" drawer was only slow: it wakes up and claims again for its aborted batch.
        await burt.load_contacts(campaign.id, ["late-1", "late-2"])
        assert len(await patient._draws._claim(doc, 4)) == 2
        assert await patient._draws._seal(doc, crashed, [1, 2]) is None  # the abort wins
        latest, _ = await burt.create_experiment_batch(campaign.id, 10, "after-wake-up")
        assert sorted(c for c, _ in latest.assignments or ()) == ["late-1", "late-2"]
        await check_partition(burt, campaign.id, {*loaded, "late-1", "late-2"})
    finally:
        await patient.close()
        await recovering.close()


async def test_mongo_same_key_waits_for_the_claiming_batch(mongo_spec: StoreSpec) -> None:
    patient, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        burt = Burt(patient, tenant=TENANT)
        campaign = await new_campaign(burt, ids(6))
        first, _ = await burt.create_experiment_batch(campaign.id, 1, "first")
        doc = await patient._draws._begin(campaign.id, _draft_like(first, "shared"))
        assert doc is not None  # a drawer is claiming with key "shared", then dies
        assert await recovering.find_batch_by_key(campaign.id, "shared") is None  # aborted
        again, replayed = await Burt(recovering, tenant=TENANT).create_experiment_batch(
            campaign.id, 1, "shared"
        )
        assert not replayed
        assert again.id != doc["_id"]
    finally:
        await patient.close()
        await recovering.close()


async def test_mongo_event_post_killed_between_marker_and_event_counts_once(
    mongo_spec: StoreSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_mongo(mongo_spec, 30)
    try:
        burt = Burt(store, tenant=TENANT)
        campaign = await new_campaign(burt, ids(4))
        batch, _ = await burt.create_experiment_batch(campaign.id, 4, "k")
        contact = (batch.assignments or ())[0][0]
        event = EventIn("e1", contact, "opened", WHEN)
        real_insert = ingest.insert_unordered

        async def killed_before_events(collection: Any, docs: list[dict[str, Any]]) -> set[int]:
            if collection.name == "events":
                raise KeyboardInterrupt("killed between the marker and the event")
            return await real_insert(collection, docs)

        monkeypatch.setattr(ingest, "insert_unordered", killed_before_events)
        with pytest.raises(KeyboardInterrupt):
            await burt.record_outcomes(campaign.id, [event])
        monkeypatch.undo()
        retried = await burt.record_outcomes(campaign.id, [event])  # the client's retry
        assert (retried.recorded, retried.repeated, retried.duplicates) == (1, 1, 0)
        again = await burt.record_outcomes(campaign.id, [event])
        assert again.duplicates == 1
        rows = await store.period_counts(campaign.id)
        assert sum(r.outcomes["opened"] for r in rows) == 1
        assert rows == await store.recount(campaign.id)
    finally:
        await store.close()


# erasure ----------------------------------------------------------------------------------------
async def campaign_with_history(burt: Burt, prefix: str, n: int = 20) -> Campaign:
    """A campaign with contacts (some with attributes), two batches and counted events."""
    campaign = await new_campaign(burt, ids(n, prefix), holdout=0.1)
    await burt.load_contacts(campaign.id, [ContactIn(f"{prefix}-vip", {"email": f"{prefix}@x.io"})])
    for key in ("first", "second"):
        batch, _ = await burt.create_experiment_batch(campaign.id, n // 2, key)
        contacts = [c for c, _ in batch.assignments or ()]
        await burt.record_outcomes(
            campaign.id,
            [EventIn(f"{prefix}-{key}-{i}", c, "clicked", WHEN) for i, c in enumerate(contacts)]
            + [EventIn(f"{prefix}-{key}-again", contacts[0], "clicked", WHEN)],
        )
    return campaign


def campaign_calls(burt: Burt, campaign_id: str, batch_id: str) -> list[Any]:
    """Every engine operation on one campaign, as thunks."""
    return [
        lambda: burt.get_campaign(campaign_id),
        lambda: burt.get_experiment_batch(campaign_id, batch_id),
        lambda: burt.list_experiment_batches(campaign_id),
        lambda: burt.preview_allocation(campaign_id),
        lambda: burt.get_campaign_stats(campaign_id),
        lambda: burt.load_contacts(campaign_id, ["someone"]),
        lambda: burt.create_experiment_batch(campaign_id, 1, "first"),
        lambda: burt.create_experiment_batch(campaign_id, 1, "another"),
        lambda: burt.record_outcomes(campaign_id, [EventIn("e", "c-00000", "opened", WHEN)]),
        lambda: burt.update_campaign(campaign_id, expected_version=1, name="x"),
        lambda: burt.erase_contact(campaign_id, "c-00000"),
        lambda: burt.delete_campaign(campaign_id),
    ]


async def test_a_deleted_campaign_is_gone_for_good_and_others_untouched(
    burt: Burt, store_spec: StoreSpec
) -> None:
    kept = await campaign_with_history(burt, "kept")
    theirs = Burt(burt.store, tenant="globex")
    foreign = await campaign_with_history(theirs, "kept")  # same ids, another tenant
    before = store_spec.record_counts()
    kept_rows = await burt.store.period_counts(kept.id)
    foreign_digest = await burt.store.tenant_digest("globex")

    doomed = await campaign_with_history(burt, "doomed")
    batch = (await burt.list_experiment_batches(doomed.id)).items[0]
    assert store_spec.record_counts() != before
    with pytest.raises(NotFound):  # only its own tenant can delete it
        await theirs.delete_campaign(doomed.id)
    await burt.delete_campaign(doomed.id)

    assert store_spec.record_counts() == before
    assert "doomed" not in store_spec.stored_text()
    for call in campaign_calls(burt, doomed.id, batch.id):
        with pytest.raises(NotFound):
            await call()
    assert [c.id for c in (await burt.list_campaigns()).items] == [kept.id]
    assert await burt.store.period_counts(kept.id) == kept_rows
    assert await burt.store.count_table(doomed.id, "clicked", 3) == CountTable.from_rows(
        [], [], "clicked", 3
    )
    assert await burt.store.tenant_digest("globex") == foreign_digest
    assert (await theirs.get_campaign(foreign.id)).contacts_total == 21


async def test_a_draw_racing_a_delete_leaves_nothing_behind(
    burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    before = store_spec.record_counts()
    loaded = ids(300 if store_spec.kind == "mongodb" else 20_000)
    campaign = await new_campaign(burt, loaded, holdout=0.1)
    drawer = worker(store_spec, tmp_path / "drawer", "draw", campaign.id, 4, "race", 10**4)
    while not drawer.lines():  # the drawer is under way
        await anyio.sleep(0.01)
    await burt.delete_campaign(campaign.id)
    reported = drawer.finish()
    assert reported[-1] == {"stopped": "NotFound"}, "the drawer ran out before the delete"
    assert store_spec.record_counts() == before
    with pytest.raises(NotFound):
        await burt.get_campaign(campaign.id)


async def test_a_delete_between_the_seal_and_the_members_read_is_a_404(
    mongo_spec: StoreSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race above, staged exactly: the delete lands after the draw sealed its batch and
    before it read the members back. The drawer must answer NotFound, not fail with a KeyError
    (a 500 in the service), and nothing may be left behind."""
    store = await open_mongo(mongo_spec, 30)
    before = mongo_spec.record_counts()
    try:
        burt = Burt(store, tenant=TENANT)
        campaign = await new_campaign(burt, ids(12))
        real_assignments = Draws._assignments

        async def deleted_first(self: Draws, doc: dict[str, Any]) -> Any:
            await burt.delete_campaign(campaign.id)
            return await real_assignments(self, doc)

        monkeypatch.setattr(Draws, "_assignments", deleted_first)
        with pytest.raises(NotFound, match="deleted"):
            await burt.create_experiment_batch(campaign.id, 6, "k")
        monkeypatch.undo()
        with pytest.raises(NotFound):
            await burt.get_campaign(campaign.id)
        assert mongo_spec.record_counts() == before
    finally:
        await store.close()


async def erasure_view(burt: Burt, campaign_id: str) -> tuple[Any, ...]:
    """What erasing a contact must not change: counters, recount, stats at a fixed instant
    (all but the contact counts, which lose an erased pending contact, and the winner rule's
    thresholds, which depend on how many contacts are still to come)."""
    frozen = Burt(burt.store, tenant=TENANT, clock=lambda: datetime(2027, 1, 1, tzinfo=UTC))
    rows = await burt.store.period_counts(campaign_id)
    assert rows == await burt.store.recount(campaign_id)
    stats = await frozen.get_campaign_stats(campaign_id)
    allocation = dataclasses.replace(stats.allocation, contacts_pending=0)
    evidence = [(c.name, c.value) for c in stats.decision.conditions]
    decision = dataclasses.replace(stats.decision, conditions=())
    return (
        rows,
        evidence,
        dataclasses.replace(
            stats, contacts_total=0, contacts_pending=0, allocation=allocation, decision=decision
        ),
    )


async def test_an_erased_contact_is_gone_and_every_count_stays(
    burt: Burt, store_spec: StoreSpec
) -> None:
    campaign = await new_campaign(burt, ids(10))
    victim, pending_victim = "victim-7f3a", "pending-victim-9c2e"
    await burt.load_contacts(
        campaign.id,
        [
            ContactIn(victim, {"email": "victim@example.com"}),
            ContactIn(pending_victim),
            ContactIn("still-pending"),
        ],
    )
    batch, _ = await burt.create_experiment_batch(campaign.id, 11, "k")
    assert batch.assignments is not None and batch.assignments[-1][0] == victim
    others = [c for c, _ in batch.assignments if c != victim]
    await burt.record_outcomes(
        campaign.id,
        [
            EventIn("ev-victim-1", victim, "opened", WHEN),
            EventIn("ev-victim-2", victim, "clicked", WHEN),
            EventIn("ev-victim-3", victim, "clicked", WHEN),  # stored, not counted
            EventIn("ev-other-1", others[0], "clicked", WHEN),
        ],
    )
    counted = await erasure_view(burt, campaign.id)
    before = await burt.get_campaign(campaign.id)

    await burt.erase_contact(campaign.id, victim)
    await burt.erase_contact(campaign.id, pending_victim)

    stored = store_spec.stored_text()
    for gone in (victim, pending_victim, "victim@example.com", "ev-victim-"):
        assert gone not in stored
    assert "ev-other-1" in stored and others[0] in stored
    assert await erasure_view(burt, campaign.id) == counted
    after = await burt.get_campaign(campaign.id)
    assert (after.contacts_total, after.contacts_pending) == (
        before.contacts_total - 1,  # the pending one; the assigned one was sent and still counts
        before.contacts_pending - 1,
    )
    read = await burt.get_experiment_batch(campaign.id, batch.id)
    assert read.assignments == batch.assignments[:-1]
    assert (read.size, read.counts, read.holdout_count) == (11, batch.counts, batch.holdout_count)

    late = await burt.record_outcomes(
        campaign.id,
        [
            EventIn("ev-victim-4", victim, "converted", WHEN),
            EventIn("ev-victim-1", victim, "opened", WHEN),
        ],
    )
    assert [(r.index, r.reason) for r in late.rejected] == [
        (0, "unknown_contact"),
        (1, "unknown_contact"),
    ]
    assert await erasure_view(burt, campaign.id) == counted
    with pytest.raises(NotFound):
        await burt.erase_contact(campaign.id, victim)
    with pytest.raises(NotFound):
        await burt.erase_contact(campaign.id, "never-loaded")
    again = await burt.load_contacts(campaign.id, [victim])  # a new person with the same id
    assert again.created == 1
    assert await erasure_view(burt, campaign.id) == counted


async def test_mongo_deletion_cut_short_is_finished_by_the_next_open(
    mongo_spec: StoreSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_mongo(mongo_spec, 30)
    try:
        burt = Burt(store, tenant=TENANT)
        before = mongo_spec.record_counts()
        doomed = await campaign_with_history(burt, "doomed")
        real_coll = Connection.collection

        def killed_after_the_contacts(self: Connection, name: str) -> Any:
            if name == "batches" and mongo_spec.record_counts().get("contacts", 0) == 0:
                raise KeyboardInterrupt("killed after deleting the contacts")
            return real_coll(self, name)

        monkeypatch.setattr(Connection, "collection", killed_after_the_contacts)
        with pytest.raises(KeyboardInterrupt):
            await burt.delete_campaign(doomed.id)
        monkeypatch.undo()
        with pytest.raises(NotFound):  # already gone for every reader
            await burt.get_campaign(doomed.id)
        assert mongo_spec.record_counts()["batches"] > 0  # half done
    finally:
        await store.close()
    reopened = await open_mongo(mongo_spec, 30)  # a restarted process finishes the deletion
    try:
        assert mongo_spec.record_counts() == before
        assert "doomed" not in mongo_spec.stored_text()
    finally:
        await reopened.close()


async def test_mongo_erasure_cut_short_is_finished_by_a_retry(
    mongo_spec: StoreSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_mongo(mongo_spec, 30)
    try:
        burt = Burt(store, tenant=TENANT)
        campaign = await new_campaign(burt, ["victim", *ids(5)])
        await burt.create_experiment_batch(campaign.id, 6, "k")
        await burt.record_outcomes(
            campaign.id,
            [
                EventIn("ev-victim-1", "victim", "opened", WHEN),
                EventIn("ev-2", "c-00000", "opened", WHEN),
            ],
        )
        counted = await erasure_view(burt, campaign.id)
        real_rename = Erasure._rename_dependents

        async def killed_midway(self: Erasure, *args: Any) -> None:
            await store._conn.outcomes.update_many(
                {"campaign_id": campaign.id, "contact_id": "victim"},
                {"$set": {"contact_id": args[-1]}},
            )
            raise KeyboardInterrupt("killed after renaming the markers, before the events")

        monkeypatch.setattr(Erasure, "_rename_dependents", killed_midway)
        with pytest.raises(KeyboardInterrupt):
            await burt.erase_contact(campaign.id, "victim")
        monkeypatch.setattr(Erasure, "_rename_dependents", real_rename)
        await burt.erase_contact(campaign.id, "victim")  # the client's retry
        assert "victim" not in mongo_spec.stored_text()
        assert await erasure_view(burt, campaign.id) == counted
    finally:
        await store.close()


async def test_erasures_racing_draws_keep_the_partition_and_the_counts(
    burt: Burt, store_spec: StoreSpec, tmp_path: Path
) -> None:
    loaded = ids(150 if store_spec.kind == "mongodb" else 500)
    campaign = await new_campaign(burt, loaded, holdout=0.1)
    drawer = worker(store_spec, tmp_path / "drawer", "draw", campaign.id, 5, "race", 10**4)
    while not drawer.lines():
        await anyio.sleep(0.01)
    erased = loaded[::15]  # assigned, being claimed, or pending when the erasure comes
    for contact in erased:  # an event first: counted if the contact is assigned by then
        await burt.record_outcomes(campaign.id, [EventIn(f"ev-{contact}", contact, "opened", WHEN)])
        await burt.erase_contact(campaign.id, contact)
    drawer.finish()
    await drain(burt, campaign.id)

    batches = await all_batches(burt, campaign.id)
    members = [c for b in batches for c, _ in b.assignments or ()]
    assert len(members) == len(set(members))
    assert set(members) == set(loaded) - set(erased)
    erased_assigned = sum(b.size for b in batches) - len(members)
    assert erased_assigned > 0  # the first batch held the first erased contact
    current = await burt.get_campaign(campaign.id)
    assert current.contacts_pending == 0
    assert current.contacts_total == len(loaded) - (len(erased) - erased_assigned)
    assert await burt.store.period_counts(campaign.id) == await burt.store.recount(campaign.id)
    stored = store_spec.stored_text()
    assert not [c for c in erased if f"'{c}'" in stored or f"ev-{c}" in stored]


@pytest.mark.parametrize("step", ["load", "draw", "event post", "erasure"])
async def test_mongo_counts_stay_exact_when_killed_before_the_counter_update(
    mongo_spec: StoreSpec, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """A write is stored but its counter update (closing its open entry) never ran: every count
    still equals a recount, and the next draw applies the update exactly once."""
    store, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        burt = Burt(store, tenant=TENANT)
        loaded = set(ids(12))
        campaign = await new_campaign(burt, sorted(loaded))
        batch, _ = await burt.create_experiment_batch(campaign.id, 6, "k")
        contact = (batch.assignments or ())[0][0]

        async def killed(*args: Any) -> None:
            raise KeyboardInterrupt("killed between the write and its counter update")

        monkeypatch.setattr(Journal, "close", killed)
        with pytest.raises(KeyboardInterrupt):
            if step == "load":
                await burt.load_contacts(campaign.id, ["late-1", "late-2", "c-00000"])
            elif step == "draw":
                await burt.create_experiment_batch(campaign.id, 3, "k2")
            elif step == "erasure":  # of a pending contact: it is deleted, the total drops
                await burt.erase_contact(campaign.id, "c-00011")
            else:
                await burt.record_outcomes(campaign.id, [EventIn("e1", contact, "opened", WHEN)])
        monkeypatch.undo()
        loaded |= {"late-1", "late-2"} if step == "load" else set()
        loaded -= {"c-00011"} if step == "erasure" else set()
        stored = await store._conn.campaigns.find_one({"_id": campaign.id})
        assert len(stored["open"]) == 1  # the counter update is owed ...
        await check_partition(burt, campaign.id, loaded)  # ... and every count is exact

        await Burt(recovering, tenant=TENANT).create_experiment_batch(campaign.id, 1, "repair")
        repaired = await store._conn.campaigns.find_one({"_id": campaign.id})
        assert repaired["open"] == {}
        assigned = await check_partition(burt, campaign.id, loaded)
        assert repaired["contacts_total"] == len(loaded)  # the counters alone are right now
        assert repaired["contacts_assigned"] == len(assigned)
        assert sum(repaired["cells"].values()) == (1 if step == "event post" else 0)
        assert sum(repaired["delays"].values()) == (1 if step == "event post" else 0)
        op = next(iter(stored["open"]))
        await recovering._journal.close(campaign.id, op, {"contacts_total": 5})  # at most once:
        assert await store._conn.campaigns.find_one({"_id": campaign.id}) == repaired
    finally:
        await store.close()
        await recovering.close()


# hardening (issue 11) ---------------------------------------------------------------------------
async def test_ids_with_nul_are_refused_and_store_nothing(burt: Burt) -> None:
    campaign = await new_campaign(burt, ["x", "y"])
    batch, _ = await burt.create_experiment_batch(campaign.id, 2, "k")
    assert batch.assignments is not None
    digest = await burt.store.tenant_digest(TENANT)
    with pytest.raises(InvalidInput, match=r"contacts\[1\].id contains U\+0000"):
        await burt.load_contacts(campaign.id, ["fine", "x\x00victim"])
    bad_events = [
        [EventIn("ev\x00A", "x", "clicked", WHEN), EventIn("ev\x00B", "x", "opened", WHEN)],
        [EventIn("ev", "x\x00victim", "clicked", WHEN)],
    ]
    for events in bad_events:
        with pytest.raises(InvalidInput, match="U\\+0000"):
            await burt.record_outcomes(campaign.id, events)
    assert await burt.store.tenant_digest(TENANT) == digest


async def test_update_of_whatever_version_is_current_wins_under_concurrency(
    store_spec: StoreSpec,
) -> None:
    """`expected_version=None` (If-Match: *) from several store handles at once: none fails."""
    handles = [store_spec.open_store() for _ in range(4)]
    for handle in handles:
        await handle.open()
    try:
        engines = [Burt(h, tenant=TENANT) for h in handles]
        campaign = await new_campaign(engines[0], [])
        results = await asyncio.gather(
            *(engines[i % 4].update_campaign(campaign.id, None, name=f"n{i}") for i in range(8))
        )
        assert sorted(r.version for r in results) == list(range(2, 10))
        with pytest.raises(VersionMismatch):
            await engines[0].update_campaign(campaign.id, 1, name="stale")
    finally:
        for handle in handles:
            await handle.close()


async def test_a_retried_create_with_one_key_makes_one_campaign(store_spec: StoreSpec) -> None:
    handles = [store_spec.open_store() for _ in range(3)]
    for handle in handles:
        await handle.open()
    try:
        engines = [Burt(h, tenant=TENANT) for h in handles]
        made = await asyncio.gather(
            *(
                engines[i % 3].initialize_campaign_once("launch", "Launch", VARIANTS, "clicked")
                for i in range(6)
            )
        )
        assert len({c.id for c, _ in made}) == 1
        assert sorted(replayed for _, replayed in made) == [False] + [True] * 5
        with pytest.raises(IdempotencyKeyReused):
            await engines[0].initialize_campaign_once("launch", "Other", VARIANTS, "clicked")
        with pytest.raises(IdempotencyKeyReused):
            await engines[0].initialize_campaign_once(
                "launch", "Launch", VARIANTS, "clicked", {"warmup_sends": 7}
            )
        same, replayed = await engines[1].initialize_campaign_once(
            "launch",
            "Launch",
            VARIANTS,
            "clicked",
            {"warmup_sends": 50},  # the default, spelled
        )
        assert replayed and same.id == made[0][0].id
        theirs, replayed = await Burt(handles[0], tenant="globex").initialize_campaign_once(
            "launch", "Launch", VARIANTS, "clicked"
        )
        assert not replayed and theirs.id != same.id
        assert [c.id for c in (await engines[2].list_campaigns()).items] == [same.id]
    finally:
        for handle in handles:
            await handle.close()


async def test_mongo_create_killed_between_key_and_campaign_is_finished_by_the_retry(
    mongo_spec: StoreSpec,
) -> None:
    store = await open_mongo(mongo_spec, claim_timeout=30.0)
    try:
        burt = Burt(store, tenant=TENANT)
        made, _ = await burt.initialize_campaign_once("k", "Launch", VARIANTS, "clicked")
        await store._conn.campaigns.delete_one({"_id": made.id})  # as if killed before this insert
        assert (await burt.list_campaigns()).items == []
        again, replayed = await burt.initialize_campaign_once("k", "Launch", VARIANTS, "clicked")
        assert again.id == made.id and replayed
        assert [c.id for c in (await burt.list_campaigns()).items] == [made.id]
    finally:
        await store.close()


# API key records --------------------------------------------------------------------------------
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def test_api_keys_are_created_listed_used_and_revoked(store: Store) -> None:
    key = ApiKey("a" * 64, "acme", name="ci", created_at=NOW, expires_at=NOW + timedelta(days=3))
    reader = ApiKey("b" * 64, "acme", created_at=NOW, read_only=True)
    for record in (key, reader):
        await store.add_api_key(record)
    assert (key.key_id, key.scope, reader.scope) == ("key_aaaaaaaaaaaa", "write", "read")
    assert await store.get_api_key("a" * 64) == key
    assert await store.get_api_key("c" * 64) is None
    assert await store.list_api_keys() == [key, reader]
    await store.touch_api_key("a" * 64, NOW + timedelta(hours=1))
    touched = await store.get_api_key("a" * 64)
    assert touched is not None and touched.last_used_at == NOW + timedelta(hours=1)
    assert touched.usable(NOW) and not touched.usable(NOW + timedelta(days=3))
    revoked = await store.revoke_api_key(key.key_id, NOW + timedelta(hours=2))
    assert revoked is not None and revoked.revoked_at == NOW + timedelta(hours=2)
    again = await store.revoke_api_key(key.key_id, NOW + timedelta(hours=5))  # idempotent
    assert again is not None and again.revoked_at == NOW + timedelta(hours=2)
    assert not again.usable(NOW + timedelta(hours=3))
    assert await store.revoke_api_key("key_000000000000", NOW) is None
    assert await store.revoke_api_key("not-a-key-id", NOW) is None
    still = await store.get_api_key("b" * 64)
    assert still is not None and still.usable(NOW)


async def test_keys_stored_before_the_key_lifecycle_keep_working(store_spec: StoreSpec) -> None:
    old_hash = "d" * 64
    if store_spec.kind == "sqlite":  # the api_keys table as the previous release made it
        with sqlite3.connect(store_spec.location) as db:
            db.execute("CREATE TABLE api_keys (key_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL)")
            db.execute("INSERT INTO api_keys VALUES (?, ?)", (old_hash, "acme"))
    else:
        with MongoClient(store_spec.location, serverSelectionTimeoutMS=5000) as client:
            client[store_spec.db]["api_keys"].insert_one({"_id": old_hash, "tenant": "acme"})
    store = store_spec.open_store()
    await store.open()
    try:
        key = await store.get_api_key(old_hash)
        assert key == ApiKey(old_hash, "acme")
        assert key.usable(NOW) and key.scope == "write"
        new = ApiKey("e" * 64, "acme", created_at=NOW)
        await store.add_api_key(new)
        assert await store.list_api_keys() == [key, new]
        revoked = await store.revoke_api_key(key.key_id, NOW)
        assert revoked is not None and not revoked.usable(NOW)
    finally:
        await store.close()


async def test_a_deleted_campaigns_create_key_makes_a_new_one(burt: Burt) -> None:
    made, _ = await burt.initialize_campaign_once("launch", "Launch", VARIANTS, "clicked")
    await burt.delete_campaign(made.id)
    again, replayed = await burt.initialize_campaign_once("launch", "Launch", VARIANTS, "clicked")
    assert not replayed and again.id != made.id
    with pytest.raises(NotFound):
        await burt.get_campaign(made.id)


# issue 15: no request reads every outcome --------------------------------------------------------
async def test_sqlite_draws_and_stats_read_no_event_or_outcome_row(tmp_path: Path) -> None:
    """The delay histogram is maintained with the counters: a draw, a preview, a campaign read
    and stats read neither `events` nor `outcomes`."""
    store = SQLiteStore(tmp_path / "burt.sqlite3")
    await store.open()
    try:
        burt = Burt(store, tenant=TENANT)
        campaign = await new_campaign(burt, ids(30))
        batch, _ = await burt.create_experiment_batch(campaign.id, 20, "k")
        await burt.record_outcomes(
            campaign.id,
            [EventIn(f"e-{c}", c, "clicked", WHEN) for c, _ in batch.assignments or ()],
        )
        statements: list[str] = []
        assert store._conn is not None
        store._conn.set_trace_callback(statements.append)
        await burt.get_campaign(campaign.id)
        await burt.preview_allocation(campaign.id)
        stats = await burt.get_campaign_stats(campaign.id)
        await burt.create_experiment_batch(campaign.id, 5, "k2")
        store._conn.set_trace_callback(None)
        read = " ".join(statements)
        assert "FROM events" not in read and "FROM outcomes" not in read, read
        assert sum(v.outcomes["clicked"] for v in stats.variants) == 20
    finally:
        await store.close()


# webhook tokens (issue 22, item 14) -------------------------------------------------------------
async def test_a_webhook_token_is_claimed_once_per_body_until_it_expires(store: Store) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    later = now + timedelta(minutes=30)
    assert await store.claim_webhook_token("wh_a", "t1", "body-1", later, now)
    assert await store.claim_webhook_token("wh_a", "t1", "body-1", later, now)  # a retry
    assert not await store.claim_webhook_token("wh_a", "t1", "body-2", later, now)  # a replay
    assert await store.claim_webhook_token("wh_b", "t1", "body-2", later, now)  # another receiver
    after = later + timedelta(seconds=1)
    assert await store.claim_webhook_token(
        "wh_a", "t1", "body-2", after + timedelta(hours=1), after
    )
    assert not await store.claim_webhook_token("wh_a", "t1", "body-1", after, after)
    claims = await asyncio.gather(
        *(store.claim_webhook_token("wh_a", "t2", f"body-{i}", later, now) for i in range(8))
    )
    assert sum(claims) == 1


async def test_a_webhook_credential_is_replaced_only_from_what_it_was(store: Store) -> None:
    webhook = await Burt(store, tenant=TENANT).register_webhook(
        "postmark", {"username": "u", "password_hash": "scrypt$old"}
    )
    new = {"username": "u", "password_hash": "hmac-sha256$new"}
    assert await store.replace_webhook_credential(webhook.id, webhook.credential, new)
    assert not await store.replace_webhook_credential(webhook.id, webhook.credential, new)
    assert not await store.replace_webhook_credential("wh_gone", webhook.credential, new)
    stored = await store.get_webhook(webhook.id)
    assert stored is not None and dict(stored.credential) == new
