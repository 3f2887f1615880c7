"""API key records: who a bearer key belongs to, what it may do, and whether it still works.

Stores keep only the key's SHA-256 digest (`key_hash`); the key itself is shown once, when it is
made. The public `key_id` is derived from the digest, so keys stored before ids existed have one
too, and it reveals nothing about the key (the digest of 256 random bits).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from burt.engine.store.base import Store

Scope = Literal["read", "write"]
KEY_PREFIX = "burt_"
KEY_ID_PREFIX = "key_"
_KEY_ID_HEX = 12


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """Keys carry 256 random bits, so a fast unsalted hash is enough to make a leak useless."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key_hash: str) -> str:
    return KEY_ID_PREFIX + key_hash[:_KEY_ID_HEX]


def key_hash_prefix(key_id: str) -> str | None:
    """The digest prefix a key id names, or None when it is not a key id."""
    prefix = key_id.removeprefix(KEY_ID_PREFIX)
    if key_id == prefix or len(prefix) != _KEY_ID_HEX:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


@dataclass(frozen=True)
class ApiKey:
    key_hash: str
    tenant: str
    name: str | None = None
    created_at: datetime | None = None
    """None for keys stored before creation times were recorded."""
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    read_only: bool = False
    revoked_at: datetime | None = None

    @property
    def key_id(self) -> str:
        return key_id_of(self.key_hash)

    @property
    def scope(self) -> Scope:
        """`read`: safe operations only; `write`: every operation of the tenant."""
        return "read" if self.read_only else "write"

    def status(self, now: datetime) -> Literal["active", "revoked", "expired"]:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def usable(self, now: datetime) -> bool:
        return self.status(now) == "active"


TOUCH_INTERVAL = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key (a read stays a read)."""


class ApiKeys:
    """The API-key lifecycle on a store: made, found by token, listed, revoked."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def create(
        self,
        tenant: str,
        now: datetime,
        name: str | None = None,
        expires_at: datetime | None = None,
        read_only: bool = False,
    ) -> tuple[str, ApiKey]:
        """A new key and its record; the key itself is returned here and never stored."""
        token = new_api_key()
        record = ApiKey(
            hash_api_key(token),
            tenant,
            name=name,
            created_at=now,
            expires_at=expires_at,
            read_only=read_only,
        )
        await self._store.add_api_key(record)
        return token, record

    async def find(self, token: str, now: datetime) -> ApiKey | None:
        """The stored record of a bearer token, whatever its status; its use is noted on the
        record (`last_used_at`) at most once per `TOUCH_INTERVAL` while it is usable."""
        key_hash = hash_api_key(token)
        key = await self._store.get_api_key(key_hash)
        if (
            key is not None
            and key.usable(now)
            and (key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL)
        ):
            await self._store.touch_api_key(key_hash, now)
        return key

    async def list(self, tenant: str | None = None) -> list[ApiKey]:
        keys = await self._store.list_api_keys()
        return [k for k in keys if tenant is None or k.tenant == tenant]

    async def revoke(self, key_id: str, now: datetime) -> ApiKey | None:
        """The revoked key's record, or None when no key has that id."""
        return await self._store.revoke_api_key(key_id, now)
