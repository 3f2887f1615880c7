"""The bare-Starlette twin of `GET /campaigns/{campaignId}`, the yardstick of the request path.

It runs the very same engine call, view and bearer-key check the service runs (the handler's
own functions, over the same Runtime the service's lifespan opens), with none of connexion's
spec-driven routing, security and validation middleware. `make bench` serves it with the same
uvicorn settings as the service and compares the two under wrk.

    uvicorn bench.twin:app   (settings from the same BURT_* variables as the service)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from burt.engine.errors import NotFound
from burt.engine.store import store_from_config
from burt.service import handlers, security, views
from burt.service.config import Config
from burt.service.runtime import STATE_KEY, Runtime, engine_for, runtime_of


async def get_campaign(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    info = await security.bearer_info(token, request) if scheme.lower() == "bearer" else None
    if info is None:
        return Response(status_code=401)
    try:
        campaign = await engine_for(request, info["sub"]).get_campaign(
            request.path_params["campaign_id"]
        )
    except NotFound:
        return Response(status_code=404)
    return handlers._json(views.campaign(campaign), headers={"ETag": handlers._etag(campaign)})


async def readyz(request: Request) -> Response:
    await runtime_of(request).store.ping()
    return Response(status_code=200)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Runtime]]:
    config = Config.from_env()
    store = store_from_config(config.data_dir, config.mongodb_uri, config.mongodb_db)
    await store.open()
    try:
        yield {STATE_KEY: Runtime(config=config, store=store)}
    finally:
        await store.close()


app = Starlette(
    routes=[Route("/campaigns/{campaign_id}", get_campaign), Route("/readyz", readyz)],
    lifespan=lifespan,
)
