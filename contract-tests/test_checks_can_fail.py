"""The custom checks can fail: each catches a deliberately broken variant of burt.

Every test builds the real app with one handler (or the key lookup) swapped for a broken one,
sends one request, and asserts that exactly the promise it breaks is reported, while the same
request against the unbroken app passes the same check.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from burt_contract import (
    TENANT,
    auth_header,
    deploy,
    idempotent_draw,
    problem_json,
    safe_get,
    sealed_tenants,
)
from conftest import base_config
from schemathesis.core.failures import FailureGroup
from starlette.responses import JSONResponse

from burt.engine import Burt
from burt.engine.apikeys import ApiKey, hash_api_key
from burt.service.api import handlers
from burt.service.auth.keys import KeyCache
from burt.service.runtime import engine_for

GET_CAMPAIGN = ("/campaigns/{campaignId}", "GET")
DRAW = ("/campaigns/{campaignId}/batches", "POST")


def run(tmp_path: Path, operation: tuple[str, str], check: Any, **case: Any) -> None:
    """Send one request to a fresh burt (with a seeded campaign) and apply one check."""
    app, [seeded] = deploy(tmp_path, seeded_campaigns=1)
    config = schemathesis.Config.from_dict(base_config(app))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    path, method = operation
    built = schema[path][method].Case(
        path_parameters={"campaignId": seeded.campaign_id},
        headers={**auth_header(app), **case.pop("headers", {})},
        **case,
    )
    built.call_and_validate(checks=[check])


def assert_caught(run_it: Callable[[], None], check: Any, message: str) -> None:
    with pytest.raises(FailureGroup) as caught:
        run_it()
    assert f"`{check.__name__}`" in str(caught.value)
    assert message in str(caught.value)


# --- a GET that draws a batch ---------------------------------------------------------------


async def drawing_get_campaign(user: str, campaign_id: str) -> Any:
    burt = engine_for(handlers.request, user)
    await burt.create_experiment_batch(campaign_id, size=1, idempotency_key=str(uuid.uuid4()))
    return await ORIGINAL["get_campaign"](user, campaign_id)


def test_safe_get_catches_a_get_that_draws_a_batch(tmp_path: Path, monkeypatch: Any) -> None:
    run(tmp_path / "ok", GET_CAMPAIGN, safe_get)
    monkeypatch.setattr(handlers, "get_campaign", drawing_get_campaign)
    assert_caught(
        lambda: run(tmp_path / "broken", GET_CAMPAIGN, safe_get),
        safe_get,
        "changed stored state",
    )


# --- a draw that ignores the Idempotency-Key ------------------------------------------------


async def forgetful_draw(user: str, campaign_id: str) -> Any:
    """createExperimentBatch drawing under a fresh key instead of the request's Idempotency-Key."""
    body = handlers.validated_body(handlers.request.scope, handlers.models.BatchCreate)
    burt = engine_for(handlers.request, user)
    batch, _ = await burt.create_experiment_batch(
        campaign_id, size=body.size, idempotency_key=str(uuid.uuid4())
    )
    return handlers._json(handlers.views.batch(batch), 201)


def test_idempotent_draw_catches_a_draw_that_ignores_the_key(
    tmp_path: Path, monkeypatch: Any
) -> None:
    draw = {"headers": {"Idempotency-Key": "hourly-1"}, "body": {"size": 5}}
    run(tmp_path / "ok", DRAW, idempotent_draw, **draw)
    monkeypatch.setattr(handlers, "create_experiment_batch", forgetful_draw)
    assert_caught(
        lambda: run(tmp_path / "broken", DRAW, idempotent_draw, **draw),
        idempotent_draw,
        "replayed draw returned a different batch",
    )


# --- tenants that are not sealed ------------------------------------------------------------


async def tenant_blind_get_campaign(user: str, campaign_id: str) -> Any:
    """getCampaign looking in TENANT's campaigns whoever asks."""
    store = engine_for(handlers.request, user).store
    campaign = await Burt(store, TENANT).get_campaign(campaign_id)
    return handlers._json(handlers.views.campaign(campaign))


def test_sealed_tenants_catches_a_campaign_another_tenant_can_read(
    tmp_path: Path, monkeypatch: Any
) -> None:
    run(tmp_path / "ok", GET_CAMPAIGN, sealed_tenants)
    monkeypatch.setattr(handlers, "get_campaign", tenant_blind_get_campaign)
    assert_caught(
        lambda: run(tmp_path / "broken", GET_CAMPAIGN, sealed_tenants),
        sealed_tenants,
        "with another tenant's key answered 200, expected 404",
    )


async def trusting_key_for(self: KeyCache, token: str) -> ApiKey:
    """Any bearer token at all is taken for a key of TENANT."""
    return ApiKey(hash_api_key(token), TENANT)


def test_sealed_tenants_catches_a_wrong_key_let_in(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(KeyCache, "key_for", trusting_key_for)
    assert_caught(
        lambda: run(tmp_path, GET_CAMPAIGN, sealed_tenants),
        sealed_tenants,
        "with a wrong key answered 200, not 401",
    )


# --- an error that is not problem+json ------------------------------------------------------


async def plain_json_404(user: str, campaign_id: str) -> Any:
    return JSONResponse({"error": "no such campaign"}, status_code=404)


def test_problem_json_catches_a_plain_json_error(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(handlers, "get_campaign", plain_json_404)
    assert_caught(
        lambda: run(tmp_path, GET_CAMPAIGN, problem_json),
        problem_json,
        "not application/problem+json",
    )


ORIGINAL = {"get_campaign": handlers.get_campaign}
