"""What a running app holds: its config and its open store, reached from any request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from burt.engine import Burt
from burt.engine.store.base import Store
from burt.service.access import KeyCache
from burt.service.config import Config

STATE_KEY = "burt"


@dataclass(frozen=True)
class Runtime:
    config: Config
    store: Store
    keys: KeyCache = field(default_factory=KeyCache)


def runtime_of(connection: HTTPConnection) -> Runtime:
    """The Runtime the app's lifespan put into the request state."""
    runtime: Runtime = connection.scope["state"][STATE_KEY]
    return runtime


def engine_for(connection: HTTPConnection, tenant: str) -> Burt:
    return Burt(runtime_of(connection).store, tenant=tenant)
