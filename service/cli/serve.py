"""`burt serve`: the REST API on uvicorn. Each flag overrides the BURT_* variable of its name."""

from __future__ import annotations

import argparse
import asyncio

from burt.service.cli.main import EXIT_OK, Commands
from burt.service.cli.settings import STORE_FLAGS, Flag, add_flags, configure
from burt.service.config import Config

FLAGS = (
    Flag("--host", "BURT_HOST", "interface to listen on"),
    Flag("--port", "BURT_PORT", "port to listen on, 1 to 65535"),
    Flag("--workers", "BURT_WORKERS", "worker processes"),
    *STORE_FLAGS,
)


async def _open_store(config: Config) -> None:
    """Open the store once before the workers start: it is migrated to this burt's version
    here, or refused (IncompatibleStore) with a message instead of a failed start-up."""
    from burt.engine.store import store_from_config

    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    await store.open()
    await store.close()


def _serve(args: argparse.Namespace) -> int:
    config = configure(args, FLAGS)

    import uvicorn

    from burt.service.edge.logs import configure_logging
    from burt.service.edge.metrics import multiprocess_dir

    # This process's lines (uvicorn's supervisor, with several workers) in BURT_LOG_FORMAT
    # too: uvicorn is told not to install its own text logging (log_config=None).
    configure_logging(config.log_format, config.log_level)

    config.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_open_store(config))
    with multiprocess_dir(config.workers):
        uvicorn.run(
            "burt.service.asgi:app",
            host=config.host,
            port=config.port,
            workers=config.workers,
            log_level=config.log_level,
            log_config=None,
        )
    return EXIT_OK


def register(cli: Commands) -> None:
    add_flags(cli.add("serve", help="serve the REST API", run=_serve), FLAGS)
