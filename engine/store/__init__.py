"""Store adapters behind the `Store` port, chosen by configuration."""

from __future__ import annotations

from pathlib import Path

from burt.engine.store.base import Store
from burt.engine.store.sqlite import SQLiteStore

SQLITE_FILENAME = "burt.sqlite3"


def store_from_config(
    data_dir: str | Path, mongodb_uri: str | None = None, mongodb_db: str = "burt"
) -> Store:
    """MongoDB when a URI is given, else the SQLite file under `data_dir` (not yet opened)."""
    if mongodb_uri:
        from burt.engine.store.mongo import MongoStore  # imported only when configured

        return MongoStore(mongodb_uri, mongodb_db)
    return SQLiteStore(Path(data_dir) / SQLITE_FILENAME)


__all__ = ["SQLiteStore", "Store", "store_from_config"]
