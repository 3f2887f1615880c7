"""API key records: who a bearer key belongs to, what it may do, and whether it still works.

Stores keep only the key's SHA-256 digest (`key_hash`); the key itself is shown once, when it is
made. The public `key_id` is derived from the digest, so keys stored before ids existed have one
too, and it reveals nothing about the key (the digest of 256 random bits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Scope = Literal["read", "write"]
KEY_ID_PREFIX = "key_"
_KEY_ID_HEX = 12


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
