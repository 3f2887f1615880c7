"""Segments on every store (SQLite, and MongoDB on each Mongo-wire server): each contact's slot
by its segment's weights, counters per slot equal to a recount, erasure, the registry's cap and
its stability across draws, drawers in concurrent processes and one killed mid-draw. On MongoDB
also crash points staged between two writes: a draw that loses the registry race, a draw killed
between its registry write and its seal, an event post killed before its counter update."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import signal
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from burt.engine import Burt, EventIn
from burt.engine.assignment import assign_segments
from burt.engine.counts import CountTable
from burt.engine.errors import Conflict, NoPendingContacts
from burt.engine.model import BatchDraft, Campaign, ContactIn, SegmentPlan
from burt.engine.segments.keys import ERASED, OTHER, Registry
from burt.engine.store.base import Store
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.journal import Journal
from tests.stores import TENANT, StoreSpec, worker
from tests.test_store_conformance import (
    mongo_spec,  # noqa: F401 (a fixture)
    open_mongo,
)

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def plan(
    *weights: tuple[float, float], by: tuple[str, ...] = ("tier",), cap: int = 32
) -> SegmentPlan:
    return SegmentPlan(by=by, max_segments=cap, weights=weights, new_weights=(0.5, 0.5))


def draft(key: str, size: int, segments: SegmentPlan | None, seed: int = 7) -> BatchDraft:
    return BatchDraft(
        id=f"b_{key}",
        idempotency_key=key,
        fingerprint="f",
        size=size,
        created_at=T0,
        seed=seed,
        variant_ids=("a", "b"),
        weights=(0.5, 0.5),
        holdout_fraction=0.1,
        segments=segments,
    )


async def segmented(store: Store, tiers: list[str], cap: int = 32) -> Campaign:
    burt = Burt(store, clock=lambda: T0)
    campaign = await burt.initialize_campaign(
        "Seg", [("a", "A"), ("b", "B")], "clicked", {"segment_by": ["tier"], "max_segments": cap}
    )
    await store.load_contacts(
        campaign.id, [ContactIn(f"c{i}", {"tier": t}) for i, t in enumerate(tiers)]
    )
    return campaign


async def test_each_segment_is_assigned_by_its_own_weights(store: Store) -> None:
    campaign = await segmented(store, ["gold", "silver"] * 200)
    favour = plan((0.1, 0.9), (0.9, 0.1))
    batch = await store.draw_batch(campaign.id, draft("k1", 400, favour))
    tiers = {f"c{i}": "gold" if i % 2 == 0 else "silver" for i in range(400)}
    per_tier = Counter((tiers[c], v) for c, v in batch.assignments or ())
    assert per_tier[("gold", 1)] == 162 and per_tier[("gold", 0)] == 18  # 200 * 0.9 * 0.9
    assert per_tier[("silver", 0)] == 162 and per_tier[("silver", 1)] == 18
    assert batch.weights == pytest.approx((0.5, 0.5))  # the mixture, half the contacts each
    slots = [0 if i % 2 == 0 else 1 for i in range(400)]
    again = assign_segments(slots, favour, 0.1, 7).tolist()
    assert [v for _, v in batch.assignments or ()] == again  # reproducible from its seed
    stored = await store.get_batch(campaign.id, batch.id)
    assert stored is not None and stored.segments == favour


async def test_counters_per_segment_equal_a_recount_and_survive_erasure(
    store: Store,
) -> None:
    campaign = await segmented(store, ["gold", "silver", "bronze"] * 50)
    first = await store.draw_batch(campaign.id, draft("k1", 90, plan()))
    second = await store.draw_batch(campaign.id, draft("k2", 60, plan((0.2, 0.8)), seed=8))
    events = [
        EventIn(f"e{i}", c, "clicked", (T0 + timedelta(hours=1)).isoformat())
        for i, (c, v) in enumerate((*(first.assignments or ()), *(second.assignments or ())))
        if v != -1 and i % 3 != 2
    ]
    tally = await store.record_events(
        campaign.id, events, [(T0 + timedelta(hours=1)).timestamp()] * len(events), 86400
    )
    assert tally.recorded == len(events)
    maintained = await store.period_counts(campaign.id)
    assert {r.segment for r in maintained} == {0, 1, 2}
    assert maintained == await store.recount(campaign.id)
    tables = await store.segment_tables(campaign.id, "clicked", 2)
    assert tables.registry.slots == (("gold",), ("silver",), ("bronze",))
    whole = await store.count_table(campaign.id, "clicked", 2)
    assert sum(t.sends for t in tables.tables).tolist() == whole.sends.tolist()
    assert sum(t.outcomes for t in tables.tables).tolist() == whole.outcomes.tolist()
    batches = [first, second]
    assert whole == CountTable.from_rows(maintained, batches, "clicked", 2)
    for contact, _ in (first.assignments or ())[:10]:
        assert await store.erase_contact(campaign.id, contact)
    assert await store.period_counts(campaign.id) == maintained
    assert await store.recount(campaign.id) == maintained
    assert await store.segment_tables(campaign.id, "clicked", 2) == tables


# erasure redacts a key no one else carries ------------------------------------------------------
ALONE, SHARED, HELD, PENDING = (
    "alone-7f3a@example.com",
    "shared-2b9d@example.com",
    "held-5e1c@example.com",
    "pending-8d4f@example.com",
)
"""Email values: one assigned contact's, two assigned contacts', one assigned and one pending
contact's, one pending contact's (all ranked into slots at the first draw)."""


async def emailed(store: Store) -> tuple[Burt, Campaign]:
    """A campaign segmented by email, drawn once: slots SHARED, HELD, ALONE, PENDING; c0..c3
    assigned, c4 (HELD) and c5 (PENDING) pending."""
    burt = Burt(store, clock=lambda: T0)
    campaign = await burt.initialize_campaign(
        "Seg", [("a", "A"), ("b", "B")], "clicked", {"segment_by": ["email"], "max_segments": 8}
    )
    emails = [ALONE, SHARED, SHARED, HELD, HELD, PENDING]
    await burt.load_contacts(
        campaign.id, [ContactIn(f"c{i}", {"email": e}) for i, e in enumerate(emails)]
    )
    await burt.create_experiment_batch(campaign.id, 4, "k1")
    registry = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert registry.slots == ((SHARED,), (HELD,), (ALONE,), (PENDING,))
    return burt, campaign


async def test_erasure_redacts_a_segment_key_no_one_else_carries(
    store: Store, store_spec: StoreSpec
) -> None:
    burt, campaign = await emailed(store)
    assert ALONE in store_spec.stored_text()
    counted = await store.period_counts(campaign.id)
    tables = await store.segment_tables(campaign.id, "clicked", 2)

    assert await store.erase_contact(campaign.id, "c0")  # assigned, alone with its key
    assert await store.erase_contact(campaign.id, "c5")  # pending, its key in a slot

    after = await store.segment_tables(campaign.id, "clicked", 2)
    assert after.registry.slots == ((SHARED,), (HELD,), ERASED, ERASED)
    assert after.tables == tables.tables and after.whole == tables.whole
    assert await store.period_counts(campaign.id) == counted == await store.recount(campaign.id)
    stats = await burt.get_campaign_stats(campaign.id)
    assert [(s.name, s.key, s.contacts) for s in stats.segments or ()] == [
        ("email=" + SHARED, {"email": SHARED}, 2),
        ("email=" + HELD, {"email": HELD}, 1),
        ("erased segment 2", None, 1),
    ]
    stored = store_spec.stored_text()
    files = (
        [f.read_bytes() for f in Path(store_spec.location).parent.glob("burt.sqlite3*")]
        if store_spec.kind == "sqlite"
        else []
    )  # the database, its WAL and shared memory: no freed page keeps the value either
    assert files or store_spec.kind != "sqlite"
    for gone in (ALONE, PENDING):
        assert gone not in stored
        assert gone not in repr(stats)
        assert not [data for data in files if gone.encode() in data]

    # someone loaded later with the erased value is a key never seen: a slot of its own
    await burt.load_contacts(campaign.id, [ContactIn("c6", {"email": ALONE})])
    await burt.create_experiment_batch(campaign.id, 2, "k2")
    later = await store.segment_tables(campaign.id, "clicked", 2)
    assert later.registry.slots == ((SHARED,), (HELD,), ERASED, ERASED, (ALONE,))
    assert [int(t.sends.sum()) for t in later.tables] == [2, 2, 1, 0, 1]
    assert await store.period_counts(campaign.id) == await store.recount(campaign.id)


async def test_erasure_keeps_a_segment_key_another_contact_carries(
    store: Store, store_spec: StoreSpec
) -> None:
    _, campaign = await emailed(store)
    assert await store.erase_contact(campaign.id, "c1")  # c2, assigned, has SHARED too
    assert await store.erase_contact(campaign.id, "c3")  # c4, pending, has HELD too
    registry = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert registry.slots == ((SHARED,), (HELD,), (ALONE,), (PENDING,))
    assert await store.erase_contact(campaign.id, "c4")  # HELD's last carrier, pending
    assert await store.erase_contact(campaign.id, "c2")  # SHARED's last carrier
    registry = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert registry.slots == (ERASED, ERASED, (ALONE,), (PENDING,))
    stored = store_spec.stored_text()
    assert SHARED not in stored and HELD not in stored and ALONE in stored
    assert await store.period_counts(campaign.id) == await store.recount(campaign.id)


async def test_concurrent_erasures_of_a_keys_last_carriers_redact_it(store: Store) -> None:
    """Each erasure counts the other's contact as erased once it is under way: one redacts."""
    _, campaign = await emailed(store)
    erased = await asyncio.gather(
        *(store.erase_contact(campaign.id, c) for c in ("c1", "c2", "c3", "c4"))
    )
    assert erased == [True] * 4
    registry = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert registry.slots == (ERASED, ERASED, (ALONE,), (PENDING,))
    assert await store.period_counts(campaign.id) == await store.recount(campaign.id)


@pytest.mark.parametrize("killed", ["before", "after"])
async def test_mongo_an_erasure_killed_around_its_redaction_is_finished_by_a_retry(
    mongo_spec: StoreSpec,  # noqa: F811
    killed: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed just before or just after redacting the key (the contact not yet renamed or
    deleted), the erasure is retried, finds the contact by its id and finishes: the key is
    redacted once, nothing of the contact stays, the counts stay."""
    store = await open_mongo(mongo_spec, 30)
    try:
        burt, campaign = await emailed(store)
        counted = await store.period_counts(campaign.id)
        forget = store._segments.forget

        async def dies(campaign_id: str, contact: dict[str, Any]) -> None:
            if killed == "after":
                await forget(campaign_id, contact)
            raise RuntimeError("killed")

        for contact in ("c0", "c5"):  # assigned, pending
            monkeypatch.setattr(store._segments, "forget", dies)
            with pytest.raises(RuntimeError):
                await store.erase_contact(campaign.id, contact)
            monkeypatch.setattr(store._segments, "forget", forget)
            assert await store.erase_contact(campaign.id, contact)
            assert not await store.erase_contact(campaign.id, contact)
        registry = (await store.segment_tables(campaign.id, "clicked", 2)).registry
        assert registry.slots == ((SHARED,), (HELD,), ERASED, ERASED)
        stored = mongo_spec.stored_text()
        assert ALONE not in stored and PENDING not in stored and "'c5'" not in stored
        assert await store.period_counts(campaign.id) == counted == await store.recount(campaign.id)
        assert (await burt.get_campaign(campaign.id)).contacts_total == 5  # the pending one left
    finally:
        await store.close()


async def test_the_registry_caps_the_slots_and_later_keys_join_other(store: Store) -> None:
    tiers = ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2
    campaign = await segmented(store, tiers, cap=3)
    batch = await store.draw_batch(campaign.id, draft("k1", 14, plan(cap=3)))
    tables = await store.segment_tables(campaign.id, "clicked", 2)
    assert tables.registry.slots == (("a",), ("b",), OTHER)
    assert [int(t.sends.sum()) for t in tables.tables] == [5, 4, 5]
    await store.load_contacts(campaign.id, [ContactIn("late", {"tier": "z"}), ContactIn("none")])
    await store.draw_batch(campaign.id, draft("k2", 2, plan(cap=3)))
    tables = await store.segment_tables(campaign.id, "clicked", 2)
    assert tables.registry.slots == (("a",), ("b",), OTHER)
    assert [int(t.sends.sum()) for t in tables.tables] == [5, 4, 7]
    assert batch.size == 14
    stats = await Burt(store, clock=lambda: T0).get_campaign_stats(campaign.id)
    assert [(s.name, s.key, s.contacts) for s in stats.segments or ()] == [
        ("tier=a", {"tier": "a"}, 5),
        ("tier=b", {"tier": "b"}, 4),
        ("other", None, 7),
    ]


async def test_a_key_first_seen_later_gets_a_slot_while_there_is_room(store: Store) -> None:
    campaign = await segmented(store, ["a", "a", "b"])
    await store.draw_batch(campaign.id, draft("k1", 1, plan()))
    await store.load_contacts(campaign.id, [ContactIn("n1", {"tier": "new"})])
    await store.draw_batch(campaign.id, draft("k2", 3, plan((0.5, 0.5), (0.5, 0.5))))
    tables = await store.segment_tables(campaign.id, "clicked", 2)
    assert tables.registry.slots == (("a",), ("b",), ("new",))
    assert [int(t.sends.sum()) for t in tables.tables] == [2, 1, 1]


async def test_twenty_segments_draw_and_report(store: Store) -> None:
    """Each segment's rule runs at the campaign's error split over its slots, whatever the cap."""
    burt = Burt(store, clock=lambda: T0)
    campaign = await burt.initialize_campaign(
        "Seg", [("a", "A"), ("b", "B"), ("c", "C")], "clicked", {"segment_by": ["region"]}
    )
    await burt.load_contacts(
        campaign.id, [ContactIn(f"c{i}", {"region": f"r{i % 20}"}) for i in range(2000)]
    )
    for key in ("k1", "k2"):
        await burt.create_experiment_batch(campaign.id, 800, key)
    stats = await burt.get_campaign_stats(campaign.id)
    assert stats.segments is not None and len(stats.segments) == 20
    assert sum(s.contacts for s in stats.segments) == 1600
    assert stats.winner_differs_by_segment is False
    assert "split over its 20 segments" in (stats.winner_differs_reason or "")


async def test_stats_as_of_an_earlier_moment_show_the_segments_drawn_by_then(
    store: Store,
) -> None:
    now = [T0]
    burt = Burt(store, clock=lambda: now[0])
    campaign = await burt.initialize_campaign(
        "Seg", [("a", "A"), ("b", "B")], "clicked", {"segment_by": ["tier"]}
    )
    await burt.load_contacts(campaign.id, [ContactIn(f"c{i}", {"tier": "gold"}) for i in range(4)])
    await burt.create_experiment_batch(campaign.id, 4, "k1")
    now[0] += timedelta(hours=1)
    await burt.load_contacts(campaign.id, [ContactIn("late", {"tier": "silver"})])
    await burt.create_experiment_batch(campaign.id, 1, "k2")
    now[0] += timedelta(hours=1)
    today = await burt.get_campaign_stats(campaign.id)
    earlier = await burt.get_campaign_stats(campaign.id, as_of=T0 + timedelta(minutes=30))
    assert [s.name for s in today.segments or ()] == ["tier=gold", "tier=silver"]
    assert [(s.name, s.contacts) for s in earlier.segments or ()] == [("tier=gold", 4)]
    before_any = await burt.get_campaign_stats(campaign.id, as_of=T0 - timedelta(minutes=1))
    assert before_any.segments == ()


# registry across draws, concurrent and killed draws ----------------------------------------------
TIERS = ["gold", "silver", "gold", "bronze", "silver", "gold"] * 10
"""Contact c{i}'s tier: gold the commonest, bronze the rarest."""


async def check_slots(store: Store, campaign_id: str, tiers: list[str]) -> None:
    """Every assigned contact counts in the slot the registry holds its key in (no slot the
    registry lacks, no key twice); the counters equal a recount and sum to the campaign's."""
    tables = await store.segment_tables(campaign_id, "clicked", 2)
    slots = tables.registry.slots
    assert len(set(slots)) == len(slots)
    expected: Counter[tuple[int, int]] = Counter()
    listed = await store.list_batches(campaign_id, -1, 1000)
    for header in listed:
        batch = await store.get_batch(campaign_id, header.id)
        assert batch is not None
        for contact, label in batch.assignments or ():
            slot = tables.registry.slot_of((tiers[int(contact[1:])],))
            assert slot is not None
            expected[(slot, label)] += 1
    counted = Counter(
        {
            (slot, label): int(table.sends[label].sum())
            for slot, table in enumerate(tables.tables)
            for label in (0, 1, -1)
        }
    )
    assert +counted == expected
    rows = await store.period_counts(campaign_id)
    assert rows == await store.recount(campaign_id)
    assert sum(t.sends for t in tables.tables).tolist() == tables.whole.sends.tolist()


async def test_the_registry_is_kept_across_draws(store: Store) -> None:
    campaign = await segmented(store, TIERS)
    await store.draw_batch(campaign.id, draft("k1", 5, plan()))
    first = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert first.slots == (("gold",), ("silver",), ("bronze",))
    await store.load_contacts(campaign.id, [ContactIn(f"c{len(TIERS)}", {"tier": "iron"})])
    await store.draw_batch(campaign.id, draft("k2", 100, plan((0.5, 0.5)), seed=9))
    second = (await store.segment_tables(campaign.id, "clicked", 2)).registry
    assert second.slots == (*first.slots, ("iron",))
    await check_slots(store, campaign.id, [*TIERS, "iron"])


async def test_concurrent_first_draws_place_by_one_registry(
    store: Store, store_spec: StoreSpec
) -> None:
    campaign = await segmented(store, TIERS)
    other = store_spec.open_store()
    await other.open()
    try:
        await asyncio.gather(
            store.draw_batch(campaign.id, draft("k1", 25, plan())),
            other.draw_batch(campaign.id, draft("k2", 25, plan())),
        )
    finally:
        await other.close()
    tables = await store.segment_tables(campaign.id, "clicked", 2)
    assert tables.registry.slots == (("gold",), ("silver",), ("bronze",))
    await check_slots(store, campaign.id, TIERS)


async def test_mongo_a_draw_that_lost_the_registry_race_places_by_the_winners(
    mongo_spec: StoreSpec,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The late drawer reads an empty registry; before it appends its own ranking, the early
    drawer appends (gold, silver), then bronze contacts arrive, so the late drawer's ranking
    would be (bronze, gold, silver): its append must fail and its contacts go by the early's."""
    early, late = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 30)
    try:
        campaign = await segmented(early, ["gold"] * 3 + ["silver"] * 2)
        read_registry = late._segments.registry

        async def raced(campaign_id: str) -> Registry | None:
            stored = await read_registry(campaign_id)
            monkeypatch.undo()
            # another drawer: its own task, outside the late drawer's session
            await asyncio.create_task(early_draws(campaign_id), context=contextvars.Context())
            return stored

        async def early_draws(campaign_id: str) -> None:
            await early.draw_batch(campaign_id, draft("early", 3, plan()))
            await early.load_contacts(
                campaign_id, [ContactIn(f"c{i}", {"tier": "bronze"}) for i in range(5, 10)]
            )

        monkeypatch.setattr(late._segments, "registry", raced)
        await late.draw_batch(campaign.id, draft("late", 2, plan()))
        registry = (await late.segment_tables(campaign.id, "clicked", 2)).registry
        assert registry.slots == (("gold",), ("silver",))
        await late.draw_batch(campaign.id, draft("rest", 10, plan()))
        tiers = ["gold"] * 3 + ["silver"] * 2 + ["bronze"] * 5
        await check_slots(late, campaign.id, tiers)
        registry = (await late.segment_tables(campaign.id, "clicked", 2)).registry
        assert registry.slots == (("gold",), ("silver",), ("bronze",))
    finally:
        await early.close()
        await late.close()


async def test_mongo_a_draw_killed_between_its_registry_write_and_its_seal(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    """Its slots stay in the registry, its contacts go back to pending and are drawn into
    those slots later; a drawer that was only slow finds its batch aborted."""
    patient, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        campaign = await segmented(patient, TIERS)
        killed = draft("killed", 4, plan())
        doc = await patient._draws._begin(campaign.id, killed)
        assert doc is not None
        held = await patient._draws._claim(doc, 4)
        assert killed.segments is not None
        placed = await patient._segments.place(campaign.id, doc["sequence"], held, killed.segments)
        assert placed == [0, 1, 0, 2]  # then: SIGKILL before the seal
        burt = Burt(recovering, clock=lambda: T0)
        assert (await burt.get_campaign(campaign.id)).contacts_pending == len(TIERS)
        for i in range(10):
            try:
                await burt.create_experiment_batch(campaign.id, 20, f"after-{i}")
            except NoPendingContacts:
                break
        assert (await burt.get_campaign(campaign.id)).contacts_pending == 0
        tables = await recovering.segment_tables(campaign.id, "clicked", 2)
        assert tables.registry.slots == (("gold",), ("silver",), ("bronze",))
        assert sum(int(t.sends.sum()) for t in tables.tables) == len(TIERS)
        await check_slots(recovering, campaign.id, TIERS)
        assert await patient._draws._seal(doc, killed, held) is None  # the abort won
        await check_slots(recovering, campaign.id, TIERS)
    finally:
        await patient.close()
        await recovering.close()


@pytest.mark.parametrize("expected_version", [True, False])
async def test_mongo_segments_fixed_by_a_draw_that_claimed_nothing_answer_conflict(
    mongo_spec: StoreSpec,  # noqa: F811
    expected_version: bool,
) -> None:
    """A draw killed after reserving its sequence fixes the segments with no contact drawn;
    changing them answered 412 ("changed concurrently", at the version the client sent) or,
    without a version, retried until "kept changing concurrently"."""
    patient, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        campaign = await segmented(patient, TIERS)
        assert await patient._draws._begin(campaign.id, draft("killed", 4, plan())) is not None
        burt = Burt(recovering, clock=lambda: T0)
        assert (await burt.get_campaign(campaign.id)).contacts_pending == len(TIERS)
        with pytest.raises(Conflict, match="segment_by cannot change after the campaign's first"):
            await burt.update_campaign(
                campaign.id,
                campaign.version if expected_version else None,
                settings={"segment_by": ["tier", "locale"]},
            )
        renamed = await burt.update_campaign(campaign.id, campaign.version, name="Renamed")
        assert renamed.settings.segment_by == ("tier",)
    finally:
        await patient.close()
        await recovering.close()


async def tiered_campaign(store: Store, n: int) -> tuple[Campaign, list[str]]:
    """A segmented campaign of the workers' tenant with `n` contacts in `TIERS`' proportions."""
    tiers = [TIERS[i % len(TIERS)] for i in range(n)]
    campaign = await Burt(store, tenant=TENANT).initialize_campaign(
        "Seg", [("a", "A"), ("b", "B")], "clicked", {"segment_by": ["tier"]}
    )
    await store.load_contacts(
        campaign.id, [ContactIn(f"c{i}", {"tier": t}) for i, t in enumerate(tiers)]
    )
    return campaign, tiers


async def test_segmented_draws_from_processes_place_by_one_registry(
    store: Store, store_spec: StoreSpec, tmp_path: Path
) -> None:
    campaign, tiers = await tiered_campaign(store, 120)
    workers = [
        worker(store_spec, tmp_path / f"w{n}", "draw", campaign.id, 7, f"w{n}", 100)
        for n in range(4)
    ]
    drawn = [line for w in workers for line in w.finish()]
    assert sum(line["size"] for line in drawn) == len(tiers)
    await check_slots(store, campaign.id, tiers)


async def test_a_segmented_drawer_killed_mid_draw_leaves_a_consistent_store(
    store: Store, store_spec: StoreSpec, tmp_path: Path
) -> None:
    campaign, tiers = await tiered_campaign(store, 300 if store_spec.kind == "mongodb" else 3000)
    drawer = worker(store_spec, tmp_path / "k", "draw", campaign.id, 4, "k", 10**4)
    drawer.kill_after(lines=1, delay=random.Random(3).uniform(0.0, 0.25))
    assert drawer.process.exitcode == -signal.SIGKILL, "the drawer finished before the kill"
    recovering = store_spec.open_store(claim_timeout=0.0)
    await recovering.open()
    try:
        burt = Burt(recovering, tenant=TENANT)
        with contextlib.suppress(NoPendingContacts):
            for i in range(10**4):
                await burt.create_experiment_batch(campaign.id, 500, f"after-{i}")
        assert (await burt.get_campaign(campaign.id)).contacts_pending == 0
        await check_slots(recovering, campaign.id, tiers)
    finally:
        await recovering.close()


async def test_mongo_outcomes_owed_by_a_killed_event_post_count_in_their_slots(
    mongo_spec: StoreSpec,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The markers are stored but their counter update never ran: the counts read the open
    entry's markers into the right slots, and the repair adds them there exactly once."""
    store, recovering = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 0)
    try:
        campaign = await segmented(store, TIERS)
        batch = await store.draw_batch(campaign.id, draft("k1", 12, plan()))
        when = T0 + timedelta(hours=1)
        events = [
            EventIn(f"e{i}", c, "clicked", when.isoformat())
            for i, (c, _) in enumerate(batch.assignments or ())
        ]

        async def killed(*args: object) -> None:
            raise KeyboardInterrupt("killed between the markers and their counter update")

        monkeypatch.setattr(Journal, "close", killed)
        with pytest.raises(KeyboardInterrupt):
            await store.record_events(campaign.id, events, [when.timestamp()] * len(events), 0)
        monkeypatch.undo()
        owed = await store.period_counts(campaign.id)
        assert {r.segment for r in owed if r.outcomes["clicked"]} == {0, 1, 2}
        assert owed == await store.recount(campaign.id)
        await recovering.draw_batch(campaign.id, draft("repair", 1, plan()))
        repaired = await store._conn.campaigns.find_one({"_id": campaign.id})
        assert repaired is not None and repaired["open"] == {}  # the cells hold it all now
        rows = await store.period_counts(campaign.id)
        assert [r for r in rows if r.sequence == batch.sequence] == owed
        await check_slots(store, campaign.id, TIERS)
    finally:
        await store.close()
        await recovering.close()


async def test_a_draw_and_a_segment_change_racing_cannot_both_win(store: Store) -> None:
    """Each side checks the other in its own atomic write: an update that changes the segment
    settings of a campaign that has drawn stores nothing, and a draw decided with segment
    settings the campaign no longer has claims nothing."""
    burt = Burt(store, clock=lambda: T0)
    campaign = await segmented(store, ["gold", "silver"] * 3)
    regrouped = replace(campaign.settings, segment_by=("tier", "locale"))
    stale_draft = draft("k0", 2, replace(plan(), by=("tier", "locale")))
    with pytest.raises(Conflict, match="changed its segment settings"):
        await store.draw_batch(campaign.id, stale_draft)
    assert (await burt.get_campaign(campaign.id)).contacts_pending == 6
    await store.draw_batch(campaign.id, draft("k1", 2, plan()))
    raced = replace(campaign, settings=regrouped, version=campaign.version + 1)
    assert not await store.update_campaign(raced, campaign.version)  # read before the draw
    assert (await burt.get_campaign(campaign.id)).settings == campaign.settings
    renamed = replace(campaign, name="Renamed", version=campaign.version + 1)
    assert await store.update_campaign(renamed, campaign.version)  # other changes still go
    with pytest.raises(Conflict, match="segment_by cannot change"):
        await burt.update_campaign(
            campaign.id, campaign.version + 1, settings={"segment_by": ["tier", "locale"]}
        )


async def test_mongo_a_segment_change_between_a_draws_read_and_its_reservation(
    mongo_spec: StoreSpec,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The draw read the settings it was decided with; the change lands before it reserves a
    sequence: the reservation (at the version read) fails, and the draw, reading again, claims
    nothing and answers Conflict."""
    store = await open_mongo(mongo_spec, 30)
    try:
        campaign = await segmented(store, TIERS)
        regrouped = replace(
            campaign,
            settings=replace(campaign.settings, segment_by=("tier", "locale")),
            version=campaign.version + 1,
        )
        campaigns = Connection.campaigns

        class ChangedAfterTheDrawRead:
            """The campaigns collection, with the change landing right after the draw's read."""

            def __init__(self, real: Any) -> None:
                self._real = real

            def __getattr__(self, name: str) -> Any:
                return getattr(self._real, name)

            async def find_one(self, *args: Any, **kwargs: Any) -> Any:
                doc = await self._real.find_one(*args, **kwargs)
                if args[1:] == ({"settings": 1, "version": 1},):  # the draw's read
                    monkeypatch.undo()
                    assert await store.update_campaign(regrouped, campaign.version)
                return doc

        monkeypatch.setattr(
            Connection,
            "campaigns",
            property(lambda conn: ChangedAfterTheDrawRead(campaigns.fget(conn))),
        )
        with pytest.raises(Conflict, match="changed its segment settings"):
            await store.draw_batch(campaign.id, draft("k1", 5, plan()))
        monkeypatch.undo()
        stored = await Burt(store, clock=lambda: T0).get_campaign(campaign.id)
        assert stored.settings.segment_by == ("tier", "locale")
        assert stored.contacts_pending == len(TIERS)
    finally:
        await store.close()


async def test_a_segment_that_declares_goes_all_in_alone(store: Store) -> None:
    now = [T0]
    burt = Burt(store, clock=lambda: now[0])
    settings = {
        "segment_by": ["tier"],
        "attribution_window_seconds": 0,
        "warmup_sends": 10,
        "winner_min_sends": 0,
    }
    campaign = await burt.initialize_campaign("Seg", [("a", "A"), ("b", "B")], "clicked", settings)
    tiers = ["gold", "silver"] * 1000
    await burt.load_contacts(
        campaign.id, [ContactIn(f"c{i}", {"tier": t}) for i, t in enumerate(tiers)]
    )
    first, _ = await burt.create_experiment_batch(campaign.id, 600, "k1")
    clicks = [  # gold contacts click b; a few of every kind click anyway
        EventIn(f"e{i}", c, "clicked", T0)
        for i, (c, v) in enumerate(first.assignments or ())
        if (v == 1 and tiers[int(c[1:])] == "gold") or i % 20 == 0
    ]
    await burt.record_outcomes(campaign.id, clicks)
    now[0] += timedelta(hours=1)
    stats = await burt.get_campaign_stats(campaign.id)
    decisions = {s.name: s.decision for s in stats.segments or ()}
    assert decisions["tier=gold"].status == "winner"
    assert decisions["tier=gold"].winner_variant_id == "b"
    assert decisions["tier=silver"].winner_variant_id is None
    assert stats.winner_differs_by_segment is False
    assert "b in tier=gold" in (stats.winner_differs_reason or "")
    second, _ = await burt.create_experiment_batch(campaign.id, 600, "k2")
    gold = Counter(v for c, v in second.assignments or () if tiers[int(c[1:])] == "gold")
    assert gold == Counter({1: 300})  # all in: every gold contact gets b
