from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.mailgun_event import MailgunEvent
from ...models.problem import Problem
from ...models.webhook_delivery_result import WebhookDeliveryResult
from ...types import Response


def _get_kwargs(
    webhook_id: str,
    *,
    body: MailgunEvent,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/mailgun/{webhook_id}".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

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
    body: MailgunEvent,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a Mailgun webhook delivery

     Mailgun posts one event: `{"signature": {"timestamp", "token", "signature"},
    "event-data": {...}}`. `signature.signature` must be the hex HMAC-SHA256 of
    `timestamp` + `token` under the registered signing key, and `timestamp` within the replay
    tolerance. Otherwise: 401, nothing recorded.

    Routing: the user variables `burt_campaign_id` and `burt_contact_id`
    (`event-data.user-variables`, sent as `v:burt_campaign_id` / `v:burt_contact_id`).
    Mapping: `delivered`, `opened`, `clicked`, `unsubscribed`, `complained`, `failed` with
    `severity: permanent` → bounced; other events (temporary failures, `accepted`, ...) are
    counted as ignored. Event ids: `mg:` + `event-data.id`.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (MailgunEvent): A Mailgun webhook delivery (only the fields burt reads are listed).
            Example: {'signature': {'timestamp': '1529006854', 'token':
            'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', 'signature':
            'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55'}, 'event-data':
            {'event': 'delivered', 'id': 'CPgfbmQMTCKtHW6uIWtuVe', 'timestamp': 1521472262.908181}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MailgunEvent,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a Mailgun webhook delivery

     Mailgun posts one event: `{"signature": {"timestamp", "token", "signature"},
    "event-data": {...}}`. `signature.signature` must be the hex HMAC-SHA256 of
    `timestamp` + `token` under the registered signing key, and `timestamp` within the replay
    tolerance. Otherwise: 401, nothing recorded.

    Routing: the user variables `burt_campaign_id` and `burt_contact_id`
    (`event-data.user-variables`, sent as `v:burt_campaign_id` / `v:burt_contact_id`).
    Mapping: `delivered`, `opened`, `clicked`, `unsubscribed`, `complained`, `failed` with
    `severity: permanent` → bounced; other events (temporary failures, `accepted`, ...) are
    counted as ignored. Event ids: `mg:` + `event-data.id`.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (MailgunEvent): A Mailgun webhook delivery (only the fields burt reads are listed).
            Example: {'signature': {'timestamp': '1529006854', 'token':
            'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', 'signature':
            'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55'}, 'event-data':
            {'event': 'delivered', 'id': 'CPgfbmQMTCKtHW6uIWtuVe', 'timestamp': 1521472262.908181}}.

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
    ).parsed


async def asyncio_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MailgunEvent,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a Mailgun webhook delivery

     Mailgun posts one event: `{"signature": {"timestamp", "token", "signature"},
    "event-data": {...}}`. `signature.signature` must be the hex HMAC-SHA256 of
    `timestamp` + `token` under the registered signing key, and `timestamp` within the replay
    tolerance. Otherwise: 401, nothing recorded.

    Routing: the user variables `burt_campaign_id` and `burt_contact_id`
    (`event-data.user-variables`, sent as `v:burt_campaign_id` / `v:burt_contact_id`).
    Mapping: `delivered`, `opened`, `clicked`, `unsubscribed`, `complained`, `failed` with
    `severity: permanent` → bounced; other events (temporary failures, `accepted`, ...) are
    counted as ignored. Event ids: `mg:` + `event-data.id`.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (MailgunEvent): A Mailgun webhook delivery (only the fields burt reads are listed).
            Example: {'signature': {'timestamp': '1529006854', 'token':
            'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', 'signature':
            'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55'}, 'event-data':
            {'event': 'delivered', 'id': 'CPgfbmQMTCKtHW6uIWtuVe', 'timestamp': 1521472262.908181}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: MailgunEvent,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a Mailgun webhook delivery

     Mailgun posts one event: `{"signature": {"timestamp", "token", "signature"},
    "event-data": {...}}`. `signature.signature` must be the hex HMAC-SHA256 of
    `timestamp` + `token` under the registered signing key, and `timestamp` within the replay
    tolerance. Otherwise: 401, nothing recorded.

    Routing: the user variables `burt_campaign_id` and `burt_contact_id`
    (`event-data.user-variables`, sent as `v:burt_campaign_id` / `v:burt_contact_id`).
    Mapping: `delivered`, `opened`, `clicked`, `unsubscribed`, `complained`, `failed` with
    `severity: permanent` → bounced; other events (temporary failures, `accepted`, ...) are
    counted as ignored. Event ids: `mg:` + `event-data.id`.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (MailgunEvent): A Mailgun webhook delivery (only the fields burt reads are listed).
            Example: {'signature': {'timestamp': '1529006854', 'token':
            'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', 'signature':
            'd2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55'}, 'event-data':
            {'event': 'delivered', 'id': 'CPgfbmQMTCKtHW6uIWtuVe', 'timestamp': 1521472262.908181}}.

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
        )
    ).parsed
