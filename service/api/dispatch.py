"""The innermost app: call the handler of the operation connexion's middleware routed to.

connexion's own innermost app (`AsyncOperation`) rebuilds its whole decorator chain on every
request: it re-inspects the handler's signature, wraps it in parameter and response decorators,
builds a request object and parses a form even for a GET. Profiling an authenticated GET put
about a third of the service's per-request CPU there. Everything that makes the service
spec-driven happens before it, in connexion's middleware, and is unchanged: routing by the
spec's paths, bearer authentication (`x-bearerInfoFunc`), parameter and body validation.

What is left is binding arguments, done here from the same spec, once per operation: path
parameters and query parameters (typed and defaulted as the spec says) by their pythonic
names, and `user` from the security context. Handlers read their body with
`validation.validated_body` and their headers from `connexion.request`, and return a Starlette
Response.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi
from connexion.decorators.parameter import pythonic
from connexion.operations import AbstractOperation
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Handler = Callable[..., Awaitable[Response]]
_CASTS: dict[str, Callable[[str], Any]] = {"integer": int, "number": float, "string": str}


@dataclass(frozen=True)
class QueryParameter:
    name: str
    argument: str
    cast: Callable[[str], Any]
    default: Any


class HandlerOperation:
    """One operation: its handler, and how to bind the handler's arguments from a request."""

    def __init__(self, operation: AbstractOperation) -> None:
        self.operation_id = operation.operation_id
        self.handler: Handler = operation.function
        accepted = set(inspect.signature(self.handler).parameters)
        self.takes_user = "user" in accepted
        self.path: list[tuple[str, str]] = []
        self.query: list[QueryParameter] = []
        for parameter in operation.parameters:
            argument = pythonic(parameter["name"])
            schema = parameter.get("schema", {})
            if parameter["in"] not in ("path", "query") or argument not in accepted:
                continue  # headers are read by the handlers themselves
            if schema.get("type", "string") not in _CASTS:
                raise ValueError(
                    f"{self.operation_id}: parameter {parameter['name']!r} of type"
                    f" {schema.get('type')!r} is not supported by service.dispatch"
                )
            if parameter["in"] == "path":
                self.path.append((parameter["name"], argument))
            else:
                cast = _CASTS[schema.get("type", "string")]
                self.query.append(
                    QueryParameter(parameter["name"], argument, cast, schema.get("default"))
                )

    def arguments(self, scope: Scope) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.takes_user:
            kwargs["user"] = scope["extensions"]["connexion_context"]["user"]
        path_params = scope["path_params"]
        for name, argument in self.path:
            kwargs[argument] = path_params[
                name.replace("-", "_")
            ]  # as connexion's router names them
        if self.query:
            given = QueryParams(scope["query_string"])
            for q in self.query:
                raw = given.get(q.name)
                if raw is not None:
                    kwargs[q.argument] = q.cast(raw)
                elif q.default is not None:
                    kwargs[q.argument] = q.default
        return kwargs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(**self.arguments(scope))
        await response(scope, receive, send)


class HandlerApi(AsyncApi):  # type: ignore[misc]  # connexion ships no type information
    """connexion's API of the innermost app, with HandlerOperation as its operations."""

    def make_operation(self, operation: AbstractOperation) -> HandlerOperation:
        return HandlerOperation(operation)


def dispatch_directly(app: AsyncApp) -> None:
    """Make `app` call handlers through HandlerOperation (before `add_api`)."""
    app._middleware_app.api_cls = HandlerApi
