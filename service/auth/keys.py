"""Who a bearer key is, from a short-lived per-process cache in front of the engine's keys.

Every request of a secured operation needs its key looked up. The cache answers from memory
and asks the engine again once an entry is `max_age` seconds old, so a key revoked by
`burt keys revoke` (in any process, on any host sharing the store) is refused everywhere within
`max_age` seconds. Expiry needs no refresh: the cached record carries its expiry time. Unknown
keys are not cached, so guessing keys cannot fill the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from burt.engine.apikeys import ApiKey, ApiKeys, hash_api_key
from burt.engine.timefmt import utcnow

_MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(
        self,
        keys: ApiKeys,
        max_age: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.keys = keys
        self.max_age = max_age
        self._monotonic = monotonic
        self._clock = clock
        self._entries: dict[str, tuple[float, ApiKey]] = {}

    async def key_for(self, token: str) -> ApiKey | None:
        """The stored key for a bearer token if it is usable now (not revoked, not expired)."""
        key_hash = hash_api_key(token)
        now = self._clock()
        entry = self._entries.get(key_hash)
        if entry is None or self._monotonic() - entry[0] >= self.max_age:
            key = await self._refresh(token, key_hash, now)
        else:
            key = entry[1]
        return key if key is not None and key.usable(now) else None

    async def _refresh(self, token: str, key_hash: str, now: datetime) -> ApiKey | None:
        key = await self.keys.find(token, now)
        if key is None:
            self._entries.pop(key_hash, None)
            return None
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key_hash] = (self._monotonic(), key)
        return key
