"""The service: connexion's middleware around the operations app; the spec is the one router.

A request passes, outermost first: the edge (request id, logs and metrics; CORS; the docs
portal, which holds connexion's Swagger UI so that API requests skip its router), connexion's
error handling and routing by the spec, the receiver gate (a webhook delivery's receiver
found, or 404), connexion's security (`BearerKeys`, `PostmarkBasic`), the header gate, the
body limit (the webhook receivers' own, smaller), connexion's validation (the spec-derived
validators of `api.validation`), then `api.operations`, which calls the handler of the routed
operationId.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from connexion import ConnexionMiddleware
from connexion.decorators.parameter import pythonic
from connexion.middleware import MiddlewarePosition
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver

from burt.engine.apikeys import ApiKeys
from burt.engine.store import store_from_config
from burt.engine.store.base import Store
from burt.engine.webhooks import Receivers
from burt.service import problems
from burt.service.api import handlers
from burt.service.api.operations import Handler, Operations
from burt.service.api.validation import SpecBodyValidator, SpecParameterValidator
from burt.service.auth.basic import PostmarkBasic
from burt.service.auth.bearer import BearerKeys
from burt.service.auth.keys import KeyCache
from burt.service.auth.ratelimit import RateLimiter
from burt.service.config import Config
from burt.service.contract import SPEC_PATH
from burt.service.edge import install as edge
from burt.service.edge.gate import HeaderGate
from burt.service.edge.limits import BodySizeLimit
from burt.service.edge.metrics import MeteredStore
from burt.service.runtime import STATE_KEY, Runtime
from burt.service.webhooks.gate import ReceiverGate, receiving_operations

SECURITY_MAP = {"bearer": BearerKeys, "basic": PostmarkBasic}
"""The handlers of the spec's security schemes (connexion's `security_map`)."""


def resolve_handler(operation_id: str) -> Handler:
    """`createExperimentBatch` -> `handlers.create_experiment_batch`."""
    handler: Handler = getattr(handlers, pythonic(operation_id))
    return handler


def create_app(config: Config | None = None, store: Store | None = None) -> ConnexionMiddleware:
    """The burt app. `store` overrides the configured one (it is opened and closed with the app)."""
    config = config or Config.from_env()

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Runtime]]:
        active = store or store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
        await active.open()
        try:
            served = MeteredStore(active) if config.metrics else active
            keys = KeyCache(ApiKeys(served), max_age=config.key_cache_seconds)
            limiter = RateLimiter(config.rate_limit, config.rate_burst)
            runtime = Runtime(config, served, keys, Receivers(served), limiter)
            yield {STATE_KEY: runtime}
        finally:
            await active.close()

    app = ConnexionMiddleware(
        Operations(resolve_handler),
        import_name=__name__,
        lifespan=lifespan,
        middlewares=[
            m for m in ConnexionMiddleware.default_middlewares if m is not SwaggerUIMiddleware
        ],
    )
    problems.install(app)
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
    edge.install(app, config)
    app.add_middleware(ReceiverGate, position=MiddlewarePosition.BEFORE_SECURITY)
    app.add_middleware(HeaderGate, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(
        BodySizeLimit,
        position=MiddlewarePosition.BEFORE_VALIDATION,
        max_bytes=config.max_body_bytes,
        read_timeout=config.body_read_timeout,
        operation_limits=dict.fromkeys(receiving_operations(), config.webhook_max_body_bytes),
    )
    return app
