"""The contract, `openapi.yaml`, as the service reads it: its path and its content."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from connexion.middleware.abstract import ROUTING_CONTEXT
from starlette.types import Scope

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    """The contract as plain data, read once per process (callers must not mutate it)."""
    contract: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return contract


HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the contract, with what its path item adds to it."""

    operation_id: str
    method: str
    """Upper case: `GET`."""
    path: str
    """The spec's path template: `/campaigns/{campaignId}`."""
    definition: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    """The path item's and the operation's parameters, `$ref`s resolved."""

    def get(self, key: str, default: Any = None) -> Any:
        return self.definition.get(key, default)


def _resolved(parameter: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    name = ref.removeprefix("#/components/parameters/")
    resolved: dict[str, Any] = contract["components"]["parameters"][name]
    return resolved


@cache
def operations() -> dict[str, SpecOperation]:
    """operationId -> the operation, in the spec's order."""
    contract = spec()
    found: dict[str, SpecOperation] = {}
    for path, item in contract["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            definition = item[method]
            parameters = [*shared, *definition.get("parameters", [])]
            found[definition["operationId"]] = SpecOperation(
                operation_id=definition["operationId"],
                method=method.upper(),
                path=path,
                definition=definition,
                parameters=tuple(_resolved(p, contract) for p in parameters),
            )
    return found


def operation_of(scope: Scope) -> str | None:
    """The operationId connexion routed a request to, or None (no operation matched)."""
    if scope["type"] != "http":
        return None
    routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing.get("operation_id")


def route_path(scope: Scope) -> str:
    """The path the app's routes match: behind a proxy (uvicorn's `--root-path`) the scope's
    path starts with the root path, which routing leaves out."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    rest = path.removeprefix(root_path) if root_path else path
    return rest if rest != path and rest.startswith("/") else path
