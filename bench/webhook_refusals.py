"""What anonymous webhook refusals cost the API: an authenticated `GET /campaigns/{id}` loop,
alone and while 150 wrong-password Postmark deliveries run at concurrency 16 (issue 20, item 5).

Prints how long the refusals took, the server's CPU time per refusal (steady under a busy
machine, unlike the latencies) and the GET's p50/p95 alone and during them, for one uvicorn
worker on SQLite. `python -m bench.webhook_refusals [DIR]` serves the installed burt, or with
DIR the `burt` package found there (a checkout's tree laid out as `DIR/burt/{engine,service}`),
to compare releases on one machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

from testing_support.live import LiveServer, live_server

REFUSALS = 150
CONCURRENCY = 16
CAMPAIGN = {
    "name": "bench",
    "optimize": "opened",
    "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _timed_get(client: httpx.AsyncClient, url: str, auth: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.get(url, headers=auth)
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


async def measure(server: LiveServer) -> str:
    auth = {"Authorization": f"Bearer {server.create_key('acme')}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        campaign = (await client.post("/campaigns", headers=auth, json=CAMPAIGN)).json()["id"]
        receiver = await client.post(
            "/webhooks",
            headers=auth,
            json={"provider": "postmark", "username": "burt", "password": "correct-horse-battery"},
        )
        delivery_url = f"/webhooks/postmark/{receiver.json()['id']}"
        get_url = f"/campaigns/{campaign}"
        alone = [await _timed_get(client, get_url, auth) for _ in range(200)]

        during: list[float] = []
        done = asyncio.Event()

        async def keep_getting() -> None:
            while not done.is_set():
                during.append(await _timed_get(client, get_url, auth))

        slots = asyncio.Semaphore(CONCURRENCY)

        async def refuse(i: int) -> int:
            async with slots:
                response = await client.post(
                    delivery_url,
                    content=b"{}",
                    headers={"Content-Type": "application/json"},
                    auth=("burt", f"wrong-{i}"),
                )
                return response.status_code

        getter = asyncio.create_task(keep_getting())
        started, cpu_before = time.perf_counter(), cpu_seconds(server.process.pid)
        statuses = await asyncio.gather(*(refuse(i) for i in range(REFUSALS)))
        took = time.perf_counter() - started
        done.set()
        await getter
        cpu = cpu_seconds(server.process.pid) - cpu_before
    assert set(statuses) == {401}, statuses
    return (
        f"{REFUSALS} refusals at concurrency {CONCURRENCY} in {took:.2f} s"
        f" ({cpu / REFUSALS * 1000:.1f} ms server CPU each, GETs included);"
        f" GET alone p50 {percentile(alone, 0.5):.1f} ms p95 {percentile(alone, 0.95):.1f} ms;"
        f" GET during them ({len(during)}) p50 {percentile(during, 0.5):.1f} ms"
        f" p95 {percentile(during, 0.95):.1f} ms"
    )


def main() -> None:
    extra = {"PYTHONPATH": sys.argv[1]} if len(sys.argv) > 1 else {}
    with (
        tempfile.TemporaryDirectory() as data,
        live_server(Path(data), extra_env=extra, cwd=Path(data)) as server,
    ):
        print(asyncio.run(measure(server)))


if __name__ == "__main__":
    main()
