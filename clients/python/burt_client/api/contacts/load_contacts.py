from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.contact_load import ContactLoad
from ...models.contact_load_result import ContactLoadResult
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    campaign_id: str,
    *,
    body: ContactLoad,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/campaigns/{campaign_id}/contacts".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ContactLoadResult | Problem:
    if response.status_code == 200:
        response_200 = ContactLoadResult.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[ContactLoadResult | Problem]:
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
    body: ContactLoad,
) -> Response[ContactLoadResult | Problem]:
    """Load contacts

     Adds contacts to the campaign, in bulk (up to 50,000 per request), as many times as needed.
    Idempotent by contact id: a contact id already loaded is counted under `existing` and left
    as it is (its attributes are not changed). New contacts are pending until a batch claims
    them, in the order they were loaded. A completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (ContactLoad): Contacts to load. Example: {'contacts': [{'id': 'c-1001'}, {'id':
            'c-1002'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContactLoadResult | Problem]
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
    body: ContactLoad,
) -> ContactLoadResult | Problem | None:
    """Load contacts

     Adds contacts to the campaign, in bulk (up to 50,000 per request), as many times as needed.
    Idempotent by contact id: a contact id already loaded is counted under `existing` and left
    as it is (its attributes are not changed). New contacts are pending until a batch claims
    them, in the order they were loaded. A completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (ContactLoad): Contacts to load. Example: {'contacts': [{'id': 'c-1001'}, {'id':
            'c-1002'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContactLoadResult | Problem
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
    body: ContactLoad,
) -> Response[ContactLoadResult | Problem]:
    """Load contacts

     Adds contacts to the campaign, in bulk (up to 50,000 per request), as many times as needed.
    Idempotent by contact id: a contact id already loaded is counted under `existing` and left
    as it is (its attributes are not changed). New contacts are pending until a batch claims
    them, in the order they were loaded. A completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (ContactLoad): Contacts to load. Example: {'contacts': [{'id': 'c-1001'}, {'id':
            'c-1002'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContactLoadResult | Problem]
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
    body: ContactLoad,
) -> ContactLoadResult | Problem | None:
    """Load contacts

     Adds contacts to the campaign, in bulk (up to 50,000 per request), as many times as needed.
    Idempotent by contact id: a contact id already loaded is counted under `existing` and left
    as it is (its attributes are not changed). New contacts are pending until a batch claims
    them, in the order they were loaded. A completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        body (ContactLoad): Contacts to load. Example: {'contacts': [{'id': 'c-1001'}, {'id':
            'c-1002'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContactLoadResult | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            body=body,
        )
    ).parsed
