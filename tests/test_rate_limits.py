"""Per-key rate limits: a key over its burst gets 429 with Retry-After; other keys do not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.service.app import create_app
from burt.service.auth.ratelimit import RateLimited, RateLimiter
from burt.service.config import Config

BURST = 5


def _client(tmp_path: Path, rate: int) -> tuple[TestClient, dict[str, str]]:
    keys = {"acme": new_api_key(), "globex": new_api_key()}

    async def provision() -> None:
        store = SQLiteStore(tmp_path / SQLITE_FILENAME)
        await store.open()
        for tenant, key in keys.items():
            await store.add_api_key(ApiKey(hash_api_key(key), tenant))
        await store.close()

    asyncio.run(provision())
    config = Config(data_dir=tmp_path, rate_limit=rate, rate_burst=BURST)
    return TestClient(create_app(config)), keys


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    client, keys = _client(tmp_path, rate=1)
    with client:
        yield client, keys


def _get(client: TestClient, key: str) -> int:
    return client.get("/campaigns", headers={"Authorization": f"Bearer {key}"}).status_code


def test_a_key_past_its_burst_gets_429_with_retry_after(
    limited: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = limited
    assert [_get(client, keys["acme"]) for _ in range(BURST)] == [200] * BURST
    refused = client.get("/campaigns", headers={"Authorization": f"Bearer {keys['acme']}"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["Retry-After"] == "1"
    problem = refused.json()
    assert problem["type"] == "https://burt.dev/problems/rate-limited"
    assert "rate limit of 1 requests per second" in problem["detail"]
    assert _get(client, keys["globex"]) == 200  # another tenant's key has its own bucket


def test_a_refused_write_writes_nothing(limited: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = limited
    headers = {"Authorization": f"Bearer {keys['acme']}"}
    for _ in range(BURST):
        client.get("/campaigns", headers=headers)
    variants = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    body = {"name": "L", "optimize": "opened", "variants": variants}
    assert client.post("/campaigns", json=body, headers=headers).status_code == 429
    time.sleep(1.1)  # one token back
    assert client.get("/campaigns", headers=headers).json()["items"] == []


def test_rate_limit_zero_lets_every_request_through(tmp_path: Path) -> None:
    client, keys = _client(tmp_path, rate=0)
    with client:
        assert {_get(client, keys["acme"]) for _ in range(3 * BURST)} == {200}


def test_the_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2, burst=2, monotonic=lambda: now[0])
    limiter.take("k")
    limiter.take("k")
    with pytest.raises(RateLimited) as refused:
        limiter.take("k")
    assert refused.value.retry_after == 1
    now[0] = 0.5  # one token back at 2 a second
    limiter.take("k")
    with pytest.raises(RateLimited):
        limiter.take("k")
