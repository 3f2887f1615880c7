"""The connexion AsyncApp: the spec is the router, handlers are resolved from operationIds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver

from burt.engine.store import store_from_config
from burt.engine.store.base import Store
from burt.service import problems
from burt.service.api import handlers
from burt.service.api.dispatch import dispatch_directly
from burt.service.api.validation import SpecBodyValidator, SpecParameterValidator
from burt.service.auth.bearer import SECURITY_MAP
from burt.service.auth.keys_cache import KeyCache
from burt.service.config import Config
from burt.service.contract import SPEC_PATH
from burt.service.edge import install as edge
from burt.service.edge.gate import RequestGate
from burt.service.edge.limits import BodySizeLimit
from burt.service.edge.metrics import MeteredStore
from burt.service.edge.stack import middlewares
from burt.service.runtime import STATE_KEY, Runtime


def handler_name(operation_id: str) -> str:
    """`createExperimentBatch` -> `create_experiment_batch`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def resolve_handler(operation_id: str) -> Any:
    return getattr(handlers, handler_name(operation_id))


def create_app(config: Config | None = None, store: Store | None = None) -> AsyncApp:
    """The burt app. `store` overrides the configured one (it is opened and closed with the app)."""
    config = config or Config.from_env()

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Runtime]]:
        active = store or store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
        await active.open()
        try:
            served = MeteredStore(active) if config.metrics else active
            keys = KeyCache(max_age=config.key_cache_seconds)
            yield {STATE_KEY: Runtime(config=config, store=served, keys=keys)}
        finally:
            await active.close()

    app = AsyncApp(__name__, lifespan=lifespan, middlewares=middlewares())
    problems.install(app)
    dispatch_directly(app)
    app.add_api(
        SPEC_PATH,
        resolver=Resolver(function_resolver=resolve_handler),
        pythonic_params=True,
        validator_map={
            "body": {"application/json": SpecBodyValidator},
            "parameter": SpecParameterValidator,
        },
        security_map=SECURITY_MAP,
    )
    edge.install(app, config)  # first: its middleware wraps everything below
    # Then, in this order: the gate refuses from the headers before anything reads a body.
    app.add_middleware(RequestGate, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(
        BodySizeLimit,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_bytes=config.max_body_bytes,
        read_timeout=config.body_read_timeout,
    )
    return app
