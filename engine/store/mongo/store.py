"""`MongoStore`: the `Store` port on MongoDB, delegating each operation to the collaborator that
does that one job, with PyMongo's "unavailable, retry" errors turned into StoreUnavailable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pymongo.monitoring import CommandListener

from burt.engine.apikeys import ApiKey
from burt.engine.counts import CountTable, SegmentTables
from burt.engine.errors import BackupUnsupported
from burt.engine.model import (
    ActivityUpdate,
    Batch,
    BatchDraft,
    Campaign,
    ContactLike,
    EventLike,
    EventTally,
    PeriodCount,
    Webhook,
)
from burt.engine.store.mongo.campaigns import Campaigns
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.counts import Counts
from burt.engine.store.mongo.digest import tenant_digest
from burt.engine.store.mongo.draws import Draws
from burt.engine.store.mongo.erasure import Erasure
from burt.engine.store.mongo.errors import available
from burt.engine.store.mongo.ingest import Ingest
from burt.engine.store.mongo.journal import Journal
from burt.engine.store.mongo.keys import ApiKeys
from burt.engine.store.mongo.segments import Segments
from burt.engine.store.mongo.tokens import WebhookTokens
from burt.engine.store.mongo.webhooks import Webhooks
from burt.engine.store.mongo_schema import migrate_or_refuse


class MongoStore:
    """Store on a MongoDB database (`open` connects and migrates or refuses the schema).

    `claim_timeout`: seconds after which a claim or an open journal entry is presumed
    abandoned; it must exceed `timeout_ms`, the deadline a writer's steps run under."""

    name = "mongodb"

    def __init__(
        self,
        uri: str,
        db_name: str,
        claim_timeout: float = 30.0,
        *,
        timeout_ms: int = 25_000,
        server_selection_timeout_ms: int = 15_000,
        event_listeners: Sequence[CommandListener] = (),
    ) -> None:
        self._conn = Connection(
            uri, db_name, claim_timeout, timeout_ms, server_selection_timeout_ms, event_listeners
        )
        self._journal = Journal(self._conn)
        self._keys = ApiKeys(self._conn)
        self._campaigns = Campaigns(self._conn, self._journal)
        self._segments = Segments(self._conn)
        self._draws = Draws(self._conn, self._journal, self._segments)
        self._erasure = Erasure(self._conn, self._journal, self._draws, self._segments)
        self._ingest = Ingest(self._conn, self._journal)
        self._counts = Counts(self._conn, self._journal, self._segments)
        self._webhooks = Webhooks(self._conn)
        self._tokens = WebhookTokens(self._conn)

    @available
    async def exists(self) -> bool:
        names = await self._conn.connect().list_collection_names()
        return bool({"api_keys", "campaigns"} & set(names))

    def location(self) -> str:
        return self._conn.location()

    async def backup(self, dest: Path) -> None:
        raise BackupUnsupported(
            f"a MongoDB store is backed up with MongoDB's tools, not burt: mongodump --uri URI"
            f" --db {self._conn.db_name} (restore with mongorestore)"
        )

    @available
    async def open(self) -> None:
        """Connect, then migrate the schema forward or refuse a newer one (mongo_schema)."""
        await migrate_or_refuse(self._conn.connect())
        await self._conn.server_now()
        await self._erasure.finish_deletions()

    async def close(self) -> None:
        await self._conn.close()

    @available
    async def ping(self) -> None:
        await self._conn.ping()

    # API keys -------------------------------------------------------------------------------
    @available
    async def add_api_key(self, key: ApiKey) -> None:
        await self._keys.add_api_key(key)

    @available
    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        return await self._keys.get_api_key(key_hash)

    @available
    async def list_api_keys(self) -> list[ApiKey]:
        return await self._keys.list_api_keys()

    @available
    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        return await self._keys.revoke_api_key(key_id, at)

    @available
    async def touch_api_key(self, key_hash: str, at: datetime) -> None:
        await self._keys.touch_api_key(key_hash, at)

    # campaigns and contacts -----------------------------------------------------------------
    @available
    async def insert_campaign(self, campaign: Campaign) -> None:
        await self._campaigns.insert_campaign(campaign)

    @available
    async def insert_campaign_once(
        self, campaign: Campaign, idempotency_key: str, fingerprint: str
    ) -> tuple[str, str]:
        return await self._campaigns.insert_campaign_once(campaign, idempotency_key, fingerprint)

    @available
    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        return await self._campaigns.get_campaign(tenant, campaign_id)

    @available
    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        return await self._campaigns.list_campaigns(tenant, after_id, limit)

    @available
    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        return await self._campaigns.update_campaign(campaign, expected_version)

    @available
    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        return await self._campaigns.load_contacts(campaign_id, contacts)

    # erasure --------------------------------------------------------------------------------
    @available
    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        return await self._erasure.delete_campaign(tenant, campaign_id)

    @available
    async def erase_contact(self, campaign_id: str, contact_id: str) -> bool:
        return await self._erasure.erase_contact(campaign_id, contact_id)

    # batches --------------------------------------------------------------------------------
    @available
    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        return await self._draws.find_batch_by_key(campaign_id, idempotency_key)

    @available
    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        return await self._draws.draw_batch(campaign_id, draft)

    @available
    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None:
        return await self._draws.get_batch(campaign_id, batch_id)

    @available
    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        return await self._draws.list_batches(campaign_id, after_sequence, limit)

    # outcomes and counts --------------------------------------------------------------------
    @available
    async def record_events(
        self,
        campaign_id: str,
        events: Sequence[EventLike],
        epochs: Sequence[float],
        window_seconds: int,
    ) -> EventTally:
        return await self._ingest.record_events(campaign_id, events, epochs, window_seconds)

    @available
    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        return await self._counts.period_counts(campaign_id)

    @available
    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        return await self._counts.recount(campaign_id)

    @available
    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        return await self._counts.count_table(campaign_id, kind, variants)

    @available
    async def segment_tables(self, campaign_id: str, kind: str, variants: int) -> SegmentTables:
        return await self._counts.segment_tables(campaign_id, kind, variants)

    # webhook receivers ----------------------------------------------------------------------
    @available
    async def insert_webhook(self, webhook: Webhook) -> None:
        await self._webhooks.insert_webhook(webhook)

    @available
    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        return await self._webhooks.get_webhook(webhook_id)

    @available
    async def list_webhooks(self, tenant: str, after_id: str | None, limit: int) -> list[Webhook]:
        return await self._webhooks.list_webhooks(tenant, after_id, limit)

    @available
    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        return await self._webhooks.delete_webhook(tenant, webhook_id)

    @available
    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        await self._webhooks.note_webhook_activity(webhook_id, update)

    @available
    async def replace_webhook_credential(
        self, webhook_id: str, old: Mapping[str, str], new: Mapping[str, str]
    ) -> bool:
        return await self._webhooks.replace_webhook_credential(webhook_id, old, new)

    @available
    async def claim_webhook_token(
        self, webhook_id: str, token: str, body_digest: str, expires_at: datetime, now: datetime
    ) -> bool:
        return await self._tokens.claim(webhook_id, token, body_digest, expires_at, now)

    @available
    async def tenant_digest(self, tenant: str) -> str:
        return await tenant_digest(self._conn, tenant)
