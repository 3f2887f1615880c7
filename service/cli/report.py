"""`burt report CAMPAIGN_ID --out report.html`: a campaign report (parses its own arguments)."""

from __future__ import annotations

from burt.service.cli.main import Commands


def _report(argv: list[str]) -> int:
    from burt.service.cli.report_command import main

    return main(argv)


def register(cli: Commands) -> None:
    cli.add_passthrough(
        "report", help="an HTML report of a campaign (see `burt report -h`)", main=_report
    )
