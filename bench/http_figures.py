"""Figures measured over HTTP on a live service: loading, drawing, stats, and concurrent draws.

Each is the wall time a client sees (uvicorn in its own process, spec validation included).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from burt.engine.timefmt import format_rfc3339, utcnow
from testing_support.live import create_key, live_server

CHUNK = 50_000


def _campaign(http: httpx.Client, variants: int) -> str:
    response = http.post(
        "/campaigns",
        json={
            "name": "bench",
            "optimize": "clicked",
            "variants": [{"id": f"v{i}", "label": f"V{i}"} for i in range(variants)],
        },
    )
    response.raise_for_status()
    return str(response.json()["id"])


def _load(http: httpx.Client, cid: str, ids: list[str]) -> None:
    for first in range(0, len(ids), CHUNK):
        body = {"contacts": [{"id": c} for c in ids[first : first + CHUNK]]}
        http.post(f"/campaigns/{cid}/contacts", json=body).raise_for_status()


def _draw(http: httpx.Client, cid: str, size: int, key: str) -> dict[str, Any]:
    response = http.post(
        f"/campaigns/{cid}/batches", headers={"Idempotency-Key": key}, json={"size": size}
    )
    response.raise_for_status()
    return dict(response.json())


async def _concurrent_draws(
    url: str, headers: dict[str, str], cid: str, clients: int, draws: int, size: int
) -> list[float]:
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=600) as http:

        async def client(n: int) -> list[float]:
            seconds = []
            for d in range(draws):
                start = time.perf_counter()
                response = await http.post(
                    f"/campaigns/{cid}/batches",
                    headers={"Idempotency-Key": f"c{n}-{d}"},
                    json={"size": size},
                )
                response.raise_for_status()
                seconds.append(time.perf_counter() - start)
            return seconds

        runs = await asyncio.gather(*(client(n) for n in range(clients)))
    return [s for run in runs for s in run]


def measure(
    data_dir: Path, env: dict[str, str], contacts: int, batch: int, clients: int = 32
) -> dict[str, float]:
    with live_server(data_dir, extra_env=env) as server:
        headers = {"Authorization": f"Bearer {create_key(server.env, 'bench')}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:
            cid = _campaign(http, 4)
            start = time.perf_counter()
            _load(http, cid, [f"c{i}" for i in range(contacts)])
            load_s = time.perf_counter() - start
            draws = []
            for n in range(5):
                start = time.perf_counter()
                _draw(http, cid, batch, f"bench-{n}")
                draws.append(time.perf_counter() - start)

            stats_cid = _campaign(http, 8)
            _load(http, stats_cid, [f"s{i}" for i in range(48 * 1000)])
            for n in range(48):
                drawn = _draw(http, stats_cid, 1000, f"k{n}")
                clicks = [
                    {"id": f"e{n}-{j}", "contact_id": a["contact_id"], "type": "clicked"}
                    | {"occurred_at": format_rfc3339(utcnow() + timedelta(hours=1))}
                    for j, a in enumerate(drawn["assignments"][:33])
                ]
                http.post(f"/campaigns/{stats_cid}/events", json={"events": clicks})
            stats = []
            for _ in range(30):
                start = time.perf_counter()
                http.get(f"/campaigns/{stats_cid}/stats").raise_for_status()
                stats.append(time.perf_counter() - start)

            draw_cid = _campaign(http, 4)
            per_client = 10
            _load(http, draw_cid, [f"d{i}" for i in range(clients * per_client * 100)])
        concurrent = asyncio.run(
            _concurrent_draws(server.url, headers, draw_cid, clients, per_client, 100)
        )
    return {
        "load_s": load_s,
        "draw_median_ms": statistics.median(draws) * 1e3,
        "stats_median_ms": statistics.median(stats) * 1e3,
        "batch_p50_ms": float(np.percentile(concurrent, 50)) * 1e3,
        "batch_p99_ms": float(np.percentile(concurrent, 99)) * 1e3,
        "batch_requests": len(concurrent),
    }
