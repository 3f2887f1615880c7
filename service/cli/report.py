"""`burt report CAMPAIGN_ID --out report.html`: a campaign report from any running service.

Everything comes through the generated SDK (`burt_client`, which burt's wheel carries), so
the command works against any burt service it can reach: the campaign, its batches, the stats
now, and the stats replayed as of each batch's draw (for P(best) over time).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from burt.service.cli.main import Commands
from burt.service.cli.remote import checked_url, unreachable
from burt.service.cli.report_page import render

HISTORY_POINTS = 48


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="burt report",
        description="Write a self-contained HTML report of a campaign from a running service.",
    )
    parser.add_argument("campaign_id", help="the campaign's id")
    parser.add_argument("--out", type=Path, required=True, help="where to write the HTML page")
    parser.add_argument(
        "--url",
        default=os.environ.get("BURT_URL", "http://127.0.0.1:8000"),
        help="the service's base URL (default $BURT_URL or http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("BURT_API_KEY"),
        help="an API key for the campaign's tenant (default $BURT_API_KEY)",
    )
    parser.add_argument(
        "--control",
        help="measure lifts against this variant id (default: the campaign's control, if it"
        " names one, else the current leader)",
    )
    return parser


def _ok(result: Any, what: str) -> Any:
    from burt_client.models import Problem

    if isinstance(result, Problem):
        sys.exit(f"burt report: {what}: {result.status} {result.title}: {result.detail}")
    if result is None:
        sys.exit(f"burt report: {what}: unexpected answer from the service")
    return result


def fetch(
    url: str, api_key: str, campaign_id: str, control: str | None
) -> tuple[str, dict[str, Any], list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    """(campaign name, stats now, batches, [(batch sequence, stats as of its successor)])."""
    from burt_client import AuthenticatedClient
    from burt_client.api.batches import list_experiment_batches
    from burt_client.api.campaigns import get_campaign
    from burt_client.api.stats import get_campaign_stats
    from burt_client.types import UNSET

    client = AuthenticatedClient(base_url=url, token=api_key, raise_on_unexpected_status=True)
    chosen = UNSET if control is None else control
    with client:
        campaign = _ok(get_campaign.sync(campaign_id, client=client), "campaign")
        stats = _ok(
            get_campaign_stats.sync(campaign_id, client=client, control=chosen), "statistics"
        )
        batches, cursor = [], UNSET
        while True:
            page = _ok(
                list_experiment_batches.sync(campaign_id, client=client, cursor=cursor), "batches"
            )
            batches.extend(page.items)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        # P(best) after each batch: the stats as of just before the next one was drawn.
        step = max(1, -(-len(batches) // HISTORY_POINTS))
        history = []
        for i in range(step - 1, len(batches) - 1, step):
            as_of = batches[i + 1].created_at - timedelta(microseconds=1)
            then = get_campaign_stats.sync(campaign_id, client=client, control=chosen, as_of=as_of)
            history.append((batches[i].sequence, _ok(then, "statistics over time").to_dict()))
        if batches:
            history.append((batches[-1].sequence, stats.to_dict()))
    return campaign.name, stats.to_dict(), [b.to_dict() for b in batches], history


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.api_key:
        parser().error("an API key is needed: --api-key or BURT_API_KEY")
    try:
        checked_url(args.url)
    except ValueError as exc:
        parser().error(str(exc))
    if not args.out.parent.is_dir():
        parser().error(f"--out {args.out}: there is no folder {args.out.parent}")
    import httpx

    try:
        name, stats, batches, history = fetch(
            args.url, args.api_key, args.campaign_id, args.control
        )
    except httpx.TransportError as exc:
        print(f"burt report: {unreachable(args.url, exc)}", file=sys.stderr)
        return 1
    args.out.write_text(render(name, stats, batches, history), encoding="utf-8")
    decision = stats["decision"]
    print(f"wrote {args.out}: {decision['summary']} Goal: {decision['goal']}.")
    return 0


def register(cli: Commands) -> None:
    cli.add_passthrough(
        "report", help="an HTML report of a campaign (see `burt report -h`)", main=main
    )
