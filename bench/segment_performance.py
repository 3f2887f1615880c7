"""`make bench`: what segments cost, on the SQLite store (issue 23's targets).

1. Drawing a 10,000-contact batch from a 1,000,000-contact campaign with 20 segments, against
   the same draw from the same campaign without segments, in one file (target ratio <= 2),
   early (the 8 draws after the first) and later (the last 8, once every segment's variants
   are past ``winner_min_sends`` and the winner rule reads P(best) and the sequential test).
   The first draw of a segmented campaign ranks the segments of every contact loaded so far
   (`engine.segments.keys`): it is timed apart from the later draws.
2. GET stats of a campaign with 20 segments and 4 variants over HTTP (a live uvicorn process),
   median ms (target <= 50 ms).

Nothing here asserts: the numbers are printed for people to judge. `--contacts` shrinks the
campaign for a quick look (the output says which size ran).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from burt.engine import Burt, ContactIn, EventIn, SQLiteStore
from burt.engine.timefmt import format_rfc3339, utcnow
from testing_support.live import create_key, live_server

SEGMENTS = 20
CHUNK = 50_000
PHASE = 8
"""Draws timed in each phase: the early ones after the first, and the last ones."""


def _contacts(n: int, first: int = 0) -> list[ContactIn]:
    """Contacts in ``SEGMENTS`` regions, each with an attribute of its own too (an email, as
    real contacts carry): no two share their attributes' text, as in a real campaign."""
    return [
        ContactIn(f"c{i}", {"region": f"r{i % SEGMENTS}", "email": f"c{i}@example.com"})
        for i in range(first, first + n)
    ]


async def _timed_draws(
    store: SQLiteStore, settings: dict[str, object], contacts: int, batch: int, draws: int
) -> list[float]:
    """Seconds of each of ``draws`` hourly draws of ``batch`` from a new campaign of
    ``contacts``, a click recorded for one contact in 30 of each batch before the next (so the
    policy is past its warm-up, as in a running campaign)."""
    now = [utcnow()]
    burt = Burt(store, clock=lambda: now[0])
    settings = {"attribution_window_seconds": 0, **settings}
    campaign = await burt.initialize_campaign(
        "bench", [(f"v{i}", f"V{i}") for i in range(4)], "clicked", settings
    )
    for first in range(0, contacts, CHUNK):
        await burt.load_contacts(campaign.id, _contacts(min(CHUNK, contacts - first), first))
    seconds = []
    for n in range(draws):
        start = time.perf_counter()
        drawn, _ = await burt.create_experiment_batch(campaign.id, batch, f"k{n}")
        seconds.append(time.perf_counter() - start)
        clicks = [
            EventIn(f"e{n}-{j}", contact, "clicked", now[0])
            for j, (contact, _) in enumerate(drawn.assignments or ())
            if j % 30 == 0
        ]
        await burt.record_outcomes(campaign.id, clicks)
        now[0] += timedelta(hours=1)
    return seconds


async def bench_draws(path: Path, contacts: int, batch: int, draws: int) -> dict[str, float]:
    store = SQLiteStore(path)
    await store.open()
    try:
        plain = await _timed_draws(store, {}, contacts, batch, draws)
        segmented = await _timed_draws(store, {"segment_by": ["region"]}, contacts, batch, draws)
    finally:
        await store.close()
    return {
        "first_ms": segmented[0] * 1e3,
        "plain_ms": statistics.median(plain[1 : 1 + PHASE]) * 1e3,
        "segmented_ms": statistics.median(segmented[1 : 1 + PHASE]) * 1e3,
        "later_plain_ms": statistics.median(plain[-PHASE:]) * 1e3,
        "later_segmented_ms": statistics.median(segmented[-PHASE:]) * 1e3,
    }


def bench_stats_http(data_dir: Path, batches: int, batch: int) -> float:
    """Median ms of GET stats for 20 segments x 4 variants, ``batches`` batches drawn."""
    with live_server(data_dir) as server:
        headers = {"Authorization": f"Bearer {create_key(server.env, 'bench')}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=600) as http:
            created = http.post(
                "/campaigns",
                json={
                    "name": "bench",
                    "optimize": "clicked",
                    "variants": [{"id": f"v{i}", "label": f"V{i}"} for i in range(4)],
                    "settings": {"segment_by": ["region"], "attribution_window_seconds": 0},
                },
            )
            created.raise_for_status()
            cid = created.json()["id"]
            contacts = [
                {"id": c.id, "attributes": dict(c.attributes or {})}
                for c in _contacts(batches * batch)
            ]
            http.post(f"/campaigns/{cid}/contacts", json={"contacts": contacts}).raise_for_status()
            at = format_rfc3339(utcnow() + timedelta(hours=1))
            for n in range(batches):
                drawn = http.post(
                    f"/campaigns/{cid}/batches",
                    headers={"Idempotency-Key": f"k{n}"},
                    json={"size": batch},
                )
                drawn.raise_for_status()
                events = [
                    {
                        "id": f"e{n}-{j}",
                        "contact_id": a["contact_id"],
                        "type": "clicked",
                        "occurred_at": at,
                    }
                    for j, a in enumerate(drawn.json()["assignments"])
                    if j % 25 == 0
                ]
                http.post(f"/campaigns/{cid}/events", json={"events": events}).raise_for_status()
            runs = []
            for _ in range(40):
                start = time.perf_counter()
                http.get(f"/campaigns/{cid}/stats").raise_for_status()
                runs.append(time.perf_counter() - start)
    return statistics.median(runs[5:]) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--draws", type=int, default=25, help=f"draws per campaign (at least {2 * PHASE + 1})"
    )
    parser.add_argument("--stats-batches", type=int, default=12)
    args = parser.parse_args(argv)
    if args.draws < 2 * PHASE + 1:
        parser.error(f"--draws must be at least {2 * PHASE + 1}")
    with tempfile.TemporaryDirectory() as tmp:
        d = asyncio.run(
            bench_draws(Path(tmp) / "draws.sqlite3", args.contacts, args.batch, args.draws)
        )
        print(f"\n#### segments (SQLite), {SEGMENTS} segments")
        print(
            f"== draw {args.batch:,} from {args.contacts:,} contacts, hourly, clicks recorded in"
            f" between; medians of the {PHASE} draws after the first and of the last {PHASE}"
        )
        for phase, prefix in (("early", ""), ("later", "later_")):
            plain, segmented = d[f"{prefix}plain_ms"], d[f"{prefix}segmented_ms"]
            print(
                f"   {phase}: without segments {plain:.1f} ms, with {SEGMENTS} segments"
                f" {segmented:.1f} ms  (ratio {segmented / plain:.2f}; target <= 2)"
            )
        print(
            f"   the segmented campaign's first draw (ranks every contact's segment):"
            f" {d['first_ms']:.1f} ms"
        )
        ms = bench_stats_http(Path(tmp) / "http", args.stats_batches, 1000)
        print(
            f"== GET stats over HTTP, {SEGMENTS} segments x 4 variants,"
            f" {args.stats_batches} batches: median {ms:.1f} ms (target <= 50 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
