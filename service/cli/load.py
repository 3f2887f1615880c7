"""`burt contacts load CAMPAIGN_ID FILE` and `burt events load CAMPAIGN_ID FILE`.

The file (CSV with a header row, or JSON Lines) is streamed through the generated SDK
(`burt_client`) to a running service in chunks under the API's limits, with a progress bar and a
summary. The API is idempotent by contact id and event id, so a rerun after an interruption is
safe and reports what was already there (`existing`, `duplicates`). Bad rows are reported with
their line numbers and skipped; with `--strict`, the file is checked first and nothing is sent
if any row is bad.

Every argument, the file's header and the campaign (asked of the service) are checked before
any row is sent. Exit status: 0 all loaded, 1 the load failed or rows were bad, 2 an argument
that cannot work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from burt.service.cli.files import MAX_ROWS, BadRow, Chunk, Columns, Kind, Source, chunks
from burt.service.cli.main import Commands
from burt.service.cli.remote import checked_url, unreachable

EXIT_FAILED = 1
EXIT_USAGE = 2
_RETRYABLE = {502, 503, 504}


class LoadFailed(Exception):
    """The service refused a request for a reason a retry cannot fix (or kept failing)."""


class Loader:
    """Sends chunks through the SDK."""

    def __init__(self, kind: Kind, campaign_id: str, url: str, api_key: str, retries: int) -> None:
        import httpx
        from burt_client import AuthenticatedClient

        self.kind = kind
        self.campaign_id = campaign_id
        self.url = url
        self.retries = retries
        self.client = AuthenticatedClient(base_url=url, token=api_key, timeout=httpx.Timeout(300.0))

    def _answer(self, call: Callable[[], Any]) -> dict[str, Any]:
        """The JSON object `call` (a request) answered with 200, retrying an unreachable or
        unavailable service."""
        import httpx
        import msgspec

        attempt = 0
        while True:
            try:
                response = call()
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise LoadFailed(unreachable(self.url, exc)) from None
            else:
                try:
                    answer: dict[str, Any] = msgspec.json.decode(response.content)
                except msgspec.DecodeError:
                    answer = {"detail": response.content[:300]}
                if response.status_code == 200:
                    return answer
                detail = answer.get("detail", answer)
                if response.status_code not in _RETRYABLE or attempt == self.retries:
                    raise LoadFailed(f"the service answered {response.status_code}: {detail}")
            time.sleep(min(2**attempt, 30))
            attempt += 1

    def check_campaign(self) -> None:
        """The service answers, the API key is good and the campaign is the tenant's."""
        from burt_client.api.campaigns import get_campaign

        self._answer(partial(get_campaign.sync_detailed, self.campaign_id, client=self.client))

    def send(self, chunk: Chunk) -> dict[str, Any]:
        """The API's answer to the chunk (`loadContacts` or `recordOutcomes`), as a dict.

        The rows are sent as the bytes `chunks` encoded to measure them, through the SDK
        client's connection; its generated call would encode them again with the json module.
        """
        from urllib.parse import quote

        path = f"/campaigns/{quote(self.campaign_id, safe='')}/{self.kind}"
        body = b'{"%s":%s}' % (self.kind.encode(), chunk.rows)
        http = self.client.get_httpx_client()
        headers = {"Content-Type": "application/json"}
        return self._answer(partial(http.post, path, content=body, headers=headers))


class Usage(Exception):
    """An argument that cannot work, found before any work starts."""


def _checked(args: argparse.Namespace, kind: Kind) -> tuple[Source, str, str]:
    """The file opened for reading, the service's URL and the API key, or Usage."""
    url = args.url or os.environ.get("BURT_URL")
    api_key = args.api_key or os.environ.get("BURT_API_KEY")
    if not url or not api_key:
        raise Usage("--url and --api-key (or BURT_URL and BURT_API_KEY) are needed")
    columns = Columns(
        id=args.id_column,
        contact_id=getattr(args, "contact_column", "contact_id"),
        type=getattr(args, "type_column", "type"),
        occurred_at=getattr(args, "time_column", "occurred_at"),
    )
    try:
        return Source(Path(args.file), kind, args.format, columns), checked_url(url), api_key
    except OSError as exc:
        raise Usage(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise Usage(str(exc)) from None


def _note(message: str, bar: Any) -> None:
    """A line on stderr above the progress bar, never glued to it."""
    bar.write(message, file=sys.stderr)


def _settle(sent: tuple[Future[dict[str, Any]], Chunk], totals: Counter[str], bar: Any) -> None:
    """Wait for the service's answer to a chunk; add it to the totals and the progress."""
    answer, chunk = sent[0].result(), sent[1]
    for key, value in answer.items():
        if isinstance(value, int) and key not in ("contacts_total", "contacts_pending"):
            totals[key] += value
    for rejection in answer.get("rejected", []):
        reason = rejection["reason"]
        _note(f"line {chunk.lines[rejection['index']]}: rejected by the service: {reason}", bar)
        totals[f"rejected:{reason}"] += 1
    bar.update(len(chunk.lines))


def _bad(row: BadRow) -> str:
    return f"line {row.line}: {row.reason}"


def load_file(args: argparse.Namespace, kind: Kind) -> int:
    from tqdm import tqdm

    try:
        source, url, api_key = _checked(args, kind)
    except Usage as exc:
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_USAGE
    loader = Loader(kind, args.campaign_id, url, api_key, args.retries)
    totals: Counter[str] = Counter()
    bad_rows = 0
    try:
        loader.check_campaign()
        if args.strict:
            for chunk in chunks(source, args.chunk_size, args.max_bytes):
                for row in chunk.bad:
                    print(_bad(row), file=sys.stderr)
                bad_rows += len(chunk.bad)
            if bad_rows:
                print(f"{bad_rows} bad row(s); --strict: nothing was sent", file=sys.stderr)
                return EXIT_FAILED
        # One chunk in flight while the next is read: the file and the service work in parallel.
        with (
            tqdm(total=source.count(), unit="row", disable=args.quiet, file=sys.stderr) as bar,
            ThreadPoolExecutor(max_workers=1) as sender,
        ):
            in_flight: tuple[Future[dict[str, Any]], Chunk] | None = None
            for chunk in chunks(source, args.chunk_size, args.max_bytes):
                for row in chunk.bad:
                    _note(_bad(row), bar)
                bar.update(len(chunk.bad))
                bad_rows += len(chunk.bad)
                if not chunk.lines:
                    continue
                if in_flight is not None:
                    _settle(in_flight, totals, bar)
                in_flight = sender.submit(loader.send, chunk), chunk
            if in_flight is not None:
                _settle(in_flight, totals, bar)
    except (OSError, LoadFailed) as exc:
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    summary = {**totals, "bad_rows": bad_rows}
    print(" ".join(f"{key}={value}" for key, value in sorted(summary.items())))
    return EXIT_FAILED if bad_rows else 0


def _count(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (no bound if None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bound = f"{low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is not {bound}")
        return value

    return parse


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
        type=_count(1, MAX_ROWS),
        default=10_000,
        metavar=f"1..{MAX_ROWS}",
        help="rows per request (default: 10000)",
    )
    parser.add_argument(
        "--max-bytes",
        type=_count(1),
        default=8 << 20,
        help="JSON bytes per request (default: 8 MiB)",
    )
    parser.add_argument(
        "--retries", type=_count(0), default=3, help="retries of an unavailable service"
    )
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
