"""Drawing a batch (recover stale claims, reserve a sequence, claim contacts, place them in
segments, seal), waiting on a batch another drawer is claiming, and reading complete batches
back."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from burt.engine.assignment import assign_labels, assign_segments, segment_mixture
from burt.engine.errors import Conflict, NoPendingContacts, NotFound, StoreUnavailable
from burt.engine.model import Batch, BatchDraft
from burt.engine.store import codec
from burt.engine.store.codec import draft_segments, segments_of
from burt.engine.store.mongo.connection import POLL_SECONDS, Connection
from burt.engine.store.mongo.documents import (
    CLAIMING,
    COMPLETE,
    HIDDEN,
    Members,
    batch_of,
    one_campaign,
    pack,
    placement_fields,
)
from burt.engine.store.mongo.journal import Journal
from burt.engine.store.mongo.segments import Segments

_DRAW_ATTEMPTS = 5


def _this_batch(doc: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The filter of one batch document (its `_id` and its shard key)."""
    return {"_id": doc["_id"], "campaign_id": doc["campaign_id"], **more}


class Draws:
    """The draw protocol on the `batches` and `contacts` collections."""

    def __init__(self, conn: Connection, journal: Journal, segments: Segments) -> None:
        self._conn = conn
        self._journal = journal
        self._segments = segments

    # reads ----------------------------------------------------------------------------------
    async def _assignments(self, doc: dict[str, Any]) -> tuple[tuple[str, int], ...]:
        """The members' ids and labels in load order; erased members (bytes ids) left out."""
        members = Members(doc)
        ids = {
            c["seq"]: c["contact_id"]
            async for c in self._conn.contacts.find(
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
        return batch_of(doc, await self._assignments(doc))

    async def _settled(self, query: dict[str, Any]) -> Batch | None:
        """The batch matching `query` once complete; None if absent or aborted meanwhile.

        A batch still claiming belongs to a concurrent drawer: wait for it, or abort it when
        its heartbeat is older than `claim_timeout` by the server's clock.
        """
        fresh = False
        while True:
            doc = await self._conn.batches.find_one(query)
            if doc is None:
                return None
            if doc["state"] == COMPLETE:
                return await self._complete_batch(doc)
            now = self._conn.now() if fresh else await self._conn.server_now()
            fresh = True
            if doc["heartbeat"] < self._conn.stale_before(now):
                await self._abort(doc)
                return None
            await asyncio.sleep(POLL_SECONDS)

    async def settled_member(self, campaign_id: str, sequence: int) -> bool:
        """Whether the batch holding a contact is complete, once no longer claiming.

        False when it was aborted meanwhile (its contacts are then released: look again)."""
        while True:
            doc = await self._conn.batches.find_one(
                {"campaign_id": campaign_id, "sequence": sequence}, HIDDEN
            )
            if doc is not None and doc["state"] == COMPLETE:
                return True
            if doc is None or doc["heartbeat"] < self._conn.stale_before(self._conn.now()):
                if doc is not None:
                    await self._abort(doc)
                await self._release_aborted(campaign_id, [sequence])
                return False
            await asyncio.sleep(POLL_SECONDS)

    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        return await self._settled({"campaign_id": campaign_id, "idempotency_key": idempotency_key})

    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None:
        doc = await self._conn.batches.find_one(
            {"_id": batch_id, "campaign_id": campaign_id, "state": COMPLETE}
        )
        return await self._complete_batch(doc) if doc else None

    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        cursor = (
            self._conn.batches.find(
                {
                    "campaign_id": campaign_id,
                    "state": COMPLETE,
                    "sequence": {"$gt": after_sequence},
                },
                HIDDEN,
            )
            .sort("sequence", ASCENDING)
            .limit(limit)
        )
        return [batch_of(doc) async for doc in cursor]

    # recovery -------------------------------------------------------------------------------
    async def _abort(self, doc: dict[str, Any]) -> None:
        """Abort a claiming batch: remember its sequence first, so a crash here is finished."""
        await self._conn.campaigns.update_one(
            one_campaign(doc["campaign_id"]), {"$addToSet": {"recovered": doc["sequence"]}}
        )
        await self._conn.batches.delete_one(_this_batch(doc, state=CLAIMING))

    async def _release_aborted(self, campaign_id: str, recovered: list[int]) -> None:
        """Return to pending the contacts of aborted batches (idempotent, repeated each draw)."""
        if not recovered:
            return
        alive = {
            doc["sequence"]
            async for doc in self._conn.batches.find(
                {"campaign_id": campaign_id, "sequence": {"$in": recovered}}, {"sequence": 1}
            )
        }
        gone = [s for s in recovered if s not in alive]
        if gone:
            await self._conn.contacts.update_many(
                {"campaign_id": campaign_id, "batch": {"$in": gone}}, {"$set": {"batch": None}}
            )

    async def _abort_stale(self, campaign_id: str, now: int) -> None:
        cursor = self._conn.batches.find(
            {
                "campaign_id": campaign_id,
                "state": CLAIMING,
                "heartbeat": {"$lt": self._conn.stale_before(now)},
            },
            {"campaign_id": 1, "sequence": 1},
        )
        for doc in await cursor.to_list(None):
            await self._abort(doc)

    # the draw -------------------------------------------------------------------------------
    async def _held(self, campaign_id: str, sequence: int) -> list[int]:
        """The load sequences of the contacts this batch holds, in load order."""
        cursor = self._conn.contacts.find(
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
                async for c in self._conn.contacts.find(
                    {"campaign_id": campaign_id, "batch": None}, {"seq": 1, "_id": 0}
                )
                .sort("seq", ASCENDING)
                .limit(size - len(held))
            ]
            if not pending:
                break
            await self._conn.contacts.update_many(
                {
                    "campaign_id": campaign_id,
                    "seq": {"$gte": pending[0], "$lte": pending[-1]},
                    "batch": None,
                },
                {"$set": {"batch": sequence}},
            )
            held = await self._held(campaign_id, sequence)
            await self._conn.batches.update_one(
                _this_batch(doc, state=CLAIMING), {"$set": {"heartbeat": self._conn.now()}}
            )
        if len(held) > size:  # contacts loaded into the claimed range meanwhile
            await self._conn.contacts.update_many(
                {"campaign_id": campaign_id, "batch": sequence, "seq": {"$gt": held[size - 1]}},
                {"$set": {"batch": None}},
            )
            held = held[:size]
        return held

    async def _seal(
        self, doc: dict[str, Any], draft: BatchDraft, held: list[int]
    ) -> dict[str, Any] | None:
        """Complete the batch in one conditional write; None if a recoverer aborted it (or the
        campaign was deleted meanwhile).

        A segmented draw places its members first (`Segments.place` appends the registry's new
        slots), so the seal that stores their slots comes after the registry holds them."""
        campaign_id, sequence = doc["campaign_id"], doc["sequence"]
        plan = draft.segments
        if plan is None:
            labels = assign_labels(
                len(held), draft.weights, draft.holdout_fraction, draft.seed
            ).tolist()
            batch = draft.drawn(campaign_id, sequence, labels)
            placed: dict[str, Any] = {}
        else:
            slots = await self._segments.place(campaign_id, sequence, held, plan)
            if slots is None:
                return None
            labels = assign_segments(slots, plan, draft.holdout_fraction, draft.seed).tolist()
            batch = draft.drawn(campaign_id, sequence, labels, weights=segment_mixture(slots, plan))
            placed = placement_fields(slots, labels)
        return await self._conn.batches.find_one_and_update(
            _this_batch(doc, state=CLAIMING),
            {
                "$set": {
                    **codec.batch_fields(batch),
                    **placed,
                    "state": COMPLETE,
                    "members": pack(held, "q"),
                    "labels": pack(labels, "b"),
                }
            },
            return_document=ReturnDocument.AFTER,
        )

    async def _reserve(self, campaign_id: str, draft: BatchDraft) -> int:
        """Step 2: reserve a sequence, at a version of the campaign whose segment settings are
        the draft's (Conflict, nothing written, when they are not): the version changes with
        any update, so an update landing between the read and the reservation makes it read
        again. An update that changes the segment settings is refused once a sequence is
        reserved (`Campaigns.update_campaign`): of the two, the first to write wins."""
        while True:
            doc = await self._conn.campaigns.find_one(
                one_campaign(campaign_id), {"settings": 1, "version": 1}
            )
            if doc is None:
                raise NotFound(f"campaign {campaign_id!r} not found")
            if segments_of(codec.settings_from_dict(doc["settings"])) != draft_segments(draft):
                raise Conflict(
                    f"campaign {campaign_id!r} changed its segment settings while this batch"
                    " was being decided; retry the request"
                )
            reserved = await self._conn.campaigns.find_one_and_update(
                one_campaign(campaign_id, version=doc["version"]),
                {"$inc": {"next_sequence": 1}},
                {"next_sequence": 1},
                return_document=ReturnDocument.AFTER,
            )
            if reserved is not None:
                return int(reserved["next_sequence"])

    async def _begin(self, campaign_id: str, draft: BatchDraft) -> dict[str, Any] | None:
        """Steps 1-3: recover, reserve a sequence, insert the claiming batch, open its entry.

        Returns None when a batch with the same idempotency key exists (a concurrent request).
        """
        now = await self._conn.server_now()
        await self._abort_stale(campaign_id, now)
        campaign = await self._conn.campaigns.find_one(
            one_campaign(campaign_id), {"recovered": 1, "open": 1}
        )
        if campaign is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        await self._release_aborted(campaign_id, campaign["recovered"])
        await self._journal.repair(campaign_id, campaign["open"], now)
        if await self._conn.contacts.find_one({"campaign_id": campaign_id, "batch": None}) is None:
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sequence = await self._reserve(campaign_id, draft)
        doc = {
            "_id": draft.id,
            **codec.batch_fields(draft.drawn(campaign_id, sequence, [])),
            "state": CLAIMING,
            "heartbeat": now,
        }
        try:
            await self._conn.batches.insert_one(doc)
        except DuplicateKeyError:
            return None
        await self._journal.open(
            campaign_id, f"b{sequence}", {"kind": "batch", "sequence": sequence}
        )
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
            await self._conn.batches.delete_one(_this_batch(doc, state=CLAIMING))
            await self._journal.close(campaign_id, f"b{sequence}", {})
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        sealed = await self._seal(doc, draft, held)
        if sealed is None:  # aborted by a recoverer: our claims are released, draw again
            await self._release_aborted(campaign_id, [sequence])
            return None
        await self._journal.close(
            campaign_id, f"b{sequence}", {"contacts_assigned": sealed["size"]}
        )
        return await self._complete_batch(sealed)

    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        """Every command of a draw runs in one causally consistent session: the claim re-read
        in `_held` and the assignments must see every claim the draw made."""
        async with self._conn.causal_session():
            for _ in range(_DRAW_ATTEMPTS):
                batch = await self._draw_once(campaign_id, draft)
                if batch is not None:
                    return batch
        raise StoreUnavailable(
            f"could not draw a batch for campaign {campaign_id!r}: claims kept timing out"
        )
