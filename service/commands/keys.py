"""`burt keys create --tenant NAME`: a new API key, printed alone on stdout."""

from __future__ import annotations

import argparse
import asyncio

from burt.service.cli import Commands
from burt.service.config import Config


async def _create_key(config: Config, tenant: str) -> str:
    from burt.engine.store import store_from_config
    from burt.service.keys import hash_api_key, new_api_key

    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    await store.open()
    try:
        key = new_api_key()
        await store.add_api_key(hash_api_key(key), tenant)
        return key
    finally:
        await store.close()


def _create(args: argparse.Namespace) -> int:
    tenant = args.tenant.strip()
    if not tenant:
        args.parser.error("--tenant must not be empty")
    print(asyncio.run(_create_key(Config.from_env(), tenant)))
    return 0


def register(cli: Commands) -> None:
    cli.group("keys", help="manage API keys (settings from the BURT_* variables)")
    create = cli.add("keys create", help="create a key; prints it alone on stdout", run=_create)
    create.add_argument("--tenant", required=True, help="the tenant the key belongs to")
    create.set_defaults(parser=create)
