"""The counters on a campaign document: reserved load and batch sequences, and the open journal
that keeps every count exact across the writes it counts, without transactions."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from typing import Any

from pymongo import ReturnDocument

from burt.engine.errors import NotFound
from burt.engine.store.mongo.connection import POLL_SECONDS, Connection
from burt.engine.store.mongo.documents import COMPLETE, counters_of, one_campaign


def new_op(kind: str) -> str:
    """An id for an open-journal entry (a field name: no dots, no leading `$`)."""
    return f"{kind[0]}{secrets.token_hex(8)}"


class Journal:
    """Opens, closes, reads and repairs the `open` entries of counted writes."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def reserve(self, campaign_id: str, counter: str, n: int) -> int:
        """Reserve `n` values of a campaign counter; returns the first one."""
        doc = await self._conn.campaigns.find_one_and_update(
            one_campaign(campaign_id),
            {"$inc": {counter: n}},
            {counter: 1},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return int(doc[counter]) - n + 1

    async def open(self, campaign_id: str, op: str, entry: dict[str, Any]) -> None:
        """Step (a): announce a counted write, stamped with the server's time."""
        await self._conn.campaigns.update_one(
            one_campaign(campaign_id),
            {"$set": {f"open.{op}": {**entry, "at": self._conn.now()}}},
        )

    async def close(self, campaign_id: str, op: str, increments: dict[str, int]) -> None:
        """Step (c): apply an entry's increments and remove it, once (the filter's condition)."""
        update: dict[str, Any] = {"$unset": {f"open.{op}": ""}}
        if any(increments.values()):
            update["$inc"] = {k: n for k, n in increments.items() if n}
        await self._conn.campaigns.update_one(
            one_campaign(campaign_id, **{f"open.{op}": {"$exists": True}}), update
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
            effect["contacts_total"] = await self._conn.contacts.count_documents(
                {"campaign_id": campaign_id, "seq": {"$gte": first, "$lt": first + entry["n"]}}
            )
            return effect, False
        if kind == "erase":
            gone = await self._conn.contacts.find_one(
                {"campaign_id": campaign_id, "seq": entry["seq"]}, {"_id": 1}
            )
            effect["contacts_total"] = 0 if gone else -1
            return effect, gone is None
        if kind == "batch":
            doc = await self._conn.batches.find_one(
                {"campaign_id": campaign_id, "sequence": entry["sequence"]},
                {"state": 1, "size": 1},
            )
            if doc is not None and doc["state"] == COMPLETE:
                effect["contacts_assigned"] = doc["size"]
            return effect, doc is None or doc["state"] == COMPLETE
        async for marker in self._conn.outcomes.find(
            {"campaign_id": campaign_id, "op": op}, {"cell": 1, "bin": 1, "_id": 0}
        ):
            effect.update(counters_of(marker))
        return effect, False

    async def owed(self, doc: dict[str, Any], kinds: set[str]) -> Counter[str]:
        """The sum of the effects of a campaign's open entries of these kinds."""
        owed: Counter[str] = Counter()
        for op, entry in (doc.get("open") or {}).items():
            if entry["kind"] in kinds:
                effect, _ = await self._effect(doc["_id"], op, entry)
                owed.update(effect)
        return owed

    async def repair(self, campaign_id: str, entries: dict[str, Any], now: int) -> None:
        """Close the entries whose effect is final, or whose writer is past its deadline."""
        stale_before = self._conn.stale_before(now)
        for op, entry in entries.items():
            effect, final = await self._effect(campaign_id, op, entry)
            if final or (entry["kind"] != "batch" and entry["at"] < stale_before):
                await self.close(campaign_id, op, dict(effect))

    async def load_closed(self, campaign_id: str, seq: int) -> None:
        """Wait for the load entry covering `seq` to close (repair it once past its deadline)."""
        while True:
            campaign = await self._conn.campaigns.find_one(one_campaign(campaign_id), {"open": 1})
            entries = (campaign or {}).get("open") or {}
            covering = {
                op: e
                for op, e in entries.items()
                if e["kind"] == "load" and e["first"] <= seq < e["first"] + e["n"]
            }
            if not covering:
                return
            await self.repair(campaign_id, covering, await self._conn.server_now())
            await asyncio.sleep(POLL_SECONDS)
