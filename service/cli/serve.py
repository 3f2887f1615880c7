"""`burt serve`: the REST API on uvicorn. Each flag overrides the BURT_* variable of its name."""

from __future__ import annotations

import argparse
import asyncio
import os

from burt.service.cli.main import Commands
from burt.service.config import Config

# flag -> (variable, help). A flag wins over its variable, which wins over the default; the
# value is put into the environment so that every uvicorn worker process reads the same.
FLAGS: dict[str, tuple[str, str]] = {
    "--host": ("BURT_HOST", "interface to listen on"),
    "--port": ("BURT_PORT", "port to listen on"),
    "--workers": ("BURT_WORKERS", "worker processes"),
    "--data-dir": ("BURT_DATA_DIR", "folder of the SQLite store"),
}


async def _open_store(config: Config) -> None:
    """Open the store once before the workers start: it is migrated to this burt's version
    here, or refused (IncompatibleStore) with a message instead of a failed start-up."""
    from burt.engine.store import store_from_config

    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    await store.open()
    await store.close()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from burt.service.edge.metrics import multiprocess_dir

    for flag, (variable, _help) in FLAGS.items():
        value = getattr(args, flag.removeprefix("--").replace("-", "_"))
        if value is not None:
            os.environ[variable] = value
    config = Config.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_open_store(config))
    with multiprocess_dir(config.workers):
        uvicorn.run(
            "burt.service.asgi:app",
            host=config.host,
            port=config.port,
            workers=config.workers,
            log_level=config.log_level,
        )
    return 0


def register(cli: Commands) -> None:
    serve = cli.add("serve", help="serve the REST API", run=_serve)
    defaults = Config()
    for flag, (variable, text) in FLAGS.items():
        default = getattr(defaults, variable.removeprefix("BURT_").lower())
        serve.add_argument(
            flag, metavar=variable, help=f"{text} (default: ${variable} or {default})"
        )
