"""`make bench`: the performance figures the design sets targets for, printed as numbers and ratios.

For each store (SQLite, then MongoDB):

1. Drawing a 10,000-contact batch from a 1,000,000-contact campaign (SQLite target <= 0.25 s).
2. Outcome events/s through HTTP (a real uvicorn process, full spec validation) next to the raw
   insert rate of the same rows into the same database in the same run (target ratio >= 0.5),
   and the floor under it: the bare-Starlette twin (bench/twin.py) receiving and decoding the
   same requests without storing them.
   `python -m bench.ingest_profile` breaks the SQLite store's side down by phase.
3. Stats latency for 8 variants: the policy alone (target <= 2 ms) and the whole engine call.
4. Over HTTP: loading, drawing and stats as a client sees them, and the p50/p99 latency of
   createExperimentBatch under 32 concurrent clients (bench/http_figures.py).

Then, on SQLite, an authenticated GET /campaigns/{id} under wrk against its bare-Starlette twin
(bench/request_path.py, bench/twin.py; target ratio >= 0.5).

MongoDB runs against `BURT_BENCH_MONGODB_URI` when set (a real server, full sizes); otherwise
against the nx-27017 emulator the tests use, at reduced sizes, labelled as such: an emulator's
numbers say little about MongoDB. Nothing here asserts: machines are noisy, so the numbers are
printed for people to judge.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
from pymongo import MongoClient

from bench import http_figures, request_path
from burt.engine import Burt, ContactIn, EventIn, SQLiteStore
from burt.engine.policy import Evidence, PolicySettings, allocate
from burt.engine.store.base import Store
from burt.engine.store.mongo import MongoStore
from burt.engine.timefmt import format_rfc3339, utcnow
from testing_support.live import create_key, live_server
from testing_support.mongo_servers import MongoServer

OUTCOME_TYPES = ("delivered", "opened", "clicked")
AFTER_THE_DRAWS = utcnow() + timedelta(hours=1)
"""The events' first time: after every batch the run draws (an event before its batch is
refused). Each event is a millisecond after the one before, as a webhook's events are apart."""


@dataclass(frozen=True)
class Sizes:
    contacts: int
    batch: int
    events_per_request: int
    requests: int


@dataclass(frozen=True)
class Target:
    """A store to measure: how to open it, how the server finds it, how to insert raw rows."""

    label: str
    open_store: Callable[[str], Store]
    server_env: dict[str, str]
    raw_insert_rate: Callable[[list[dict[str, str]]], float]


def sqlite_target(tmp: Path) -> Target:
    files = itertools.count()

    def raw(events: list[dict[str, str]]) -> float:
        """Rows/s of a bare `executemany` of the rows as they arrive (campaign id, event id,
        contact id, type, time) into a WAL table keyed by (campaign id, event id), in a new
        file each time."""
        db = sqlite3.connect(tmp / f"raw{next(files)}.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute(
            "CREATE TABLE events (campaign_id TEXT, event_id TEXT, contact_id TEXT, type TEXT,"
            " occurred_at TEXT, PRIMARY KEY (campaign_id, event_id)) WITHOUT ROWID"
        )
        campaign = "cmp_18ebb6a7793bafaf94736a301aa77b07"  # an id as burt makes them
        rows = [(campaign, e["id"], e["contact_id"], e["type"], e["occurred_at"]) for e in events]
        start = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        elapsed = time.perf_counter() - start
        db.close()
        return len(rows) / elapsed

    return Target(
        label=f"SQLite {sqlite3.sqlite_version} (file, WAL, synchronous=FULL)",
        open_store=lambda name: SQLiteStore(tmp / name / "burt.sqlite3"),
        server_env={},
        raw_insert_rate=raw,
    )


def mongo_target(uri: str, label: str) -> Target:
    def raw(events: list[dict[str, str]]) -> float:
        """Docs/s of a bare unordered `insert_many` of the same events, with burt's unique index
        and its write concern (majority)."""
        with MongoClient(uri, w="majority") as client:
            collection = client["burt_bench_raw"]["events"]
            collection.drop()
            collection.create_index([("campaign_id", 1), ("event_id", 1)], unique=True)
            docs = [{"campaign_id": "c", "event_id": e["id"], **e} for e in events]
            start = time.perf_counter()
            collection.insert_many(docs, ordered=False)
            elapsed = time.perf_counter() - start
            client.drop_database("burt_bench_raw")
        return len(docs) / elapsed

    return Target(
        label=label,
        open_store=lambda name: MongoStore(uri, f"burt_bench_{name}"),
        server_env={"BURT_MONGODB_URI": uri, "BURT_MONGODB_DB": "burt_bench_http"},
        raw_insert_rate=raw,
    )


async def bench_batch(target: Target, sizes: Sizes) -> dict[str, float]:
    store = target.open_store("batch")
    await store.open()
    burt = Burt(store)
    campaign = await burt.initialize_campaign(
        "bench", [(f"v{i}", f"V{i}") for i in range(4)], "clicked"
    )
    start = time.perf_counter()
    chunk = 50_000
    for first in range(0, sizes.contacts, chunk):
        ids = range(first, min(first + chunk, sizes.contacts))
        await burt.load_contacts(campaign.id, [ContactIn(f"c{i}") for i in ids])
    load_s = time.perf_counter() - start
    draws = []
    for n in range(5):
        start = time.perf_counter()
        await burt.create_experiment_batch(campaign.id, sizes.batch, f"bench-{n}")
        draws.append(time.perf_counter() - start)
    reads = []
    for _ in range(30):
        start = time.perf_counter()
        await burt.get_campaign(campaign.id)
        reads.append(time.perf_counter() - start)
    await store.close()
    return {
        "load_s": load_s,
        "draw_median_s": statistics.median(draws),
        "draw_min_s": min(draws),
        "get_median_ms": statistics.median(reads) * 1e3,
    }


def _events(contact_ids: list[str], prefix: str) -> list[dict[str, str]]:
    return [
        {
            "id": f"{prefix}-{i}",
            "contact_id": contact,
            "type": OUTCOME_TYPES[i % len(OUTCOME_TYPES)],
            "occurred_at": format_rfc3339(AFTER_THE_DRAWS + timedelta(milliseconds=i)),
        }
        for i, contact in enumerate(contact_ids)
    ]


def _post_events(
    http: httpx.Client, campaign_id: str, bodies: list[bytes], field: str, each: int
) -> float:
    """Seconds to post `bodies` one after another, each answered with `field` = `each`."""
    start = time.perf_counter()
    for body in bodies:
        response = http.post(
            f"/campaigns/{campaign_id}/events",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        assert response.json()[field] == each, response.text
    return time.perf_counter() - start


def bench_ingestion(target: Target, tmp: Path, sizes: Sizes) -> dict[str, float]:
    """The service's events/s and the raw insert's rows/s, plus the floor: the same requests
    received, authenticated and decoded by the bare-Starlette twin, which stores nothing."""
    total = sizes.events_per_request * sizes.requests
    ids = [f"c{i}" for i in range(total)]
    bodies = [
        httpx.Request(
            "POST", "/", json={"events": _events(ids[r :: sizes.requests], f"r{r}")}
        ).read()
        for r in range(sizes.requests)
    ]
    with live_server(tmp / "http", extra_env=target.server_env) as server:
        key = create_key(server.env, "bench")
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:
            campaign = http.post(
                "/campaigns",
                json={
                    "name": "ingest",
                    "optimize": "clicked",
                    "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                },
            ).json()
            cid = campaign["id"]
            for first in range(0, total, 50_000):
                chunk = [{"id": c} for c in ids[first : first + 50_000]]
                http.post(f"/campaigns/{cid}/contacts", json={"contacts": chunk})
                http.post(
                    f"/campaigns/{cid}/batches",
                    headers={"Idempotency-Key": f"k{first}"},
                    json={"size": len(chunk)},
                ).raise_for_status()
            http_s = _post_events(http, cid, bodies, "recorded", sizes.events_per_request)
    with live_server(
        tmp / "twin", extra_env=target.server_env, command=request_path.twin_command
    ) as twin:
        key = create_key(twin.env, "bench")
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=twin.url, headers=headers, timeout=600) as http:
            floor_s = _post_events(http, "cmp_any", bodies, "received", sizes.events_per_request)
    raw = target.raw_insert_rate(_events(ids, "raw"))
    raw_s = total / raw
    return {
        "http_events_per_s": total / http_s,
        "raw_rows_per_s": raw,
        "ratio": raw_s / http_s,
        "floor_ms_per_request": floor_s / sizes.requests * 1e3,
        "bound": raw_s / (raw_s + floor_s),
    }


def bench_policy(variants: int, periods: int) -> dict[str, float]:
    rng = np.random.default_rng(7)
    sends = rng.integers(200, 2000, size=(variants, periods))
    successes = rng.binomial(sends, 0.03 + 0.002 * np.arange(variants)[:, None])
    evidence = Evidence(sends=sends, successes=successes, unsubscribes=np.zeros_like(sends))
    settings = PolicySettings()
    runs = []
    for _ in range(300):
        start = time.perf_counter()
        allocate(evidence, settings, remaining=500_000, total=1_000_000)
        runs.append(time.perf_counter() - start)
    return {
        "median_ms": statistics.median(runs[20:]) * 1e3,
        "p95_ms": float(np.percentile(runs[20:], 95)) * 1e3,
    }


async def bench_stats_call(target: Target, batches: int, batch_size: int) -> float:
    """Median ms of Burt.get_campaign_stats for 8 variants (store reads included)."""
    store = target.open_store("stats")
    await store.open()
    now = [utcnow()]
    burt = Burt(store, clock=lambda: now[0])
    campaign = await burt.initialize_campaign(
        "stats", [(f"v{i}", f"V{i}") for i in range(8)], "clicked"
    )
    await burt.load_contacts(campaign.id, [ContactIn(f"c{i}") for i in range(batches * batch_size)])
    for n in range(batches):
        batch, _ = await burt.create_experiment_batch(campaign.id, batch_size, f"k{n}")
        assert batch.assignments is not None
        clicks = [
            EventIn(f"e{n}-{j}", contact, "clicked", now[0])
            for j, (contact, _) in enumerate(batch.assignments[: batch_size // 30])
        ]
        await burt.record_outcomes(campaign.id, clicks)
        now[0] += timedelta(hours=1)
    now[0] += timedelta(days=2)
    runs = []
    for _ in range(30):
        start = time.perf_counter()
        await burt.get_campaign_stats(campaign.id)
        runs.append(time.perf_counter() - start)
    await store.close()
    return statistics.median(runs) * 1e3


def report(target: Target, tmp: Path, sizes: Sizes, stats_batches: int, ingest_rounds: int) -> None:
    print(f"\n#### {target.label}")
    b = asyncio.run(bench_batch(target, sizes))
    print(f"== batch draw: {sizes.batch:,} from {sizes.contacts:,} contacts")
    print(f"   load {sizes.contacts:,} contacts (engine, 50k chunks): {b['load_s']:.2f} s")
    print(
        f"   draw: median {b['draw_median_s'] * 1e3:.1f} ms, best {b['draw_min_s'] * 1e3:.1f} ms"
        f"  ({b['draw_median_s'] / 0.25:.2f} of the 250 ms target)"
    )
    print(f"   get_campaign on that campaign (its counts): median {b['get_median_ms']:.2f} ms")
    print(
        f"== outcome ingestion over HTTP: {sizes.requests} x {sizes.events_per_request:,} events,"
        f" {ingest_rounds} rounds (medians: each side moves with the machine's load)"
    )
    rounds = [bench_ingestion(target, tmp / f"ingest{r}", sizes) for r in range(ingest_rounds)]
    i = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    ratios = [r["ratio"] for r in rounds]
    print(f"   HTTP (uvicorn, spec-validated): {i['http_events_per_s']:,.0f} events/s")
    print(f"   raw insert of the same rows:    {i['raw_rows_per_s']:,.0f} rows/s")
    print(f"   ratio {i['ratio']:.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.50)")
    print(
        f"   floor: bare Starlette receiving, authenticating and decoding the same requests,"
        f" storing nothing: {i['floor_ms_per_request']:.1f} ms per request; that plus the raw"
        f" insert alone would be {i['bound']:.2f} of raw"
    )
    ms = asyncio.run(bench_stats_call(target, stats_batches, 1000))
    print(f"== Burt.get_campaign_stats, 8 variants, {stats_batches} batches: median {ms:.2f} ms")
    h = http_figures.measure(tmp / "figures", target.server_env, sizes.contacts, sizes.batch)
    print(f"== over HTTP (a live uvicorn process, {sizes.contacts:,} contacts)")
    print(f"   load in 50k chunks: {h['load_s']:.2f} s; draw {sizes.batch:,}: median")
    print(f"   {h['draw_median_ms']:.1f} ms; GET stats (8 variants, 48 batches): median")
    print(f"   {h['stats_median_ms']:.2f} ms")
    print(
        f"   createExperimentBatch (100 contacts) under 32 concurrent clients,"
        f" {h['batch_requests']} requests: p50 {h['batch_p50_ms']:.1f} ms,"
        f" p99 {h['batch_p99_ms']:.1f} ms"
    )


BENCH_DATABASES = ("burt_bench_batch", "burt_bench_stats", "burt_bench_http", "burt_bench_raw")


def _drop_bench_databases(uri: str) -> None:
    """The databases this bench writes on a real deployment, dropped before and after a run."""
    with MongoClient(uri) as client:
        for name in BENCH_DATABASES:
            client.drop_database(name)


@contextmanager
def mongo_for_bench(tmp: Path, full: Sizes) -> Iterator[tuple[Target, Sizes, int]]:
    uri = os.environ.get("BURT_BENCH_MONGODB_URI")
    if uri:
        with MongoClient(uri) as client:
            version = client.server_info().get("version", "?")
        _drop_bench_databases(uri)
        try:
            yield mongo_target(uri, f"MongoDB store on a MongoDB {version} server"), full, 48
        finally:
            _drop_bench_databases(uri)
        return
    server = MongoServer("nx", tmp / "nx").start()
    try:
        small = replace(full, contacts=20_000, batch=2_000, events_per_request=2_000, requests=3)
        label = (
            "MongoDB store on the nx-27017 emulator (SQLite underneath, NOT MongoDB; sizes cut"
            " to 20,000 contacts / 2,000 per batch / 3 x 2,000 events because it scans where"
            " MongoDB uses indexes; set BURT_BENCH_MONGODB_URI for a real server)"
        )
        yield mongo_target(server.uri, label), small, 6
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--events-per-request", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--skip-mongodb", action="store_true")
    parser.add_argument("--get-rounds", type=int, default=5)
    parser.add_argument("--ingest-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = Sizes(args.contacts, args.batch, args.events_per_request, args.requests)
    p = bench_policy(8, 48)
    print(
        f"== policy: allocate() for 8 variants, 48 periods (posteriors, P(best), expected loss,"
        f" weights): median {p['median_ms']:.2f} ms, p95 {p['p95_ms']:.2f} ms (target <= 2 ms)"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        report(sqlite_target(tmp / "sqlite"), tmp / "sqlite", sizes, 48, args.ingest_rounds)
        g = request_path.compare_get(tmp / "get", rounds=args.get_rounds)
        print(
            f"== authenticated GET /campaigns/{{id}}, wrk 2 threads / 32 connections,"
            f" {args.get_rounds} alternating rounds (medians)"
        )
        print(
            f"   burt:           {g['service_rps']:,.0f} req/s, p99 {g['service_p99_ms']:.1f} ms,"
            f" {g['service_cpu_us']:.0f} us CPU per request"
        )
        print(
            f"   bare Starlette: {g['twin_rps']:,.0f} req/s, p99 {g['twin_p99_ms']:.1f} ms,"
            f" {g['twin_cpu_us']:.0f} us CPU per request"
        )
        print(
            f"   ratio {g['ratio']:.2f} (rounds {g['ratio_min']:.2f}-{g['ratio_max']:.2f};"
            " target >= 0.80);"
            f" CPU per request, twin / burt: {g['twin_cpu_us'] / g['service_cpu_us']:.2f}"
        )
        if not args.skip_mongodb:
            with mongo_for_bench(tmp / "mongo", sizes) as (target, mongo_sizes, batches):
                report(target, tmp / "mongo", mongo_sizes, batches, args.ingest_rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
