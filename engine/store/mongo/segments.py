"""Segment slots on the MongoDB store: a draw's placement of its contacts, and the registry.

The registry is the campaign document's `segment_slots` array (slot s: its key as the JSON text
of a list of texts, or null for `OTHER`; absent before the first segmented draw). Text, not
nested arrays: nx-27017 stores an array pushed into an array as its JSON text anyway.

A draw places the contacts it claimed after its claim and before its seal (`draws.py`): it
reads the registry, places them by `engine.segments.keys`' rule and appends the slots that made
in one compare-and-set write on the array's length. When a concurrent draw appended first, the
write matches nothing and the placement starts again from the registry that draw left, so every
draw places by one registry and the second sees the first's slots. The contacts' slots are
written only by the seal, after the append: no complete batch holds a slot the registry lacks.
A draw that dies between the two leaves slots that no contact holds yet, as a first draw's
ranking does for keys whose contacts are all still pending.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING

from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import OTHER, Registry, SegmentKey, key_of, rank
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import one_campaign

REGISTRY = "segment_slots"
"""The campaign document's field holding the registry."""


def registry_of(doc: dict[str, Any]) -> Registry:
    """The registry on a campaign document (empty when it has none)."""
    stored = doc.get(REGISTRY) or ()
    return Registry(tuple(OTHER if key is None else tuple(json.loads(key)) for key in stored))


def _stored(registry: Registry) -> list[str | None]:
    return [None if key is OTHER else json.dumps(list(key)) for key in registry.slots]


class Segments:
    """Reads the registry and places a draw's contacts in it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def registry(self, campaign_id: str) -> Registry | None:
        """The campaign's registry; None when the campaign is absent."""
        doc = await self._conn.campaigns.find_one(one_campaign(campaign_id), {REGISTRY: 1})
        return None if doc is None else registry_of(doc)

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
