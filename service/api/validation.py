"""Request-body validation derived from the spec, compiled instead of interpreted.

connexion validates every body with a Draft 4 jsonschema validator built per request, which
interprets the schema for every value. The generated msgspec Structs in
`service.generated.models` come from the same `openapi.yaml` schemas (constraints included,
unknown fields forbidden) and decode and validate in one compiled pass (`make bench` times
outcome ingestion through it). This validator plugs them into connexion's validation
middleware, so validation stays spec-driven and still happens before any handler runs; the
decoded Struct is handed to the handler through the request scope.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass
from functools import cache

import msgspec
from connexion.exceptions import BadRequestProblem
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.utils import is_null, is_nullable
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope

from burt.service.contract import spec
from burt.service.generated import models

BODY_KEY = "burt_body"
RAW_BODY = "x-burt-raw-body"
"""Marks operations whose handler must see the exact bytes (a signature covers them): the
webhook receivers, which verify first and then parse the platform's payload themselves."""
_REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class BodyRule:
    """How one operation's JSON body is checked: its generated Struct, plus what msgspec
    cannot express (`minProperties`)."""

    decoder: msgspec.json.Decoder[msgspec.Struct]
    min_properties: int


@cache
def body_rules() -> dict[str, BodyRule]:
    """operationId -> the rule for its request body, read from the spec's `$ref`s."""
    contract = spec()
    rules: dict[str, BodyRule] = {}
    for path_item in contract["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            if operation.get(RAW_BODY):
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            name = ref.removeprefix(_REF_PREFIX)
            rules[operation["operationId"]] = BodyRule(
                decoder=msgspec.json.Decoder(getattr(models, name)),
                min_properties=contract["components"]["schemas"][name].get("minProperties", 0),
            )
    return rules


class SpecBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]  # untyped base
    """Decode and validate a JSON body into its generated Struct in one pass."""

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        operation_id = scope["extensions"][ROUTING_CONTEXT]["operation_id"]
        rule = body_rules().get(operation_id)
        if rule is None:  # a raw-body operation: the handler reads the replayed bytes
            return raw
        try:
            body = rule.decoder.decode(raw)
        except msgspec.ValidationError as exc:
            raise BadRequestProblem(detail=f"request body: {exc}") from None
        except msgspec.DecodeError as exc:
            raise BadRequestProblem(detail=f"request body is not valid JSON: {exc}") from None
        given = sum(v is not msgspec.UNSET for v in msgspec.structs.astuple(body))
        if given < rule.min_properties:
            raise BadRequestProblem(
                detail=f"request body needs at least {rule.min_properties} field(s)"
            )
        scope["extensions"][BODY_KEY] = body
        return body

    def _validate(self, body: t.Any) -> None:
        """Nothing left to check: decoding into the Struct enforced the schema."""


Body = t.TypeVar("Body", bound=msgspec.Struct)


def validated_body(scope: Scope, model: type[Body]) -> Body:
    """The `model` Struct the validator decoded for this request (a TypeError if the spec's
    body for the operation is another schema: a handler bug, not a client error)."""
    body = scope["extensions"][BODY_KEY]
    if not isinstance(body, model):
        raise TypeError(f"the request body is a {type(body).__name__}, not a {model.__name__}")
    return body


@cache
def _parameter_schema_validator(schema_json: str) -> Draft4Validator:
    return Draft4Validator(json.loads(schema_json), format_checker=Draft4Validator.FORMAT_CHECKER)


_ANNOTATIONS = {"description", "example", "examples", "default", "title"}


def _quick_check(schema: dict[str, t.Any]) -> t.Callable[[t.Any], bool] | None:
    """For the simple schemas parameters have (a string's length and pattern, an integer's
    bounds): a check that passes only values the Draft 4 validator passes, or None.

    A value it passes is valid; one it fails goes to the validator for its message."""
    keys = set(schema) - _ANNOTATIONS
    if schema.get("type") == "string" and keys <= {"type", "minLength", "maxLength", "pattern"}:
        shortest, longest = schema.get("minLength", 0), schema.get("maxLength")
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
        return lambda value: (
            isinstance(value, str)
            and shortest <= len(value)
            and (longest is None or len(value) <= longest)
            and (pattern is None or pattern.search(value) is not None)  # as jsonschema's
        )
    if schema.get("type") == "integer" and keys <= {"type", "minimum", "maximum"}:
        least, most = schema.get("minimum"), schema.get("maximum")
        return lambda value: (
            type(value) is int
            and (least is None or value >= least)
            and (most is None or value <= most)
        )
    return None


@dataclass(frozen=True)
class ParameterRule:
    definition: dict[str, t.Any]
    """connexion's parameter definition (held, so that its id stays its own)."""
    validator: Draft4Validator
    quick_check: t.Callable[[t.Any], bool] | None

    def error(self, value: t.Any) -> str | None:
        if self.quick_check is not None and self.quick_check(value):
            return None
        try:
            self.validator.validate(value)
        except ValidationError as exception:
            return str(exception)
        return None


_rules: dict[int, ParameterRule] = {}
"""id(parameter definition) -> its rule. connexion hands the same definition dicts (its
operation's) to every request."""


def _rule_for(param: dict[str, t.Any]) -> ParameterRule:
    rule = _rules.get(id(param))
    if rule is None or rule.definition is not param:
        schema = param.get("schema", param)
        validator = _parameter_schema_validator(json.dumps(schema, sort_keys=True))
        rule = ParameterRule(param, validator, _quick_check(schema))
        _rules[id(param)] = rule
    return rule


class SpecParameterValidator(ParameterValidator):  # type: ignore[misc]  # untyped base
    """connexion's parameter validation, with each parameter's schema compiled once.

    connexion deep-copies a parameter's definition and builds a Draft 4 validator for it on
    every request; the checks and the messages here are the same, the validator is built once
    per parameter definition (and shared by definitions with the same schema), and a value of
    a simple schema that passes a plain check (`_quick_check`) needs no validator at all.
    """

    def validate_parameter(
        self, parameter_type: str, value: t.Any, param: dict[str, t.Any], param_name: str = ""
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            return _rule_for(param).error(value)
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None
