"""File import: contacts loaded per second from a CSV file by `burt contacts load`, against a
running service (uvicorn on SQLite), next to the same contacts posted as ready-made JSON.

`python -m bench.file_import [--rows N]` (part of `make bench`). The ratio is what reading,
checking and chunking the file and building the SDK's request models cost on top of the API.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import httpx

from burt.service.cli.main import main as burt
from testing_support.live import live_server

CHUNK = 10_000


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("email,segment,time_zone\n")
        for i in range(rows):
            out.write(f"user{i}@example.com,{'vip' if i % 7 == 0 else 'std'},Europe/Berlin\n")


def new_campaign(url: str, key: str) -> str:
    body = {
        "name": "bench",
        "optimize": "opened",
        "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    }
    response = httpx.post(f"{url}/campaigns", json=body, headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    return response.json()["id"]


def post_json(url: str, key: str, campaign: str, rows: int) -> float:
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
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=300) as client:
        began = time.perf_counter()
        for body in bodies:
            client.post(
                f"{url}/campaigns/{campaign}/contacts", json=body, headers=auth
            ).raise_for_status()
        return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        csv_path = tmp / "contacts.csv"
        write_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        with live_server(tmp / "server") as server:
            key = server.create_key("bench")
            campaign = new_campaign(server.url, key)
            out = io.StringIO()
            began = time.perf_counter()
            with contextlib.redirect_stdout(out):
                command = ["contacts", "load", campaign, str(csv_path), "--id-column", "email"]
                status = burt([*command, "--url", server.url, "--api-key", key, "--quiet"])
            file_s = time.perf_counter() - began
            assert status == 0, out.getvalue()
            json_s = post_json(server.url, key, new_campaign(server.url, key), args.rows)
    file_rate, json_rate = args.rows / file_s, args.rows / json_s
    print(
        f"== file import: {args.rows:,} contacts from a {size_mb:.0f} MB CSV, chunks of {CHUNK:,}"
    )
    print(
        f"   burt contacts load (stream, check, SDK): {file_s:.1f} s, {file_rate:,.0f} contacts/s"
    )
    print(
        f"   the same contacts as ready JSON bodies:  {json_s:.1f} s, {json_rate:,.0f} contacts/s"
    )
    print(f"   ratio {file_rate / json_rate:.2f}   summary: {out.getvalue().strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
