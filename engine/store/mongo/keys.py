"""API keys: one document per key in `api_keys`, its `_id` the key's digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from burt.engine.apikeys import ApiKey
from burt.engine.store import codec
from burt.engine.store.mongo.connection import Connection
from burt.engine.timefmt import format_rfc3339


def _api_key(doc: dict[str, Any]) -> ApiKey:
    return codec.api_key_from_fields({**doc, "key_hash": doc["_id"]})


class ApiKeys:
    """Keys stored without the lifecycle fields (name, times, scope) read as never expiring,
    never revoked, with write scope."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add_api_key(self, key: ApiKey) -> None:
        fields = codec.api_key_fields(key)
        del fields["key_hash"]
        await self._conn.api_keys.insert_one({"_id": key.key_hash, **fields})

    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        doc = await self._conn.api_keys.find_one({"_id": key_hash})
        return _api_key(doc) if doc else None

    async def list_api_keys(self) -> list[ApiKey]:
        keys = [_api_key(doc) async for doc in self._conn.api_keys.find({})]
        return sorted(keys, key=lambda k: (codec.api_key_fields(k)["created_at"] or "", k.key_hash))

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Keys are few: the one whose digest the id names is found by a scan (ids are a
        digest prefix, and keys stored without an id field leave none to index)."""
        key = next((k for k in await self.list_api_keys() if k.key_id == key_id), None)
        if key is None:
            return None
        await self._conn.api_keys.update_one(
            {"_id": key.key_hash, "revoked_at": None}, {"$set": {"revoked_at": format_rfc3339(at)}}
        )
        return await self.get_api_key(key.key_hash)

    async def touch_api_key(self, key_hash: str, at: datetime) -> None:
        await self._conn.api_keys.update_one(
            {"_id": key_hash}, {"$set": {"last_used_at": format_rfc3339(at)}}
        )
