"""The webhook operations: registering receivers (bearer key) and receiving deliveries (each
platform's own authentication; see service.webhooks). Re-exported by service.handlers, which
connexion resolves operationIds against."""

from __future__ import annotations

import asyncio
import hashlib
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import msgspec
from connexion import request
from cryptography.exceptions import InvalidTag
from starlette.responses import Response

from burt.engine.errors import InvalidInput
from burt.engine.model import ActivityUpdate, Webhook
from burt.engine.timefmt import utcnow
from burt.engine.webhooks import PlatformEvent, Receivers
from burt.service.api.validation import validated_body
from burt.service.generated import models
from burt.service.runtime import Runtime, engine_for, runtime_of
from burt.service.webhooks import mailgun, postmark, sealing, sendgrid, ses, sns
from burt.service.webhooks import views as webhook_views
from burt.service.webhooks.common import (
    DeliveryRefused,
    Verification,
    after_verification,
    unverified,
)
from burt.service.webhooks.gate import receiver_of

CERTIFICATES = sns.CertificateCache()
"""SNS signing certificates fetched by this process, by URL."""
_WEBHOOK_CREATE = (
    models.SendGridWebhookCreate,
    models.MailgunWebhookCreate,
    models.PostmarkWebhookCreate,
    models.SesWebhookCreate,
)
"""The spec's `WebhookCreate`: one schema per provider, told apart by `provider`."""


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def _base_url(runtime: Runtime) -> str:
    return runtime.config.public_url or str(request.base_url).rstrip("/")


def _credential(body: models.WebhookCreate, tenant: str, runtime: Runtime) -> dict[str, str]:
    """What verifies the provider's deliveries, checked and made safe to store (the schema of
    the provider's body already required its fields and refused any other)."""
    if isinstance(body, models.SendGridWebhookCreate):
        try:
            sendgrid.public_key(body.verification_key)
        except ValueError as exc:
            raise InvalidInput(f"verification_key is {exc}") from None
        return {"verification_key": body.verification_key}
    if isinstance(body, models.MailgunWebhookCreate):
        key = sealing.server_key(runtime.config)
        return {"signing_key": sealing.seal(key, body.signing_key, tenant, "mailgun")}
    if isinstance(body, models.PostmarkWebhookCreate):
        key = sealing.server_key(runtime.config)
        return {
            "username": body.username,
            "password_hash": sealing.hash_password(key, body.password, tenant),
        }
    if isinstance(body.certificate_pem, msgspec.UnsetType):
        return {"topic_arn": body.topic_arn}
    try:
        sns.load_certificate(body.certificate_pem)
    except ValueError as exc:
        raise InvalidInput(f"certificate_pem is not an RSA certificate in PEM: {exc}") from None
    return {"topic_arn": body.topic_arn, "certificate_pem": body.certificate_pem}


async def register_webhook(user: str) -> Response:
    body = validated_body(request.scope, msgspec.Struct)
    assert isinstance(body, _WEBHOOK_CREATE), "the validator decodes a WebhookCreate"
    runtime = runtime_of(request)
    credential = await asyncio.to_thread(_credential, body, user, runtime)  # reads the key file
    provider = str(body.__struct_config__.tag)
    webhook = await engine_for(request, user).register_webhook(provider, credential)
    view = webhook_views.webhook(webhook, _base_url(runtime))
    return json_response(view, 201, {"Location": f"/webhooks/{webhook.id}"})


async def list_webhooks(user: str, limit: int = 50, cursor: str | None = None) -> Response:
    page = await engine_for(request, user).list_webhooks(limit=limit, cursor=cursor)
    return json_response(webhook_views.webhook_page(page, _base_url(runtime_of(request))))


async def get_webhook(user: str, webhook_id: str) -> Response:
    webhook = await engine_for(request, user).get_webhook(webhook_id)
    return json_response(webhook_views.webhook(webhook, _base_url(runtime_of(request))))


async def delete_webhook(user: str, webhook_id: str) -> Response:
    await engine_for(request, user).delete_webhook(webhook_id)
    return Response(status_code=204)


# receiving ----------------------------------------------------------------------------------
def _receiver() -> tuple[Runtime, Webhook, Verification]:
    """The receiver the gate found for this delivery, with what verifying it needs."""
    runtime = runtime_of(request)
    webhook = receiver_of(request.scope)
    return runtime, webhook, Verification(utcnow(), runtime.config.webhook_tolerance_seconds)


@asynccontextmanager
async def _noting_refusals(
    receivers: Receivers, webhook: Webhook, now: datetime
) -> AsyncIterator[None]:
    """Count a refused delivery on its receiver by reason, then refuse it. Its detail becomes
    the receiver's `last_error` only when the delivery verified: an unauthenticated request
    changes nothing but a counter."""
    try:
        yield
    except DeliveryRefused as exc:
        if exc.verified:
            counts = {f"refused:{exc.reason}": 1}
            await receivers.note(webhook, ActivityUpdate(at=now, counts=counts, error=exc.detail))
        else:
            await receivers.count_refusal(webhook, exc.reason, now)
        raise


async def _deliver(
    runtime: Runtime, webhook: Webhook, events: list[PlatformEvent], now: datetime
) -> Response:
    tally = await runtime.receivers.deliver(webhook, events, now)
    return json_response(webhook_views.delivery_result(tally.counts))


async def receive_sendgrid_events() -> Response:
    runtime, webhook, check = _receiver()
    body = await request.body()
    async with _noting_refusals(runtime.receivers, webhook, check.now):
        events = sendgrid.events(body, request.headers, webhook, check)
    return await _deliver(runtime, webhook, events, check.now)


async def receive_mailgun_event() -> Response:
    runtime, webhook, check = _receiver()
    body = await request.body()
    async with _noting_refusals(runtime.receivers, webhook, check.now):
        try:
            key = sealing.unseal(
                sealing.server_key(runtime.config),
                webhook.credential["signing_key"],
                webhook.tenant,
                "mailgun",
            )
        except InvalidTag:
            raise unverified(
                "the stored signing key does not open with this server's BURT_SECRET_KEY",
                "server_key_mismatch",
            ) from None
        token, events = mailgun.events(body, request.headers, webhook, check, key)
        # Any signature-valid token is remembered past the last moment its timestamp is fresh.
        keep_for = timedelta(seconds=2 * check.tolerance_seconds)
        digest = hashlib.sha256(body).hexdigest()
        if not await runtime.receivers.first_use(webhook, token, digest, check.now, keep_for):
            raise unverified(
                "the Mailgun token was used before with another body: a replayed signature",
                "replayed_token",
            )
    return await _deliver(runtime, webhook, events, check.now)


async def receive_postmark_event() -> Response:
    """The Basic credentials were checked by `PostmarkBasic` before this runs."""
    runtime, webhook, check = _receiver()
    body = await request.body()
    async with _noting_refusals(runtime.receivers, webhook, check.now):
        with after_verification():  # by the Basic credentials
            events = postmark.events(body, request.headers, webhook, check)
    return await _deliver(runtime, webhook, events, check.now)


def _visit(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read(64 * 1024)


async def _subscription(runtime: Runtime, webhook: Webhook, url: str, now: datetime) -> None:
    """Confirm by visiting the SubscribeURL when it is an SNS host, and report it either way."""
    state: Mapping[str, str] = {"status": "pending_confirmation", "subscribe_url": url}
    error = None
    if not sns.is_sns_url(url):
        error = f"SubscribeURL {url!r} is not on an SNS host: not visited"
    elif runtime.config.sns_auto_confirm:
        try:
            await asyncio.to_thread(_visit, url)
            state = {"status": "confirmed", "subscribe_url": url}
        except OSError as exc:
            error = f"visiting the SubscribeURL failed ({exc}); visit it to confirm"
    update = ActivityUpdate(at=now, subscription=state, error=error)
    await runtime.receivers.note(webhook, update)


async def receive_ses_notification() -> Response:
    runtime, webhook, check = _receiver()
    body = await request.body()
    async with _noting_refusals(runtime.receivers, webhook, check.now):
        delivery = await ses.read(body, webhook, check, CERTIFICATES)
    if delivery.kind == "Notification":
        return await _deliver(runtime, webhook, delivery.events, check.now)
    if delivery.kind == "SubscriptionConfirmation":
        assert delivery.subscribe_url is not None
        await _subscription(runtime, webhook, delivery.subscribe_url, check.now)
    else:
        gone = ActivityUpdate(at=check.now, subscription={"status": "unsubscribed"})
        await runtime.receivers.note(webhook, gone)
    return json_response(webhook_views.delivery_result({}))
