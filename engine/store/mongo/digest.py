"""A tenant's digest: one hash over every document stored for it, to tell whether anything
changed."""

from __future__ import annotations

import hashlib

import bson
from pymongo import ASCENDING

from burt.engine.store.mongo.connection import Connection


async def tenant_digest(conn: Connection, tenant: str) -> str:
    """SHA-256 over every document of the tenant's campaigns and webhook receivers, in a fixed
    order."""
    digest = hashlib.sha256()
    campaigns = conn.campaigns.find({"tenant": tenant}).sort("id", ASCENDING)
    orders = (
        (conn.contacts, [("seq", ASCENDING)]),
        (conn.batches, [("sequence", ASCENDING)]),
        (conn.events, [("event_id", ASCENDING)]),
        (conn.outcomes, [("contact_id", ASCENDING), ("type", ASCENDING)]),
    )
    async for campaign in campaigns:
        digest.update(bson.encode(campaign))
        for collection, order in orders:
            async for doc in collection.find({"campaign_id": campaign["_id"]}).sort(order):
                digest.update(bson.encode(doc))
    async for doc in conn.webhooks.find({"tenant": tenant}).sort("id", ASCENDING):
        digest.update(bson.encode(doc))
    return digest.hexdigest()
