from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.send_grid_event import SendGridEvent
from ...models.webhook_delivery_result import WebhookDeliveryResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook_id: str,
    *,
    body: list[SendGridEvent],
    x_twilio_email_event_webhook_signature: str | Unset = UNSET,
    x_twilio_email_event_webhook_timestamp: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_twilio_email_event_webhook_signature, Unset):
        headers["X-Twilio-Email-Event-Webhook-Signature"] = x_twilio_email_event_webhook_signature

    if not isinstance(x_twilio_email_event_webhook_timestamp, Unset):
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = x_twilio_email_event_webhook_timestamp

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/sendgrid/{webhook_id}".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
    }

    _kwargs["json"] = []
    for componentsschemas_send_grid_events_item_data in body:
        componentsschemas_send_grid_events_item = componentsschemas_send_grid_events_item_data.to_dict()
        _kwargs["json"].append(componentsschemas_send_grid_events_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookDeliveryResult:
    if response.status_code == 200:
        response_200 = WebhookDeliveryResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | WebhookDeliveryResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: list[SendGridEvent],
    x_twilio_email_event_webhook_signature: str | Unset = UNSET,
    x_twilio_email_event_webhook_timestamp: str | Unset = UNSET,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a SendGrid Event Webhook delivery

     SendGrid posts a JSON array of events. The delivery must carry a valid ECDSA P-256
    signature (`X-Twilio-Email-Event-Webhook-Signature`, base64) over the
    `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, made with the key
    registered for this receiver, and the timestamp must be within the replay tolerance
    (`BURT_WEBHOOK_TOLERANCE_SECONDS`, default 900). Otherwise: 401, nothing recorded.

    Routing: the `custom_args` `burt_campaign_id` and `burt_contact_id` (flattened into each
    event). Mapping: `delivered`, `open` → opened, `click` → clicked, `bounce` (not `blocked`)
    and `dropped` → bounced, `spamreport` → complained, `unsubscribe` and `group_unsubscribe`
    → unsubscribed; other events are counted as ignored. Event ids: `sg:` + `sg_event_id`.

    A verified delivery answers 200 even when some events cannot be routed (they are
    counted by reason on the receiver); a body that is not an array of events answers 400.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_twilio_email_event_webhook_signature (str | Unset):
        x_twilio_email_event_webhook_timestamp (str | Unset):
        body (list[SendGridEvent]): A SendGrid Event Webhook delivery: events with the message's
            custom_args flattened in. Example: [{'email': 'a@example.com', 'event': 'delivered',
            'timestamp': 1513299569, 'sg_event_id': 'sg_event_id', 'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
        x_twilio_email_event_webhook_signature=x_twilio_email_event_webhook_signature,
        x_twilio_email_event_webhook_timestamp=x_twilio_email_event_webhook_timestamp,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: list[SendGridEvent],
    x_twilio_email_event_webhook_signature: str | Unset = UNSET,
    x_twilio_email_event_webhook_timestamp: str | Unset = UNSET,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a SendGrid Event Webhook delivery

     SendGrid posts a JSON array of events. The delivery must carry a valid ECDSA P-256
    signature (`X-Twilio-Email-Event-Webhook-Signature`, base64) over the
    `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, made with the key
    registered for this receiver, and the timestamp must be within the replay tolerance
    (`BURT_WEBHOOK_TOLERANCE_SECONDS`, default 900). Otherwise: 401, nothing recorded.

    Routing: the `custom_args` `burt_campaign_id` and `burt_contact_id` (flattened into each
    event). Mapping: `delivered`, `open` → opened, `click` → clicked, `bounce` (not `blocked`)
    and `dropped` → bounced, `spamreport` → complained, `unsubscribe` and `group_unsubscribe`
    → unsubscribed; other events are counted as ignored. Event ids: `sg:` + `sg_event_id`.

    A verified delivery answers 200 even when some events cannot be routed (they are
    counted by reason on the receiver); a body that is not an array of events answers 400.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_twilio_email_event_webhook_signature (str | Unset):
        x_twilio_email_event_webhook_timestamp (str | Unset):
        body (list[SendGridEvent]): A SendGrid Event Webhook delivery: events with the message's
            custom_args flattened in. Example: [{'email': 'a@example.com', 'event': 'delivered',
            'timestamp': 1513299569, 'sg_event_id': 'sg_event_id', 'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookDeliveryResult
    """

    return sync_detailed(
        webhook_id=webhook_id,
        client=client,
        body=body,
        x_twilio_email_event_webhook_signature=x_twilio_email_event_webhook_signature,
        x_twilio_email_event_webhook_timestamp=x_twilio_email_event_webhook_timestamp,
    ).parsed


async def asyncio_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: list[SendGridEvent],
    x_twilio_email_event_webhook_signature: str | Unset = UNSET,
    x_twilio_email_event_webhook_timestamp: str | Unset = UNSET,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a SendGrid Event Webhook delivery

     SendGrid posts a JSON array of events. The delivery must carry a valid ECDSA P-256
    signature (`X-Twilio-Email-Event-Webhook-Signature`, base64) over the
    `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, made with the key
    registered for this receiver, and the timestamp must be within the replay tolerance
    (`BURT_WEBHOOK_TOLERANCE_SECONDS`, default 900). Otherwise: 401, nothing recorded.

    Routing: the `custom_args` `burt_campaign_id` and `burt_contact_id` (flattened into each
    event). Mapping: `delivered`, `open` → opened, `click` → clicked, `bounce` (not `blocked`)
    and `dropped` → bounced, `spamreport` → complained, `unsubscribe` and `group_unsubscribe`
    → unsubscribed; other events are counted as ignored. Event ids: `sg:` + `sg_event_id`.

    A verified delivery answers 200 even when some events cannot be routed (they are
    counted by reason on the receiver); a body that is not an array of events answers 400.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_twilio_email_event_webhook_signature (str | Unset):
        x_twilio_email_event_webhook_timestamp (str | Unset):
        body (list[SendGridEvent]): A SendGrid Event Webhook delivery: events with the message's
            custom_args flattened in. Example: [{'email': 'a@example.com', 'event': 'delivered',
            'timestamp': 1513299569, 'sg_event_id': 'sg_event_id', 'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
        x_twilio_email_event_webhook_signature=x_twilio_email_event_webhook_signature,
        x_twilio_email_event_webhook_timestamp=x_twilio_email_event_webhook_timestamp,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: list[SendGridEvent],
    x_twilio_email_event_webhook_signature: str | Unset = UNSET,
    x_twilio_email_event_webhook_timestamp: str | Unset = UNSET,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a SendGrid Event Webhook delivery

     SendGrid posts a JSON array of events. The delivery must carry a valid ECDSA P-256
    signature (`X-Twilio-Email-Event-Webhook-Signature`, base64) over the
    `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, made with the key
    registered for this receiver, and the timestamp must be within the replay tolerance
    (`BURT_WEBHOOK_TOLERANCE_SECONDS`, default 900). Otherwise: 401, nothing recorded.

    Routing: the `custom_args` `burt_campaign_id` and `burt_contact_id` (flattened into each
    event). Mapping: `delivered`, `open` → opened, `click` → clicked, `bounce` (not `blocked`)
    and `dropped` → bounced, `spamreport` → complained, `unsubscribe` and `group_unsubscribe`
    → unsubscribed; other events are counted as ignored. Event ids: `sg:` + `sg_event_id`.

    A verified delivery answers 200 even when some events cannot be routed (they are
    counted by reason on the receiver); a body that is not an array of events answers 400.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_twilio_email_event_webhook_signature (str | Unset):
        x_twilio_email_event_webhook_timestamp (str | Unset):
        body (list[SendGridEvent]): A SendGrid Event Webhook delivery: events with the message's
            custom_args flattened in. Example: [{'email': 'a@example.com', 'event': 'delivered',
            'timestamp': 1513299569, 'sg_event_id': 'sg_event_id', 'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookDeliveryResult
    """

    return (
        await asyncio_detailed(
            webhook_id=webhook_id,
            client=client,
            body=body,
            x_twilio_email_event_webhook_signature=x_twilio_email_event_webhook_signature,
            x_twilio_email_event_webhook_timestamp=x_twilio_email_event_webhook_timestamp,
        )
    ).parsed
