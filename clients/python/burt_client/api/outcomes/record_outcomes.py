from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.event_load import EventLoad
from ...models.event_load_result import EventLoadResult
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    campaign_id: str,
    *,
    body: EventLoad,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/campaigns/{campaign_id}/events".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> EventLoadResult | Problem:
    if response.status_code == 200:
        response_200 = EventLoadResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EventLoadResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: EventLoad,
) -> Response[EventLoadResult | Problem]:
    """Record outcome events

     Records outcome events in bulk (up to 50,000 per request), idempotently by event id.

    - An event id already recorded counts once: it is reported under `duplicates`.
    - Every outcome type is binary per contact: a second event of the same type for the same
      contact is stored but counted once (`repeated`).
    - Item-level rejection: events for a contact the campaign does not know
      (`unknown_contact`), for a contact not yet assigned in a batch
      (`contact_not_assigned`), or dated more than a second before the contact's batch was
      drawn (`occurred_before_batch`) are rejected one by one with their index and reason (and
      store nothing), while the valid events of the same request are recorded. Nothing is
      dropped silently: every event is counted in exactly one of `recorded`, `duplicates`
      or `rejected`.
    - An event later than the campaign's `attribution_window_seconds` after its batch was
      drawn is recorded (and shows in the stats' outcome counts) but never counted as
      evidence: `late` says how many of the recorded events were.
    - Events for held-out contacts are recorded and reported under the stats' `holdout`.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (EventLoad): Events to record. Example: {'events': [{'id': 'evt-1', 'contact_id':
            'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventLoadResult | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: EventLoad,
) -> EventLoadResult | Problem | None:
    """Record outcome events

     Records outcome events in bulk (up to 50,000 per request), idempotently by event id.

    - An event id already recorded counts once: it is reported under `duplicates`.
    - Every outcome type is binary per contact: a second event of the same type for the same
      contact is stored but counted once (`repeated`).
    - Item-level rejection: events for a contact the campaign does not know
      (`unknown_contact`), for a contact not yet assigned in a batch
      (`contact_not_assigned`), or dated more than a second before the contact's batch was
      drawn (`occurred_before_batch`) are rejected one by one with their index and reason (and
      store nothing), while the valid events of the same request are recorded. Nothing is
      dropped silently: every event is counted in exactly one of `recorded`, `duplicates`
      or `rejected`.
    - An event later than the campaign's `attribution_window_seconds` after its batch was
      drawn is recorded (and shows in the stats' outcome counts) but never counted as
      evidence: `late` says how many of the recorded events were.
    - Events for held-out contacts are recorded and reported under the stats' `holdout`.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (EventLoad): Events to record. Example: {'events': [{'id': 'evt-1', 'contact_id':
            'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventLoadResult | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: EventLoad,
) -> Response[EventLoadResult | Problem]:
    """Record outcome events

     Records outcome events in bulk (up to 50,000 per request), idempotently by event id.

    - An event id already recorded counts once: it is reported under `duplicates`.
    - Every outcome type is binary per contact: a second event of the same type for the same
      contact is stored but counted once (`repeated`).
    - Item-level rejection: events for a contact the campaign does not know
      (`unknown_contact`), for a contact not yet assigned in a batch
      (`contact_not_assigned`), or dated more than a second before the contact's batch was
      drawn (`occurred_before_batch`) are rejected one by one with their index and reason (and
      store nothing), while the valid events of the same request are recorded. Nothing is
      dropped silently: every event is counted in exactly one of `recorded`, `duplicates`
      or `rejected`.
    - An event later than the campaign's `attribution_window_seconds` after its batch was
      drawn is recorded (and shows in the stats' outcome counts) but never counted as
      evidence: `late` says how many of the recorded events were.
    - Events for held-out contacts are recorded and reported under the stats' `holdout`.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (EventLoad): Events to record. Example: {'events': [{'id': 'evt-1', 'contact_id':
            'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventLoadResult | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: EventLoad,
) -> EventLoadResult | Problem | None:
    """Record outcome events

     Records outcome events in bulk (up to 50,000 per request), idempotently by event id.

    - An event id already recorded counts once: it is reported under `duplicates`.
    - Every outcome type is binary per contact: a second event of the same type for the same
      contact is stored but counted once (`repeated`).
    - Item-level rejection: events for a contact the campaign does not know
      (`unknown_contact`), for a contact not yet assigned in a batch
      (`contact_not_assigned`), or dated more than a second before the contact's batch was
      drawn (`occurred_before_batch`) are rejected one by one with their index and reason (and
      store nothing), while the valid events of the same request are recorded. Nothing is
      dropped silently: every event is counted in exactly one of `recorded`, `duplicates`
      or `rejected`.
    - An event later than the campaign's `attribution_window_seconds` after its batch was
      drawn is recorded (and shows in the stats' outcome counts) but never counted as
      evidence: `late` says how many of the recorded events were.
    - Events for held-out contacts are recorded and reported under the stats' `holdout`.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (EventLoad): Events to record. Example: {'events': [{'id': 'evt-1', 'contact_id':
            'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventLoadResult | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            body=body,
        )
    ).parsed
