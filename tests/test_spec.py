"""The contract itself: valid OpenAPI 3.0.3, documented, and wired to a handler per operation."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, get_args

import pytest
import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from burt.engine import model, policy, reports
from burt.engine.policy import PolicySettings
from burt.service.api.validation import body_rules
from burt.service.app import resolve_handler
from burt.service.contract import SPEC_PATH
from burt.service.edge.gate import header_rules

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_spec_is_valid_openapi_3_0_3() -> None:
    document, _ = read_from_filename(str(SPEC_PATH))
    assert document["openapi"] == "3.0.3"
    validate(document)


def test_every_operation_is_documented(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("summary"), f"{where} has no summary"
        assert op.get("description"), f"{where} has no description"
        assert "default" in op["responses"], f"{where} has no default problem response"
        for status, response in op["responses"].items():
            if "$ref" in response:
                continue
            for media, content in response.get("content", {}).items():
                assert "example" in content or "examples" in content, (
                    f"{where} {status} {media} has no example"
                )
        if "requestBody" in op:
            content = op["requestBody"]["content"]["application/json"]
            assert "example" in content or "examples" in content, f"{where} body has no example"


def test_every_schema_is_described(spec: dict[str, Any]) -> None:
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("description"), f"schema {name} has no description"


def test_every_error_response_is_problem_json(spec: dict[str, Any]) -> None:
    for name, response in spec["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name


def test_every_operation_resolves_to_a_handler(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for operation_id in ids:
        assert callable(resolve_handler(operation_id)), operation_id


def test_every_json_body_has_a_generated_decoder(spec: dict[str, Any]) -> None:
    with_body = {
        op["operationId"]
        for _, _, op in operations(spec)
        if "requestBody" in op and not op.get("x-burt-raw-body")
    }
    assert set(body_rules()) == with_body


def test_only_the_batch_draw_and_writes_are_not_get(spec: dict[str, Any]) -> None:
    """The draw is a POST with a required Idempotency-Key; no GET takes a body."""
    draw = spec["paths"]["/campaigns/{campaignId}/batches"]["post"]
    assert draw["operationId"] == "createExperimentBatch"
    key = [p for p in draw["parameters"] if p["name"] == "Idempotency-Key"]
    assert key and key[0]["required"] is True and key[0]["in"] == "header"
    for _, method, op in operations(spec):
        if method == "get":
            assert "requestBody" not in op


def test_documented_setting_defaults_match_the_engine(spec: dict[str, Any]) -> None:
    documented = spec["components"]["schemas"]["PolicySettings"]["properties"]
    engine_defaults = {f.name: f.default for f in dataclasses.fields(PolicySettings)}
    assert set(documented) == set(engine_defaults)
    for name, schema in documented.items():
        match = re.search(r"Default: ([^.\s]+(?:\.\d+)?)\.", schema["description"])
        assert match, f"{name} documents no default"
        default = engine_defaults[name]
        # A tuple default (segment_by) is a JSON array in the contract.
        assert yaml.safe_load(match.group(1)) == (
            list(default) if isinstance(default, tuple) else default
        ), name


def test_documented_setting_bounds_are_the_engines(spec: dict[str, Any]) -> None:
    """One set of bounds: a setting the contract accepts, the engine accepts, and the reverse
    (a notebook user and an API client meet the same rules; a stored campaign the engine
    refuses would fail every request, see tests/test_upgrade.py)."""
    schemas = spec["components"]["schemas"]
    documented = {
        name: policy.Bounds(
            schema["minimum"],
            schema["maximum"],
            low_open=schema.get("exclusiveMinimum", False),
            high_open=schema.get("exclusiveMaximum", False),
        )
        for name, schema in (
            (name, _referenced(schemas, schema))
            for name, schema in schemas["PolicySettings"]["properties"].items()
        )
        if "minimum" in schema or "maximum" in schema
    }
    numeric = {
        f.name
        for f in dataclasses.fields(PolicySettings)
        if f.type in ("int", "float", "float | None")
    }
    assert set(documented) == numeric
    assert documented == policy.SETTING_BOUNDS


def _referenced(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with the one schema it refers to through `allOf` merged in."""
    parts = [schemas[part["$ref"].rsplit("/", 1)[1]] for part in schema.get("allOf", ())]
    return {k: v for part in parts for k, v in part.items()} | schema


def test_the_goals_the_contract_states_are_the_engines(spec: dict[str, Any]) -> None:
    """One list of goals, and the contract says what each spends on proof (the numbers the
    lead engineer tunes in `policy.GOALS` show up here when they move)."""
    setting = spec["components"]["schemas"]["PolicySettings"]["properties"]["goal"]
    assert setting["enum"] == list(policy.GOALS) == list(get_args(policy.Goal))
    for goal, plan in policy.GOALS.items():
        assert f"`{goal}`" in setting["description"]
        numbers = (
            rf"\(proof share {plan.proof_share:g}, weight floor {plan.weight_floor:g},"
            rf" horizon power {plan.horizon_power:g}\)"
        )
        assert re.search(rf"`{goal}`[^`]*{numbers}", setting["description"]), goal
    resolved = spec["components"]["schemas"]["ResolvedPolicySettings"]["allOf"][1]["required"]
    assert "goal" in resolved and set(policy.GOAL_SETTINGS) <= set(resolved)
    properties = spec["components"]["schemas"]["PolicySettings"]["properties"]
    for name in policy.GOAL_SETTINGS:
        # A reference to a nullable schema: null follows the goal, omitted keeps (on update).
        assert spec["components"]["schemas"][_reference(properties[name])]["nullable"] is True
        assert "null follows the goal" in properties[name]["description"] or (
            "Omit or null to follow the goal" in properties[name]["description"]
        )
    for name in ("weight_floor", "horizon_power"):
        by_value: dict[float, list[str]] = {}
        for goal, plan in policy.GOALS.items():
            by_value.setdefault(getattr(plan, name), []).append(f"`{goal}`")
        stated = ", ".join(f"{v:g} for {_listed(goals)}" for v, goals in by_value.items())
        assert f"Omit or null to follow the goal: {stated}; " in properties[name]["description"]


def _listed(words: list[str]) -> str:
    """`words` as a sentence lists them: "a", "a and b", "a, b and c"."""
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1])))


def _reference(schema: dict[str, Any]) -> str:
    """The name of the one schema a property refers to through `allOf`."""
    (part,) = schema["allOf"]
    return str(part["$ref"].rsplit("/", 1)[1])
    decision = spec["components"]["examples"]["CampaignStats"]["value"]["decision"]
    assert decision["goal_meaning"] == policy.GOALS[decision["goal"]].meaning
    described = spec["components"]["schemas"]["Decision"]["properties"]["goal_meaning"]
    assert described["example"] == policy.GOALS["winner"].meaning


def test_the_contract_states_the_rule_across_settings(spec: dict[str, Any]) -> None:
    """The one rule the bounds cannot state: the weight floor times the variants stays below 1."""
    floor = spec["components"]["schemas"]["PolicySettings"]["properties"]["weight_floor"]
    assert "times the number of variants must stay below 1" in floor["description"]
    assert policy.floor_problem(0.25, 3) is None
    assert policy.floor_problem(0.25, 4) is not None


ENGINE_RECORDS: dict[str, tuple[type, set[str]]] = {
    "Campaign": (model.Campaign, {"tenant"}),
    "SettingAdjustment": (model.SettingAdjustment, set()),
    "CampaignStats": (reports.CampaignStats, {"computed_at", "allocation"}),
    "VariantStats": (reports.VariantReport, {"interval_beta"}),
    "Lift": (reports.Lift, set()),
    "Posterior": (policy.Posterior, set()),
    "Decision": (reports.DecisionReport, set()),
    "WinnerCondition": (policy.Condition, set()),
    "SampleRatioMismatch": (reports.SampleRatioMismatch, set()),
    "HoldoutStats": (reports.HoldoutStats, set()),
}
"""Contract schema -> the engine record it shows, and the fields the engine has beyond it."""


@pytest.mark.parametrize("schema", sorted(ENGINE_RECORDS))
def test_the_api_and_the_engine_use_the_same_names(spec: dict[str, Any], schema: str) -> None:
    """A notebook user reads `stats.decision.conditions` where the API says the same."""
    record, engine_only = ENGINE_RECORDS[schema]
    fields = {f.name for f in dataclasses.fields(record)}
    assert engine_only <= fields
    assert set(spec["components"]["schemas"][schema]["properties"]) == fields - engine_only


ENGINE_ENUMS = {
    "OutcomeType": model.OUTCOME_TYPES,
    "OptimizedOutcome": model.OPTIMIZABLE_OUTCOMES,
    "CampaignStatus": model.CAMPAIGN_STATUSES,
    "RejectionReason": get_args(model.RejectionReason),
    "DecisionStatus": get_args(policy.DecisionStatus),
    "Goal": get_args(policy.Goal),
    "WebhookProvider": model.WEBHOOK_PROVIDERS,
}


@pytest.mark.parametrize("schema", sorted(ENGINE_ENUMS))
def test_the_contracts_enums_are_the_engines(spec: dict[str, Any], schema: str) -> None:
    """Both sides are read, neither is written down here: adding a value to one alone fails."""
    documented = spec["components"]["schemas"][schema]["enum"]
    assert len(set(documented)) == len(documented)
    assert set(documented) == set(ENGINE_ENUMS[schema])


def test_every_outcome_type_has_a_count(spec: dict[str, Any]) -> None:
    counts = spec["components"]["schemas"]["OutcomeCounts"]
    assert set(counts["required"]) == set(counts["properties"]) == set(model.OUTCOME_TYPES)


def test_every_secured_operation_states_its_scope_and_only_safe_ones_read(
    spec: dict[str, Any],
) -> None:
    """`x-burt-scope` is what a read-only key is checked against (service.auth.bearer)."""
    for path, method, op in operations(spec):
        requirements = op.get("security", spec["security"])
        secured = any("bearerAuth" in requirement for requirement in requirements)
        where = f"{method.upper()} {path}"
        if not secured:
            assert "x-burt-scope" not in op, f"{where} needs no API key, so no scope"
            continue
        assert op.get("x-burt-scope") == ("read" if method == "get" else "write"), where
        if op["x-burt-scope"] == "write":
            assert "403" in op["responses"], f"{where} does not document 403 for read-only keys"


def test_the_gate_takes_its_header_rules_from_the_spec(spec: dict[str, Any]) -> None:
    """Every operation has a header rule; a body operation checks Content-Type, a secured one
    Authorization, and operations the spec leaves open (probes, receivers) take no key."""
    rules = header_rules()
    for path, method, op in operations(spec):
        rule = rules[op["operationId"]]
        assert rule.has_body == ("requestBody" in op), (method, path)
        assert (b"content-type" in rule.single_headers) == ("requestBody" in op)
        secured = bool([r for r in op.get("security", spec["security"]) if r])
        assert (b"authorization" in rule.single_headers) == secured, (method, path)


def test_ids_the_service_refuses_are_outside_their_schema(spec: dict[str, Any]) -> None:
    """Issue 22, item 15: ids holding U+0000 were refused (400) though the schema allowed them."""
    schemas = spec["components"]["schemas"]
    for name, field in (("ContactIn", "id"), ("EventIn", "id"), ("EventIn", "contact_id")):
        pattern = re.compile(schemas[name]["properties"][field]["pattern"])
        assert pattern.search("c-1001") and not pattern.search("c-1001\x00victim"), (name, field)


def test_each_provider_has_its_own_receiver_schema(spec: dict[str, Any]) -> None:
    """Issue 22, item 15: `POST /webhooks` refused fields the one shared schema allowed for
    every provider (`a sendgrid receiver takes no certificate_pem, ...`)."""
    validator = Draft4Validator(
        {"$ref": "#/components/schemas/WebhookCreate", "components": spec["components"]}
    )
    arn = "arn:aws:sns:us-east-1:123456789012:ses-events"
    accepted = [
        {"provider": "sendgrid", "verification_key": "MFkw"},
        {"provider": "mailgun", "signing_key": "key-1"},
        {"provider": "postmark", "username": "burt", "password": "x" * 12},
        {"provider": "ses", "topic_arn": arn},
        {"provider": "ses", "topic_arn": arn, "certificate_pem": "-----BEGIN"},
    ]
    refused = [
        {"provider": "sendgrid", "verification_key": "MFkw", "certificate_pem": "-----BEGIN"},
        {"provider": "mailgun", "signing_key": "key-1", "password": "x" * 12},
        {"provider": "postmark", "username": "burt"},
        {"provider": "ses", "signing_key": "key-1"},
        {"provider": "sparkpost"},
    ]
    assert [validator.is_valid(body) for body in accepted] == [True] * len(accepted)
    assert [validator.is_valid(body) for body in refused] == [False] * len(refused)
