"""The middleware around the contract, outermost first: observe (request id, log line,
metrics), CORS when origins are configured, then the docs portal and `/metrics`."""

from __future__ import annotations

from connexion import ConnexionMiddleware
from connexion.middleware import MiddlewarePosition
from starlette.middleware.cors import CORSMiddleware

from burt.service.config import Config
from burt.service.edge.docs_portal import DocsPortal, cors_options
from burt.service.edge.metrics import MetricsEndpoint
from burt.service.edge.observe import ObserveRequests


def install(app: ConnexionMiddleware, config: Config) -> None:
    """Call before any other `BEFORE_EXCEPTION` middleware: the first added is outermost."""
    outside = MiddlewarePosition.BEFORE_EXCEPTION
    app.add_middleware(ObserveRequests, position=outside, count=config.metrics)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, position=outside, **cors_options(config.cors_origins))
    extra = {"/metrics": MetricsEndpoint(config.metrics_token)} if config.metrics else {}
    app.add_middleware(DocsPortal, position=outside, extra=extra)
