"""`burt backup DEST`: a consistent copy of the SQLite store, taken while the service serves.

The copy is the whole database at one instant (the store's `backup`, SQLite's online backup
API), written to a new file: DEST itself, or `burt.sqlite3` inside DEST when it is a folder.
docs/production.md says how to restore it. A MongoDB store is refused with a pointer to
`mongodump`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from burt.service.cli.main import Commands
from burt.service.config import Config


def _say(message: str) -> None:
    print(f"burt: {message}", file=sys.stderr)


async def _backup(config: Config, dest: Path) -> int:
    from burt.engine.burt import store_backup
    from burt.engine.errors import BackupUnsupported
    from burt.engine.store import store_from_config

    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    try:
        if not await store.exists():
            _say(f"no burt store at {store.location()}; set BURT_DATA_DIR to the service's")
            return 1
        await store.open()
        await store_backup(store, dest)
    except BackupUnsupported as exc:
        _say(str(exc))
        return 2
    finally:
        await store.close()
    _say(f"backed up {store.location()} to {dest.resolve()}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from burt.engine.store import SQLITE_FILENAME

    dest: Path = args.dest / SQLITE_FILENAME if args.dest.is_dir() else args.dest
    if dest.exists():
        _say(f"{dest} exists already; name a new file (a backup never overwrites one)")
        return 1
    if not dest.parent.is_dir():
        _say(f"{dest.parent} is not a folder")
        return 1
    return asyncio.run(_backup(Config.from_env(), dest))


def register(cli: Commands) -> None:
    parser = cli.add(
        "backup",
        help="copy the SQLite store, consistent while the service serves, to a new file",
        run=_run,
    )
    parser.add_argument(
        "dest", type=Path, metavar="DEST", help="the new file, or a folder to write burt.sqlite3 in"
    )
