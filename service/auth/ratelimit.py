"""Per-key rate limits: one token bucket per API key, so one tenant's runaway loop cannot
starve the others.

A key may send `burst` requests at once, then `rate` a second. The buckets live in the worker
process: with several workers (`burt serve --workers N`) each keeps its own, so the limit a
key sees is `rate` per second per worker. The bearer check (`auth.bearer`) takes a token after
it has identified the key and before anything reads the body; a key without a token gets 429
with `Retry-After`, the whole seconds until its bucket holds one again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

_MAX_KEYS = 10_000
"""Buckets kept at most; only identified keys get one, so this bounds memory, not guessers."""


class RateLimited(Exception):
    """A request over its key's rate limit (429); `retry_after` is in whole seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class RateLimiter:
    """Token buckets by key id; `rate` 0 lets every request through."""

    def __init__(
        self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        """key id -> (tokens, the monotonic time they were counted)."""

    def take(self, key_id: str) -> None:
        """Spend one of the key's tokens, or raise RateLimited when it has none."""
        if self.rate <= 0:
            return
        now = self._monotonic()
        tokens, then = self._buckets.get(key_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[key_id] = (tokens, now)
            wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            raise RateLimited(
                f"API key {key_id} is over its rate limit of {self.rate:g} requests per second"
                f" (bursts of {self.burst}); retry in {wait} s",
                wait,
            )
        if key_id not in self._buckets and len(self._buckets) >= _MAX_KEYS:
            self._buckets.clear()
        self._buckets[key_id] = (tokens - 1.0, now)
