"""`make bench`: the performance figures the design sets targets for, printed as numbers and ratios.

1. Drawing a 10,000-contact batch from a 1,000,000-contact campaign on SQLite (target <= 0.25 s).
2. Outcome events/s through HTTP (a real uvicorn process, full spec validation) next to the raw
   SQLite `executemany` insert rate of the same rows in the same run (target ratio >= 0.3).
3. Stats latency for 8 variants (target <= 2 ms).

Nothing here asserts: machines are noisy, so the numbers are printed for people to judge.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np

from engine import Burt, ContactIn, EventIn, SQLiteStore
from engine.policy import Evidence, PolicySettings, allocate
from engine.timefmt import utcnow
from tests.support.live import create_key, live_server

OUTCOME_TYPES = ("delivered", "opened", "clicked")


def _best_of(repeats: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


async def bench_batch(tmp: Path, contacts: int, batch: int) -> dict[str, float]:
    store = SQLiteStore(tmp / "batch.sqlite3")
    await store.open()
    burt = Burt(store)
    campaign = await burt.initialize_campaign(
        "bench", [(f"v{i}", f"V{i}") for i in range(4)], "clicked"
    )
    start = time.perf_counter()
    chunk = 50_000
    for first in range(0, contacts, chunk):
        await burt.load_contacts(
            campaign.id, [ContactIn(f"c{i}") for i in range(first, min(first + chunk, contacts))]
        )
    load_s = time.perf_counter() - start
    draws = []
    for n in range(5):
        start = time.perf_counter()
        await burt.create_experiment_batch(campaign.id, batch, f"bench-{n}")
        draws.append(time.perf_counter() - start)
    await store.close()
    return {"load_s": load_s, "draw_median_s": statistics.median(draws), "draw_min_s": min(draws)}


def _events(contact_ids: list[str], prefix: str) -> list[dict[str, str]]:
    return [
        {
            "id": f"{prefix}-{i}",
            "contact_id": contact,
            "type": OUTCOME_TYPES[i % len(OUTCOME_TYPES)],
            "occurred_at": "2026-11-27T10:00:00Z",
        }
        for i, contact in enumerate(contact_ids)
    ]


def raw_insert_rate(tmp: Path, events: list[dict[str, str]]) -> float:
    """Rows/s of a bare `executemany` of the same event rows into a WAL SQLite table."""
    db = sqlite3.connect(tmp / "raw.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute(
        "CREATE TABLE events (campaign_id TEXT, event_id TEXT, contact_id TEXT, type TEXT,"
        " occurred_at TEXT, PRIMARY KEY (campaign_id, event_id)) WITHOUT ROWID"
    )
    rows = [("c", e["id"], e["contact_id"], e["type"], e["occurred_at"]) for e in events]
    db.execute("BEGIN")
    start = time.perf_counter()
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return len(rows) / elapsed


def bench_ingestion(tmp: Path, per_request: int, requests: int) -> dict[str, float]:
    with live_server(tmp / "http") as server:
        key = create_key(server.env, "bench")
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
            campaign = http.post(
                "/campaigns",
                json={
                    "name": "ingest",
                    "optimize": "clicked",
                    "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                },
            ).json()
            cid = campaign["id"]
            total = per_request * requests
            ids = [f"c{i}" for i in range(total)]
            for first in range(0, total, 50_000):
                chunk = [{"id": c} for c in ids[first : first + 50_000]]
                http.post(f"/campaigns/{cid}/contacts", json={"contacts": chunk})
            for first in range(0, total, 50_000):
                http.post(
                    f"/campaigns/{cid}/batches",
                    headers={"Idempotency-Key": f"k{first}"},
                    json={"size": 50_000},
                )
            bodies = [
                httpx.Request(
                    "POST", "/", json={"events": _events(ids[r::requests], f"r{r}")}
                ).read()
                for r in range(requests)
            ]
            start = time.perf_counter()
            for body in bodies:
                response = http.post(
                    f"/campaigns/{cid}/events",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                response.raise_for_status()
                assert response.json()["recorded"] == per_request, response.text
            http_s = time.perf_counter() - start
    raw = raw_insert_rate(tmp, _events(ids, "raw"))
    http_rate = total / http_s
    return {"http_events_per_s": http_rate, "raw_rows_per_s": raw, "ratio": http_rate / raw}


def bench_stats(variants: int, periods: int) -> dict[str, float]:
    rng = np.random.default_rng(7)
    sends = rng.integers(200, 2000, size=(variants, periods))
    successes = rng.binomial(sends, 0.03 + 0.002 * np.arange(variants)[:, None])
    evidence = Evidence(sends=sends, successes=successes, unsubscribes=np.zeros_like(sends))
    settings = PolicySettings()

    def once() -> None:
        allocate(evidence, settings, remaining=500_000, total=1_000_000)

    once()
    runs = [_best_of(1, once) for _ in range(200)]
    return {
        "median_ms": statistics.median(runs) * 1e3,
        "p95_ms": float(np.percentile(runs, 95)) * 1e3,
    }


async def bench_stats_endpoint_engine(tmp: Path) -> float:
    """Median ms of Burt.get_campaign_stats for 8 variants and 48 batches (store reads included)."""
    store = SQLiteStore(tmp / "stats.sqlite3")
    await store.open()
    now = [utcnow()]
    burt = Burt(store, clock=lambda: now[0])
    campaign = await burt.initialize_campaign(
        "stats", [(f"v{i}", f"V{i}") for i in range(8)], "clicked"
    )
    await burt.load_contacts(campaign.id, [ContactIn(f"c{i}") for i in range(48_000)])
    for n in range(48):
        batch, _ = await burt.create_experiment_batch(campaign.id, 1000, f"k{n}")
        assert batch.assignments is not None
        await burt.record_outcomes(
            campaign.id,
            [
                EventIn(f"e{n}-{j}", contact, "clicked", now[0])
                for j, (contact, _) in enumerate(batch.assignments[:30])
            ],
        )
        now[0] += timedelta(hours=1)
    now[0] += timedelta(days=2)
    runs = []
    for _ in range(50):
        start = time.perf_counter()
        await burt.get_campaign_stats(campaign.id)
        runs.append(time.perf_counter() - start)
    await store.close()
    return statistics.median(runs) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--events-per-request", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"== batch draw on SQLite: {args.batch:,} from {args.contacts:,} contacts")
        b = asyncio.run(bench_batch(tmp, args.contacts, args.batch))
        print(f"   load {args.contacts:,} contacts (engine, 50k chunks): {b['load_s']:.2f} s")
        print(
            f"   draw: median {b['draw_median_s'] * 1e3:.1f} ms,"
            f" best {b['draw_min_s'] * 1e3:.1f} ms"
            f"  (target <= 250 ms: {b['draw_median_s'] / 0.25:.2f} of budget)"
        )
        print(
            f"== outcome ingestion over HTTP: {args.requests} x {args.events_per_request:,} events"
        )
        i = bench_ingestion(tmp, args.events_per_request, args.requests)
        print(f"   HTTP (uvicorn, spec-validated): {i['http_events_per_s']:,.0f} events/s")
        print(f"   raw SQLite executemany, same rows: {i['raw_rows_per_s']:,.0f} rows/s")
        print(f"   ratio {i['ratio']:.2f}  (target >= 0.30)")
        print("== stats for 8 variants")
        s = bench_stats(8, 48)
        print(
            f"   allocate() (posteriors, P(best), loss, weights), 48 periods: median "
            f"{s['median_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms  (target <= 2 ms)"
        )
        e = asyncio.run(bench_stats_endpoint_engine(tmp))
        print(f"   Burt.get_campaign_stats with SQLite reads: median {e:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
