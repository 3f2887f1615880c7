"""API keys: random bearer tokens, stored only as their SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "burt_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """Keys carry 256 random bits, so a fast unsalted hash is enough to make a leak useless."""
    return hashlib.sha256(key.encode()).hexdigest()
