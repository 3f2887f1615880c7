"""Request-body validation derived from the spec, compiled instead of interpreted.

connexion validates every body with a Draft 4 jsonschema validator built per request (~30k small
events/s here). The generated msgspec Structs in `service.generated.models` come from the same
`openapi.yaml` schemas (constraints included, unknown fields forbidden) and decode + validate in
one pass more than ten times faster. This validator plugs them into connexion's validation
middleware, so validation stays spec-driven and still happens before any handler runs; the
decoded Struct is handed to the handler through the request scope.
"""

from __future__ import annotations

import typing as t
from functools import cache

import msgspec
import yaml
from connexion.exceptions import BadRequestProblem
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.validators import AbstractRequestBodyValidator
from starlette.types import Scope

from service.config import SPEC_PATH
from service.generated import models

BODY_KEY = "burt_body"
_REF_PREFIX = "#/components/schemas/"


@cache
def body_decoders() -> dict[str, msgspec.json.Decoder]:
    """operationId -> decoder of its JSON request body, read from the spec's `$ref`s."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    decoders: dict[str, msgspec.json.Decoder] = {}
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            model = getattr(models, ref.removeprefix(_REF_PREFIX))
            decoders[operation["operationId"]] = msgspec.json.Decoder(model)
    return decoders


@cache
def body_min_properties() -> dict[str, int]:
    """operationId -> the `minProperties` of its body schema, which msgspec cannot enforce."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    minimums: dict[str, int] = {}
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = spec["components"]["schemas"][ref.removeprefix(_REF_PREFIX)]
            if "minProperties" in schema:
                minimums[operation["operationId"]] = schema["minProperties"]
    return minimums


class SpecBodyValidator(AbstractRequestBodyValidator):
    """Decode and validate a JSON body into its generated Struct in one pass."""

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        operation_id = scope["extensions"][ROUTING_CONTEXT]["operation_id"]
        try:
            body = body_decoders()[operation_id].decode(raw)
        except msgspec.ValidationError as exc:
            raise BadRequestProblem(detail=f"request body: {exc}") from None
        except msgspec.DecodeError as exc:
            raise BadRequestProblem(detail=f"request body is not valid JSON: {exc}") from None
        minimum = body_min_properties().get(operation_id, 0)
        if sum(v is not msgspec.UNSET for v in msgspec.structs.astuple(body)) < minimum:
            raise BadRequestProblem(detail=f"request body needs at least {minimum} field(s)")
        scope["extensions"][BODY_KEY] = body
        return body

    def _validate(self, body: t.Any) -> None:
        """Nothing left to check: decoding into the Struct enforced the schema."""


def validated_body(scope: Scope) -> t.Any:
    """The Struct the validator decoded for this request."""
    return scope["extensions"][BODY_KEY]
