"""Webhook receivers: one document per receiver in `webhooks`, its `_id` the receiver id (not
campaign-scoped: a delivery names a receiver, its events name campaigns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING

from burt.engine.model import ActivityUpdate, Webhook
from burt.engine.store import codec
from burt.engine.store.mongo.connection import Connection

_ACTIVITY = ("counts", "last_delivery_at", "last_error", "last_error_at", "subscription")


def _webhook(doc: dict[str, Any]) -> Webhook:
    return codec.webhook_from_fields(doc, {k: doc[k] for k in _ACTIVITY if k in doc})


class Webhooks:
    """A receiver's counters live under `counts`, added with `$inc` so concurrent deliveries
    lose no increment."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def insert_webhook(self, webhook: Webhook) -> None:
        await self._conn.webhooks.insert_one({"_id": webhook.id, **codec.webhook_fields(webhook)})

    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        doc = await self._conn.webhooks.find_one({"_id": webhook_id})
        return _webhook(doc) if doc else None

    async def list_webhooks(self, tenant: str, after_id: str | None, limit: int) -> list[Webhook]:
        cursor = (
            self._conn.webhooks.find({"tenant": tenant, "id": {"$gt": after_id or ""}})
            .sort("id", ASCENDING)
            .limit(limit)
        )
        return [_webhook(doc) async for doc in cursor]

    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        result = await self._conn.webhooks.delete_one({"_id": webhook_id, "tenant": tenant})
        return result.deleted_count == 1

    async def replace_webhook_credential(
        self, webhook_id: str, old: Mapping[str, str], new: Mapping[str, str]
    ) -> bool:
        # Matched field by field: an embedded document's equality would depend on key order.
        held = {f"credential.{name}": value for name, value in old.items()}
        result = await self._conn.webhooks.update_one(
            {"_id": webhook_id, **held}, {"$set": {"credential": dict(new)}}
        )
        return result.modified_count == 1

    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        # Counter keys are the engine's fixed vocabulary (engine.webhooks), never client input.
        assert all("." not in k and not k.startswith("$") for k in update.counts)
        change: dict[str, Any] = {"$set": codec.activity_changes(update)}
        if update.counts:
            change["$inc"] = {f"counts.{k}": n for k, n in update.counts.items()}
        if change["$set"] or update.counts:
            await self._conn.webhooks.update_one(
                {"_id": webhook_id}, {k: v for k, v in change.items() if v}
            )
