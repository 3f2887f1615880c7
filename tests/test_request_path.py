"""The request path: its compiled parameter checks answer as the schema validator would, it
uses its frameworks through their public API only, and it reaches the store only through the
engine."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from burt.service.api.validation import SpecParameterValidator, _quick_check
from burt.service.contract import spec


def test_every_path_parameter_has_a_quick_check() -> None:
    named = spec()["components"]["parameters"].values()
    assert all(_quick_check(p["schema"]) for p in named if p["in"] == "path")


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


FRAMEWORK_PRIVATE = re.compile(r"(starlette|connexion)(\.\w+)*\._|\._middleware_app")


def test_the_service_uses_its_frameworks_through_their_public_api() -> None:
    """No `_`-module or `_`-attribute of connexion or starlette (they change without notice)."""
    root = Path(__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("service", "engine", "burt")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FRAMEWORK_PRIVATE.search(line)
    ]
    assert found == []


def test_the_service_reaches_the_store_only_through_the_engine() -> None:
    """Handlers, key checks and receivers call the engine (`Burt`, `ApiKeys`, `Receivers`),
    which sees every read and write; the service only opens and closes the store."""
    root = Path(__file__).resolve().parents[1]
    store_call = re.compile(r"\bstore\.(?!open|close|exists|location)\w+\(")
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted((root / "service").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if store_call.search(line)
    ]
    assert found == []
