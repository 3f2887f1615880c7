"""Erasure: deleting a whole campaign (recorded first, finished by any later pass), and erasing
one person from a campaign while keeping every count (and redacting the person's segment key
when no one else carries it, `Segments.forget`)."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from pymongo.errors import DuplicateKeyError

from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import DELETED, one_campaign
from burt.engine.store.mongo.draws import Draws
from burt.engine.store.mongo.journal import Journal, new_op
from burt.engine.store.mongo.segments import Segments

_NOT_CAMPAIGN_SCOPED = {"campaigns", "api_keys", "meta", DELETED}


class Erasure:
    """Campaign deletions (`deleted_campaigns`) and contact erasures."""

    def __init__(
        self, conn: Connection, journal: Journal, draws: Draws, segments: Segments
    ) -> None:
        self._conn = conn
        self._journal = journal
        self._draws = draws
        self._segments = segments

    # campaigns ------------------------------------------------------------------------------
    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        found = await self._conn.campaigns.find_one(
            one_campaign(campaign_id, tenant=tenant), {"_id": 1}
        )
        if found is None:
            return False
        with contextlib.suppress(DuplicateKeyError):  # a deletion under way: finish it
            await self._conn.collection(DELETED).insert_one(
                {"_id": campaign_id, "tenant": tenant, "deleted_at": self._conn.now()}
            )
        await self.finish_deletions()
        return True

    async def finish_deletions(self) -> None:
        """Carry out every recorded deletion (docs/production.md, Erasure).

        Idempotent: after a crash anywhere in it, the next call (every `open` and every
        deletion makes one) finishes the job. A record is kept `claim_timeout` seconds (by the
        server's clock), so a later call also sweeps what a write in flight during the deletion
        left.
        """
        names = set(await self._conn.database.list_collection_names())
        scoped = [n for n in ("contacts", "batches") if n in names] + sorted(
            n
            for n in names - _NOT_CAMPAIGN_SCOPED - {"contacts", "batches"}
            if not n.startswith("system.")
        )
        for record in await self._conn.collection(DELETED).find({}).to_list(None):
            campaign_id = record["_id"]
            await self._conn.campaigns.delete_one(
                one_campaign(campaign_id, tenant=record["tenant"])
            )
            for name in scoped:
                await self._conn.collection(name).delete_many({"campaign_id": campaign_id})
            if record["deleted_at"] < self._conn.stale_before(self._conn.now()):
                await self._conn.collection(DELETED).delete_one({"_id": campaign_id})

    # contacts -------------------------------------------------------------------------------
    async def erase_contact(self, campaign_id: str, contact_id: str) -> bool:
        while True:
            doc = await self._conn.contacts.find_one(
                {"campaign_id": campaign_id, "contact_id": contact_id}
            )
            if doc is None:
                return False
            if doc["batch"] is None:
                if await self._erase_pending(campaign_id, doc):
                    return True
            elif await self._draws.settled_member(campaign_id, doc["batch"]):
                await self._tombstone(campaign_id, doc)
                return True

    async def _erase_pending(self, campaign_id: str, doc: dict[str, Any]) -> bool:
        """Delete a pending contact as a counted write (an `erase` entry); False when a draw
        claimed it meanwhile. Waits until the load that inserted it has closed its entry, so
        the load's count and this decrement never overlap. Its segment key is redacted first,
        while a retry after a crash still finds the contact (a draw that claims it meanwhile
        only leaves it to the tombstone, which redacts again); before that it is marked as
        being erased (`erased_as`, which a tombstone would reuse), so an erasure of the key's
        other last carrier racing this one does not count it as carrying the key."""
        await self._journal.load_closed(campaign_id, doc["seq"])
        await self._conn.contacts.update_one(
            {"_id": doc["_id"], "campaign_id": campaign_id, "erased_as": {"$exists": False}},
            {"$set": {"erased_as": secrets.token_bytes(16)}},
        )
        await self._segments.forget(campaign_id, doc)
        op = new_op("erase")
        with self._conn.deadline():
            await self._journal.open(campaign_id, op, {"kind": "erase", "seq": doc["seq"]})
            gone = await self._conn.contacts.delete_one(
                {"_id": doc["_id"], "campaign_id": campaign_id, "batch": None}
            )
            await self._journal.close(campaign_id, op, {"contacts_total": -gone.deleted_count})
        return gone.deleted_count == 1

    async def _tombstone(self, campaign_id: str, doc: dict[str, Any]) -> None:
        """Replace an assigned contact's id by random bytes everywhere, keeping its outcomes.

        The tombstone is recorded on the contact first (`erased_as`), so a retry after a crash
        reuses it; then the markers and events take it, and its segment key is redacted
        (`Segments.forget`), then the contact; then the markers and events once more, for an
        event post that read the contact before the rename. Everything before the contact's
        rename is repeated by a retry, which still finds the contact by its id.
        """
        await self._conn.contacts.update_one(
            {"_id": doc["_id"], "campaign_id": campaign_id, "erased_as": {"$exists": False}},
            {"$set": {"erased_as": secrets.token_bytes(16)}},
        )
        marked = await self._conn.contacts.find_one({"_id": doc["_id"], "campaign_id": campaign_id})
        assert marked is not None  # contacts are deleted only with their campaign, or pending
        tombstone = marked["erased_as"]
        await self._rename_dependents(campaign_id, doc["contact_id"], tombstone)
        await self._segments.forget(campaign_id, marked)
        await self._conn.contacts.update_one(
            {"_id": doc["_id"], "campaign_id": campaign_id},
            {"$set": {"contact_id": tombstone, "attributes": None}, "$unset": {"erased_as": ""}},
        )
        await self._rename_dependents(campaign_id, doc["contact_id"], tombstone)

    async def _rename_dependents(self, campaign_id: str, contact_id: str, tombstone: bytes) -> None:
        await self._conn.outcomes.update_many(
            {"campaign_id": campaign_id, "contact_id": contact_id},
            {"$set": {"contact_id": tombstone}},
        )
        events = self._conn.events.find(
            {"campaign_id": campaign_id, "contact_id": contact_id}, {"_id": 1}
        )
        for event in await events.to_list(None):
            await self._conn.events.update_one(
                {"_id": event["_id"], "campaign_id": campaign_id},
                {"$set": {"event_id": secrets.token_bytes(16), "contact_id": tombstone}},
            )
