"""`burt docs --output api.html`: the self-contained API reference page `/docs` serves."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from burt.service.cli.main import EXIT_OK, Commands


def _write(args: argparse.Namespace) -> int:
    if args.output is not None and args.output.is_dir():
        args.parser.error(f"--output {args.output} is a folder: name the file to write")

    from burt.service.edge.docs_portal import reference_page

    page = reference_page()
    if args.output is None:
        sys.stdout.write(page)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(page, encoding="utf-8")
    return EXIT_OK


def register(cli: Commands) -> None:
    docs = cli.add(
        "docs",
        help="write the API reference page (one HTML file, no requests) for a portal",
        run=_write,
    )
    docs.add_argument("--output", type=Path, help="file to write (default: standard output)")
    docs.set_defaults(parser=docs)
