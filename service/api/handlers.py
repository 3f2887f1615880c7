"""One plain function per operationId (connexion resolves them by name; see service.app).

Handlers only translate: the spec-validated request into engine calls, engine records into the
generated response models. Errors are raised by the engine and mapped in service.problems.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from connexion import request
from starlette.responses import Response

from burt.engine.burt import store_ready
from burt.engine.errors import VersionMismatch
from burt.engine.model import Campaign
from burt.service.api import stats_csv, views
from burt.service.api.validation import validated_body
from burt.service.generated import models
from burt.service.problems import PreconditionRequired
from burt.service.runtime import engine_for, runtime_of
from burt.service.webhooks.handlers import (  # noqa: F401 (resolved by operationId)
    delete_webhook,
    get_webhook,
    list_webhooks,
    receive_mailgun_event,
    receive_postmark_event,
    receive_sendgrid_events,
    receive_ses_notification,
    register_webhook,
)

JSON = "application/json"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, headers=headers, media_type=JSON)


def _etag(campaign: Campaign) -> str:
    return f'"{campaign.version}"'


def _settings(value: models.PolicySettings | msgspec.UnsetType) -> dict[str, Any] | None:
    """Only the settings the client sent (msgspec leaves the others UNSET)."""
    if value is msgspec.UNSET:
        return None
    return {k: v for k, v in msgspec.structs.asdict(value).items() if v is not msgspec.UNSET}


def _given(value: Any) -> Any:
    return None if value is msgspec.UNSET else value


async def get_health() -> Response:
    return _json(models.Health(status="ok"))


async def get_readiness() -> Response:
    name = await store_ready(runtime_of(request).store)
    return _json(models.Health(status="ok", store=name))


async def initialize_campaign(user: str) -> Response:
    body = validated_body(request.scope, models.CampaignCreate)
    burt = engine_for(request, user)
    fields: dict[str, Any] = {
        "name": body.name,
        "variants": [(v.id, v.label) for v in body.variants],
        "optimize": body.optimize,
        "settings": _settings(body.settings),
        "control_variant_id": _given(body.control_variant_id),
    }
    key = request.headers.get("Idempotency-Key")
    if key is None:
        campaign, replayed = await burt.initialize_campaign(**fields), False
    else:
        campaign, replayed = await burt.initialize_campaign_once(key, **fields)
    headers = {
        "Location": f"/campaigns/{campaign.id}",
        "ETag": _etag(campaign),
        "Idempotent-Replayed": "true" if replayed else "false",
    }
    return _json(views.campaign(campaign), 201, headers)


async def list_campaigns(user: str, limit: int = 50, cursor: str | None = None) -> Response:
    page = await engine_for(request, user).list_campaigns(limit=limit, cursor=cursor)
    return _json(views.campaign_page(page))


async def get_campaign(user: str, campaign_id: str) -> Response:
    campaign = await engine_for(request, user).get_campaign(campaign_id)
    return _json(views.campaign(campaign), headers={"ETag": _etag(campaign)})


_STRONG_ETAG = re.compile(r'"([0-9]{1,18})"')
"""The only ETags this API issues: a quoted campaign version."""


def _if_match_version() -> int | None:
    """The version If-Match names, None for `*` (whatever is current); 428 when absent.

    Anything else (a weak tag, a list, a tag this API never issued) can never match: a failed
    precondition (RFC 9110 13.1.1), not a 400. If-Match compares strongly, so `W/"3"` fails."""
    raw = ", ".join(request.headers.getlist("If-Match")).strip()
    if not raw:
        raise PreconditionRequired(
            "updateCampaign requires an If-Match header with the campaign's ETag"
        )
    if raw == "*":
        return None
    tag = _STRONG_ETAG.fullmatch(raw)
    if tag is None:
        raise VersionMismatch(
            f"If-Match {raw!r} is not one strong ETag this API issued (weak tags never match)"
        )
    return int(tag.group(1))


async def update_campaign(user: str, campaign_id: str) -> Response:
    body = validated_body(request.scope, models.CampaignUpdate)
    burt = engine_for(request, user)
    try:
        expected = _if_match_version()
    except (PreconditionRequired, VersionMismatch):
        await burt.get_campaign(campaign_id)  # no such campaign (or another tenant's): 404 first
        raise
    campaign = await burt.update_campaign(
        campaign_id,
        expected_version=expected,
        name=_given(body.name),
        status=_given(body.status),
        settings=_settings(body.settings),
        control_variant_id=_given(body.control_variant_id),
    )
    return _json(views.campaign(campaign), headers={"ETag": _etag(campaign)})


async def delete_campaign(user: str, campaign_id: str) -> Response:
    await engine_for(request, user).delete_campaign(campaign_id)
    return Response(status_code=204)


async def erase_contact(user: str, campaign_id: str, contact_id: str) -> Response:
    await engine_for(request, user).erase_contact(campaign_id, contact_id)
    return Response(status_code=204)


async def load_contacts(user: str, campaign_id: str) -> Response:
    body = validated_body(request.scope, models.ContactLoad)
    result = await engine_for(request, user).load_contacts(campaign_id, body.contacts)
    return _json(views.contact_load_result(result))


async def create_experiment_batch(user: str, campaign_id: str) -> Response:
    body = validated_body(request.scope, models.BatchCreate)
    batch, replayed = await engine_for(request, user).create_experiment_batch(
        campaign_id, size=body.size, idempotency_key=request.headers["Idempotency-Key"]
    )
    headers = {
        "Location": f"/campaigns/{campaign_id}/batches/{batch.id}",
        "Idempotent-Replayed": "true" if replayed else "false",
    }
    return _json(views.batch(batch), 201, headers)


async def get_experiment_batch(user: str, campaign_id: str, batch_id: str) -> Response:
    batch = await engine_for(request, user).get_experiment_batch(campaign_id, batch_id)
    return _json(views.batch(batch))


async def list_experiment_batches(
    user: str, campaign_id: str, limit: int = 50, cursor: str | None = None
) -> Response:
    page = await engine_for(request, user).list_experiment_batches(campaign_id, limit, cursor)
    return _json(views.batch_page(page))


async def preview_allocation(user: str, campaign_id: str) -> Response:
    preview = await engine_for(request, user).preview_allocation(campaign_id)
    return _json(views.allocation(preview))


async def record_outcomes(user: str, campaign_id: str) -> Response:
    body = validated_body(request.scope, models.EventLoad)
    tally = await engine_for(request, user).record_outcomes(campaign_id, body.events)
    return _json(views.event_load_result(tally))


async def get_campaign_stats(
    user: str, campaign_id: str, control: str | None = None, as_of: str | None = None
) -> Response:
    when = None if as_of is None else stats_csv.moment(as_of)
    stats = await engine_for(request, user).get_campaign_stats(campaign_id, control, when)
    if stats_csv.wants_csv(request.headers.get("accept", "")):
        return Response(
            stats_csv.render(stats), media_type=f"{stats_csv.MEDIA_TYPE}; charset=utf-8"
        )
    return _json(views.campaign_stats(stats))
