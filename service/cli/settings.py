"""Flags that stand for BURT_* variables, shared by every command that takes them.

A flag wins over its variable, which wins over the default. `configure` puts the flags given
into the environment (so that every uvicorn worker `burt serve` starts reads the same) and
reads the whole configuration once, before the command does any work: a value that cannot be
used is a `ConfigError` naming the flag the user typed, or the variable.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from burt.service.config import Config, ConfigError


@dataclass(frozen=True)
class Flag:
    name: str  # --data-dir
    variable: str  # BURT_DATA_DIR
    help: str

    @property
    def dest(self) -> str:
        return self.name.removeprefix("--").replace("-", "_")


STORE_FLAGS = (
    Flag("--data-dir", "BURT_DATA_DIR", "folder of the SQLite store"),
    Flag("--mongodb-uri", "BURT_MONGODB_URI", "use the MongoDB store at this URI, not SQLite"),
    Flag("--mongodb-db", "BURT_MONGODB_DB", "database name on MongoDB"),
)
"""Every command that opens the store takes these."""


def add_flags(parser: argparse.ArgumentParser, flags: tuple[Flag, ...]) -> None:
    defaults = Config()
    for flag in flags:
        default = getattr(defaults, flag.variable.removeprefix("BURT_").lower())
        parser.add_argument(
            flag.name,
            metavar=flag.variable,
            help=f"{flag.help} (default: ${flag.variable} or {default})",
        )


def configure(args: argparse.Namespace, flags: tuple[Flag, ...]) -> Config:
    given = {flag: getattr(args, flag.dest) for flag in flags}
    given = {flag: value for flag, value in given.items() if value is not None}
    os.environ.update({flag.variable: value for flag, value in given.items()})
    try:
        return Config.from_env()
    except ConfigError as exc:
        named = next((flag.name for flag in given if flag.variable == exc.name), exc.name)
        raise ConfigError(named, exc.requirement, exc.raw) from None
