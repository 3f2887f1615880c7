"""MongoDB as production runs it: what the store sends, what a request costs, how a database
from an older or newer burt is opened, which errors mean "unavailable, retry".

No replica set, failover or sharded cluster can be started here, so these tests assert on the
commands real MongoDB would receive (recorded by a PyMongo command listener), on both emulators.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pymongo
import pytest
from pymongo import MongoClient
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    DuplicateKeyError,
    OperationFailure,
    WriteConcernError,
)

from burt.engine import Burt, ContactIn, EventIn
from burt.engine.apikeys import ApiKey
from burt.engine.errors import IncompatibleStore, StoreUnavailable
from burt.engine.store import mongo_schema
from burt.engine.store.mongo import MongoStore, is_unavailable
from tests.mongo_commands import READS, WRITES, Command, CommandRecorder, shape, violations
from tests.stores import TENANT, StoreSpec
from tests.test_store_conformance import (
    WHEN,
    _draft_like,
    check_all_assigned,
    check_partition,
    ids,
    mongo_spec,  # noqa: F401 (a fixture)
    new_campaign,
    open_mongo,
)

pytestmark = pytest.mark.anyio

SMALL, LARGE = 1_000, 20_000
"""Campaign sizes compared: 20,000 rather than 100,000 keeps nx-27017 (which scans) quick;
a command count or shape that grew with the campaign would differ already."""


async def _campaign_of(burt: Burt, size: int) -> str:
    """A campaign of `size` contacts with one batch drawn and one outcome recorded."""
    campaign = await new_campaign(burt, [])
    contacts = [f"c-{i:06d}" for i in range(size)]
    for first in range(0, size, 10_000):
        await burt.load_contacts(
            campaign.id, [ContactIn(c) for c in contacts[first : first + 10_000]]
        )
    batch, _ = await burt.create_experiment_batch(campaign.id, 10, "first")
    first_contact = (batch.assignments or ())[0][0]
    await burt.record_outcomes(campaign.id, [EventIn("e0", first_contact, "opened", WHEN)])
    return campaign.id


async def _requests(burt: Burt, recorder: CommandRecorder, campaign_id: str) -> dict[str, Any]:
    """The commands each request sends, recorded one request at a time."""
    sent: dict[str, Any] = {}

    async def record(name: str, call: Any) -> Any:
        recorder.start()
        result = await call
        sent[name] = list(recorder.commands)
        recorder.recording = False
        return result

    await record("getCampaign", burt.get_campaign(campaign_id))
    batch, _ = await record("draw", burt.create_experiment_batch(campaign_id, 10, "measured"))
    events = [EventIn(f"e{i}", c, "clicked", WHEN) for i, (c, _) in enumerate(batch.assignments)]
    await record("event post", burt.record_outcomes(campaign_id, events))
    await record("stats", burt.get_campaign_stats(campaign_id))
    await record("listCampaigns", burt.list_campaigns(limit=1))
    return sent


def _one_causal_session(draw: list[Command]) -> None:
    """A draw's commands share one session; on a replica set every read after its first write
    waits for that write (`afterClusterTime`), the read-your-own-writes of a causal session."""
    assert len({c.body["lsid"]["id"] for c in draw if "lsid" in c.body}) == 1
    first_write = next(i for i, c in enumerate(draw) if c.name in WRITES)
    later_reads = [c for c in draw[first_write:] if c.name in READS]
    assert later_reads
    if "$clusterTime" in draw[0].body:  # a replica set (secantusdb), not a standalone (nx)
        assert all("afterClusterTime" in c.body["readConcern"] for c in later_reads)


async def test_commands_a_request_sends_do_not_grow_with_the_campaign(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    recorder = CommandRecorder()
    store = MongoStore(mongo_spec.location, mongo_spec.db, event_listeners=[recorder])
    await store.open()
    try:
        burt = Burt(store, tenant=TENANT)
        shapes = {}
        for size in (LARGE, SMALL):  # the large one first: listCampaigns(limit=1) shows it
            campaign_id = await _campaign_of(burt, size)
            sent = await _requests(burt, recorder, campaign_id)
            for name, commands in sent.items():
                assert violations(commands) == [], name
            shapes[size] = {name: shape(commands) for name, commands in sent.items()}
            _one_causal_session(sent["draw"][1:])  # (the engine's replay check comes first)
            campaign = await burt.get_campaign(campaign_id)
            assert (campaign.contacts_total, campaign.contacts_pending) == (size, size - 20)
        assert shapes[SMALL] == shapes[LARGE]
        assert shapes[SMALL]["getCampaign"] == [("find", "campaigns")]
        assert ("aggregate", "outcomes") not in shapes[SMALL]["stats"]  # no $group of markers
    finally:
        await store.close()


async def _with_outcomes(burt: Burt, outcomes: int) -> str:
    """A campaign of 2,000 contacts, `outcomes` of them with an open and a click recorded."""
    campaign = await new_campaign(burt, [])
    await burt.load_contacts(campaign.id, [ContactIn(f"c-{i:06d}") for i in range(2_000)])
    batch, _ = await burt.create_experiment_batch(campaign.id, outcomes, "first")
    await burt.record_outcomes(
        campaign.id,
        [
            EventIn(f"{kind}-{contact}", contact, kind, WHEN)
            for contact, _ in batch.assignments or ()
            for kind in ("opened", "clicked")
        ],
    )
    return campaign.id


async def test_commands_a_request_sends_do_not_grow_with_the_outcomes(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    """Issue 15: the delay histogram is maintained with the counters, so a draw, a campaign
    read, an event post and stats read no outcome marker or event."""
    recorder = CommandRecorder()
    store = MongoStore(mongo_spec.location, mongo_spec.db, event_listeners=[recorder])
    await store.open()
    try:
        burt = Burt(store, tenant=TENANT)
        shapes = {}
        for outcomes in (1_200, 10):
            campaign_id = await _with_outcomes(burt, outcomes)
            sent = await _requests(burt, recorder, campaign_id)
            shapes[outcomes] = {name: shape(commands) for name, commands in sent.items()}
            rows = await store.period_counts(campaign_id)
            assert rows == await store.recount(campaign_id)
            assert sum(sum(r.delays["opened"]) for r in rows if "opened" in r.delays) == outcomes
        assert shapes[10] == shapes[1_200]
        for name in ("getCampaign", "draw", "stats"):
            assert not {"outcomes", "events"} & {c for _, c in shapes[10][name]}, name
    finally:
        await store.close()


# schema version and migration -------------------------------------------------------------------
_V0_RENAMED = {"heartbeat": "started_at", "op": "cell"}
_V0_INDEXES = {
    collection: [([_V0_RENAMED.get(k, k) for k in keys], unique) for keys, unique in indexes]
    for collection, indexes in {
        **mongo_schema.INDEXES,
        "campaigns": [(["tenant", "id"], False)],
    }.items()
}
"""The indexes burt built before schema versions: today's, but `campaigns (tenant, id)` alone,
claims timed by `started_at` and markers found by `cell`."""


def _as_written_before_schema_versions(spec: StoreSpec) -> None:
    """Rewrite the database into the layout burt wrote before schema versions: no `meta`, no
    counters, `campaign_id`, delay histogram or `open` on campaigns, no `op`, `delay` or `bin`
    on markers, claims timed by the host's float clock (`started_at`), and that version's
    indexes; and batches without `variant_ids`, as burt wrote them before they named their
    variants."""
    with MongoClient(spec.location, serverSelectionTimeoutMS=5000) as client:
        db = client[spec.db]
        db["meta"].drop()
        db["campaigns"].update_many(
            {},
            {
                "$unset": {
                    k: ""
                    for k in (
                        "campaign_id",
                        "contacts_total",
                        "contacts_assigned",
                        "cells",
                        "delays",
                        "open",
                    )
                }
            },
        )
        db["outcomes"].update_many({}, {"$unset": {"op": "", "delay": "", "bin": ""}})
        db["batches"].update_many(
            {},
            {"$set": {"started_at": time.time()}, "$unset": {"heartbeat": "", "variant_ids": ""}},
        )
        for collection, indexes in _V0_INDEXES.items():
            db[collection].drop_indexes()
            for keys, unique in indexes:
                db[collection].create_index([(k, 1) for k in keys], unique=unique)


async def test_a_database_written_before_schema_versions_migrates_and_keeps_every_count(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    store = await open_mongo(mongo_spec, 30)
    burt = Burt(store, tenant=TENANT)
    loaded = ids(40)
    campaign = await new_campaign(burt, loaded, holdout=0.1)
    for i in range(3):
        batch, _ = await burt.create_experiment_batch(campaign.id, 8, f"k{i}")
        members = [c for c, _ in batch.assignments or ()]
        await burt.record_outcomes(
            campaign.id,
            [
                EventIn(f"e{i}-{n}-{kind}", c, kind, WHEN)
                for n, c in enumerate(members)
                for kind in ("opened", "clicked")
            ][: 5 + i],
        )
    draws = store._draws  # an older burt's draw, stopped mid-claim
    doc = await draws._begin(campaign.id, _draft_like(batch, "left-claiming"))
    assert doc is not None and len(await draws._claim(doc, 4)) == 4
    before = await burt.get_campaign(campaign.id)
    rows = await store.period_counts(campaign.id)
    await store.close()
    _as_written_before_schema_versions(mongo_spec)

    # two processes start at once on the old database: both migrate, neither double-counts
    upgraded = [mongo_spec.open_store(claim_timeout=30) for _ in range(2)]
    await asyncio.gather(*(s.open() for s in upgraded))
    try:
        store = upgraded[0]
        assert isinstance(store, MongoStore)
        stored = await mongo_schema.stored_version(store._conn.database)
        assert stored == mongo_schema.SCHEMA_VERSION
        burt = Burt(store, tenant=TENANT)
        after = await burt.get_campaign(campaign.id)
        assert after.contacts_total == before.contacts_total == len(loaded)
        assert after.contacts_pending == before.contacts_pending == len(loaded) - 24
        assert await store.period_counts(campaign.id) == rows == await store.recount(campaign.id)
        assert {r.segment for r in rows} == {0}  # stored before segments: slot 0, as written
        tables = await store.segment_tables(campaign.id, "clicked", len(after.variants))
        assert tables.registry.slots == () and tables.tables == ()
        await check_partition(burt, campaign.id, set(loaded))
        # the older burt's unfinished claim is aborted at once (the migration made it stale)
        await check_all_assigned(burt, campaign.id, set(loaded))
    finally:
        for s in upgraded:
            await s.close()


async def test_a_database_from_before_segments_opens_with_everything_in_slot_0(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    """Version 5 wrote no slots: its counts read as slot 0, unchanged, and it takes segments."""
    store = await open_mongo(mongo_spec, 30)
    burt = Burt(store, tenant=TENANT)
    campaign = await new_campaign(burt, ids(12), holdout=0.1)
    batch, _ = await burt.create_experiment_batch(campaign.id, 8, "k")
    members = [c for c, _ in batch.assignments or ()]
    await burt.record_outcomes(
        campaign.id, [EventIn(f"e{i}", c, "clicked", WHEN) for i, c in enumerate(members[:5])]
    )
    rows = await store.period_counts(campaign.id)
    await store.close()
    with MongoClient(mongo_spec.location, serverSelectionTimeoutMS=5000) as client:
        client[mongo_spec.db]["meta"].update_one({"_id": "schema"}, {"$set": {"schema_version": 5}})
    store = await open_mongo(mongo_spec, 30)
    try:
        assert await mongo_schema.stored_version(store._conn.database) == 6
        assert await store.period_counts(campaign.id) == rows == await store.recount(campaign.id)
        assert {r.segment for r in rows} == {0}
        tables = await store.segment_tables(campaign.id, "clicked", len(campaign.variants))
        assert tables.registry.slots == () and tables.tables == ()
        burt = Burt(store, tenant=TENANT)
        await check_all_assigned(burt, campaign.id, set(ids(12)))
        segmented = await burt.initialize_campaign(
            "Seg", [("a", "A"), ("b", "B")], "clicked", {"segment_by": ["tier"]}
        )
        await burt.load_contacts(
            segmented.id, [ContactIn(f"s{i}", {"tier": "ab"[i % 2]}) for i in range(6)]
        )
        await burt.create_experiment_batch(segmented.id, 6, "k")
        tables = await store.segment_tables(segmented.id, "clicked", 2)
        assert tables.registry.slots == (("a",), ("b",))
        assert [int(t.sends.sum()) for t in tables.tables] == [3, 3]
    finally:
        await store.close()


async def test_a_database_from_a_newer_burt_is_refused_with_both_versions(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    store = await open_mongo(mongo_spec, 30)
    await store.close()
    newer = mongo_schema.SCHEMA_VERSION + 1
    with MongoClient(mongo_spec.location, serverSelectionTimeoutMS=5000) as client:
        client[mongo_spec.db]["meta"].update_one(
            {"_id": "schema"}, {"$set": {"schema_version": newer}}
        )
    refused = mongo_spec.open_store()
    with pytest.raises(IncompatibleStore, match=f"schema version {newer}.*upgrade burt"):
        await refused.open()
    await refused.close()


async def test_a_current_database_is_only_verified_at_start_up(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    await (await open_mongo(mongo_spec, 30)).close()  # migrates the new database
    recorder = CommandRecorder()
    recorder.start()
    verified = MongoStore(mongo_spec.location, mongo_spec.db, event_listeners=[recorder])
    await verified.open()
    await verified.close()
    sent = {name for name, _ in shape(recorder.commands)}
    assert "createIndexes" not in sent and "listIndexes" in sent
    with MongoClient(mongo_spec.location, serverSelectionTimeoutMS=5000) as client:
        contacts = client[mongo_spec.db]["contacts"]
        (name,) = [
            ix["name"]
            for ix in contacts.list_indexes()
            if list(ix["key"]) == ["campaign_id", "seq"]
        ]
        contacts.drop_index(name)  # (each server names its indexes its own way)
    missing = MongoStore(mongo_spec.location, mongo_spec.db)
    with pytest.raises(IncompatibleStore, match="contacts campaign_id_1_seq_1"):
        await missing.open()
    await missing.close()


# errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (AutoReconnect("connection reset"), True),
        (WriteConcernError("waiting for replication timed out", 64, {}), True),
        (OperationFailure("time limit", 50, {"code": 50}), True),  # MaxTimeMSExpired
        (OperationFailure("stepped down", 189, {"code": 189}), True),
        (OperationFailure("x", 91, {"errorLabels": ["RetryableWriteError"]}), True),
        (BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64}]}), True),
        (DuplicateKeyError("E11000 duplicate key", 11000), False),
        (OperationFailure("unknown operator: $bogus", 2, {"code": 2}), False),
        (BulkWriteError({"writeErrors": [{"code": 121}], "writeConcernErrors": []}), False),
    ],
)
def test_only_errors_that_mean_retry_are_unavailable(error: Exception, unavailable: bool) -> None:
    assert is_unavailable(error) is unavailable  # type: ignore[arg-type]


async def test_a_timeout_is_a_503_and_a_bug_stays_an_error(
    mongo_spec: StoreSpec,  # noqa: F811
) -> None:
    store = await open_mongo(mongo_spec, 30)
    try:
        campaign = await new_campaign(Burt(store, tenant=TENANT), ids(3))
        with pytest.raises(StoreUnavailable, match="unavailable, retry"), pymongo.timeout(1e-6):
            await store.get_campaign(TENANT, campaign.id)
        assert store._conn.database is not None  # still open after the timeout
        await store.add_api_key(ApiKey("hash", TENANT))
        with pytest.raises(DuplicateKeyError) as bug:  # not StoreUnavailable: a 500, as it should
            await store.add_api_key(ApiKey("hash", TENANT))
        assert not is_unavailable(bug.value)
    finally:
        await store.close()


# claims and the server's clock ------------------------------------------------------------------
async def test_claims_are_judged_by_the_servers_clock_and_refreshed_as_a_draw_goes(
    mongo_spec: StoreSpec,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawer, other = await open_mongo(mongo_spec, 30), await open_mongo(mongo_spec, 30)
    try:
        burt = Burt(drawer, tenant=TENANT)
        campaign = await new_campaign(burt, ids(10))
        first, _ = await burt.create_experiment_batch(campaign.id, 2, "first")
        doc = await drawer._draws._begin(campaign.id, _draft_like(first, "long"))
        assert doc is not None
        await drawer._conn.batches.update_one({"_id": doc["_id"]}, {"$set": {"heartbeat": 0}})
        claimed = await drawer._draws._claim(doc, 2)  # a round of a long draw: heartbeat renewed
        assert len(claimed) == 2
        # a host whose wall clock is an hour ahead does not take the live claim for dead
        monkeypatch.setattr(time, "time", lambda: time.monotonic() + 10**9)
        await Burt(other, tenant=TENANT).create_experiment_batch(campaign.id, 3, "other")
        claiming = await drawer._conn.batches.find_one({"_id": doc["_id"]})
        assert claiming is not None and claiming["state"] == "claiming"
        assert claiming["heartbeat"] >= await drawer._conn.server_now() - 5_000
    finally:
        await drawer.close()
        await other.close()
