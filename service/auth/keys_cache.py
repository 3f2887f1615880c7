"""Who a bearer key is, from a short-lived per-process cache in front of the store.

Every request of a secured operation needs its key looked up (by the request gate, before the
body is read; connexion's security takes the gate's answer for the same token). The cache
answers from memory and asks the store again once an entry is `max_age` seconds old, so a key
revoked by `burt keys revoke` (in any process, on any host sharing the store) is refused
everywhere within `max_age` seconds. Expiry needs no refresh: the cached record carries its
expiry time. Unknown keys are not cached, so guessing keys cannot fill the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from burt.engine.apikeys import ApiKey
from burt.engine.store.base import Store
from burt.engine.timefmt import utcnow
from burt.service.auth.tokens import hash_api_key

TOUCH_INTERVAL = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key and process (a read stays a read)."""
_MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(
        self,
        max_age: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.max_age = max_age
        self._monotonic = monotonic
        self._clock = clock
        self._entries: dict[str, tuple[float, ApiKey]] = {}

    async def key_for(self, store: Store, token: str) -> ApiKey | None:
        """The stored key for a bearer token if it is usable now (not revoked, not expired)."""
        key_hash = hash_api_key(token)
        now = self._clock()
        entry = self._entries.get(key_hash)
        if entry is None or self._monotonic() - entry[0] >= self.max_age:
            key = await self._refresh(store, key_hash, now)
        else:
            key = entry[1]
        return key if key is not None and key.usable(now) else None

    async def _refresh(self, store: Store, key_hash: str, now: datetime) -> ApiKey | None:
        key = await store.get_api_key(key_hash)
        if key is None:
            self._entries.pop(key_hash, None)
            return None
        if key.usable(now) and (
            key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL
        ):
            await store.touch_api_key(key_hash, now)
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[key_hash] = (self._monotonic(), key)
        return key
