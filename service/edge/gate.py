"""The request gate: what the headers alone condemn is refused before the body is read.

A request's body can be large and slow, and connexion authenticates only after it has buffered
one, so an anonymous client could make the server hold up to the body limit per connection.
This pure ASGI middleware sits in front of every body reader and, from the route table the spec
defines (read once per process):

- refuses a bearer-secured operation without a usable key (401) or with a read-only key on an
  operation whose `x-burt-scope` is `write` (403), reading nothing of the body and closing the
  connection; operations the spec leaves open (`security: []`, e.g. probes and webhook
  receivers) pass;
- refuses a header the operation takes once (its header parameters, `Authorization`,
  `Content-Type`) sent several times (400), and a body operation without `Content-Type` (415);
- lower-cases the media type (RFC 9110: it is case-insensitive), so `APPLICATION/JSON` is
  validated like `application/json`;
- hands a request no spec operation matches (404, 405) a channel with an empty body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.problem import problem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from burt.engine.apikeys import ApiKey
from burt.engine.errors import StoreUnavailable
from burt.service.contract import spec
from burt.service.edge.limits import send_response
from burt.service.runtime import STATE_KEY, Runtime

log = logging.getLogger("burt")
HOW_TO_GET_A_KEY = (
    "make one with `burt keys create --tenant NAME` and send it as `Authorization: Bearer KEY`"
)
MISSING_KEY = f"no bearer API key given: {HOW_TO_GET_A_KEY}"
UNUSABLE_KEY = f"the API key is unknown, revoked or expired: {HOW_TO_GET_A_KEY}"
CHALLENGE = 'Bearer realm="burt"'
_BEARER = re.compile(rb"[Bb][Ee][Aa][Rr][Ee][Rr] +([\x21-\x7e]+) *")
_METHODS = ("get", "put", "post", "delete", "patch")
ADMITTED_KEY = "burt_admitted_key"
"""Scope extension: (token, ApiKey) of the key the gate admitted, for `security.bearer_info`."""
_BODY_HEADERS = (b"content-length", b"transfer-encoding")


@dataclass(frozen=True)
class Route:
    """What the gate needs to know of one operation."""

    operation_id: str
    scope: str | None
    """`read` or `write` (the operation's `x-burt-scope`) when it needs a bearer key, else None."""
    has_body: bool
    single_headers: dict[bytes, str]
    """The headers it takes one value of: lower-case name -> name as the spec spells it."""


def operation_route(
    operation: dict[str, Any], path_item: dict[str, Any], contract: dict[str, Any]
) -> Route:
    """The gate's view of one spec operation (security defaults to the spec's global one)."""
    requirements = operation.get("security", contract.get("security", []))
    secured = any("bearerAuth" in requirement for requirement in requirements)
    parameters = [*path_item.get("parameters", []), *operation.get("parameters", [])]
    names = [p["name"] for p in parameters if p.get("in") == "header"]
    has_body = "requestBody" in operation
    names += ["Authorization"] if secured else []
    names += ["Content-Type"] if has_body else []
    return Route(
        operation_id=operation["operationId"],
        scope=operation.get("x-burt-scope", "write") if secured else None,
        has_body=has_body,
        single_headers={name.lower().encode(): name for name in names},
    )


@cache
def routes() -> tuple[tuple[re.Pattern[str], dict[str, Route]], ...]:
    """Every spec path as a regex, with its operations by HTTP method (HEAD as GET)."""
    contract = spec()
    table = []
    for path, item in contract["paths"].items():
        segments = ("[^/]+" if s.startswith("{") else re.escape(s) for s in path.split("/"))
        by_method = {
            method.upper(): operation_route(item[method], item, contract)
            for method in _METHODS
            if method in item
        }
        if "GET" in by_method:
            by_method["HEAD"] = by_method["GET"]
        table.append((re.compile("/".join(segments)), by_method))
    return tuple(table)


@cache
def _any_route() -> re.Pattern[str]:
    """One regex of every path, each its own group (`p<index in routes()>`): the first path
    that matches whole, in the spec's order, as trying them one by one would find, in one
    call."""
    return re.compile("|".join(f"(?P<p{i}>{p.pattern})" for i, (p, _) in enumerate(routes())))


def route_of(method: str, path: str) -> Route | None:
    match = _any_route().fullmatch(path)
    if match is None or match.lastgroup is None:
        return None
    return routes()[int(match.lastgroup[1:])][1].get(method)


def route_path(scope: Scope) -> str:
    """The path the app's routes match: behind a proxy (uvicorn's `--root-path`) the scope's
    path starts with the root path, which the router leaves out."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
        if rest == "" or rest.startswith("/"):
            return rest
    return path


def _no_body(receive: Receive) -> Receive:
    """A channel whose body is empty; after it, the client's own messages (a disconnect).

    Answering every later call with an empty body too would spin a streaming response's
    disconnect listener without ever yielding: the whole server stopped (Swagger UI's assets).
    """
    sent = False

    async def channel() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    return channel


class RequestGate:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_of(scope["method"], route_path(scope))
        if route is None:
            await self.app(scope, _no_body(receive), send)
            return
        # Name the operation where connexion's routing will (request logs and metrics read it
        # there), so that a request the gate refuses is counted under its operation too.
        routing = scope.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {})
        routing["operation_id"] = route.operation_id
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if route.scope is not None and not await self._authorized(scope, route, headers, send):
            return
        repeated = _repeated(headers, route.single_headers)
        if repeated is not None:
            detail = f"the {repeated} header is sent more than once; it takes one value"
            await _refuse(send, 400, "Bad Request", detail, scope["path"], _closing(headers))
            return
        if route.has_body:
            normalized = _normalized_media_type(headers)
            if normalized is None:
                detail = "a request body needs a Content-Type header (application/json)"
                await _refuse(
                    send, 415, "Unsupported Media Type", detail, scope["path"], _closing(headers)
                )
                return
            if normalized is not headers:
                scope = {**scope, "headers": normalized}
        await self.app(scope, receive, send)

    async def _authorized(
        self, scope: Scope, route: Route, headers: list[tuple[bytes, bytes]], send: Send
    ) -> bool:
        """Whether the request's key may call the route; else the refusal is sent."""
        values = [v for k, v in headers if k == b"authorization"]
        match = _BEARER.fullmatch(values[0]) if len(values) == 1 else None
        try:
            key = None if match is None else await _key(scope, match.group(1).decode())
        except StoreUnavailable as exc:  # this runs outside connexion's error handlers
            log.warning("store unavailable: %s", exc.detail)
            await _refuse(send, 503, "Service Unavailable", exc.detail, scope["path"], {})
            return False
        if key is None:
            refusal = (401, "Unauthorized", MISSING_KEY if not values else UNUSABLE_KEY)
            challenge = CHALLENGE if not values else CHALLENGE + ', error="invalid_token"'
        elif route.scope == "write" and key.scope != "write":
            detail = f"this API key is read-only; {route.operation_id} needs a key with write scope"
            refusal = (403, "Forbidden", detail)
            challenge = CHALLENGE + ', error="insufficient_scope", scope="write"'
        else:
            return True
        headers_out = {"WWW-Authenticate": challenge, **_closing(headers)}
        await _refuse(send, *refusal, scope["path"], headers_out)
        return False


async def _key(scope: Scope, token: str) -> ApiKey | None:
    runtime: Runtime = scope["state"][STATE_KEY]
    key = await runtime.keys.key_for(runtime.store, token)
    if key is not None:
        scope["extensions"][ADMITTED_KEY] = (token, key)
    return key


def _repeated(headers: Iterable[tuple[bytes, bytes]], single: dict[bytes, str]) -> str | None:
    seen: set[bytes] = set()
    for name, _ in headers:
        if name in single:
            if name in seen:
                return single[name]
            seen.add(name)
    return None


def _normalized_media_type(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]] | None:
    """The headers with the media type lower-cased (the same list when it already is), or None
    when there is no Content-Type."""
    for index, (name, value) in enumerate(headers):
        if name == b"content-type":
            media_type, separator, parameters = value.partition(b";")
            lowered = media_type.strip().lower()
            if lowered == media_type:
                return headers
            normalized = list(headers)
            normalized[index] = (name, lowered + separator + parameters)
            return normalized
    return None


def _closing(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """`Connection: close` when a body may follow: the refused body is never read, so the
    connection cannot carry another request."""
    has_body = any(name in _BODY_HEADERS and value != b"0" for name, value in headers)
    return {"Connection": "close"} if has_body else {}


async def _refuse(
    send: Send, status: int, title: str, detail: str, instance: str, headers: dict[str, str]
) -> None:
    await send_response(send, problem(status, title, detail, instance=instance, headers=headers))
