"""`burt keys create | list | revoke`: the API-key lifecycle, on the configured store.

Every command says on stderr which store it uses (a file path, or the MongoDB database), and
none of them creates a store that is not there yet unless `--create-store` is given: run from
another folder, the default `--data-dir var` names another, empty SQLite file, and a key made
there would silently never work against the running service. They take the store flags of
`burt serve` (`--data-dir`, `--mongodb-uri`, `--mongodb-db`).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from burt.service.cli.main import EXIT_FAILED, EXIT_OK, Commands
from burt.service.cli.settings import STORE_FLAGS, add_flags, configure
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
                    "there is no burt store there yet. Run this where `burt serve` runs, or give"
                    " the service's --data-dir (or --mongodb-uri); --create-store makes a new,"
                    " empty one"
                )
                return None
            _say("creating a new, empty store there (--create-store)")
        await store.open()
        return await work(store)
    finally:
        await store.close()


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%dT%H:%MZ")


MAX_EXPIRY_DAYS = 36500


def _days(raw: str) -> float:
    """--expires-in: a finite number of days above 0, at most a hundred years."""
    try:
        days = float(raw)
    except ValueError:
        days = math.nan
    if not (math.isfinite(days) and 0 < days <= MAX_EXPIRY_DAYS):
        raise argparse.ArgumentTypeError(
            f"must be a number of days above 0 and at most {MAX_EXPIRY_DAYS}, got {raw!r}"
        )
    return days


def _create(args: argparse.Namespace) -> int:
    tenant = args.tenant.strip()
    if not tenant:
        args.parser.error("--tenant must not be empty")
    config = configure(args, STORE_FLAGS)

    from burt.engine.apikeys import ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    now = utcnow()
    expires = None if args.expires_in is None else now + timedelta(days=args.expires_in)

    async def create(store: Store) -> tuple[str, str]:
        token, record = await ApiKeys(store).create(
            tenant, now, name=args.name, expires_at=expires, read_only=args.read_only
        )
        return token, record.key_id

    made = asyncio.run(_on_store(config, args.create_store, create))
    if made is None:
        return EXIT_FAILED
    key, key_id = made
    scope = "read-only" if args.read_only else "read-write"
    _say(f"created {key_id} for tenant {tenant!r} ({scope}, expires {_when(expires)})")
    print(key)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    config = configure(args, STORE_FLAGS)

    from burt.engine.apikeys import ApiKey, ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    async def read(store: Store) -> list[ApiKey]:
        return await ApiKeys(store).list(args.tenant)

    keys = asyncio.run(_on_store(config, False, read))
    if keys is None:
        return EXIT_FAILED
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
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    config = configure(args, STORE_FLAGS)

    from burt.engine.apikeys import ApiKey, ApiKeys
    from burt.engine.store.base import Store
    from burt.engine.timefmt import utcnow

    async def revoke(store: Store) -> ApiKey | None:
        return await ApiKeys(store).revoke(args.key_id, utcnow())

    found = asyncio.run(_on_store(config, False, revoke))
    if found is None:
        _say(f"no key {args.key_id!r} (see `burt keys list`)")
        return EXIT_FAILED
    _say(
        f"revoked {found.key_id} of tenant {found.tenant!r}; every service process refuses it"
        f" within {config.key_cache_seconds} s"
    )
    return EXIT_OK


def register(cli: Commands) -> None:
    cli.group("keys", help="manage API keys on the store `burt serve` uses")
    create = cli.add("keys create", help="create a key; prints it alone on stdout", run=_create)
    create.add_argument("--tenant", required=True, help="the tenant the key belongs to")
    create.add_argument("--name", help="a label for people (`burt keys list` shows it)")
    create.add_argument(
        "--expires-in", type=_days, metavar="DAYS", help="refuse the key after this many days"
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
    for command in (create, listing, revoke):
        add_flags(command, STORE_FLAGS)
