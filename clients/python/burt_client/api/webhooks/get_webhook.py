from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook import Webhook
from ...types import Response


def _get_kwargs(
    webhook_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/webhooks/{webhook_id}".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Webhook:
    if response.status_code == 200:
        response_200 = Webhook.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Webhook]:
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
) -> Response[Problem | Webhook]:
    """Get a webhook receiver and its counters

     The receiver's URL, what it has received (deliveries, events, recorded, duplicates,
    ignored event types, events rejected by reason, deliveries refused by reason), its last
    error and, for SES, the state of the SNS subscription (with the `SubscribeURL` to visit
    when it was not confirmed automatically). Pure read.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | Webhook | None:
    """Get a webhook receiver and its counters

     The receiver's URL, what it has received (deliveries, events, recorded, duplicates,
    ignored event types, events rejected by reason, deliveries refused by reason), its last
    error and, for SES, the state of the SNS subscription (with the `SubscribeURL` to visit
    when it was not confirmed automatically). Pure read.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
    """

    return sync_detailed(
        webhook_id=webhook_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | Webhook]:
    """Get a webhook receiver and its counters

     The receiver's URL, what it has received (deliveries, events, recorded, duplicates,
    ignored event types, events rejected by reason, deliveries refused by reason), its last
    error and, for SES, the state of the SNS subscription (with the `SubscribeURL` to visit
    when it was not confirmed automatically). Pure read.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | Webhook | None:
    """Get a webhook receiver and its counters

     The receiver's URL, what it has received (deliveries, events, recorded, duplicates,
    ignored event types, events rejected by reason, deliveries refused by reason), its last
    error and, for SES, the state of the SNS subscription (with the `SubscribeURL` to visit
    when it was not confirmed automatically). Pure read.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
    """

    return (
        await asyncio_detailed(
            webhook_id=webhook_id,
            client=client,
        )
    ).parsed
