"""The contract tests' shared setup: burt in-process on a SQLite file in a temp directory."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from burt_contract import TENANT, deploy, probe_of

from burt.service.contract import SPEC_PATH

SEED = 20261127
"""Fixed, so every run generates the same requests; change it locally to explore."""
MAX_EXAMPLES = 20
"""Fuzzing examples per operation (the examples and coverage phases add their own cases)."""

POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""schemathesis' default expected statuses for `positive_data_acceptance`."""
REFUSED_VALID_DATA: dict[str, list[str]] = {
    # Rules JSON Schema cannot state, answered with 400 and a specific detail: variant ids must be
    # distinct (`uniqueItems` compares whole variants, labels included), `weight_floor` times
    # the number of variants must stay below 1 (a rule across two fields), and with
    # `segment_by` (its names distinct: a repeat is a 400 with a specific detail, as for
    # variant ids) the error 1 - `winner_probability` split over `max_segments` must stay
    # within the winner rule's bounds (a rule across three fields).
    # An Idempotency-Key names one intended campaign: reusing one with another body is a 422.
    # A `control_variant_id` must be one of the body's variant ids (a rule across fields): 422.
    "initializeCampaign": [*POSITIVE, "400", "422"],
    # Optimistic concurrency: the schema cannot say which ETag is current, so a schema-valid
    # updateCampaign is refused with 412 (If-Match is not the current ETag) or 428 (no If-Match;
    # the header is optional in the schema so that its absence reaches the handler and answers
    # 428 Precondition Required instead of a generic 400). The cross-field settings rules above
    # apply too (400), a completed campaign is final (422), a `control_variant_id` must be one
    # of the campaign's variants (422), and `segment_by` and `max_segments` are fixed once a
    # batch is drawn (409, among schemathesis' defaults).
    "updateCampaign": [*POSITIVE, "400", "412", "422", "428"],
    # A `control` query parameter must be one of the campaign's variants, as the body's
    # `control_variant_id` of updateCampaign must (422 for both; the schema cannot list them).
    "getCampaignStats": [*POSITIVE, "422"],
    # An Idempotency-Key names one intended batch: reusing one with a different body is refused
    # with 422 by design, though each request on its own is schema-valid.
    "createExperimentBatch": [*POSITIVE, "422"],
    # Cursors are opaque tokens the server issued; a schema-valid string it never issued is
    # refused with 400 and a specific detail (the schema cannot list the issued ones).
    "listExperimentBatches": [*POSITIVE, "400"],
    # A SendGrid verification key or SES certificate must parse as a key (each provider's own
    # schema states its fields; a key's content is beyond a schema): 400 with a specific detail.
    "registerWebhook": [*POSITIVE, "400"],
    # SNS posts its JSON as text/plain, which the spec can only type as a string: a string that
    # is not an SNS message is refused with 400 and a specific detail.
    "receiveSesNotification": [*POSITIVE, "400"],
    # Campaign and receiver cursors are ids the server issued: a schema-valid string that is
    # not one is refused with 400 and a specific detail.
    "listCampaigns": [*POSITIVE, "400"],
    "listWebhooks": [*POSITIVE, "400"],
}
"""The only check settings changed from schemathesis' defaults: operations whose schema-valid
requests burt refuses by design, each with its reason. schemathesis.toml (the CLI run) repeats
them with the same reasons. No check is disabled and no operation is excluded."""


def operation_configs(parameters: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Per-operation config: the REFUSED_VALID_DATA statuses and the fixed parameters."""
    names = sorted(set(REFUSED_VALID_DATA) | set(parameters))
    configs = []
    for name in names:
        config: dict[str, Any] = {"include-operation-id": name}
        if name in REFUSED_VALID_DATA:
            statuses = REFUSED_VALID_DATA[name]
            config["checks"] = {"positive_data_acceptance": {"expected-statuses": statuses}}
        if name in parameters:
            config["parameters"] = parameters[name]
        configs.append(config)
    return configs


def campaign_scoped_operations() -> list[str]:
    """operationIds of every path under /campaigns/{campaignId}."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return [
        operation["operationId"]
        for path, item in spec["paths"].items()
        if "{campaignId}" in path
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]


RAM_DISK = Path("/dev/shm")


def temp_data_dir(name: str) -> Path:
    """A directory for one test module's store, removed when the session ends (see below).

    On a RAM disk where there is one: the store commits with fsync (synchronous=FULL), which is
    most of a write's cost on a real disk, and durability is not what these tests are about."""
    parent = RAM_DISK if RAM_DISK.is_dir() else None
    path = Path(tempfile.mkdtemp(prefix=f"burt-contract-{name}-", dir=parent))
    _DATA_DIRS.append(path)
    return path


_DATA_DIRS: list[Path] = []


def pytest_sessionfinish() -> None:
    for path in _DATA_DIRS:
        shutil.rmtree(path, ignore_errors=True)


def base_config(app: Any, parameters: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """Every built-in check stays on (schemathesis' default); none is excluded."""
    return {
        "seed": SEED,
        "auth": {"openapi": {"bearerAuth": {"bearer": probe_of(app).keys[TENANT]}}},
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "operations": operation_configs(parameters or {}),
    }


def seeded_schema() -> Any:
    """Every campaign-scoped operation gets a campaign of its own with contacts, batches and
    outcomes, so generated requests meet real state instead of answering 404 for a random id
    (and one operation completing its campaign cannot starve the others). Unknown ids are still
    exercised: the sealed-tenant check replays every request with another tenant's key."""
    operations = campaign_scoped_operations()
    app, seeded = deploy(temp_data_dir("seeded"), seeded_campaigns=len(operations))
    parameters = {
        operation_id: {"campaignId": campaign.campaign_id, "batchId": campaign.batch_id}
        for operation_id, campaign in zip(operations, seeded, strict=True)
    }
    config = base_config(app, parameters)
    return schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=schemathesis.Config.from_dict(config)
    )


def linked_schema() -> Any:
    """A fresh burt with no fixed parameters: stateful runs reach campaigns through links only.

    Every scenario must depend on nothing but its own steps, or Hypothesis sees the same choices
    lead to different rules and stops with FlakyStrategyDefinition. So the run follows only the
    spec's links (whose targets are campaigns the scenario created), not links inferred from
    `listCampaigns` (its first item is a campaign of an earlier scenario), and link probabilities
    are not calibrated from earlier scenarios' answers."""
    app, _ = deploy(temp_data_dir("stateful"))
    data = base_config(app)
    # Negative data is the parametrized tests' job; here every step should move a campaign on.
    data["phases"] = {
        "stateful": {
            "inference": {"algorithms": []},
            "link-calibration": False,
            "generation": {"mode": "positive"},
        }
    }
    config = schemathesis.Config.from_dict(data)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    @schema.hook("map_headers")
    def own_campaign_keys(ctx: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
        """A campaign's Idempotency-Key is per tenant, not per campaign: a key generated again
        by a later scenario would replay an earlier scenario's campaign. Each create gets a key
        of its own (the header is still sent, so the keyed path runs)."""
        if ctx.operation.label == "POST /campaigns" and "Idempotency-Key" in (headers or {}):
            return {**(headers or {}), "Idempotency-Key": f"scenario-{uuid.uuid4().hex}"}
        return headers

    return schema
