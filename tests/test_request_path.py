"""The request path's shortcuts answer as the general way would (issue 13).

Each shortcut does once, or more cheaply, what connexion or a plain route scan would do on every
request; these tests hold each to the answers of that general way.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import string
from typing import Any

import pytest
from connexion.middleware.request_validation import RequestValidationOperation
from jsonschema import Draft4Validator

from burt.service import gate
from burt.service.app import create_app
from burt.service.config import Config
from burt.service.contract import spec
from burt.service.stack import SwaggerUIOnItsPaths, literal_prefixes
from burt.service.validation import SpecParameterValidator, _quick_check


def _route_by_scanning(method: str, path: str) -> gate.Route | None:
    """The plain lookup: each path's regex in the spec's order."""
    for pattern, by_method in gate.routes():
        if pattern.fullmatch(path):
            return by_method.get(method)
    return None


def test_every_path_parameter_has_a_quick_check() -> None:
    named = spec()["components"]["parameters"].values()
    assert all(_quick_check(p["schema"]) for p in named if p["in"] == "path")


def test_the_gate_finds_the_route_one_by_one_scanning_would() -> None:
    concrete = [p.pattern.replace("[^/]+", "x1").replace("\\", "") for p, _ in gate.routes()]
    odd = ["", "/", "/campaigns/", "/campaigns/a/b/c/d", "/nope", "/campaigns/x/", "//"]
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    for method, path in itertools.product(methods, concrete + odd):
        assert gate.route_of(method, path) == _route_by_scanning(method, path), (method, path)
    assert gate.route_of("GET", "/campaigns/x1") is not None


def _parameter_schemas() -> list[dict[str, Any]]:
    contract = spec()
    named = contract["components"].get("parameters", {})
    schemas = [p["schema"] for p in named.values()]
    for item in contract["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                schemas += [p["schema"] for p in operation.get("parameters", []) if "schema" in p]
    return schemas


VALUES: list[Any] = [
    *("", "a", "x" * 64, "x" * 65, "x" * 200, "x" * 201, "é", "a b", "\x00", "\t", "5"),
    *(0, 1, 50, 500, 501, -3, True, False, 1.0, 2.5, None),
    *("".join(string.printable[(i * 7 + j) % 100] for j in range(i % 80)) for i in range(300)),
]


@pytest.mark.parametrize("schema", _parameter_schemas(), ids=str)
def test_the_quick_check_passes_only_what_the_schema_validator_passes(
    schema: dict[str, Any],
) -> None:
    check = _quick_check(schema)
    if check is None:  # e.g. a date-time: the validator alone decides
        assert set(schema) - {"type", "minLength", "maxLength", "pattern", "example"}
        return
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    for value in VALUES:
        assert check(value) == validator.is_valid(value), (schema, value)


def test_a_schema_beyond_the_quick_check_goes_to_the_validator() -> None:
    assert _quick_check({"type": "string", "format": "date-time"}) is None
    assert _quick_check({"type": "integer", "minimum": 1, "exclusiveMinimum": True}) is None
    assert _quick_check({"type": "array", "items": {"type": "string"}}) is None


def test_parameter_errors_are_the_validators_messages() -> None:
    validator = SpecParameterValidator([], uri_parser=None)
    definition = {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}}
    assert validator.validate_parameter("query", 7, definition) is None
    message = validator.validate_parameter("query", 501, definition)
    assert message is not None and message.startswith("501 is greater than the maximum of 500")
    required = {"name": "cursor", "in": "query", "required": True, "schema": {"type": "string"}}
    assert validator.validate_parameter("query", None, required) == (
        "Missing query parameter 'cursor'"
    )


def test_swagger_ui_keeps_every_path_its_router_can_match(tmp_path: Any) -> None:
    app = create_app(Config(data_dir=tmp_path))
    _, layers = app.middleware._build_middleware_stack()
    (layer,) = [m for m in layers if isinstance(m, SwaggerUIOnItsPaths)]
    prefixes = literal_prefixes(layer.router.routes)
    assert {"/openapi.json", "/ui"} <= prefixes
    assert not any(p == "" or "{" in p for p in prefixes)
    for path in ("/ui/", "/ui/index.html", "/ui/swagger-ui.css", "/openapi.json"):
        assert path.startswith(layer._prefixes), path
    assert not "/campaigns/x1".startswith(layer._prefixes)


def test_the_mirrored_validation_step_is_connexions_current_one() -> None:
    """service.stack repeats the body half of connexion's `RequestValidationOperation.__call__`;
    when connexion changes that method, read it again and bring the copy in line."""
    source = inspect.getsource(RequestValidationOperation.__call__)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "af472716211911b9"
