from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.campaign import Campaign
from ...models.campaign_update import CampaignUpdate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    campaign_id: str,
    *,
    body: CampaignUpdate,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/campaigns/{campaign_id}".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Campaign | Problem:
    if response.status_code == 200:
        response_200 = Campaign.from_dict(response.json())

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

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 428:
        response_428 = Problem.from_dict(response.json())

        return response_428

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Campaign | Problem]:
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
    body: CampaignUpdate,
    if_match: str | Unset = UNSET,
) -> Response[Campaign | Problem]:
    """Update a campaign

     Renames, pauses (`status: paused`), resumes (`status: active`) or completes
    (`status: completed`, final) a campaign, or changes some of its settings (the others keep
    their values) or its control (`control_variant_id`: a variant id, or `""` to measure
    lifts against the leader again; a control that is not one of the variants answers 422
    and changes nothing). Requires `If-Match` with the campaign's current `ETag`, so two editors cannot
    overwrite each other: a stale ETag answers 412, a missing one 428.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        if_match (str | Unset):  Example: "3".
        body (CampaignUpdate): The fields to change; at least one. Example: {'status': 'paused'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Campaign | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CampaignUpdate,
    if_match: str | Unset = UNSET,
) -> Campaign | Problem | None:
    """Update a campaign

     Renames, pauses (`status: paused`), resumes (`status: active`) or completes
    (`status: completed`, final) a campaign, or changes some of its settings (the others keep
    their values) or its control (`control_variant_id`: a variant id, or `""` to measure
    lifts against the leader again; a control that is not one of the variants answers 422
    and changes nothing). Requires `If-Match` with the campaign's current `ETag`, so two editors cannot
    overwrite each other: a stale ETag answers 412, a missing one 428.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        if_match (str | Unset):  Example: "3".
        body (CampaignUpdate): The fields to change; at least one. Example: {'status': 'paused'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Campaign | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CampaignUpdate,
    if_match: str | Unset = UNSET,
) -> Response[Campaign | Problem]:
    """Update a campaign

     Renames, pauses (`status: paused`), resumes (`status: active`) or completes
    (`status: completed`, final) a campaign, or changes some of its settings (the others keep
    their values) or its control (`control_variant_id`: a variant id, or `""` to measure
    lifts against the leader again; a control that is not one of the variants answers 422
    and changes nothing). Requires `If-Match` with the campaign's current `ETag`, so two editors cannot
    overwrite each other: a stale ETag answers 412, a missing one 428.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        if_match (str | Unset):  Example: "3".
        body (CampaignUpdate): The fields to change; at least one. Example: {'status': 'paused'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Campaign | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CampaignUpdate,
    if_match: str | Unset = UNSET,
) -> Campaign | Problem | None:
    """Update a campaign

     Renames, pauses (`status: paused`), resumes (`status: active`) or completes
    (`status: completed`, final) a campaign, or changes some of its settings (the others keep
    their values) or its control (`control_variant_id`: a variant id, or `""` to measure
    lifts against the leader again; a control that is not one of the variants answers 422
    and changes nothing). Requires `If-Match` with the campaign's current `ETag`, so two editors cannot
    overwrite each other: a stale ETag answers 412, a missing one 428.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        if_match (str | Unset):  Example: "3".
        body (CampaignUpdate): The fields to change; at least one. Example: {'status': 'paused'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Campaign | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            body=body,
            if_match=if_match,
        )
    ).parsed
