"""One-time tokens of signed webhook deliveries: one document per (receiver, token) in
`webhook_tokens`, its `_id` `<receiver id>:<token>` (receiver ids hold no colon), kept until
`expires_at` (Unix seconds, indexed for the purge)."""

from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from burt.engine.store.mongo.connection import Connection


class WebhookTokens:
    """A claim is one insert: the unique `_id` makes concurrent claims of a token race to one
    winner; the loser reads the winner's body digest."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def claim(
        self, webhook_id: str, token: str, body_digest: str, expires_at: datetime, now: datetime
    ) -> bool:
        tokens = self._conn.webhook_tokens
        await tokens.delete_many({"expires_at": {"$lte": now.timestamp()}})
        key = f"{webhook_id}:{token}"
        try:
            await tokens.insert_one(
                {"_id": key, "body_digest": body_digest, "expires_at": expires_at.timestamp()}
            )
        except DuplicateKeyError:
            held = await tokens.find_one({"_id": key})
            return held is None or held["body_digest"] == body_digest
        return True
