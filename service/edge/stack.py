"""connexion's middleware stack, with what two of its layers redo on every request done once.

The layers and their order are connexion's own (`ConnexionMiddleware.default_middlewares`);
two are replaced by subclasses that answer exactly as they do, cheaper:

- Swagger UI: connexion matches every request against the Swagger UI's routes (a router, a
  mount, a regex per route) before passing it on. Here a request whose path cannot be one of
  those routes (it starts with none of their literal prefixes) is passed on directly.
- Request validation: connexion builds a URI parser and a parameter validator for every
  request, from the operation's definitions. They hold nothing of a request, so here each
  operation builds its own once; the checks, their order and their answers are connexion's.

Profiled on an authenticated GET (cProfile, in-process): the two took about a fifth of the
connexion stack's own time.
"""

from __future__ import annotations

import logging
import typing as t

from connexion import utils
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("connexion.middleware.validation")


def literal_prefixes(routes: t.Iterable[BaseRoute], base: str = "") -> set[str]:
    """The literal start of every path the routes can match (up to a first `{`)."""
    prefixes: set[str] = set()
    for route in routes:
        path = base + str(getattr(route, "path", ""))
        literal = path.split("{", 1)[0]
        if isinstance(route, Mount) and route.routes and literal == path:
            prefixes |= literal_prefixes(route.routes, path)
        else:
            prefixes.add(literal)
    return prefixes


class SwaggerUIOnItsPaths(SwaggerUIMiddleware):  # type: ignore[misc]  # connexion ships no types
    """Swagger UI; requests that cannot be for it skip its router."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._prefixes: tuple[str, ...] = ()

    def add_api(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().add_api(*args, **kwargs)
        self._prefixes = tuple(sorted(literal_prefixes(self.router.routes)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self._prefixes):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class CompiledRequestValidation(RequestValidationOperation):  # type: ignore[misc]
    """connexion's request validation of one operation, its parameter validator built once."""

    def __init__(self, next_app: ASGIApp, **kwargs: t.Any) -> None:
        super().__init__(next_app, **kwargs)
        operation = self._operation
        uri_parser = operation._uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameter_validator.validate(scope)
        await self._validate_body(scope, receive, send)

    async def _validate_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The rest of connexion's `RequestValidationOperation.__call__`, as it is there."""
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        operation = self._operation
        schema = operation.body_schema(mime_type)
        if schema:
            try:
                body_validator = self._validator_map["body"][mime_type]
            except KeyError:
                log.info("Skipping validation. No validator registered for %s.", mime_type)
            else:
                validator = body_validator(
                    schema=schema,
                    required=operation.request_body.get("required", False),
                    nullable=utils.is_nullable(operation.body_definition(mime_type)),
                    encoding=encoding,
                    strict_validation=self.strict_validation,
                    uri_parser=operation.uri_parser_class(
                        operation.parameters, operation.body_definition()
                    ),
                )
                receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class CompiledRequestValidationAPI(RequestValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> CompiledRequestValidation:
        return CompiledRequestValidation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class CompiledRequestValidationMiddleware(RequestValidationMiddleware):  # type: ignore[misc]
    api_cls = CompiledRequestValidationAPI


_REPLACED: dict[type, type] = {
    SwaggerUIMiddleware: SwaggerUIOnItsPaths,
    RequestValidationMiddleware: CompiledRequestValidationMiddleware,
}


def middlewares() -> list[type]:
    """connexion's default stack, in its order, with the two layers above replaced (a new list:
    connexion inserts an app's added middleware into the one it is given)."""
    return [_REPLACED.get(m, m) for m in ConnexionMiddleware.default_middlewares]
