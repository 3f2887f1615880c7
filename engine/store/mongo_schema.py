"""The MongoDB store's schema: its version in the database, the forward migration, the indexes.

`open` calls `migrate_or_refuse`: a database at this schema version is only verified (every
index present, nothing built at start-up), an older one is migrated forward, a newer one is
refused with a message that names both versions. The version lives in the `meta` collection
(`{_id: "schema", schema_version: N}`); a database written before versions existed has none
and counts as version 0.

Migrating is safe from several processes at once and after a crash at any point: every step is
idempotent (index builds; per campaign, one conditional write that sets its counters only if
they are still absent), and the version is raised with `$max` only once every step is done, so a
process serves only a fully migrated database. Processes of the older burt must be stopped
first: they do not maintain the counters.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from burt.engine.delays import delay_bins
from burt.engine.errors import IncompatibleStore
from burt.engine.store import codec
from burt.engine.timefmt import parse_rfc3339, utcnow

SCHEMA_VERSION = 6
"""1: maintained counters on the campaign document, `campaign_id` on campaigns, `heartbeat`
(server time) on claiming batches, markers tagged with the post that wrote them.
2: the `webhooks` collection's index (webhook receivers by tenant).
3: markers carry their outcome's `delay` and `bin`; campaigns a maintained delay histogram
(`delays`), so no request reads every outcome's time.
4: campaign settings within this burt's rules, what changed recorded on the campaign
(`settings_adjustments`).
5: the `webhook_tokens` collection's index (signed deliveries' one-time tokens by expiry).
6: segments: a campaign's slot registry (`segment_slots`), a segmented batch's members' slots
(`slots`) and sends per slot (`segment_sends`), the cells of slot s > 0 named "sequence:s/...".
Nothing is rewritten (whatever lacks them is slot 0); the version is raised so that an older
burt, which would misread those cells and count a segmented contact's outcomes in slot 0,
refuses the database."""

INDEXES: dict[str, list[tuple[list[str], bool]]] = {
    # nx-27017 rejects `_id` in a compound index
    "campaigns": [(["campaign_id"], True), (["tenant", "id"], False)],
    "contacts": [
        (["campaign_id", "contact_id"], True),
        (["campaign_id", "seq"], True),
        (["campaign_id", "batch", "seq"], False),
    ],
    "batches": [
        (["campaign_id", "idempotency_key"], True),
        (["campaign_id", "sequence"], True),
        (["campaign_id", "state", "heartbeat"], False),
    ],
    "events": [(["campaign_id", "event_id"], True)],
    "outcomes": [
        (["campaign_id", "contact_id", "type"], True),
        (["campaign_id", "op"], False),
    ],
    "webhooks": [(["tenant", "id"], False)],
    "webhook_tokens": [(["expires_at"], False)],
}
"""Per collection: (key fields, unique). Built by the migration, verified at start-up."""

_DROPPED: dict[str, list[tuple[str, ...]]] = {
    "batches": [("campaign_id", "state", "started_at")],
    "outcomes": [("campaign_id", "cell")],
}
"""Indexes of version 0 that no query uses, dropped by the migration (found by key: servers name
indexes their own way, nx-27017 for one)."""
_INDEX_NOT_FOUND = 27


def _name(keys: list[str]) -> str:
    return "_".join(f"{k}_1" for k in keys)


async def stored_version(db: AsyncDatabase[dict[str, Any]]) -> int:
    doc = await db["meta"].find_one({"_id": "schema"})
    return int(doc["schema_version"]) if doc else 0


async def migrate_or_refuse(db: AsyncDatabase[dict[str, Any]]) -> int:
    """Bring the database to SCHEMA_VERSION, or refuse it; returns the version found."""
    found = await stored_version(db)
    if found > SCHEMA_VERSION:
        raise IncompatibleStore(
            f"the MongoDB database {db.name!r} is at schema version {found}, written by a newer"
            f" burt; this burt knows versions up to {SCHEMA_VERSION}: upgrade burt to open it"
        )
    if found == SCHEMA_VERSION:
        await verify_indexes(db)
        return found
    await _build_indexes(db)
    await _migrate_campaigns(db)
    await _add_delay_histograms(db)
    await _campaigns_within_the_rules(db)
    await _raise_version(db)
    return found


async def verify_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Refuse to start when an index this version relies on is missing (never build one here)."""
    missing = []
    for collection, indexes in INDEXES.items():
        present = {tuple(ix["key"]) async for ix in await db[collection].list_indexes()}
        missing += [
            f"{collection} {_name(keys)}" for keys, _ in indexes if tuple(keys) not in present
        ]
    if missing:
        raise IncompatibleStore(
            f"the MongoDB database {db.name!r} is at schema version {SCHEMA_VERSION} but lacks"
            f" the indexes {', '.join(missing)}; delete its `meta` document {{_id: 'schema'}}"
            " and restart one burt process to rebuild them"
        )


async def _build_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    for collection, indexes in INDEXES.items():
        for keys, unique in indexes:
            await db[collection].create_index([(k, ASCENDING) for k in keys], unique=unique)
    for collection, unused in _DROPPED.items():
        async for ix in await db[collection].list_indexes():
            if tuple(ix["key"]) in unused:
                try:
                    await db[collection].drop_index(ix["name"])
                except OperationFailure as exc:  # another process dropped it first
                    if exc.code != _INDEX_NOT_FOUND:
                        raise


async def _migrate_campaigns(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Give every campaign written by version 0 its `campaign_id` and counters, recounted."""
    async for doc in db["campaigns"].find({"contacts_total": {"$exists": False}}, {"_id": 1}):
        await _migrate_campaign(db, doc["_id"])


async def _migrate_campaign(db: AsyncDatabase[dict[str, Any]], campaign_id: str) -> None:
    scope = {"campaign_id": campaign_id}
    # Version 0 kept claim times as each host's float clock (`started_at`); heartbeats are the
    # server's epoch milliseconds. An unfinished claim of a stopped older process is made stale
    # at once, so the next draw aborts it and releases its contacts.
    await db["batches"].update_many(
        {**scope, "state": "claiming", "heartbeat": {"$exists": False}},
        {"$set": {"heartbeat": 0}},
    )
    # Batches drawn before they named their variants get the campaign's (variants never change).
    campaign = await db["campaigns"].find_one({"_id": campaign_id}, {"variants": 1})
    await db["batches"].update_many(
        {**scope, "variant_ids": {"$exists": False}},
        {"$set": {"variant_ids": [v["id"] for v in campaign["variants"]] if campaign else []}},
    )
    total = await db["contacts"].count_documents(scope)
    assigned = 0
    async for batch in db["batches"].find({**scope, "state": "complete"}, {"size": 1}):
        assigned += batch["size"]
    cells: Counter[str] = Counter()
    async for marker in db["outcomes"].find(scope, {"cell": 1}):
        cells[marker["cell"]] += 1
    await db["campaigns"].update_one(
        {"_id": campaign_id, "contacts_total": {"$exists": False}},
        {
            "$set": {
                "campaign_id": campaign_id,
                "contacts_total": total,
                "contacts_assigned": assigned,
                "cells": dict(cells),
                "open": {},
            }
        },
    )


async def _add_delay_histograms(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Version 3: time every marker by its contact's earliest event of its type (the delay a
    version 2 database implies), from its batch's draw, then give its campaign the histogram of
    those delays.

    Idempotent: a marker is timed only while it has no delay, and a campaign's histogram is set
    only while it has none, from every marker (the markers are all timed by then)."""
    async for campaign in db["campaigns"].find({"delays": {"$exists": False}}, {"_id": 1}):
        scope = {"campaign_id": campaign["_id"]}
        drawn = {
            b["sequence"]: parse_rfc3339(b["created_at"]).timestamp()
            async for b in db["batches"].find(
                {**scope, "state": "complete"}, {"sequence": 1, "created_at": 1}
            )
        }
        earliest: dict[tuple[Any, str], float] = {}
        async for event in db["events"].find(scope, {"contact_id": 1, "type": 1, "occurred_at": 1}):
            key = (event["contact_id"], event["type"])
            when = parse_rfc3339(event["occurred_at"]).timestamp()
            earliest[key] = min(when, earliest.get(key, when))
        delays: Counter[str] = Counter()
        async for marker in db["outcomes"].find(scope):
            if "delay" not in marker:
                first = earliest.get((marker["contact_id"], marker["type"]))
                delay = 0.0 if first is None else first - drawn[marker["sequence"]]
                marker.update(delay=delay, bin=int(delay_bins(delay if delay > 0 else 0.0)))
                await db["outcomes"].update_one(
                    {"_id": marker["_id"], **scope, "delay": {"$exists": False}},
                    {"$set": {"delay": marker["delay"], "bin": marker["bin"]}},
                )
            if marker["delay"] >= 0:
                delays[f"{marker['cell']}/{marker['bin']}"] += 1
        await db["campaigns"].update_one(
            {"_id": campaign["_id"], **scope, "delays": {"$exists": False}},
            {"$set": {"delays": dict(delays)}},
        )


async def _campaigns_within_the_rules(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Version 4: every campaign stored with settings this burt's rules refuse takes the nearest
    allowed values and records the change (`codec.conformed_campaign`, as SQLite's version 7).

    Idempotent: a campaign within the rules is not written, and each is rewritten only at the
    version read, so of several processes migrating at once one writes the change."""
    at = utcnow()
    fields = {"settings": 1, "variants": 1, "version": 1, "settings_adjustments": 1}
    async for doc in db["campaigns"].find({}, fields):
        changes = codec.conformed_campaign(doc, at)
        if changes is not None:
            await db["campaigns"].update_one(
                {"_id": doc["_id"], "campaign_id": doc["_id"], "version": doc["version"]},
                {"$set": changes},
            )


async def _raise_version(db: AsyncDatabase[dict[str, Any]]) -> None:
    for _ in range(2):  # two processes upserting at once: one insert wins, the other updates
        try:
            await db["meta"].update_one(
                {"_id": "schema"}, {"$max": {"schema_version": SCHEMA_VERSION}}, upsert=True
            )
            return
        except DuplicateKeyError:
            continue


def counters_fields() -> dict[str, Any]:
    """The counters of a new campaign."""
    return {"contacts_total": 0, "contacts_assigned": 0, "cells": {}, "delays": {}, "open": {}}
