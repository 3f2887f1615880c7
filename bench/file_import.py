"""File import: `burt contacts load` and `burt events load` end to end, against a running service
(uvicorn on SQLite), each run as the shipped command in its own process.

`python -m bench.file_import [--rows N]` (part of `make bench`) loads N contacts from a CSV file
into two campaigns and draws them all, then loads one event per contact from a JSON Lines file
into one and from the same events as CSV into the other, and loads the JSON Lines file again
(every event a duplicate: nothing recorded); last, the same contacts posted as ready-made JSON
into a third campaign, for comparison. Rates are rows over the command's wall time: start-up,
reading and checking the file, upload and recording. The peak memory is each load command's
largest resident size (not the server's).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from testing_support.live import BURT, LiveServer, live_server

CHUNK = 10_000
DRAW = 100_000
TYPES = ("delivered", "opened", "clicked", "converted")


def write_contacts(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("email,segment,time_zone\n")
        for i in range(rows):
            out.write(f"user{i}@example.com,{'vip' if i % 7 == 0 else 'std'},Europe/Berlin\n")


def write_events(jsonl: Path, csv: Path, rows: int) -> None:
    """One event per contact, dated an hour after now (after the contacts are drawn)."""
    hour = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    with jsonl.open("w") as lines, csv.open("w") as table:
        table.write("id,contact_id,type,occurred_at\n")
        for i in range(rows):
            event = (f"e{i}", f"user{i}@example.com", TYPES[i % 4], f"{hour}:{i % 3600 // 60:02d}")
            when = f"{event[3]}:{i % 60:02d}Z"
            lines.write(
                f'{{"id":"{event[0]}","contact_id":"{event[1]}","type":"{event[2]}",'
                f'"occurred_at":"{when}"}}\n'
            )
            table.write(f"{event[0]},{event[1]},{event[2]},{when}\n")


def new_campaign(client: httpx.Client, url: str) -> str:
    body = {
        "name": "bench",
        "optimize": "opened",
        "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    }
    response = client.post(f"{url}/campaigns", json=body)
    response.raise_for_status()
    campaign: str = response.json()["id"]
    return campaign


def post_json(client: httpx.Client, url: str, campaign: str, rows: int) -> float:
    """The same contacts as JSON bodies prepared in memory beforehand; returns seconds."""
    bodies = [
        {
            "contacts": [
                {
                    "id": f"user{i}@example.com",
                    "attributes": {
                        "segment": "vip" if i % 7 == 0 else "std",
                        "time_zone": "Europe/Berlin",
                    },
                }
                for i in range(start, min(start + CHUNK, rows))
            ]
        }
        for start in range(0, rows, CHUNK)
    ]
    began = time.perf_counter()
    for body in bodies:
        client.post(f"{url}/campaigns/{campaign}/contacts", json=body).raise_for_status()
    return time.perf_counter() - began


def draw_all(client: httpx.Client, url: str, campaign: str, rows: int) -> None:
    for number, start in enumerate(range(0, rows, DRAW)):
        client.post(
            f"{url}/campaigns/{campaign}/batches",
            json={"size": min(DRAW, rows - start)},
            headers={"Idempotency-Key": f"bench-{number}"},
        ).raise_for_status()


def load(server: LiveServer, key: str, *argv: str) -> tuple[float, int, dict[str, int]]:
    """Seconds `burt ... load` took, its peak resident memory in bytes, and its summary."""
    command = [*BURT, *argv, "--url", server.url, "--api-key", key, "--quiet"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {err.read()!r}")
        summary = dict(item.split("=") for item in out.read().decode().split())
    return seconds, usage.ru_maxrss * 1024, {name: int(value) for name, value in summary.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    rows = args.rows
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        contacts, jsonl, csv = tmp / "contacts.csv", tmp / "events.jsonl", tmp / "events.csv"
        write_contacts(contacts, rows)
        write_events(jsonl, csv, rows)
        sizes = ", ".join(
            f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in (contacts, jsonl, csv)
        )
        with live_server(tmp / "server") as server:
            key = server.create_key("bench")
            auth = {"Authorization": f"Bearer {key}"}
            # The ready-JSON bodies come last: a load command forked while they fill this
            # process's memory would start its peak resident size there.
            with httpx.Client(timeout=600, headers=auth) as client:
                for_jsonl, for_csv, by_json = (new_campaign(client, server.url) for _ in range(3))
                command = ("contacts", "load", for_jsonl, str(contacts), "--id-column", "email")
                file_s, file_rss, _ = load(server, key, *command)
                load(
                    server, key, "contacts", "load", for_csv, str(contacts), "--id-column", "email"
                )
                for campaign in (for_jsonl, for_csv):
                    draw_all(client, server.url, campaign, rows)
                events = ("events", "load")
                jsonl_s, jsonl_rss, jsonl_sum = load(server, key, *events, for_jsonl, str(jsonl))
                csv_s, csv_rss, csv_sum = load(server, key, *events, for_csv, str(csv))
                again_s, again_rss, again_sum = load(server, key, *events, for_jsonl, str(jsonl))
                json_s = post_json(client, server.url, by_json, rows)
    assert jsonl_sum["recorded"] == csv_sum["recorded"] == rows, (jsonl_sum, csv_sum)
    assert again_sum["recorded"] == 0 and again_sum["duplicates"] == rows, again_sum
    print(f"== file import: {rows:,} rows per file ({sizes}), end to end, one process per load")
    for label, seconds, rss, unit in (
        ("contacts load, CSV:        ", file_s, file_rss, "contacts"),
        ("events load, JSON Lines:   ", jsonl_s, jsonl_rss, "events"),
        ("events load, CSV:          ", csv_s, csv_rss, "events"),
        ("events load again (no-op): ", again_s, again_rss, "events"),
    ):
        rate = f"{rows / seconds:9,.0f} {unit}/s"
        print(f"   {label} {seconds:6.1f} s, {rate:>19}, peak memory {rss / 1e6:4.0f} MB")
    ready = f"{rows / json_s:9,.0f} contacts/s"
    print(f"   {'contacts as ready JSON:':<27} {json_s:6.1f} s, {ready:>19}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
