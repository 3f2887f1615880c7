"""Bare-Starlette yardsticks of the request path, served with the service's uvicorn settings.

`GET /campaigns/{campaignId}` runs the very same engine call, view and bearer-key check the
service runs (the handler's own functions, over the same Runtime the service's lifespan opens),
with none of connexion's spec-driven routing, security and validation middleware; `make bench`
compares the two under wrk.

`POST /campaigns/{campaignId}/events` is the floor of outcome ingestion over HTTP: it checks the
key, receives the body and decodes it into the spec's `EventLoad` as the service does, and
stores nothing. What any ingestion adds to the store's work, however lean, is at least this.

    uvicorn bench.twin:app   (settings from the same BURT_* variables as the service)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from burt.engine.apikeys import ApiKeys
from burt.engine.burt import store_ready
from burt.engine.errors import NotFound
from burt.engine.store import store_from_config
from burt.engine.webhooks import Receivers
from burt.service.api import handlers, views
from burt.service.auth import bearer as security
from burt.service.auth.keys import KeyCache
from burt.service.auth.ratelimit import RateLimiter
from burt.service.config import Config
from burt.service.generated import models
from burt.service.runtime import STATE_KEY, Runtime, engine_for, runtime_of


async def _tenant(request: Request) -> str | None:
    """The tenant of the request's bearer key, as the service's security handler finds it (and
    its rate-limit token taken)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    info = await security.bearer_info(token, request) if scheme.lower() == "bearer" else None
    if info is None:
        return None
    runtime_of(request).limiter.take(info["key_id"])
    return str(info["sub"])


async def get_campaign(request: Request) -> Response:
    tenant = await _tenant(request)
    if tenant is None:
        return Response(status_code=401)
    try:
        campaign = await engine_for(request, tenant).get_campaign(
            request.path_params["campaign_id"]
        )
    except NotFound:
        return Response(status_code=404)
    return handlers._json(views.campaign(campaign), headers={"ETag": handlers._etag(campaign)})


_EVENT_LOAD = msgspec.json.Decoder(models.EventLoad)


async def receive_events(request: Request) -> Response:
    if await _tenant(request) is None:
        return Response(status_code=401)
    events = _EVENT_LOAD.decode(await request.body()).events
    return handlers._json({"received": len(events)})


async def readyz(request: Request) -> Response:
    await store_ready(runtime_of(request).store)
    return Response(status_code=200)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Runtime]]:
    config = Config.from_env()
    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    await store.open()
    try:
        keys = KeyCache(ApiKeys(store), max_age=config.key_cache_seconds)
        limiter = RateLimiter(config.rate_limit, config.rate_burst)
        yield {STATE_KEY: Runtime(config, store, keys, Receivers(store), limiter)}
    finally:
        await store.close()


app = Starlette(
    routes=[
        Route("/campaigns/{campaign_id}", get_campaign),
        Route("/campaigns/{campaign_id}/events", receive_events, methods=["POST"]),
        Route("/readyz", readyz),
    ],
    lifespan=lifespan,
)
