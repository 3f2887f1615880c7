"""The `burt` command. Each subcommand lives in its own module and registers itself here.

A module listed in `COMMANDS` defines `register(cli: Commands) -> None`:

    def register(cli: Commands) -> None:
        cli.group("keys", help="manage API keys")
        parser = cli.add("keys revoke", help="revoke a key", run=revoke)
        parser.add_argument("--prefix", required=True)

`run(args)` receives the parsed arguments and returns the exit status. A space in the path
nests the command under a group (`burt keys revoke`); the group is made on first use, so
several modules can add to one group. A command that parses its own arguments registers with
`cli.add_passthrough(name, help=..., main=...)` and gets the raw argv after its name.
Every listed module is imported for every command: keep heavy imports inside `run`.

Exit statuses (README.md, "Exit codes"): `EXIT_OK`, `EXIT_FAILED` when the operation could not
be done, `EXIT_USAGE` when a flag, argument or BURT_* variable is wrong and nothing was done
(argparse's own status for a bad command line). Every refusal is one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn, TypeAlias

from burt.engine.errors import IncompatibleStore, StoreUnavailable
from burt.service.config import ConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# One line per module that adds commands; order is the order `burt --help` lists them.
COMMANDS: tuple[str, ...] = (
    "burt.service.cli.serve",
    "burt.service.cli.keys",
    "burt.service.cli.docs",
    "burt.service.cli.simulate",
    "burt.service.cli.report",
    "burt.service.cli.load",
    "burt.service.cli.backup",
)

Run = Callable[[argparse.Namespace], int]
PassthroughMain = Callable[[list[str]], int]


Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Parser(argparse.ArgumentParser):
    """argparse's parser, refusing a bad command line in one line that points to `--help`."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


class Commands:
    """The tree of `burt` subcommands that the modules in `COMMANDS` add to."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._parser = parser
        self._children: dict[tuple[str, ...], Subparsers] = {
            (): parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        }
        self.passthrough: dict[str, PassthroughMain] = {}

    def group(self, path: str, help: str) -> None:
        """Describe a group (`keys`) before adding to it; a no-op if it exists already."""
        self._subcommands(tuple(path.split()), help)

    def add(self, path: str, *, help: str, run: Run, **options: Any) -> argparse.ArgumentParser:
        """Add the command at `path` ("serve", "keys create"); returns its parser."""
        *parents, name = path.split()
        parser: argparse.ArgumentParser = self._subcommands(tuple(parents)).add_parser(
            name, help=help, description=help, **options
        )
        parser.set_defaults(run=run)
        return parser

    def add_passthrough(self, name: str, *, help: str, main: PassthroughMain) -> None:
        """A top-level command with its own argument parser: `main(argv after the name)`."""
        self.add(name, help=help, run=lambda _args: main([]), add_help=False)
        self.passthrough[name] = main

    def _subcommands(self, path: tuple[str, ...], help: str | None = None) -> Subparsers:
        if path not in self._children:
            parent = self._subcommands(path[:-1])
            group = parent.add_parser(path[-1], help=help, description=help)
            self._children[path] = group.add_subparsers(
                dest="_".join(("command", *path)), required=True, metavar="COMMAND"
            )
        return self._children[path]


def package_version() -> str:
    try:
        return version("burt")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def build(modules: Sequence[str] = COMMANDS) -> tuple[argparse.ArgumentParser, Commands]:
    parser = Parser(prog="burt", description="burt: adaptive experiments for email campaigns")
    parser.add_argument("--version", action="version", version=f"burt {package_version()}")
    cli = Commands(parser)
    for module in modules:
        import_module(module).register(cli)
    return parser, cli


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, cli = build()
    if argv and argv[0] in cli.passthrough:
        return cli.passthrough[argv[0]](argv[1:])
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
        return status
    except ConfigError as exc:
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (IncompatibleStore, StoreUnavailable) as exc:
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a folder or file the command cannot make, read or write
        print(f"burt: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
