"""The MongoDB store (PyMongo's async API), correct on a standalone server without transactions.

Every invariant rests on single-document atomic operations and unique indexes, never on a
multi-document transaction, and every multi-step write is ordered so that a process killed
between any two of its writes leaves a state the next actor finishes or undoes idempotently.

Documents (one collection each; every document but API keys carries its `campaign_id`):

- `campaigns`: the campaign fields plus two counters, `next_sequence` (batch sequences) and
  `next_load` (load order of contacts), and `recovered`, the sequences of aborted batches.
- `contacts`: `{contact_id, seq, attributes, batch}`; `seq` is the load order, reserved in
  blocks by one `$inc` per load; `batch` is None while pending, else the claiming batch's
  sequence. A contact's variant is not stored on it (see batches).
- `batches`: `state` is "claiming" while its drawer claims contacts, then "complete" with the
  sorted load sequences of its members and their labels (packed binary arrays) in the same
  document. Only complete batches are visible to reads.
- `events`: raw events, unique per (campaign, event id).
- `outcomes`: one marker per (campaign, contact, type), unique; it carries the batch sequence
  and variant it counts for (`cell`).

Contact counts and outcome counters are derived, never maintained by increments:
`contacts_total` is a count of contact documents, `contacts_pending` is that total minus the
sizes of the complete batches (contacts held by an unfinished batch count as pending: they are
either released or become the batch's when it completes), sends are a complete batch's counts
and outcome counts are a `$group` over the markers. So no crash can leave a counter owing or
double-counting an increment: a counter is a recount of records that were written atomically.

Drawing a batch (`draw_batch`):

1. Recover: abort every batch of the campaign still "claiming" after `claim_timeout` seconds
   (its drawer is presumed dead): add its sequence to the campaign's `recovered` list, then
   delete the batch document if it is still "claiming" (a conditional delete). Release, i.e.
   set `batch` back to None on, the contacts of every recovered sequence whose batch document
   no longer exists. A sequence is never reused, so a deleted batch stays deleted and this
   release is safe to repeat on every draw (it also catches late claims of a drawer that was
   only slow, not dead).
2. Reserve a sequence with `$inc` on the campaign (a crash afterwards leaves only a gap).
3. Insert the batch document, "claiming", with the draft. The unique idempotency-key index
   makes a concurrent request with the same key fail here; it waits until that batch is
   complete (and returns it) or aborted (and draws again).
4. Claim in rounds until `size` are held or none is pending: read the first pending load
   sequences, `update_many` the pending contacts in that sequence range to this batch, re-read
   what this batch holds. Only this drawer claims for this sequence, so the re-read is exact;
   an overshoot (contacts loaded into the range meanwhile) is released above the cutoff.
5. Seal: one conditional update of the batch document ("claiming" → "complete") writes the
   members, their labels (`assign_labels` over the members in load order) and the counts.
   If nothing was claimed, the document is deleted instead and NoPendingContacts raised.
   If the seal finds the batch aborted by a recoverer, the drawer releases its claims and
   draws again.

Crash points: before (3) nothing is claimed. Between (3) and (5) the contacts carry the
sequence of a "claiming" batch: they are neither lost nor assigned, counted as pending, and
the first draw after `claim_timeout` aborts the batch and releases them (a crash inside that
recovery is finished by the next draw: the sequence is already in `recovered`). After (5) the
batch is complete in one document write. A contact is therefore always pending, held by an
unfinished batch that will be aborted, or a member of exactly one complete batch.

Recording outcomes: the markers are inserted first (unordered, the unique index decides which
request counts a (contact, type)), the raw events second (unordered, duplicates by event id).
A crash between them leaves a counted outcome whose event is missing; the client's retry stores
the event and finds the marker present, so the outcome counts exactly once. The reverse order
could lose an outcome: the retried event would be a duplicate of a stored, uncounted one.

Loading contacts reserves a block of load sequences with `$inc`, then inserts unordered; a
contact id already present fails on the unique index and counts as existing. A crash mid-load
leaves some contacts inserted (the retry finds them existing) and a gap in load sequences.

Erasure. Deleting a campaign first records the deletion in `deleted_campaigns` (its id and
tenant only), then deletes the campaign document, so from then on it is 404 for every read and
`$inc` on it fails, which stops every draw and load that has not reserved yet. Then it deletes
the campaign's documents from every other collection, contacts first (a draw in flight then
claims nothing and removes its own batch document, or finds it gone at the seal and retries into
NotFound), batches next. Every `open` and every deletion finishes the recorded deletions, so a
crash part-way is completed; a record is kept `claim_timeout` seconds, so that a later pass also
sweeps what a write that had reserved before the deletion wrote after it.
Erasing one assigned contact replaces its id, in the contact, its outcome markers and its events
(each event also gets a random id), by 16 random bytes, recorded on the contact first so that a
retry after a crash reuses them; no query by a string id matches bytes again. Its markers keep
their cells, so counts and recounts stay. A pending contact is deleted; one held by a claiming
batch is erased once that batch completes or is aborted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import secrets
import time
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import bson
from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError

from burt.engine.assignment import assign_labels
from burt.engine.errors import NoPendingContacts, NotFound, StoreUnavailable
from burt.engine.model import (
    HOLDOUT,
    OUTCOME_TYPES,
    Batch,
    BatchDraft,
    Campaign,
    ContactLike,
    EventLike,
    EventTally,
    PeriodCount,
)
from burt.engine.outcomes import classify_events
from burt.engine.store import codec

P = ParamSpec("P")
T = TypeVar("T")

_DUPLICATE_KEY = 11000
_CLAIMING, _COMPLETE = "claiming", "complete"
_DRAW_ATTEMPTS = 5
_POLL_SECONDS = 0.02
_DELETED = "deleted_campaigns"
"""Deletions under way: {_id: campaign id, tenant, deleted_at}; no data of the campaign."""
_NOT_CAMPAIGN_SCOPED = {"campaigns", "api_keys", _DELETED}
_HIDDEN = {"members": 0, "labels": 0}
"""Projection of a batch header: its member arrays are read only for assignments."""


def _available(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Turn a lost connection into StoreUnavailable (the client reconnects by itself later)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except ConnectionFailure as exc:
            raise StoreUnavailable(f"MongoDB is unavailable: {exc}") from exc

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


async def _insert_unordered(collection: AsyncCollection, docs: list[dict[str, Any]]) -> set[int]:
    """Insert what is new; return the indexes of the documents that already existed."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        return _inserted_failures(exc)
    return set()


_INDEXES: dict[str, list[tuple[list[str], bool]]] = {
    "campaigns": [(["tenant", "id"], False)],  # nx-27017 rejects `_id` in a compound index
    "contacts": [
        (["campaign_id", "contact_id"], True),
        (["campaign_id", "seq"], True),
        (["campaign_id", "batch", "seq"], False),
    ],
    "batches": [
        (["campaign_id", "idempotency_key"], True),
        (["campaign_id", "sequence"], True),
        (["campaign_id", "state", "started_at"], False),
    ],
    "events": [(["campaign_id", "event_id"], True)],
    "outcomes": [
        (["campaign_id", "contact_id", "type"], True),
        (["campaign_id", "cell"], False),
    ],
}
"""Per collection: (key fields, unique). Created idempotently by `open`."""


def _batch(doc: dict[str, Any], assignments: tuple[tuple[str, int], ...] | None = None) -> Batch:
    """A batch from its document. BSON decodes a 64-bit seed as `Int64`, an int subclass that
    JSON encoders such as msgspec reject: the domain gets a plain int."""
    return codec.batch_from_fields({**doc, "seed": int(doc["seed"])}, assignments)


def _cell(sequence: int, variant: int, kind: str) -> str:
    """The counter a marker counts for, as one string: some emulators group by scalars only."""
    return f"{sequence}/{variant}/{kind}"


class MongoStore:
    """Store on a MongoDB database (`open` connects and creates the indexes)."""

    name = "mongodb"

    def __init__(
        self,
        uri: str,
        db_name: str,
        claim_timeout: float = 30.0,
        server_selection_timeout_ms: int = 2000,
    ) -> None:
        self.uri = uri
        self.db_name = db_name
        self.claim_timeout = claim_timeout
        """Seconds after which a batch still claiming is presumed abandoned and aborted."""
        self._timeout_ms = server_selection_timeout_ms
        self._client: AsyncMongoClient | None = None

    # plumbing -------------------------------------------------------------------------------
    def _coll(self, name: str) -> AsyncCollection:
        if self._client is None:
            raise StoreUnavailable("the MongoDB store is not open")
        return self._client[self.db_name][name]

    @property
    def _campaigns(self) -> AsyncCollection:
        return self._coll("campaigns")

    @property
    def _contacts(self) -> AsyncCollection:
        return self._coll("contacts")

    @property
    def _batches(self) -> AsyncCollection:
        return self._coll("batches")

    @property
    def _events(self) -> AsyncCollection:
        return self._coll("events")

    @property
    def _outcomes(self) -> AsyncCollection:
        return self._coll("outcomes")

    @_available
    async def open(self) -> None:
        if self._client is None:
            self._client = AsyncMongoClient(
                self.uri,
                serverSelectionTimeoutMS=self._timeout_ms,
                connectTimeoutMS=self._timeout_ms,
            )
        for collection, indexes in _INDEXES.items():
            for keys, unique in indexes:
                await self._coll(collection).create_index(
                    [(k, ASCENDING) for k in keys], unique=unique
                )
        await self._finish_deletions()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    @_available
    async def ping(self) -> None:
        if self._client is None:
            raise StoreUnavailable("the MongoDB store is not open")
        await self._client.admin.command("ping")

    # API keys -------------------------------------------------------------------------------
    @_available
    async def add_api_key(self, key_hash: str, tenant: str) -> None:
        await self._coll("api_keys").insert_one({"_id": key_hash, "tenant": tenant})

    @_available
    async def tenant_for_key(self, key_hash: str) -> str | None:
        doc = await self._coll("api_keys").find_one({"_id": key_hash})
        return doc["tenant"] if doc else None

    # campaigns ------------------------------------------------------------------------------
    @_available
    async def insert_campaign(self, campaign: Campaign) -> None:
        await self._campaigns.insert_one(
            {
                "_id": campaign.id,
                **codec.campaign_fields(campaign),
                "next_sequence": 0,
                "next_load": 0,
                "recovered": [],
            }
        )

    async def _with_counts(self, doc: dict[str, Any]) -> Campaign:
        campaign_id = doc["_id"]
        total = await self._contacts.count_documents({"campaign_id": campaign_id})
        assigned = 0
        async for batch in self._batches.find(
            {"campaign_id": campaign_id, "state": _COMPLETE}, {"size": 1}
        ):
            assigned += batch["size"]
        return codec.campaign_from_fields(doc, total=total, pending=total - assigned)

    @_available
    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        doc = await self._campaigns.find_one({"_id": campaign_id, "tenant": tenant})
        return await self._with_counts(doc) if doc else None

    @_available
    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        cursor = (
            self._campaigns.find({"tenant": tenant, "id": {"$gt": after_id or ""}})
            .sort("id", ASCENDING)
            .limit(limit)
        )
        return [await self._with_counts(doc) async for doc in cursor]

    @_available
    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        result = await self._campaigns.update_one(
            {"_id": campaign.id, "tenant": campaign.tenant, "version": expected_version},
            {"$set": codec.campaign_fields(campaign)},
        )
        return result.matched_count == 1

    @_available
    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        if (
            await self._campaigns.find_one({"_id": campaign_id, "tenant": tenant}, {"_id": 1})
            is None
        ):
            return False
        with contextlib.suppress(DuplicateKeyError):  # a deletion under way: finish it
            await self._coll(_DELETED).insert_one(
                {"_id": campaign_id, "tenant": tenant, "deleted_at": time.time()}
            )
        await self._finish_deletions()
        return True

    async def _finish_deletions(self) -> None:
        """Carry out every recorded deletion (see Erasure in the module docstring).

        Idempotent: after a crash anywhere in it, the next call (every `open` and every
        deletion makes one) finishes the job. A record is kept `claim_timeout` seconds, so a
        later call also sweeps what a write that was in flight during the deletion left.
        """
        names = set(await self._client[self.db_name].list_collection_names())  # type: ignore[index]
        scoped = [n for n in ("contacts", "batches") if n in names] + sorted(
            n
            for n in names - _NOT_CAMPAIGN_SCOPED - {"contacts", "batches"}
            if not n.startswith("system.")
        )
        for record in await self._coll(_DELETED).find({}).to_list(None):
            campaign_id = record["_id"]
            await self._campaigns.delete_one({"_id": campaign_id, "tenant": record["tenant"]})
            for name in scoped:
                await self._coll(name).delete_many({"campaign_id": campaign_id})
            if record["deleted_at"] < time.time() - self.claim_timeout:
                await self._coll(_DELETED).delete_one({"_id": campaign_id})

    async def _reserve(self, campaign_id: str, counter: str, n: int) -> tuple[int, dict[str, Any]]:
        """Reserve `n` values of a campaign counter: (the first one, the campaign afterwards)."""
        doc = await self._campaigns.find_one_and_update(
            {"_id": campaign_id},
            {"$inc": {counter: n}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return doc[counter] - n + 1, doc

    # contacts -------------------------------------------------------------------------------
    @_available
    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        first, _ = await self._reserve(campaign_id, "next_load", len(contacts))
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
        existing = len(await _insert_unordered(self._contacts, docs))
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
                gone = await self._contacts.delete_one(
                    {"_id": doc["_id"], "campaign_id": campaign_id, "batch": None}
                )
                if gone.deleted_count:
                    return True
            elif await self._settled_member(campaign_id, doc["batch"]):
                await self._tombstone(campaign_id, doc)
                return True

    async def _settled_member(self, campaign_id: str, sequence: int) -> bool:
        """Whether the batch holding a contact is complete, once no longer claiming.

        False when it was aborted meanwhile (its contacts are then released: look again)."""
        while True:
            doc = await self._batches.find_one(
                {"campaign_id": campaign_id, "sequence": sequence}, _HIDDEN
            )
            if doc is not None and doc["state"] == _COMPLETE:
                return True
            if doc is None or self._is_stale(doc):
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
        return tuple(
            (ids[seq], label)
            for seq, label in zip(members.seqs, members.labels, strict=True)
            if isinstance(ids[seq], str)
        )

    async def _complete_batch(self, doc: dict[str, Any]) -> Batch:
        return _batch(doc, await self._assignments(doc))

    def _is_stale(self, doc: dict[str, Any]) -> bool:
        return doc["started_at"] < time.time() - self.claim_timeout

    async def _settled(self, query: dict[str, Any]) -> Batch | None:
        """The batch matching `query` once complete; None if absent or aborted meanwhile.

        A batch still claiming belongs to a concurrent drawer: wait for it, or abort it when
        its claim has outlived `claim_timeout`.
        """
        while True:
            doc = await self._batches.find_one(query)
            if doc is None:
                return None
            if doc["state"] == _COMPLETE:
                return await self._complete_batch(doc)
            if self._is_stale(doc):
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

    async def _abort(self, doc: dict[str, Any]) -> None:
        """Abort a claiming batch: remember its sequence first, so a crash here is finished."""
        await self._campaigns.update_one(
            {"_id": doc["campaign_id"]}, {"$addToSet": {"recovered": doc["sequence"]}}
        )
        await self._batches.delete_one({"_id": doc["_id"], "state": _CLAIMING})

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

    async def _abort_stale(self, campaign_id: str) -> None:
        cursor = self._batches.find(
            {
                "campaign_id": campaign_id,
                "state": _CLAIMING,
                "started_at": {"$lt": time.time() - self.claim_timeout},
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

    async def _claim(self, campaign_id: str, sequence: int, size: int) -> list[int]:
        """Claim up to `size` pending contacts in load order; return what this batch holds."""
        held: list[int] = []
        while len(held) < size:
            pending = [
                doc["seq"]
                async for doc in self._contacts.find(
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
            {"_id": doc["_id"], "state": _CLAIMING},
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
        """Steps 1-3: recover, reserve a sequence, insert the claiming batch document.

        Returns None when a batch with the same idempotency key exists (a concurrent request).
        """
        await self._abort_stale(campaign_id)
        campaign = await self._campaigns.find_one({"_id": campaign_id}, {"recovered": 1})
        await self._release_aborted(campaign_id, campaign["recovered"] if campaign else [])
        if await self._contacts.find_one({"campaign_id": campaign_id, "batch": None}) is None:
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sequence, _ = await self._reserve(campaign_id, "next_sequence", 1)
        doc = {
            "_id": draft.id,
            **codec.batch_fields(draft.drawn(campaign_id, sequence, [])),
            "state": _CLAIMING,
            "started_at": time.time(),
        }
        try:
            await self._batches.insert_one(doc)
        except DuplicateKeyError:
            return None
        return doc

    async def _draw_once(self, campaign_id: str, draft: BatchDraft) -> Batch | None:
        """One attempt at a draw; None when it has to be retried (see the module docstring)."""
        doc = await self._begin(campaign_id, draft)
        if doc is None:
            return await self._settled(
                {"campaign_id": campaign_id, "idempotency_key": draft.idempotency_key}
            )
        sequence = doc["sequence"]
        held = await self._claim(campaign_id, sequence, draft.size)
        if not held:
            await self._batches.delete_one({"_id": draft.id, "state": _CLAIMING})
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sealed = await self._seal(doc, draft, held)
        if sealed is None:  # aborted by a recoverer: our claims are released, draw again
            await self._release_aborted(campaign_id, [sequence])
            return None
        return await self._complete_batch(sealed)

    @_available
    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        for _ in range(_DRAW_ATTEMPTS):
            batch = await self._draw_once(campaign_id, draft)
            if batch is not None:
                return batch
        raise StoreUnavailable(
            f"could not draw a batch for campaign {campaign_id!r}: claims kept timing out"
        )

    # outcomes -------------------------------------------------------------------------------
    async def _members_of(self, campaign_id: str, sequences: set[int]) -> dict[int, _Members]:
        cursor = self._batches.find(
            {"campaign_id": campaign_id, "state": _COMPLETE, "sequence": {"$in": sorted(sequences)}}
        )
        return {doc["sequence"]: _Members(doc) async for doc in cursor}

    async def _placements(
        self, campaign_id: str, contact_ids: list[str]
    ) -> dict[str, tuple[int | None, int | None]]:
        """(batch sequence, variant) of each known contact, (None, None) unless assigned."""
        contacts = await self._contacts.find(
            {"campaign_id": campaign_id, "contact_id": {"$in": contact_ids}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ).to_list(None)
        batches = await self._members_of(
            campaign_id, {c["batch"] for c in contacts if c["batch"] is not None}
        )
        placements: dict[str, tuple[int | None, int | None]] = {}
        for c in contacts:
            members = batches.get(c["batch"])
            label = members.label_of(c["seq"]) if members else None
            placements[c["contact_id"]] = (None, None) if label is None else (c["batch"], label)
        return placements

    @_available
    async def record_events(self, campaign_id: str, events: Sequence[EventLike]) -> EventTally:
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
        tally = classify_events(events, placements, seen_events, had_outcome)
        markers = []
        for contact_id, kind in tally.new_outcomes:
            sequence, variant = placements[contact_id]
            assert sequence is not None and variant is not None
            markers.append(
                {
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "type": kind,
                    "sequence": sequence,
                    "variant": variant,
                    "cell": _cell(sequence, variant, kind),
                }
            )
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
        return self._settle_tally(tally.result, tally.new_outcomes, lost_markers, lost_events)

    @staticmethod
    def _settle_tally(
        result: EventTally,
        counted: list[tuple[str, str]],
        lost_markers: set[int],
        lost_events: set[int],
    ) -> EventTally:
        """The tally after concurrent requests won some inserts (their events are theirs)."""
        recorded = result.recorded - len(lost_events)
        still_counted = len(counted) - len(lost_markers)
        return EventTally(
            received=result.received,
            recorded=recorded,
            repeated=max(recorded - still_counted, 0),
            duplicates=result.duplicates + len(lost_events),
            rejected=result.rejected,
        )

    async def _complete_headers(self, campaign_id: str) -> list[dict[str, Any]]:
        cursor = self._batches.find({"campaign_id": campaign_id, "state": _COMPLETE}, _HIDDEN)
        return await cursor.sort("sequence", ASCENDING).to_list(None)

    @staticmethod
    def _rows(
        headers: list[dict[str, Any]],
        sends: dict[tuple[int, int], int],
        outcomes: Counter[tuple[int, int, str]],
    ) -> list[PeriodCount]:
        created = {h["sequence"]: h["created_at"] for h in headers}
        return [
            codec.period_count(
                sequence,
                created[sequence],
                variant,
                n,
                {t: outcomes[(sequence, variant, t)] for t in OUTCOME_TYPES},
            )
            for (sequence, variant), n in sorted(sends.items())
            if n > 0
        ]

    @_available
    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        headers = await self._complete_headers(campaign_id)
        sends = {}
        for h in headers:
            sends.update({(h["sequence"], v): n for v, n in enumerate(h["counts"])})
            sends[(h["sequence"], HOLDOUT)] = h["holdout_count"]
        cursor = await self._outcomes.aggregate(
            [
                {"$match": {"campaign_id": campaign_id}},
                {"$group": {"_id": "$cell", "n": {"$sum": 1}}},
            ]
        )
        outcomes: Counter[tuple[int, int, str]] = Counter()
        async for row in cursor:
            sequence, variant, kind = row["_id"].split("/")
            outcomes[(int(sequence), int(variant), kind)] = row["n"]
        return self._rows(headers, sends, outcomes)

    @_available
    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """Sends from the contacts each complete batch holds, outcomes from the markers joined
        with those contacts: nothing taken from the batch counts or the markers' cells."""
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
        async for m in self._outcomes.find(
            {"campaign_id": campaign_id}, {"contact_id": 1, "type": 1}
        ):
            if m["contact_id"] in placement:
                outcomes[(*placement[m["contact_id"]], m["type"])] += 1
        return self._rows(headers, dict(sends), outcomes)

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
        return digest.hexdigest()
