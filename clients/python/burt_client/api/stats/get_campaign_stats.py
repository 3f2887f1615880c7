from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.campaign_stats import CampaignStats
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    campaign_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/campaigns/{campaign_id}/stats".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CampaignStats | Problem:
    if response.status_code == 200:
        response_200 = CampaignStats.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CampaignStats | Problem]:
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
) -> Response[CampaignStats | Problem]:
    """Campaign statistics and decision

     Per variant: sends, matured sends (sent at least `attribution_window_seconds` ago: only
    those enter the posterior), outcome counts by type, the Beta posterior of the optimized
    outcome with its 95% equal-tailed credible interval, the probability of being best and the
    expected loss; the current allocation; the decision; a sample-ratio-mismatch test of the
    assigned counts against the intended weights. Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignStats | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> CampaignStats | Problem | None:
    """Campaign statistics and decision

     Per variant: sends, matured sends (sent at least `attribution_window_seconds` ago: only
    those enter the posterior), outcome counts by type, the Beta posterior of the optimized
    outcome with its 95% equal-tailed credible interval, the probability of being best and the
    expected loss; the current allocation; the decision; a sample-ratio-mismatch test of the
    assigned counts against the intended weights. Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignStats | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[CampaignStats | Problem]:
    """Campaign statistics and decision

     Per variant: sends, matured sends (sent at least `attribution_window_seconds` ago: only
    those enter the posterior), outcome counts by type, the Beta posterior of the optimized
    outcome with its 95% equal-tailed credible interval, the probability of being best and the
    expected loss; the current allocation; the decision; a sample-ratio-mismatch test of the
    assigned counts against the intended weights. Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignStats | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> CampaignStats | Problem | None:
    """Campaign statistics and decision

     Per variant: sends, matured sends (sent at least `attribution_window_seconds` ago: only
    those enter the posterior), outcome counts by type, the Beta posterior of the optimized
    outcome with its 95% equal-tailed credible interval, the probability of being best and the
    expected loss; the current allocation; the decision; a sample-ratio-mismatch test of the
    assigned counts against the intended weights. Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignStats | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
        )
    ).parsed
