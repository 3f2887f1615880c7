"""The `burt` command: `burt serve`, `burt keys create --tenant NAME`, `burt simulate ...`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from burt.service.config import Config


def _serve(config: Config) -> int:
    import uvicorn

    config.data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        "burt.service.asgi:app",
        host=config.host,
        port=config.port,
        workers=config.workers,
        log_level=config.log_level,
    )
    return 0


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:
        from burt.engine.simulation import simulate_main

        return simulate_main(argv[1:])
    parser = argparse.ArgumentParser(prog="burt", description="burt adaptive-experiment engine")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the REST API (settings from BURT_* variables)")
    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key; prints it alone on stdout")
    create.add_argument("--tenant", required=True, help="the tenant the key belongs to")
    commands.add_parser("simulate", help="replay simulated campaigns (see `burt simulate -h`)")
    args = parser.parse_args(argv)
    config = Config.from_env()
    if args.command == "serve":
        return _serve(config)
    if not args.tenant.strip():
        parser.error("--tenant must not be empty")
    print(asyncio.run(_create_key(config, args.tenant.strip())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
