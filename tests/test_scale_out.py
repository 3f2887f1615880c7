"""Scale-out, shown: three uvicorn processes on one MongoDB; the service rides out an outage."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from burt.engine.store.mongo import MongoStore
from burt.service.app import create_app
from burt.service.config import Config
from testing_support.live import create_key, live_server
from testing_support.mongo_servers import MongoServer
from tests.conftest import MONGO_KINDS, mongo_uri
from tests.stores import new_db_name

pytestmark = pytest.mark.slow

WHEN = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Event times: after every batch a test draws (an event dated before its batch is refused)."""
CONTACTS = 600
BATCH = 25


class Fleet:
    """HTTP clients spread over several service processes, one client per thread."""

    def __init__(self, urls: list[str], key: str) -> None:
        self.urls = urls
        self.headers = {"Authorization": f"Bearer {key}"}
        self._local = threading.local()
        self._next = itertools.count()

    def client(self, server: int | None = None) -> httpx.Client:
        """A client of server `server`, or of the next one round-robin."""
        index = next(self._next) % len(self.urls) if server is None else server
        clients = self._local.__dict__.setdefault("clients", {})
        if index not in clients:
            clients[index] = httpx.Client(
                base_url=self.urls[index], headers=self.headers, timeout=120
            )
        return clients[index]


def draw(fleet: Fleet, campaign_id: str, worker: int) -> list[dict[str, Any]]:
    """Draw batches until none is pending; every draw is retried once on another process."""
    batches = []
    for n in itertools.count():
        key = {"Idempotency-Key": f"w{worker}-{n}"}
        first = fleet.client(worker % 3).post(
            f"/campaigns/{campaign_id}/batches", json={"size": BATCH}, headers=key
        )
        if first.status_code == 409:
            return batches
        assert first.status_code == 201, first.text
        retry = fleet.client((worker + 1) % 3).post(
            f"/campaigns/{campaign_id}/batches", json={"size": BATCH}, headers=key
        )
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json() == first.json()
        batches.append(first.json())
    raise AssertionError("unreachable")


def post_events(fleet: Fleet, campaign_id: str, events: list[dict[str, str]]) -> dict[str, Any]:
    response = fleet.client().post(f"/campaigns/{campaign_id}/events", json={"events": events})
    assert response.status_code == 200, response.text
    return response.json()


def recount_per_variant(uri: str, db: str, campaign_id: str) -> tuple[Counter, Counter]:
    """Sends and `opened` outcomes per variant index, recounted from the raw records."""

    async def recount() -> tuple[Counter, Counter]:
        store = MongoStore(uri, db)
        await store.open()
        try:
            rows = await store.recount(campaign_id)
        finally:
            await store.close()
        sends, opened = Counter(), Counter()
        for row in rows:
            sends[row.variant] += row.sends
            opened[row.variant] += row.outcomes["opened"]
        return sends, opened

    return asyncio.run(recount())


def test_three_processes_on_one_mongodb_keep_every_invariant(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    uri, db = mongo_uri(request, MONGO_KINDS[0]), new_db_name()
    env = {"BURT_MONGODB_URI": uri, "BURT_MONGODB_DB": db}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(live_server(tmp_path / f"s{i}", extra_env=env)) for i in range(3)
        ]
        fleet = Fleet([s.url for s in servers], create_key(servers[0].env, "acme"))
        created = fleet.client(0).post(
            "/campaigns",
            json={
                "name": "Scale",
                "optimize": "opened",
                "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            },
        )
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]
        contacts = [f"c-{i:04d}" for i in range(CONTACTS)]
        for start in range(0, CONTACTS, 200):
            chunk = [{"id": c} for c in contacts[start : start + 200]]
            loaded = fleet.client().post(
                f"/campaigns/{campaign_id}/contacts", json={"contacts": chunk}
            )
            assert loaded.status_code == 200, loaded.text

        with ThreadPoolExecutor(8) as pool:
            drawn = [
                b for bs in pool.map(lambda w: draw(fleet, campaign_id, w), range(8)) for b in bs
            ]

        variant_of: dict[str, str] = {}
        for batch in drawn:
            for a in batch["assignments"]:
                assert a["contact_id"] not in variant_of, "a contact was assigned twice"
                variant_of[a["contact_id"]] = a["variant_id"]
        assert set(variant_of) == set(contacts)  # the default campaign has no holdout
        for batch in drawn:
            for server in range(3):
                read = fleet.client(server).get(f"/campaigns/{campaign_id}/batches/{batch['id']}")
                assert read.status_code == 200
                assert read.json() == batch

        openers = contacts[::3]
        events = [
            {"id": f"open-{c}", "contact_id": c, "type": "opened", "occurred_at": WHEN}
            for c in openers
        ]
        chunks = [events[i : i + 40] for i in range(0, len(events), 40)]
        with ThreadPoolExecutor(8) as pool:  # every chunk posted twice, to different processes
            tallies = list(pool.map(lambda ch: post_events(fleet, campaign_id, ch), chunks * 2))
        assert sum(t["recorded"] for t in tallies) == len(events)
        assert sum(t["duplicates"] for t in tallies) == len(events)

        # Stats weigh sends by how far their outcomes have matured, so they move with the clock:
        # every process answers for the same instant. It keeps its microseconds: cut to the
        # second, it could fall before the last batch drawn, which the replay then leaves out.
        as_of = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        stats = [
            fleet.client(s).get(f"/campaigns/{campaign_id}/stats?as_of={as_of}").json()
            for s in range(3)
        ]
        assert stats[0] == stats[1] == stats[2]
        sends, opened = recount_per_variant(uri, db, campaign_id)
        expected_opened = Counter(variant_of[c] for c in openers)
        for index, variant in enumerate(stats[0]["variants"]):
            assert (
                variant["sends"]
                == sends[index]
                == Counter(variant_of.values())[variant["variant_id"]]
            )
            assert (
                variant["outcomes"]["opened"]
                == opened[index]
                == expected_opened[variant["variant_id"]]
            )


def test_readiness_reports_an_outage_and_recovers(tmp_path: Path) -> None:
    server = MongoServer("nx", tmp_path / "nx").start()
    try:
        config = Config(data_dir=tmp_path / "data", mongodb_uri=server.uri, mongodb_db="outage")
        with TestClient(create_app(config)) as client:
            assert client.get("/readyz").json()["store"] == "mongodb"
            server.stop()
            down = client.get("/readyz")
            assert down.status_code == 503
            assert down.headers["content-type"].startswith("application/problem+json")
            assert down.json()["status"] == 503
            keyed = client.get("/campaigns", headers={"Authorization": "Bearer burt_unseen"})
            assert keyed.status_code == 503, keyed.text  # the key check needs the store too
            assert keyed.headers["content-type"].startswith("application/problem+json")
            server.start()
            statuses = [client.get("/readyz").status_code]
            while statuses[-1] != 200 and len(statuses) < 20:  # the client reconnects by itself
                time.sleep(0.2)
                statuses.append(client.get("/readyz").status_code)
            assert statuses[-1] == 200, statuses
    finally:
        server.stop()
