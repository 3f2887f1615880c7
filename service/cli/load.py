"""`burt contacts load CAMPAIGN_ID FILE` and `burt events load CAMPAIGN_ID FILE`.

The file (CSV with a header row, or JSON Lines) is streamed through the generated SDK
(`burt_client`) to a running service in chunks under the API's limits, with a progress bar and a
summary. The API is idempotent by contact id and event id, so a rerun after an interruption is
safe and reports what was already there (`existing`, `duplicates`). Bad rows are reported with
their line numbers and skipped; with `--strict`, the file is checked first and nothing is sent
if any row is bad.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from burt.service.cli.files import MAX_ROWS, BadRow, Columns, Kind
from burt.service.cli.main import Commands

EXIT_BAD_ROWS = 1
EXIT_FAILED = 2
_RETRYABLE = {502, 503, 504}


class _Checked:
    """A request body for the SDK call, its rows already in the API's shape and checked.

    The SDK's own request models would rebuild each row as an object and turn it back into a
    dict (measured: about as long as reading and checking the file); the call only needs
    `to_dict()`, so the rows go as they are.
    """

    def __init__(self, body: dict[str, list[dict[str, Any]]]) -> None:
        self._body = body

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return self._body


class LoadFailed(Exception):
    """The service refused a chunk for a reason a retry cannot fix (or kept failing)."""


class Loader:
    """Sends chunks through the SDK and keeps the summary."""

    def __init__(self, kind: Kind, campaign_id: str, url: str, api_key: str, retries: int) -> None:
        import httpx
        from burt_client import AuthenticatedClient

        self.kind = kind
        self.campaign_id = campaign_id
        self.retries = retries
        self.client = AuthenticatedClient(base_url=url, token=api_key, timeout=httpx.Timeout(300.0))
        self.totals: Counter[str] = Counter()
        self.rejected: list[tuple[int, str]] = []

    def _call(self, records: list[dict[str, Any]]) -> Any:
        if self.kind == "contacts":
            from burt_client.api.contacts import load_contacts

            body: Any = _Checked({"contacts": records})
            return load_contacts.sync_detailed(self.campaign_id, client=self.client, body=body)
        from burt_client.api.outcomes import record_outcomes

        events: Any = _Checked({"events": records})
        return record_outcomes.sync_detailed(self.campaign_id, client=self.client, body=events)

    def send(self, lines: list[int], records: list[dict[str, Any]]) -> None:
        import httpx

        for attempt in range(self.retries + 1):
            try:
                response = self._call(records)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise LoadFailed(f"cannot reach the service: {exc}") from None
            else:
                if response.status_code == 200:
                    self._tally(lines, response.parsed)
                    return
                detail = getattr(response.parsed, "detail", response.content[:300])
                if response.status_code not in _RETRYABLE or attempt == self.retries:
                    raise LoadFailed(f"the service answered {response.status_code}: {detail}")
            time.sleep(min(2**attempt, 30))

    def _tally(self, lines: list[int], result: Any) -> None:
        data = result.to_dict()
        for key, value in data.items():
            if isinstance(value, int) and key not in ("contacts_total", "contacts_pending"):
                self.totals[key] += value
        for rejection in data.get("rejected", []):
            self.rejected.append((lines[rejection["index"]], rejection["reason"]))
            self.totals[f"rejected:{rejection['reason']}"] += 1


def _report_bad(bad: list[BadRow], out: Any) -> None:
    for row in bad:
        print(f"line {row.line}: {row.reason}", file=out)


def _check_all(path: Path, kind: Kind, fmt: str, columns: Columns) -> list[BadRow]:
    from burt.service.cli.files import rows

    return [row for row in rows(path, kind, fmt, columns) if isinstance(row, BadRow)]


def load_file(args: argparse.Namespace, kind: Kind) -> int:
    from tqdm import tqdm

    from burt.service.cli.files import chunks, count_lines, file_format, rows

    path = Path(args.file)
    url, api_key = (
        args.url or os.environ.get("BURT_URL"),
        args.api_key or os.environ.get("BURT_API_KEY"),
    )
    if not url or not api_key:
        print(
            "burt: --url and --api-key (or BURT_URL and BURT_API_KEY) are needed", file=sys.stderr
        )
        return EXIT_FAILED
    columns = Columns(
        id=args.id_column,
        contact_id=getattr(args, "contact_column", "contact_id"),
        type=getattr(args, "type_column", "type"),
        occurred_at=getattr(args, "time_column", "occurred_at"),
    )
    try:
        fmt = file_format(path, args.format)
        if args.strict:
            bad = _check_all(path, kind, fmt, columns)
            if bad:
                _report_bad(bad, sys.stderr)
                print(f"{len(bad)} bad row(s); --strict: nothing was sent", file=sys.stderr)
                return EXIT_FAILED
        loader = Loader(kind, args.campaign_id, url, api_key, args.retries)
        bad_rows = 0
        # One chunk in flight while the next is read: the file and the service work in parallel.
        with (
            tqdm(total=count_lines(path), unit="line", disable=args.quiet, file=sys.stderr) as bar,
            ThreadPoolExecutor(max_workers=1) as sender,
        ):
            in_flight: Future[None] | None = None
            sending = 0
            for batch, bad in chunks(
                rows(path, kind, fmt, columns), args.chunk_size, args.max_bytes
            ):
                _report_bad(bad, sys.stderr)
                bad_rows += len(bad)
                bar.update(len(bad))
                if batch:
                    if in_flight is not None:
                        in_flight.result()
                        bar.update(sending)
                    lines, records = [r.line for r in batch], [r.record for r in batch]
                    in_flight, sending = sender.submit(loader.send, lines, records), len(batch)
            if in_flight is not None:
                in_flight.result()
                bar.update(sending)
    except (OSError, ValueError, LoadFailed) as exc:
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line, reason in loader.rejected:
        print(f"line {line}: rejected by the service: {reason}", file=sys.stderr)
    summary = {**loader.totals, "bad_rows": bad_rows}
    print(" ".join(f"{key}={value}" for key, value in sorted(summary.items())))
    return EXIT_BAD_ROWS if bad_rows else 0


def _add(cli: Commands, kind: Kind, help: str) -> None:
    parser = cli.add(f"{kind} load", help=help, run=lambda args: load_file(args, kind))
    parser.add_argument("campaign_id", metavar="CAMPAIGN_ID")
    parser.add_argument("file", metavar="FILE", help="a CSV file with a header row, or JSON Lines")
    parser.add_argument("--url", help="the service's base URL (default: $BURT_URL)")
    parser.add_argument("--api-key", help="the tenant's API key (default: $BURT_API_KEY)")
    parser.add_argument("--format", choices=("csv", "jsonl"), help="default: by file extension")
    parser.add_argument("--id-column", default="id", help="CSV column of the id (default: id)")
    if kind == "events":
        for flag, default in (("contact", "contact_id"), ("type", "type"), ("time", "occurred_at")):
            parser.add_argument(
                f"--{flag}-column", default=default, help=f"CSV column (default: {default})"
            )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=10_000,
        choices=range(1, MAX_ROWS + 1),
        metavar=f"1..{MAX_ROWS}",
        help="rows per request (default: 10000)",
    )
    parser.add_argument(
        "--max-bytes", type=int, default=8 << 20, help="JSON bytes per request (default: 8 MiB)"
    )
    parser.add_argument("--retries", type=int, default=3, help="retries of an unavailable service")
    parser.add_argument("--strict", action="store_true", help="send nothing if any row is bad")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def register(cli: Commands) -> None:
    cli.group("contacts", help="load a campaign's contacts from a file")
    _add(
        cli,
        "contacts",
        "load contacts from a CSV (the --id-column, other columns become attributes) or JSON "
        'Lines file ({"id", "attributes"} per line)',
    )
    cli.group("events", help="load outcome events from a file")
    _add(
        cli,
        "events",
        "load outcome events from a CSV (columns id, contact_id, type, occurred_at) or JSON "
        "Lines file (one event object per line)",
    )
