"""`MongoStore`: the store port on MongoDB, correct on a standalone server without transactions."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import re
import secrets
import time
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar, cast

import bson
import pymongo
from pymongo import ASCENDING, AsyncMongoClient, ReadPreference, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    PyMongoError,
    WriteConcernError,
)
from pymongo.monitoring import CommandListener
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from burt.engine.apikeys import ApiKey
from burt.engine.assignment import assign_labels
from burt.engine.counts import CountTable
from burt.engine.delays import delay_bins
from burt.engine.errors import NoPendingContacts, NotFound, StoreUnavailable
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
from burt.engine.outcomes import Placement, classify_events
from burt.engine.store import codec
from burt.engine.store.mongo_schema import counters_fields, migrate_or_refuse
from burt.engine.timefmt import format_rfc3339, parse_rfc3339

Docs = AsyncCollection[dict[str, Any]]
"""A collection of plain documents (the BSON types PyMongo decodes by default)."""
P = ParamSpec("P")
T = TypeVar("T")

_DUPLICATE_KEY = 11000
_CLAIMING, _COMPLETE = "claiming", "complete"
_DRAW_ATTEMPTS = 5
_POLL_SECONDS = 0.02
_DELETED = "deleted_campaigns"
"""Deletions under way: {_id: campaign id, tenant, deleted_at}; no data of the campaign."""
_NOT_CAMPAIGN_SCOPED = {"campaigns", "api_keys", "meta", _DELETED}
_HIDDEN = {"members": 0, "labels": 0}
"""Projection of a batch header: its member arrays are read only for assignments."""
_NO_CELLS = {"cells": 0, "delays": 0}
"""Projection of a campaign for everything but stats."""

MAJORITY = WriteConcern("majority")
PRIMARY = ReadPreference.PRIMARY
MAJORITY_READS = ReadConcern("majority")

_RETRY_CODES = frozenset({6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436})
"""Server codes a driver retries (host unreachable, network timeout, shutdown, not primary,
stepped down, time limit exceeded, majority snapshot not ready): "unavailable, retry"."""
_RETRY_LABELS = ("RetryableWriteError", "TransientTransactionError", "RetryableError")


def is_unavailable(exc: PyMongoError) -> bool:
    """Does this error mean "the deployment cannot answer now, retry" rather than a bug?"""
    if isinstance(exc, ConnectionFailure | WriteConcernError) or exc.timeout:
        return True  # ConnectionFailure covers no primary, server selection, network timeouts
    if any(exc.has_error_label(label) for label in _RETRY_LABELS):
        return True
    if isinstance(exc, BulkWriteError):
        return bool(exc.details.get("writeConcernErrors"))
    return getattr(exc, "code", None) in _RETRY_CODES


def _available(fn: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turn "unavailable, retry" errors into StoreUnavailable (503); others stay errors (500)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except PyMongoError as exc:
            if is_unavailable(exc):
                raise StoreUnavailable(f"MongoDB is unavailable, retry: {exc}") from exc
            raise

    return wrapper


def _pack(values: Sequence[int], typecode: str) -> bson.Binary:
    return bson.Binary(array(typecode, values).tobytes())


def _unpack(data: bytes, typecode: str) -> list[int]:
    values = array(typecode)
    values.frombytes(data)
    return values.tolist()


class _Members:
    """A complete batch's members: sorted load sequences and the label of each."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.seqs = _unpack(doc["members"], "q")
        self.labels = _unpack(doc["labels"], "b")
        self.drawn = _drawn_epoch(doc)

    def label_of(self, seq: int) -> int | None:
        i = bisect_left(self.seqs, seq)
        return self.labels[i] if i < len(self.seqs) and self.seqs[i] == seq else None


def _inserted_failures(exc: BulkWriteError) -> set[int]:
    """Indexes of the documents an unordered insert_many rejected as duplicates.

    Any other write error is re-raised: only a duplicate key is an expected outcome.
    """
    errors = exc.details.get("writeErrors", [])
    unexpected = [e for e in errors if e.get("code") != _DUPLICATE_KEY]
    if unexpected or exc.details.get("writeConcernErrors"):
        raise exc
    return {e["index"] for e in errors}


async def _insert_unordered(collection: Docs, docs: list[dict[str, Any]]) -> set[int]:
    """Insert what is new; return the indexes of the documents that already existed."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        return _inserted_failures(exc)
    return set()


def _batch(doc: dict[str, Any], assignments: tuple[tuple[str, int], ...] | None = None) -> Batch:
    """A batch from its document. BSON decodes a 64-bit seed as `Int64`, an int subclass that
    JSON encoders such as msgspec reject: the domain gets a plain int."""
    return codec.batch_from_fields({**doc, "seed": int(doc["seed"])}, assignments)


def _cell(sequence: int, variant: int, kind: str) -> str:
    """The counter a marker counts for, as one string: some emulators group by scalars only."""
    return f"{sequence}/{variant}/{kind}"


def _counted(marker: dict[str, Any]) -> list[str]:
    """The counters a marker adds one to: its cell, and its cell's delay bin (`delays`)."""
    return [f"cells.{marker['cell']}", f"delays.{marker['cell']}/{marker['bin']}"]


def _drawn_epoch(doc: dict[str, Any]) -> float:
    """A batch document's draw time in epoch seconds."""
    return parse_rfc3339(doc["created_at"]).timestamp()


def _epoch_ms(when: datetime) -> int:
    """A naive UTC datetime (as PyMongo decodes BSON dates) in epoch milliseconds."""
    return round(when.replace(tzinfo=UTC).timestamp() * 1000)


_SESSION: ContextVar[AsyncClientSession | None] = ContextVar("burt_mongo_session", default=None)
"""The causally consistent session the current task's commands join (set by a draw)."""


class _Joined:
    """A collection whose every method call joins a session (`session=` added)."""

    def __init__(self, collection: Docs, session: AsyncClientSession) -> None:
        self._collection = collection
        self._session = session

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        return functools.partial(attr, session=self._session) if callable(attr) else attr


def _new_op(kind: str) -> str:
    """An id for an open-journal entry (a field name: no dots, no leading `$`)."""
    return f"{kind[0]}{secrets.token_hex(8)}"


class MongoStore:
    """Store on a MongoDB database (`open` connects and migrates or refuses the schema)."""

    name = "mongodb"

    def __init__(
        self,
        uri: str,
        db_name: str,
        claim_timeout: float = 30.0,
        *,
        timeout_ms: int = 25_000,
        server_selection_timeout_ms: int = 15_000,
        event_listeners: Sequence[CommandListener] = (),
    ) -> None:
        self.uri = uri
        self.db_name = db_name
        self.claim_timeout = claim_timeout
        """Seconds after which a claim or an open journal entry is presumed abandoned. It must
        exceed `timeout_ms`: a writer's steps run under that deadline."""
        self._timeout_ms = timeout_ms
        self._selection_ms = server_selection_timeout_ms
        self._listeners = list(event_listeners)
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._db: AsyncDatabase[dict[str, Any]] | None = None
        self._clock = (0, time.monotonic())

    # plumbing -------------------------------------------------------------------------------
    def _coll(self, name: str) -> Docs:
        if self._db is None:
            raise StoreUnavailable("the MongoDB store is not open")
        collection = self._db[name]
        session = _SESSION.get()
        if session is None:
            return collection
        return cast(Docs, _Joined(collection, session))

    @property
    def _campaigns(self) -> Docs:
        return self._coll("campaigns")

    @property
    def _contacts(self) -> Docs:
        return self._coll("contacts")

    @property
    def _batches(self) -> Docs:
        return self._coll("batches")

    @property
    def _events(self) -> Docs:
        return self._coll("events")

    @property
    def _outcomes(self) -> Docs:
        return self._coll("outcomes")

    def _deadline(self) -> Any:
        """One deadline over a writer's steps (a context manager): see the open journal."""
        return pymongo.timeout(self._timeout_ms / 1000)

    @property
    def _webhooks(self) -> AsyncCollection[dict[str, Any]]:
        return self._coll("webhooks")

    def _connect(self) -> AsyncDatabase[dict[str, Any]]:
        if self._client is None:
            # Keyword options override the URI's: production semantics are not left to it.
            self._client = AsyncMongoClient(
                self.uri,
                w="majority",
                readPreference="primary",
                readConcernLevel="majority",
                timeoutMS=self._timeout_ms,
                serverSelectionTimeoutMS=self._selection_ms,
                connectTimeoutMS=5000,
                event_listeners=self._listeners,
            )
            self._db = self._client.get_database(
                self.db_name,
                write_concern=MAJORITY,
                read_preference=PRIMARY,
                read_concern=MAJORITY_READS,
            )
        assert self._db is not None
        return self._db

    @_available
    async def exists(self) -> bool:
        names = await self._connect().list_collection_names()
        return bool({"api_keys", "campaigns"} & set(names))

    def location(self) -> str:
        return f"MongoDB database {self.db_name!r} at {re.sub(r'//[^@/]*@', '//', self.uri)}"

    @_available
    async def open(self) -> None:
        """Connect, then migrate the schema forward or refuse a newer one (mongo_schema)."""
        await migrate_or_refuse(self._connect())
        await self._server_now()
        await self._finish_deletions()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
            self._db = None
            self._db = None

    @_available
    async def ping(self) -> None:
        if self._client is None:
            raise StoreUnavailable("the MongoDB store is not open")
        await self._client.admin.command("ping")

    async def _server_now(self) -> int:
        """The server's clock in epoch milliseconds, read afresh (hello's localTime)."""
        assert self._client is not None
        reply = await self._client.admin.command("hello")
        self._clock = (_epoch_ms(reply["localTime"]), time.monotonic())
        return self._clock[0]

    def _now(self) -> int:
        """The server's clock as last read, advanced by this host's monotonic clock: a host
        whose wall clock is off judges no claim by it. Times are stored as epoch milliseconds
        (one emulator compares BSON dates wrongly)."""
        server_ms, at = self._clock
        return server_ms + round((time.monotonic() - at) * 1000)

    # API keys -------------------------------------------------------------------------------
    # One document per key, `_id` its digest; the lifecycle fields are absent on keys stored
    # before them, which read as never expiring, never revoked, write scope.
    @_available
    async def add_api_key(self, key: ApiKey) -> None:
        fields = codec.api_key_fields(key)
        del fields["key_hash"]
        await self._coll("api_keys").insert_one({"_id": key.key_hash, **fields})

    @staticmethod
    def _api_key(doc: dict[str, Any]) -> ApiKey:
        return codec.api_key_from_fields({**doc, "key_hash": doc["_id"]})

    @_available
    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        doc = await self._coll("api_keys").find_one({"_id": key_hash})
        return self._api_key(doc) if doc else None

    @_available
    async def list_api_keys(self) -> list[ApiKey]:
        keys = [self._api_key(doc) async for doc in self._coll("api_keys").find({})]
        return sorted(keys, key=lambda k: (codec.api_key_fields(k)["created_at"] or "", k.key_hash))

    @_available
    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Keys are few: the one whose digest the id names is found by a scan (ids are a
        digest prefix, and old keys carry no id field to index)."""
        key = next((k for k in await self.list_api_keys() if k.key_id == key_id), None)
        if key is None:
            return None
        await self._coll("api_keys").update_one(
            {"_id": key.key_hash, "revoked_at": None}, {"$set": {"revoked_at": format_rfc3339(at)}}
        )
        return await self.get_api_key(key.key_hash)

    @_available
    async def touch_api_key(self, key_hash: str, at: datetime) -> None:
        await self._coll("api_keys").update_one(
            {"_id": key_hash}, {"$set": {"last_used_at": format_rfc3339(at)}}
        )

    # the open journal -----------------------------------------------------------------------
    def _one(self, campaign_id: str, **more: Any) -> dict[str, Any]:
        """The filter of one campaign document (its `_id` and its shard key)."""
        return {"_id": campaign_id, "campaign_id": campaign_id, **more}

    async def _open(self, campaign_id: str, op: str, entry: dict[str, Any]) -> None:
        """Step (a): announce a counted write, stamped with the server's time."""
        await self._campaigns.update_one(
            self._one(campaign_id),
            {"$set": {f"open.{op}": {**entry, "at": self._now()}}},
        )

    async def _close(self, campaign_id: str, op: str, increments: dict[str, int]) -> None:
        """Step (c): apply an entry's increments and remove it, once (the filter's condition)."""
        update: dict[str, Any] = {"$unset": {f"open.{op}": ""}}
        if any(increments.values()):
            update["$inc"] = {k: n for k, n in increments.items() if n}
        await self._campaigns.update_one(
            self._one(campaign_id, **{f"open.{op}": {"$exists": True}}), update
        )

    async def _effect(
        self, campaign_id: str, op: str, entry: dict[str, Any]
    ) -> tuple[Counter[str], bool]:
        """What an open entry owes the counters, read from its records; and whether that is
        final (a batch complete or deleted) rather than possibly still growing."""
        effect: Counter[str] = Counter()
        kind = entry["kind"]
        if kind == "load":
            first = entry["first"]
            effect["contacts_total"] = await self._contacts.count_documents(
                {"campaign_id": campaign_id, "seq": {"$gte": first, "$lt": first + entry["n"]}}
            )
            return effect, False
        if kind == "erase":
            gone = await self._contacts.find_one(
                {"campaign_id": campaign_id, "seq": entry["seq"]}, {"_id": 1}
            )
            effect["contacts_total"] = 0 if gone else -1
            return effect, gone is None
        if kind == "batch":
            doc = await self._batches.find_one(
                {"campaign_id": campaign_id, "sequence": entry["sequence"]},
                {"state": 1, "size": 1},
            )
            if doc is not None and doc["state"] == _COMPLETE:
                effect["contacts_assigned"] = doc["size"]
            return effect, doc is None or doc["state"] == _COMPLETE
        async for marker in self._outcomes.find(
            {"campaign_id": campaign_id, "op": op}, {"cell": 1, "bin": 1, "_id": 0}
        ):
            effect.update(_counted(marker))
        return effect, False

    async def _owed(self, doc: dict[str, Any], kinds: set[str]) -> Counter[str]:
        """The sum of the effects of a campaign's open entries of these kinds."""
        owed: Counter[str] = Counter()
        for op, entry in (doc.get("open") or {}).items():
            if entry["kind"] in kinds:
                effect, _ = await self._effect(doc["_id"], op, entry)
                owed.update(effect)
        return owed

    async def _repair(self, campaign_id: str, entries: dict[str, Any], now: int) -> None:
        """Close the entries whose effect is final, or whose writer is past its deadline."""
        stale_before = now - self.claim_timeout * 1000
        for op, entry in entries.items():
            effect, final = await self._effect(campaign_id, op, entry)
            if final or (entry["kind"] != "batch" and entry["at"] < stale_before):
                await self._close(campaign_id, op, dict(effect))

    # campaigns ------------------------------------------------------------------------------
    @_available
    async def insert_campaign(self, campaign: Campaign) -> None:
        await self._campaigns.insert_one(self._campaign_doc(campaign))

    @staticmethod
    def _campaign_doc(campaign: Campaign) -> dict[str, Any]:
        return {
            "_id": campaign.id,
            "campaign_id": campaign.id,
            **codec.campaign_fields(campaign),
            "next_sequence": 0,
            "next_load": 0,
            "recovered": [],
            **counters_fields(),
        }

    @_available
    async def insert_campaign_once(
        self, campaign: Campaign, idempotency_key: str, fingerprint: str
    ) -> tuple[str, str]:
        """The key document first (its `_id` is the tenant and key, so the unique `_id` index
        decides which request makes the campaign), the campaign second. A crash in between
        leaves a key whose campaign is missing: the retry (same fingerprint) inserts it under
        the key's campaign id. A concurrent retry may do the same while the first request is
        still on its way; whichever inserts second finds the campaign there, which is the same
        request's campaign either way."""
        key_doc = {
            "_id": codec.dumps([campaign.tenant, idempotency_key]),
            "campaign_id": campaign.id,
            "fingerprint": fingerprint,
        }
        try:
            await self._coll("campaign_keys").insert_one(key_doc)
        except DuplicateKeyError:
            stored = await self._coll("campaign_keys").find_one({"_id": key_doc["_id"]})
            assert stored is not None  # key documents are never deleted while their campaign lives
            key_doc = stored
            if key_doc["fingerprint"] != fingerprint:
                return key_doc["campaign_id"], key_doc["fingerprint"]
        if await self._coll(_DELETED).find_one({"_id": key_doc["campaign_id"]}) is not None:
            return key_doc["campaign_id"], key_doc["fingerprint"]  # deleted: never recreated
        with contextlib.suppress(DuplicateKeyError):  # made by the same key's first request
            await self._campaigns.insert_one(
                self._campaign_doc(dataclasses.replace(campaign, id=key_doc["campaign_id"]))
            )
        return key_doc["campaign_id"], key_doc["fingerprint"]

    async def _with_counts(self, doc: dict[str, Any]) -> Campaign:
        owed = await self._owed(doc, {"load", "batch", "erase"})
        total = doc["contacts_total"] + owed["contacts_total"]
        assigned = doc["contacts_assigned"] + owed["contacts_assigned"]
        return codec.campaign_from_fields(doc, total=total, pending=total - assigned)

    @_available
    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        doc = await self._campaigns.find_one(self._one(campaign_id, tenant=tenant), _NO_CELLS)
        return await self._with_counts(doc) if doc else None

    @_available
    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        """A tenant's page: the one query not targeted at a shard (campaigns by tenant)."""
        cursor = (
            self._campaigns.find({"tenant": tenant, "id": {"$gt": after_id or ""}}, _NO_CELLS)
            .sort("id", ASCENDING)
            .limit(limit)
        )
        return [await self._with_counts(doc) async for doc in cursor]

    @_available
    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        result = await self._campaigns.update_one(
            self._one(campaign.id, tenant=campaign.tenant, version=expected_version),
            {"$set": codec.campaign_fields(campaign)},
        )
        return result.matched_count == 1

    @_available
    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        found = await self._campaigns.find_one(self._one(campaign_id, tenant=tenant), {"_id": 1})
        if found is None:
            return False
        with contextlib.suppress(DuplicateKeyError):  # a deletion under way: finish it
            await self._coll(_DELETED).insert_one(
                {"_id": campaign_id, "tenant": tenant, "deleted_at": self._now()}
            )
        await self._finish_deletions()
        return True

    async def _finish_deletions(self) -> None:
        """Carry out every recorded deletion (docs/production.md, Erasure).

        Idempotent: after a crash anywhere in it, the next call (every `open` and every
        deletion makes one) finishes the job. A record is kept `claim_timeout` seconds (by the
        server's clock), so a later call also sweeps what a write in flight during the deletion
        left.
        """
        assert self._db is not None
        names = set(await self._db.list_collection_names())
        scoped = [n for n in ("contacts", "batches") if n in names] + sorted(
            n
            for n in names - _NOT_CAMPAIGN_SCOPED - {"contacts", "batches"}
            if not n.startswith("system.")
        )
        for record in await self._coll(_DELETED).find({}).to_list(None):
            campaign_id = record["_id"]
            await self._campaigns.delete_one(self._one(campaign_id, tenant=record["tenant"]))
            for name in scoped:
                await self._coll(name).delete_many({"campaign_id": campaign_id})
            if record["deleted_at"] < self._now() - self.claim_timeout * 1000:
                await self._coll(_DELETED).delete_one({"_id": campaign_id})

    async def _reserve(self, campaign_id: str, counter: str, n: int) -> int:
        """Reserve `n` values of a campaign counter; returns the first one."""
        doc = await self._campaigns.find_one_and_update(
            self._one(campaign_id),
            {"$inc": {counter: n}},
            {counter: 1},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return int(doc[counter]) - n + 1

    # contacts -------------------------------------------------------------------------------
    @_available
    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        first = await self._reserve(campaign_id, "next_load", len(contacts))
        docs = [
            {
                "campaign_id": campaign_id,
                "contact_id": c.id,
                "seq": first + i,
                "attributes": dict(c.attributes) if isinstance(c.attributes, dict) else None,
                "batch": None,
            }
            for i, c in enumerate(contacts)
        ]
        op = _new_op("load")
        with self._deadline():
            await self._open(campaign_id, op, {"kind": "load", "first": first, "n": len(docs)})
            existing = len(await _insert_unordered(self._contacts, docs))
            await self._close(campaign_id, op, {"contacts_total": len(docs) - existing})
        return len(docs) - existing, existing

    @_available
    async def erase_contact(self, campaign_id: str, contact_id: str) -> bool:
        while True:
            doc = await self._contacts.find_one(
                {"campaign_id": campaign_id, "contact_id": contact_id}
            )
            if doc is None:
                return False
            if doc["batch"] is None:
                if await self._erase_pending(campaign_id, doc):
                    return True
            elif await self._settled_member(campaign_id, doc["batch"]):
                await self._tombstone(campaign_id, doc)
                return True

    async def _erase_pending(self, campaign_id: str, doc: dict[str, Any]) -> bool:
        """Delete a pending contact as a counted write (an `erase` entry); False when a draw
        claimed it meanwhile. Waits until the load that inserted it has closed its entry, so
        the load's count and this decrement never overlap."""
        await self._load_closed(campaign_id, doc["seq"])
        op = _new_op("erase")
        with self._deadline():
            await self._open(campaign_id, op, {"kind": "erase", "seq": doc["seq"]})
            gone = await self._contacts.delete_one(
                {"_id": doc["_id"], "campaign_id": campaign_id, "batch": None}
            )
            await self._close(campaign_id, op, {"contacts_total": -gone.deleted_count})
        return gone.deleted_count == 1

    async def _load_closed(self, campaign_id: str, seq: int) -> None:
        """Wait for the load entry covering `seq` to close (repair it once past its deadline)."""
        while True:
            campaign = await self._campaigns.find_one(self._one(campaign_id), {"open": 1})
            entries = (campaign or {}).get("open") or {}
            covering = {
                op: e
                for op, e in entries.items()
                if e["kind"] == "load" and e["first"] <= seq < e["first"] + e["n"]
            }
            if not covering:
                return
            await self._repair(campaign_id, covering, await self._server_now())
            await asyncio.sleep(_POLL_SECONDS)

    async def _settled_member(self, campaign_id: str, sequence: int) -> bool:
        """Whether the batch holding a contact is complete, once no longer claiming.

        False when it was aborted meanwhile (its contacts are then released: look again)."""
        while True:
            doc = await self._batches.find_one(
                {"campaign_id": campaign_id, "sequence": sequence}, _HIDDEN
            )
            if doc is not None and doc["state"] == _COMPLETE:
                return True
            if doc is None or doc["heartbeat"] < self._now() - self.claim_timeout * 1000:
                if doc is not None:
                    await self._abort(doc)
                await self._release_aborted(campaign_id, [sequence])
                return False
            await asyncio.sleep(_POLL_SECONDS)

    async def _tombstone(self, campaign_id: str, doc: dict[str, Any]) -> None:
        """Replace an assigned contact's id by random bytes everywhere, keeping its outcomes.

        The tombstone is recorded on the contact first (`erased_as`), so a retry after a crash
        reuses it; then the markers and events take it, then the contact; then the markers
        and events once more, for an event post that read the contact before the rename.
        """
        await self._contacts.update_one(
            {"_id": doc["_id"], "campaign_id": campaign_id, "erased_as": {"$exists": False}},
            {"$set": {"erased_as": secrets.token_bytes(16)}},
        )
        marked = await self._contacts.find_one({"_id": doc["_id"], "campaign_id": campaign_id})
        assert marked is not None  # contacts are deleted only with their campaign, or pending
        tombstone = marked["erased_as"]
        await self._rename_dependents(campaign_id, doc["contact_id"], tombstone)
        await self._contacts.update_one(
            {"_id": doc["_id"], "campaign_id": campaign_id},
            {"$set": {"contact_id": tombstone, "attributes": None}, "$unset": {"erased_as": ""}},
        )
        await self._rename_dependents(campaign_id, doc["contact_id"], tombstone)

    async def _rename_dependents(self, campaign_id: str, contact_id: str, tombstone: bytes) -> None:
        await self._outcomes.update_many(
            {"campaign_id": campaign_id, "contact_id": contact_id},
            {"$set": {"contact_id": tombstone}},
        )
        events = self._events.find(
            {"campaign_id": campaign_id, "contact_id": contact_id}, {"_id": 1}
        )
        for event in await events.to_list(None):
            await self._events.update_one(
                {"_id": event["_id"], "campaign_id": campaign_id},
                {"$set": {"event_id": secrets.token_bytes(16), "contact_id": tombstone}},
            )

    # batches --------------------------------------------------------------------------------
    async def _assignments(self, doc: dict[str, Any]) -> tuple[tuple[str, int], ...]:
        """The members' ids and labels in load order; erased members (bytes ids) left out."""
        members = _Members(doc)
        ids = {
            c["seq"]: c["contact_id"]
            async for c in self._contacts.find(
                {"campaign_id": doc["campaign_id"], "batch": doc["sequence"]},
                {"seq": 1, "contact_id": 1},
            )
        }
        if len(ids) < len(members.seqs):  # only a campaign deletion removes contacts
            raise NotFound(f"campaign {doc['campaign_id']!r} was deleted while this batch was read")
        return tuple(
            (ids[seq], label)
            for seq, label in zip(members.seqs, members.labels, strict=True)
            if isinstance(ids[seq], str)
        )

    async def _complete_batch(self, doc: dict[str, Any]) -> Batch:
        return _batch(doc, await self._assignments(doc))

    async def _settled(self, query: dict[str, Any]) -> Batch | None:
        """The batch matching `query` once complete; None if absent or aborted meanwhile.

        A batch still claiming belongs to a concurrent drawer: wait for it, or abort it when
        its heartbeat is older than `claim_timeout` by the server's clock.
        """
        fresh = False
        while True:
            doc = await self._batches.find_one(query)
            if doc is None:
                return None
            if doc["state"] == _COMPLETE:
                return await self._complete_batch(doc)
            now = self._now() if fresh else await self._server_now()
            fresh = True
            if doc["heartbeat"] < now - self.claim_timeout * 1000:
                await self._abort(doc)
                return None
            await asyncio.sleep(_POLL_SECONDS)

    @_available
    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        return await self._settled({"campaign_id": campaign_id, "idempotency_key": idempotency_key})

    @_available
    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None:
        doc = await self._batches.find_one(
            {"_id": batch_id, "campaign_id": campaign_id, "state": _COMPLETE}
        )
        return await self._complete_batch(doc) if doc else None

    @_available
    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        cursor = (
            self._batches.find(
                {
                    "campaign_id": campaign_id,
                    "state": _COMPLETE,
                    "sequence": {"$gt": after_sequence},
                },
                _HIDDEN,
            )
            .sort("sequence", ASCENDING)
            .limit(limit)
        )
        return [_batch(doc) async for doc in cursor]

    def _this_batch(self, doc: dict[str, Any], **more: Any) -> dict[str, Any]:
        """The filter of one batch document (its `_id` and its shard key)."""
        return {"_id": doc["_id"], "campaign_id": doc["campaign_id"], **more}

    async def _abort(self, doc: dict[str, Any]) -> None:
        """Abort a claiming batch: remember its sequence first, so a crash here is finished."""
        await self._campaigns.update_one(
            self._one(doc["campaign_id"]), {"$addToSet": {"recovered": doc["sequence"]}}
        )
        await self._batches.delete_one(self._this_batch(doc, state=_CLAIMING))

    async def _release_aborted(self, campaign_id: str, recovered: list[int]) -> None:
        """Return to pending the contacts of aborted batches (idempotent, repeated each draw)."""
        if not recovered:
            return
        alive = {
            doc["sequence"]
            async for doc in self._batches.find(
                {"campaign_id": campaign_id, "sequence": {"$in": recovered}}, {"sequence": 1}
            )
        }
        gone = [s for s in recovered if s not in alive]
        if gone:
            await self._contacts.update_many(
                {"campaign_id": campaign_id, "batch": {"$in": gone}}, {"$set": {"batch": None}}
            )

    async def _abort_stale(self, campaign_id: str, now: int) -> None:
        cursor = self._batches.find(
            {
                "campaign_id": campaign_id,
                "state": _CLAIMING,
                "heartbeat": {"$lt": now - self.claim_timeout * 1000},
            },
            {"campaign_id": 1, "sequence": 1},
        )
        for doc in await cursor.to_list(None):
            await self._abort(doc)

    async def _held(self, campaign_id: str, sequence: int) -> list[int]:
        """The load sequences of the contacts this batch holds, in load order."""
        cursor = self._contacts.find(
            {"campaign_id": campaign_id, "batch": sequence}, {"seq": 1, "_id": 0}
        )
        return sorted([doc["seq"] async for doc in cursor])

    async def _claim(self, doc: dict[str, Any], size: int) -> list[int]:
        """Claim up to `size` pending contacts in load order; return what this batch holds.

        Each round refreshes the batch's heartbeat, so a long draw is not taken for dead."""
        campaign_id, sequence = doc["campaign_id"], doc["sequence"]
        held: list[int] = []
        while len(held) < size:
            pending = [
                c["seq"]
                async for c in self._contacts.find(
                    {"campaign_id": campaign_id, "batch": None}, {"seq": 1, "_id": 0}
                )
                .sort("seq", ASCENDING)
                .limit(size - len(held))
            ]
            if not pending:
                break
            await self._contacts.update_many(
                {
                    "campaign_id": campaign_id,
                    "seq": {"$gte": pending[0], "$lte": pending[-1]},
                    "batch": None,
                },
                {"$set": {"batch": sequence}},
            )
            held = await self._held(campaign_id, sequence)
            await self._batches.update_one(
                self._this_batch(doc, state=_CLAIMING), {"$set": {"heartbeat": self._now()}}
            )
        if len(held) > size:  # contacts loaded into the claimed range meanwhile
            await self._contacts.update_many(
                {"campaign_id": campaign_id, "batch": sequence, "seq": {"$gt": held[size - 1]}},
                {"$set": {"batch": None}},
            )
            held = held[:size]
        return held

    async def _seal(
        self, doc: dict[str, Any], draft: BatchDraft, held: list[int]
    ) -> dict[str, Any] | None:
        """Complete the batch in one conditional write; None if a recoverer aborted it."""
        labels = assign_labels(
            len(held), draft.weights, draft.holdout_fraction, draft.seed
        ).tolist()
        fields = codec.batch_fields(draft.drawn(doc["campaign_id"], doc["sequence"], labels))
        return await self._batches.find_one_and_update(
            self._this_batch(doc, state=_CLAIMING),
            {
                "$set": {
                    **fields,
                    "state": _COMPLETE,
                    "members": _pack(held, "q"),
                    "labels": _pack(labels, "b"),
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def _begin(self, campaign_id: str, draft: BatchDraft) -> dict[str, Any] | None:
        """Steps 1-3: recover, reserve a sequence, insert the claiming batch, open its entry.

        Returns None when a batch with the same idempotency key exists (a concurrent request).
        """
        now = await self._server_now()
        await self._abort_stale(campaign_id, now)
        campaign = await self._campaigns.find_one(
            self._one(campaign_id), {"recovered": 1, "open": 1}
        )
        if campaign is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        await self._release_aborted(campaign_id, campaign["recovered"])
        await self._repair(campaign_id, campaign["open"], now)
        if await self._contacts.find_one({"campaign_id": campaign_id, "batch": None}) is None:
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sequence = await self._reserve(campaign_id, "next_sequence", 1)
        doc = {
            "_id": draft.id,
            **codec.batch_fields(draft.drawn(campaign_id, sequence, [])),
            "state": _CLAIMING,
            "heartbeat": now,
        }
        try:
            await self._batches.insert_one(doc)
        except DuplicateKeyError:
            return None
        await self._open(campaign_id, f"b{sequence}", {"kind": "batch", "sequence": sequence})
        return doc

    async def _draw_once(self, campaign_id: str, draft: BatchDraft) -> Batch | None:
        """One attempt at a draw; None when it has to be retried (docs/production.md)."""
        doc = await self._begin(campaign_id, draft)
        if doc is None:
            return await self._settled(
                {"campaign_id": campaign_id, "idempotency_key": draft.idempotency_key}
            )
        sequence = doc["sequence"]
        held = await self._claim(doc, draft.size)
        if not held:
            await self._batches.delete_one(self._this_batch(doc, state=_CLAIMING))
            await self._close(campaign_id, f"b{sequence}", {})
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sealed = await self._seal(doc, draft, held)
        if sealed is None:  # aborted by a recoverer: our claims are released, draw again
            await self._release_aborted(campaign_id, [sequence])
            return None
        await self._close(campaign_id, f"b{sequence}", {"contacts_assigned": sealed["size"]})
        return await self._complete_batch(sealed)

    @_available
    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        """Every command of a draw runs in one causally consistent session: a majority read
        then sees this draw's own majority writes even from a newly elected primary (the claim
        re-read in `_held` and the assignments must see every claim the draw made)."""
        assert self._client is not None
        async with self._client.start_session(causal_consistency=True) as session:
            token = _SESSION.set(session)
            try:
                for _ in range(_DRAW_ATTEMPTS):
                    batch = await self._draw_once(campaign_id, draft)
                    if batch is not None:
                        return batch
            finally:
                _SESSION.reset(token)
        raise StoreUnavailable(
            f"could not draw a batch for campaign {campaign_id!r}: claims kept timing out"
        )

    # outcomes -------------------------------------------------------------------------------
    async def _members_of(self, campaign_id: str, sequences: set[int]) -> dict[int, _Members]:
        cursor = self._batches.find(
            {"campaign_id": campaign_id, "state": _COMPLETE, "sequence": {"$in": sorted(sequences)}}
        )
        return {doc["sequence"]: _Members(doc) async for doc in cursor}

    async def _placements(self, campaign_id: str, contact_ids: list[str]) -> dict[str, Placement]:
        """The placement of each known contact (None unless assigned)."""
        contacts = await self._contacts.find(
            {"campaign_id": campaign_id, "contact_id": {"$in": contact_ids}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ).to_list(None)
        batches = await self._members_of(
            campaign_id, {c["batch"] for c in contacts if c["batch"] is not None}
        )
        placements: dict[str, Placement] = {}
        for c in contacts:
            members = batches.get(c["batch"])
            label = members.label_of(c["seq"]) if members else None
            placements[c["contact_id"]] = (
                None if members is None or label is None else (c["batch"], label, members.drawn)
            )
        return placements

    @_available
    async def record_events(
        self,
        campaign_id: str,
        events: Sequence[EventLike],
        epochs: Sequence[float],
        window_seconds: int,
    ) -> EventTally:
        """Markers carry their outcome's delay and bin, so an open entry's effect on the
        delay histogram (`delays`, on the campaign like `cells`) is read from them as its
        effect on the cells is: the histogram is repaired by the same journal."""
        contact_ids = sorted({e.contact_id for e in events})
        placements = await self._placements(campaign_id, contact_ids)
        seen_events = {
            doc["event_id"]
            async for doc in self._events.find(
                {"campaign_id": campaign_id, "event_id": {"$in": sorted({e.id for e in events})}},
                {"event_id": 1},
            )
        }
        had_outcome = {
            (doc["contact_id"], doc["type"])
            async for doc in self._outcomes.find(
                {"campaign_id": campaign_id, "contact_id": {"$in": contact_ids}},
                {"contact_id": 1, "type": 1},
            )
        }
        tally = classify_events(
            events, epochs, window_seconds, placements, seen_events, had_outcome
        )
        op = _new_op("outcomes")
        markers = []
        bins = delay_bins([delay for _, _, delay in tally.new_outcomes]).tolist()
        for (contact_id, kind, delay), bin_ in zip(tally.new_outcomes, bins, strict=True):
            place = placements[contact_id]
            assert place is not None
            sequence, variant, _ = place
            markers.append(
                {
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "type": kind,
                    "sequence": sequence,
                    "variant": variant,
                    "cell": _cell(sequence, variant, kind),
                    "delay": delay,
                    "bin": bin_,
                    "op": op,
                }
            )
        with self._deadline():
            if markers:
                await self._open(campaign_id, op, {"kind": "outcomes"})
            lost_markers = await _insert_unordered(self._outcomes, markers)
            lost_events = await _insert_unordered(
                self._events,
                [
                    {
                        "campaign_id": campaign_id,
                        "event_id": e.id,
                        "contact_id": e.contact_id,
                        "type": e.type,
                        "occurred_at": e.occurred_at,
                    }
                    for e in tally.new_events
                ],
            )
            if markers:
                counted = Counter(
                    key
                    for i, m in enumerate(markers)
                    if i not in lost_markers
                    for key in _counted(m)
                )
                await self._close(campaign_id, op, dict(counted))
        return self._settle_tally(tally.result, len(markers), lost_markers, lost_events)

    @staticmethod
    def _settle_tally(
        result: EventTally, counted: int, lost_markers: set[int], lost_events: set[int]
    ) -> EventTally:
        """The tally after concurrent requests won some inserts (their events are theirs)."""
        recorded = result.recorded - len(lost_events)
        still_counted = counted - len(lost_markers)
        return dataclasses.replace(
            result,
            recorded=recorded,
            repeated=max(recorded - still_counted, 0),
            duplicates=result.duplicates + len(lost_events),
        )

    async def _complete_headers(self, campaign_id: str) -> list[dict[str, Any]]:
        cursor = self._batches.find({"campaign_id": campaign_id, "state": _COMPLETE}, _HIDDEN)
        return await cursor.sort("sequence", ASCENDING).to_list(None)

    @staticmethod
    def _rows(
        headers: list[dict[str, Any]],
        sends: dict[tuple[int, int], int],
        outcomes: Counter[tuple[int, int, str]],
        delays: Counter[tuple[int, int, str, int]],
    ) -> list[PeriodCount]:
        created = {h["sequence"]: h["created_at"] for h in headers}
        histograms: dict[tuple[int, int], dict[tuple[str, int], int]] = {}
        for (sequence, variant, kind, bin_), n in delays.items():
            histograms.setdefault((sequence, variant), {})[(kind, bin_)] = n
        return [
            codec.period_count(
                sequence,
                created[sequence],
                variant,
                n,
                {t: outcomes[(sequence, variant, t)] for t in OUTCOME_TYPES},
                histograms.get((sequence, variant)),
            )
            for (sequence, variant), n in sorted(sends.items())
            if n > 0
        ]

    @_available
    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        return (await self._maintained(campaign_id))[1]

    @_available
    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        headers, rows = await self._maintained(campaign_id)
        return CountTable.from_rows(rows, [_batch(h) for h in headers], kind, variants)

    async def _maintained(self, campaign_id: str) -> tuple[list[dict[str, Any]], list[PeriodCount]]:
        """The complete batches' headers and the counter rows: sends from the headers,
        outcomes from the maintained cells plus the open event posts' markers (no `$group` over
        the campaign's markers)."""
        doc = await self._campaigns.find_one(
            self._one(campaign_id), {"cells": 1, "delays": 1, "open": 1}
        )
        if doc is None:
            return [], []
        headers = await self._complete_headers(campaign_id)
        sends = {}
        for h in headers:
            sends.update({(h["sequence"], v): n for v, n in enumerate(h["counts"])})
            sends[(h["sequence"], HOLDOUT)] = h["holdout_count"]
        counters = Counter({f"cells.{k}": n for k, n in doc["cells"].items()})
        counters.update({f"delays.{k}": n for k, n in doc.get("delays", {}).items()})
        counters.update(await self._owed(doc, {"outcomes"}))
        outcomes: Counter[tuple[int, int, str]] = Counter()
        delays: Counter[tuple[int, int, str, int]] = Counter()
        for key, n in counters.items():
            field, _, cell = key.partition(".")
            sequence, variant, kind, *bin_ = cell.split("/")
            if field == "cells":
                outcomes[(int(sequence), int(variant), kind)] = n
            else:
                delays[(int(sequence), int(variant), kind, int(bin_[0]))] = n
        return headers, self._rows(headers, sends, outcomes, delays)

    @_available
    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """Sends from the contacts each complete batch holds, outcomes from the markers joined
        with those contacts: nothing taken from the batch counts, the cells or the markers'
        cells."""
        headers = await self._complete_headers(campaign_id)
        members = await self._members_of(campaign_id, {h["sequence"] for h in headers})
        placement: dict[str, tuple[int, int]] = {}
        async for c in self._contacts.find(
            {"campaign_id": campaign_id, "batch": {"$in": sorted(members)}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ):
            label = members[c["batch"]].label_of(c["seq"])
            if label is not None:
                placement[c["contact_id"]] = (c["batch"], label)
        sends = Counter(placement.values())
        outcomes: Counter[tuple[int, int, str]] = Counter()
        delays: Counter[tuple[int, int, str, int]] = Counter()
        async for m in self._outcomes.find(
            {"campaign_id": campaign_id}, {"contact_id": 1, "type": 1, "delay": 1}
        ):
            if m["contact_id"] in placement:
                outcomes[(*placement[m["contact_id"]], m["type"])] += 1
                if m["delay"] >= 0:  # (markers of version 2 dated before their batch)
                    bin_ = int(delay_bins(m["delay"]))
                    delays[(*placement[m["contact_id"]], m["type"], bin_)] += 1
        return self._rows(headers, dict(sends), outcomes, delays)

    # webhook receivers ----------------------------------------------------------------------
    _ACTIVITY = ("counts", "last_delivery_at", "last_error", "last_error_at", "subscription")

    def _webhook(self, doc: dict[str, Any]) -> Webhook:
        return codec.webhook_from_fields(doc, {k: doc[k] for k in self._ACTIVITY if k in doc})

    @_available
    async def insert_webhook(self, webhook: Webhook) -> None:
        await self._webhooks.insert_one({"_id": webhook.id, **codec.webhook_fields(webhook)})

    @_available
    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        doc = await self._webhooks.find_one({"_id": webhook_id})
        return self._webhook(doc) if doc else None

    @_available
    async def list_webhooks(self, tenant: str, after_id: str | None, limit: int) -> list[Webhook]:
        cursor = (
            self._webhooks.find({"tenant": tenant, "id": {"$gt": after_id or ""}})
            .sort("id", ASCENDING)
            .limit(limit)
        )
        return [self._webhook(doc) async for doc in cursor]

    @_available
    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        result = await self._webhooks.delete_one({"_id": webhook_id, "tenant": tenant})
        return result.deleted_count == 1

    @_available
    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        # Counter keys are the engine's fixed vocabulary (engine.webhooks), never client input.
        assert all("." not in k and not k.startswith("$") for k in update.counts)
        change: dict[str, Any] = {"$set": codec.activity_changes(update)}
        if update.counts:
            change["$inc"] = {f"counts.{k}": n for k, n in update.counts.items()}
        if change["$set"] or update.counts:
            await self._webhooks.update_one(
                {"_id": webhook_id}, {k: v for k, v in change.items() if v}
            )

    @_available
    async def tenant_digest(self, tenant: str) -> str:
        """SHA-256 over every document of the tenant's campaigns, in a fixed order."""
        digest = hashlib.sha256()
        campaigns = self._campaigns.find({"tenant": tenant}).sort("id", ASCENDING)
        orders = (
            (self._contacts, [("seq", ASCENDING)]),
            (self._batches, [("sequence", ASCENDING)]),
            (self._events, [("event_id", ASCENDING)]),
            (self._outcomes, [("contact_id", ASCENDING), ("type", ASCENDING)]),
        )
        async for campaign in campaigns:
            digest.update(bson.encode(campaign))
            for collection, order in orders:
                async for doc in collection.find({"campaign_id": campaign["_id"]}).sort(order):
                    digest.update(bson.encode(doc))
        async for doc in self._webhooks.find({"tenant": tenant}).sort("id", ASCENDING):
            digest.update(bson.encode(doc))
        return digest.hexdigest()
