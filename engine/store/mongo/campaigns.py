"""Campaign documents and the contacts loaded into them: creation (once per idempotency key),
reads with their contact counts, compare-and-set updates, and contact loads."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from burt.engine.model import Campaign, ContactLike
from burt.engine.store import codec
from burt.engine.store.codec import segments_of
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import DELETED, insert_unordered, one_campaign
from burt.engine.store.mongo.journal import Journal, new_op
from burt.engine.store.mongo_schema import counters_fields

_NO_CELLS = {"cells": 0, "delays": 0}
"""Projection of a campaign for everything but stats."""


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


class Campaigns:
    """The `campaigns` collection (and `campaign_keys`), and loads into `contacts`."""

    def __init__(self, conn: Connection, journal: Journal) -> None:
        self._conn = conn
        self._journal = journal

    async def insert_campaign(self, campaign: Campaign) -> None:
        await self._conn.campaigns.insert_one(_campaign_doc(campaign))

    async def insert_campaign_once(
        self, campaign: Campaign, idempotency_key: str, fingerprint: str
    ) -> tuple[str, str]:
        """The key document first (its `_id` is the tenant and key, so the unique `_id` index
        decides which request makes the campaign), the campaign second. A crash in between
        leaves a key whose campaign is missing: the retry (same fingerprint) inserts it under
        the key's campaign id. A concurrent retry may do the same while the first request is
        still on its way; whichever inserts second finds the campaign there, which is the same
        request's campaign either way."""
        keys = self._conn.collection("campaign_keys")
        key_doc = {
            "_id": codec.dumps([campaign.tenant, idempotency_key]),
            "campaign_id": campaign.id,
            "fingerprint": fingerprint,
        }
        try:
            await keys.insert_one(key_doc)
        except DuplicateKeyError:
            stored = await keys.find_one({"_id": key_doc["_id"]})
            assert stored is not None  # key documents are never deleted while their campaign lives
            key_doc = stored
            if key_doc["fingerprint"] != fingerprint:
                return key_doc["campaign_id"], key_doc["fingerprint"]
        deleted = await self._conn.collection(DELETED).find_one({"_id": key_doc["campaign_id"]})
        if deleted is not None:
            return key_doc["campaign_id"], key_doc["fingerprint"]  # deleted: never recreated
        with contextlib.suppress(DuplicateKeyError):  # made by the same key's first request
            await self._conn.campaigns.insert_one(
                _campaign_doc(dataclasses.replace(campaign, id=key_doc["campaign_id"]))
            )
        return key_doc["campaign_id"], key_doc["fingerprint"]

    async def _with_counts(self, doc: dict[str, Any]) -> Campaign:
        owed = await self._journal.owed(doc, {"load", "batch", "erase"})
        total = doc["contacts_total"] + owed["contacts_total"]
        assigned = doc["contacts_assigned"] + owed["contacts_assigned"]
        return codec.campaign_from_fields(doc, total=total, pending=total - assigned)

    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        doc = await self._conn.campaigns.find_one(
            one_campaign(campaign_id, tenant=tenant), _NO_CELLS
        )
        return await self._with_counts(doc) if doc else None

    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        """A tenant's page: the one query not targeted at a shard (campaigns by tenant)."""
        cursor = (
            self._conn.campaigns.find({"tenant": tenant, "id": {"$gt": after_id or ""}}, _NO_CELLS)
            .sort("id", ASCENDING)
            .limit(limit)
        )
        return [await self._with_counts(doc) async for doc in cursor]

    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        """A change of the segment settings is stored only while no draw has reserved a batch
        sequence, in the same conditional write (`Draws._reserve` is the other side)."""
        current = one_campaign(campaign.id, tenant=campaign.tenant, version=expected_version)
        stored = await self._conn.campaigns.find_one(current, {"settings": 1})
        if stored is None:
            return False
        if segments_of(codec.settings_from_dict(stored["settings"])) != segments_of(
            campaign.settings
        ):
            current["next_sequence"] = 0
        result = await self._conn.campaigns.update_one(
            current, {"$set": codec.campaign_fields(campaign)}
        )
        return result.matched_count == 1

    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        first = await self._journal.reserve(campaign_id, "next_load", len(contacts))
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
        op = new_op("load")
        with self._conn.deadline():
            await self._journal.open(
                campaign_id, op, {"kind": "load", "first": first, "n": len(docs)}
            )
            existing = len(await insert_unordered(self._conn.contacts, docs))
            await self._journal.close(campaign_id, op, {"contacts_total": len(docs) - existing})
        return len(docs) - existing, existing
