"""`burt simulate`: the campaign simulator, which parses its own arguments."""

from __future__ import annotations

from burt.service.cli.main import Commands


def _simulate(argv: list[str]) -> int:
    from burt.service.cli.simulate_command import main

    return main(argv)


def register(cli: Commands) -> None:
    cli.add_passthrough(
        "simulate", help="replay simulated campaigns (see `burt simulate -h`)", main=_simulate
    )
