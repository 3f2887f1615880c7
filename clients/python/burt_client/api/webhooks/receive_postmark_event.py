from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.postmark_event import PostmarkEvent
from ...models.problem import Problem
from ...models.webhook_delivery_result import WebhookDeliveryResult
from ...types import Response


def _get_kwargs(
    webhook_id: str,
    *,
    body: PostmarkEvent,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/postmark/{webhook_id}".format(
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
    client: AuthenticatedClient,
    body: PostmarkEvent,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a Postmark webhook delivery

     Postmark posts one event and signs nothing: the delivery must carry the HTTP Basic
    credentials registered for this receiver (embedded in the URL pasted into Postmark),
    compared in constant time. Otherwise: 401, nothing recorded.

    Routing: the message's `Metadata` `burt_campaign_id` and `burt_contact_id`. Mapping:
    `Delivery` → delivered, `Open` → opened, `Click` → clicked, `Bounce` of type `HardBounce`
    (or one that deactivated the address) → bounced, `SpamComplaint` → complained,
    `SubscriptionChange` by the recipient that suppresses sending (not for a bounce or
    complaint) → unsubscribed; other records are counted as ignored. Event ids: `pm:bounce:`
    + `ID` for bounces and complaints, else `pm:` + RecordType + MessageID + the event time.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (PostmarkEvent): A Postmark webhook delivery (only the fields burt reads are listed).
            Example: {'RecordType': 'Delivery', 'MessageID': '883953f4-6105-42a2-a16a-77a8eac79483',
            'DeliveredAt': '2019-11-05T16:33:54.9070259Z', 'Metadata': {'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}}.

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
    client: AuthenticatedClient,
    body: PostmarkEvent,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a Postmark webhook delivery

     Postmark posts one event and signs nothing: the delivery must carry the HTTP Basic
    credentials registered for this receiver (embedded in the URL pasted into Postmark),
    compared in constant time. Otherwise: 401, nothing recorded.

    Routing: the message's `Metadata` `burt_campaign_id` and `burt_contact_id`. Mapping:
    `Delivery` → delivered, `Open` → opened, `Click` → clicked, `Bounce` of type `HardBounce`
    (or one that deactivated the address) → bounced, `SpamComplaint` → complained,
    `SubscriptionChange` by the recipient that suppresses sending (not for a bounce or
    complaint) → unsubscribed; other records are counted as ignored. Event ids: `pm:bounce:`
    + `ID` for bounces and complaints, else `pm:` + RecordType + MessageID + the event time.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (PostmarkEvent): A Postmark webhook delivery (only the fields burt reads are listed).
            Example: {'RecordType': 'Delivery', 'MessageID': '883953f4-6105-42a2-a16a-77a8eac79483',
            'DeliveredAt': '2019-11-05T16:33:54.9070259Z', 'Metadata': {'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}}.

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
    client: AuthenticatedClient,
    body: PostmarkEvent,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive a Postmark webhook delivery

     Postmark posts one event and signs nothing: the delivery must carry the HTTP Basic
    credentials registered for this receiver (embedded in the URL pasted into Postmark),
    compared in constant time. Otherwise: 401, nothing recorded.

    Routing: the message's `Metadata` `burt_campaign_id` and `burt_contact_id`. Mapping:
    `Delivery` → delivered, `Open` → opened, `Click` → clicked, `Bounce` of type `HardBounce`
    (or one that deactivated the address) → bounced, `SpamComplaint` → complained,
    `SubscriptionChange` by the recipient that suppresses sending (not for a bounce or
    complaint) → unsubscribed; other records are counted as ignored. Event ids: `pm:bounce:`
    + `ID` for bounces and complaints, else `pm:` + RecordType + MessageID + the event time.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (PostmarkEvent): A Postmark webhook delivery (only the fields burt reads are listed).
            Example: {'RecordType': 'Delivery', 'MessageID': '883953f4-6105-42a2-a16a-77a8eac79483',
            'DeliveredAt': '2019-11-05T16:33:54.9070259Z', 'Metadata': {'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}}.

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
    client: AuthenticatedClient,
    body: PostmarkEvent,
) -> Problem | WebhookDeliveryResult | None:
    """Receive a Postmark webhook delivery

     Postmark posts one event and signs nothing: the delivery must carry the HTTP Basic
    credentials registered for this receiver (embedded in the URL pasted into Postmark),
    compared in constant time. Otherwise: 401, nothing recorded.

    Routing: the message's `Metadata` `burt_campaign_id` and `burt_contact_id`. Mapping:
    `Delivery` → delivered, `Open` → opened, `Click` → clicked, `Bounce` of type `HardBounce`
    (or one that deactivated the address) → bounced, `SpamComplaint` → complained,
    `SubscriptionChange` by the recipient that suppresses sending (not for a bounce or
    complaint) → unsubscribed; other records are counted as ignored. Event ids: `pm:bounce:`
    + `ID` for bounces and complaints, else `pm:` + RecordType + MessageID + the event time.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        body (PostmarkEvent): A Postmark webhook delivery (only the fields burt reads are listed).
            Example: {'RecordType': 'Delivery', 'MessageID': '883953f4-6105-42a2-a16a-77a8eac79483',
            'DeliveredAt': '2019-11-05T16:33:54.9070259Z', 'Metadata': {'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}}.

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
