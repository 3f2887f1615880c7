"""The app inside connexion's middleware: it calls the handler of the operation connexion routed
the request to.

connexion's middleware does everything that makes the service spec-driven before this runs:
routing by the spec's paths (its routing context names the operation), authentication, and
parameter and body validation. What is left is binding a handler's arguments, done here from
the same spec, once per operation: path and query parameters (typed and defaulted as the spec
says) by their pythonic names, and `user` from connexion's security context. Handlers read
their body with `validation.validated_body` and their headers from `connexion.request`, and
return a Starlette Response.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from connexion.context import context
from connexion.decorators.parameter import pythonic
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from burt.service.contract import SpecOperation, operation_of, operations

Handler = Callable[..., Awaitable[Response]]
_CASTS: dict[str, Callable[[str], Any]] = {"integer": int, "number": float, "string": str}


@dataclass(frozen=True)
class QueryParameter:
    name: str
    argument: str
    cast: Callable[[str], Any]
    default: Any


class BoundOperation:
    """One operation's handler, and how to bind its arguments from a request."""

    def __init__(self, operation: SpecOperation, handler: Handler) -> None:
        self.handler = handler
        accepted = set(inspect.signature(handler).parameters)
        self.takes_user = "user" in accepted
        self.path: list[tuple[str, str]] = []
        self.query: list[QueryParameter] = []
        for parameter in operation.parameters:
            argument = pythonic(parameter["name"])
            if parameter["in"] not in ("path", "query") or argument not in accepted:
                continue  # headers are read by the handlers themselves
            kind = parameter.get("schema", {}).get("type", "string")
            if kind not in _CASTS:
                raise ValueError(
                    f"{operation.operation_id}: parameter {parameter['name']!r} of type"
                    f" {kind!r} cannot be bound"
                )
            if parameter["in"] == "path":
                self.path.append((parameter["name"], argument))
            else:
                default = parameter.get("schema", {}).get("default")
                self.query.append(
                    QueryParameter(parameter["name"], argument, _CASTS[kind], default)
                )

    def arguments(self, scope: Scope) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.takes_user:
            kwargs["user"] = context["user"]
        path_params = scope["path_params"]
        for name, argument in self.path:
            kwargs[argument] = path_params[name.replace("-", "_")]  # as connexion names them
        if self.query:
            given = QueryParams(scope["query_string"])
            for q in self.query:
                raw = given.get(q.name)
                if raw is not None:
                    kwargs[q.argument] = q.cast(raw)
                elif q.default is not None:
                    kwargs[q.argument] = q.default
        return kwargs


class Operations:
    """The ASGI app of every spec operation, by operationId."""

    def __init__(self, resolve: Callable[[str], Handler]) -> None:
        self.bound = {
            operation_id: BoundOperation(operation, resolve(operation_id))
            for operation_id, operation in operations().items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = operation_of(scope)
        if operation_id is None:
            raise HTTPException(status_code=404)
        operation = self.bound[operation_id]
        response = await operation.handler(**operation.arguments(scope))
        await response(scope, receive, send)
