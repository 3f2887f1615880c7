"""What a running app holds: its config and the engine over its open store, reached from any
request."""

from __future__ import annotations

from dataclasses import dataclass

from connexion import request as current_request
from connexion.context import scope as current_scope
from starlette.requests import HTTPConnection

from burt.engine import Burt
from burt.engine.store.base import Store
from burt.engine.webhooks import Receivers
from burt.service.auth.keys import KeyCache
from burt.service.auth.ratelimit import RateLimiter
from burt.service.config import Config

STATE_KEY = "burt"


@dataclass(frozen=True)
class Runtime:
    config: Config
    store: Store
    """Handed to the engine only: every read and write goes through `Burt`, `keys` or
    `receivers`."""
    keys: KeyCache
    receivers: Receivers
    limiter: RateLimiter
    """Per-key request rates, in this worker process."""

    def burt(self, tenant: str) -> Burt:
        return Burt(self.store, tenant=tenant)


def runtime_of(connection: HTTPConnection) -> Runtime:
    """The Runtime the app's lifespan put into the request state.

    Handlers pass connexion's `request` proxy, which builds a new request object on every
    attribute read; for it the scope is read from connexion's context directly."""
    scope = current_scope if connection is current_request else connection.scope
    runtime: Runtime = scope["state"][STATE_KEY]
    return runtime


def engine_for(connection: HTTPConnection, tenant: str) -> Burt:
    return runtime_of(connection).burt(tenant)
