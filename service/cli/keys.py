"""`burt keys create | list | revoke`: the API-key lifecycle, on the configured store.

Every command says on stderr which store it uses (a file path, or the MongoDB database), and
none of them creates a store that is not there yet unless `--create-store` is given: run from
another folder, `BURT_DATA_DIR=var` names another, empty SQLite file, and a key made there
would silently never work against the running service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from burt.service.cli.main import Commands
from burt.service.config import Config

T = TypeVar("T")


def _say(message: str) -> None:
    print(f"burt: {message}", file=sys.stderr)


async def _on_store(config: Config, create: bool, work: Callable[..., Awaitable[T]]) -> T | None:
    """Run `work(store)` on the configured store; None (after saying why) when it is absent."""
    from burt.engine.store import store_from_config

    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    try:
        _say(f"store: {store.location()}")
        if not await store.exists():
            if not create:
                _say(
                    "there is no burt store there yet. Run this where `burt serve` runs, or set"
                    " BURT_DATA_DIR (or BURT_MONGODB_URI) to the service's; --create-store makes"
                    " a new, empty one"
                )
                return None
            _say("creating a new, empty store there (--create-store)")
        await store.open()
        return await work(store)
    finally:
        await store.close()


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%dT%H:%MZ")


def _create(args: argparse.Namespace) -> int:
    from burt.engine.apikeys import ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    tenant = args.tenant.strip()
    if not tenant:
        args.parser.error("--tenant must not be empty")
    if args.expires_in is not None and args.expires_in <= 0:
        args.parser.error("--expires-in must be a positive number of days")
    now = utcnow()
    expires = None if args.expires_in is None else now + timedelta(days=args.expires_in)

    async def create(store: Store) -> tuple[str, str]:
        token, record = await ApiKeys(store).create(
            tenant, now, name=args.name, expires_at=expires, read_only=args.read_only
        )
        return token, record.key_id

    made = asyncio.run(_on_store(Config.from_env(), args.create_store, create))
    if made is None:
        return 1
    key, key_id = made
    scope = "read-only" if args.read_only else "read-write"
    _say(f"created {key_id} for tenant {tenant!r} ({scope}, expires {_when(expires)})")
    print(key)
    return 0


def _list(args: argparse.Namespace) -> int:
    from burt.engine.apikeys import ApiKey, ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    async def read(store: Store) -> list[ApiKey]:
        return await ApiKeys(store).list(args.tenant)

    keys = asyncio.run(_on_store(Config.from_env(), False, read))
    if keys is None:
        return 1
    now = utcnow()
    rows = [("KEY_ID", "TENANT", "NAME", "SCOPE", "CREATED", "LAST_USED", "EXPIRES", "STATUS")]
    rows += [
        (
            k.key_id,
            k.tenant,
            k.name or "-",
            k.scope,
            _when(k.created_at),
            _when(k.last_used_at),
            _when(k.expires_at),
            k.status(now),
        )
        for k in keys
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from burt.engine.apikeys import ApiKey, ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    config = Config.from_env()

    async def revoke(store: Store) -> ApiKey | None:
        return await ApiKeys(store).revoke(args.key_id, utcnow())

    found = asyncio.run(_on_store(config, False, revoke))
    if found is None:
        _say(f"no key {args.key_id!r} (see `burt keys list`)")
        return 1
    _say(
        f"revoked {found.key_id} of tenant {found.tenant!r}; every service process refuses it"
        f" within {config.key_cache_seconds} s"
    )
    return 0


def register(cli: Commands) -> None:
    cli.group("keys", help="manage API keys (settings from the BURT_* variables)")
    create = cli.add("keys create", help="create a key; prints it alone on stdout", run=_create)
    create.add_argument("--tenant", required=True, help="the tenant the key belongs to")
    create.add_argument("--name", help="a label for people (`burt keys list` shows it)")
    create.add_argument(
        "--expires-in", type=float, metavar="DAYS", help="refuse the key after this many days"
    )
    create.add_argument(
        "--read-only", action="store_true", help="the key may call only safe (GET) operations"
    )
    create.add_argument(
        "--create-store", action="store_true", help="make the store if it is not there yet"
    )
    create.set_defaults(parser=create)
    listing = cli.add(
        "keys list", help="list keys (never the keys themselves: they are stored hashed)", run=_list
    )
    listing.add_argument("--tenant", help="only this tenant's keys")
    revoke = cli.add(
        "keys revoke", help="revoke a key; services refuse it within seconds", run=_revoke
    )
    revoke.add_argument("key_id", metavar="KEY_ID", help="the key's id, as `burt keys list` shows")
