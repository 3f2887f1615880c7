"""Segment slots on the MongoDB store: a draw's placement of its contacts, and the registry.

The registry is the campaign document's `segment_slots` array (slot s as `keys.slot_text` gives
it: its key as the JSON text of a list of texts, `erased` for a redacted key, null for `OTHER`;
absent before the first segmented draw). Text, not nested arrays: nx-27017 stores an array
pushed into an array as its JSON text anyway.

A draw places the contacts it claimed after its claim and before its seal (`draws.py`): it
reads the registry, places them by `engine.segments.keys`' rule and appends the slots that made
in one compare-and-set write on the array's length. When a concurrent draw appended first, the
write matches nothing and the placement starts again from the registry that draw left, so every
draw places by one registry and the second sees the first's slots. The contacts' slots are
written only by the seal, after the append: no complete batch holds a slot the registry lacks.
A draw that dies between the two leaves slots that no contact holds yet, as a first draw's
ranking does for keys whose contacts are all still pending.

An erasure redacts its contact's key (`forget`) while the contact is still found by its id
(erasure.py), so a retry after a crash redacts it again (a no-op once done); the write rewrites
the array under a compare-and-set on its length and on the count of redactions
(`segment_redactions`), so it never undoes a draw's append or another erasure's redaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING

from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import (
    Registry,
    SegmentKey,
    key_of,
    rank,
    slot_from_text,
    slot_text,
)
from burt.engine.store import codec
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import one_campaign

REGISTRY = "segment_slots"
"""The campaign document's field holding the registry."""
REDACTIONS = "segment_redactions"
"""How many keys erasures redacted from the registry (absent: none): what a redaction's
compare-and-set reads with the array's length (the servers compare no arrays in a filter)."""


def registry_of(doc: dict[str, Any]) -> Registry:
    """The registry on a campaign document (empty when it has none)."""
    stored = doc.get(REGISTRY) or ()
    return Registry(tuple(slot_from_text(key) for key in stored))


def _stored(registry: Registry) -> list[str | None]:
    return [slot_text(key) for key in registry.slots]


class Segments:
    """Reads the registry and places a draw's contacts in it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def registry(self, campaign_id: str) -> Registry | None:
        """The campaign's registry; None when the campaign is absent."""
        doc = await self._conn.campaigns.find_one(one_campaign(campaign_id), {REGISTRY: 1})
        return None if doc is None else registry_of(doc)

    async def forget(self, campaign_id: str, contact: dict[str, Any]) -> None:
        """Redact the key of `contact` (its document, being erased) if a slot holds it of its
        own (`Registry.redact`) and no other contact of the campaign carries it, those being
        erased (`erased_as`) or erased (a tombstone's id is bytes) aside: pending or assigned,
        by `key_of` of its attributes (every contact whose key is the slot's is in that slot).
        Reads the other contacts' attributes until one carries the key."""
        while True:
            doc = await self._conn.campaigns.find_one(
                one_campaign(campaign_id), {"settings": 1, REGISTRY: 1, REDACTIONS: 1}
            )
            if doc is None or not doc.get(REGISTRY):
                return
            by = codec.settings_from_dict(doc["settings"]).segment_by
            key = key_of(contact.get("attributes"), by)
            stored = registry_of(doc)
            redacted, slot = stored.redact(key)
            if slot is None or await self._carried(campaign_id, contact["_id"], key, by):
                return
            unchanged = {
                REGISTRY: {"$size": len(stored.slots)},  # no draw appended since the read
                # nor another erasure redacted
                REDACTIONS: doc.get(REDACTIONS, {"$exists": False}),
            }
            done = await self._conn.campaigns.update_one(
                one_campaign(campaign_id, **unchanged),
                {"$set": {REGISTRY: _stored(redacted), REDACTIONS: doc.get(REDACTIONS, 0) + 1}},
            )
            if done.matched_count == 1:
                return

    async def _carried(
        self, campaign_id: str, erased: Any, key: SegmentKey, by: Sequence[str]
    ) -> bool:
        """Whether a contact other than `erased` (an `_id`), not erased, carries `key`."""
        cursor = self._conn.contacts.find(
            {"campaign_id": campaign_id, "_id": {"$ne": erased}, "erased_as": {"$exists": False}},
            {"attributes": 1, "contact_id": 1},
        )
        async for other in cursor:
            if isinstance(other["contact_id"], str) and key_of(other.get("attributes"), by) == key:
                await cursor.close()
                return True
        return False

    async def _first_draw(self, campaign_id: str, plan: SegmentPlan) -> Registry:
        """The slots ranked over every contact loaded so far (``keys.rank``), in load order."""
        counts: dict[SegmentKey, int] = {}  # insertion order: the order keys were first loaded
        cursor = self._conn.contacts.find(
            {"campaign_id": campaign_id}, {"attributes": 1, "_id": 0}
        ).sort("seq", ASCENDING)
        async for contact in cursor:
            key = key_of(contact.get("attributes"), plan.by)
            counts[key] = counts.get(key, 0) + 1
        return rank(counts.items(), plan.max_segments)

    async def place(
        self, campaign_id: str, sequence: int, held: Sequence[int], plan: SegmentPlan
    ) -> list[int] | None:
        """The segment slot of each contact batch `sequence` holds (`held`, in load order),
        with the slots that made appended to the registry. None when the batch no longer holds
        them all, or the campaign is gone: a recoverer aborted the batch (its seal would fail
        too), or the campaign was deleted (the next attempt's reservation finds it absent)."""
        attributes = await self._attributes(campaign_id, sequence, held)
        if attributes is None:
            return None
        keys = [key_of(a, plan.by) for a in attributes]
        while True:
            stored = await self.registry(campaign_id)
            if stored is None:
                return None
            slots = stored if stored.slots else await self._first_draw(campaign_id, plan)
            for key in dict.fromkeys(keys):  # each distinct key once, in load order
                slots, _ = slots.place(key, plan.max_segments)
            if await self._append(campaign_id, stored, slots):
                return [_slot(slots, key) for key in keys]

    async def _attributes(
        self, campaign_id: str, sequence: int, held: Sequence[int]
    ) -> list[dict[str, Any] | None] | None:
        """The attributes of the contacts batch `sequence` holds, in load order (`held`);
        None unless it still holds them all."""
        found = {
            c["seq"]: c.get("attributes")
            async for c in self._conn.contacts.find(
                {"campaign_id": campaign_id, "batch": sequence}, {"seq": 1, "attributes": 1}
            )
        }
        if not found.keys() >= set(held):
            return None
        return [found[seq] for seq in held]

    async def _append(self, campaign_id: str, stored: Registry, slots: Registry) -> bool:
        """Append `slots`' new slots if the registry is still `stored`; False if it changed."""
        if len(slots.slots) == len(stored.slots):
            return True
        length: dict[str, Any] = (
            {"$size": len(stored.slots)} if stored.slots else {"$exists": False}
        )
        new = _stored(slots)[len(stored.slots) :]
        done = await self._conn.campaigns.update_one(
            one_campaign(campaign_id, **{REGISTRY: length}),
            {"$push": {REGISTRY: {"$each": new}}},
        )
        return done.matched_count == 1


def _slot(registry: Registry, key: SegmentKey) -> int:
    slot = registry.slot_of(key)
    assert slot is not None  # every key was placed
    return slot
