import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.campaign_stats import CampaignStats
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    campaign_id: str,
    *,
    control: str | Unset = UNSET,
    as_of: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["control"] = control

    json_as_of: str | Unset = UNSET
    if not isinstance(as_of, Unset):
        json_as_of = as_of.isoformat()
    params["as_of"] = json_as_of

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/campaigns/{campaign_id}/stats".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CampaignStats | Problem:
    if response.status_code == 200:
        response_200 = CampaignStats.from_dict(response.json())

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

    if response.status_code == 406:
        response_406 = Problem.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

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
    control: str | Unset = UNSET,
    as_of: datetime.datetime | Unset = UNSET,
) -> Response[CampaignStats | Problem]:
    """Campaign statistics and decision

     Per variant: its label, sends and effective sends (each send weighted by the share of its
    outcomes that should have arrived by now, from the delays this campaign's own events
    show), outcome counts by type, the optimized outcomes counted and those that arrived
    later than the attribution window (recorded, not counted), the observed rate, the Beta
    posterior with its 95% equal-tailed credible interval, the probability of being best,
    the expected loss and the relative lift over the control variant (the `control`
    parameter, else the campaign's `control_variant_id`, else the current leader) with a 95%
    interval. The decision: its status, a sentence
    saying it, and every condition of the winner rule with its current value, threshold and
    whether it is met, plus an estimate of the sends still needed. Also the sample-ratio-
    mismatch test of the assigned counts against the intended weights. A segmented
    campaign (settings `segment_by`) adds every segment's variants and decision, and the
    verdict on whether the winner differs by segment. With `Accept: text/csv` the answer
    is the per-variant table as CSV (a segmented campaign's with a first column `segment`:
    `all` for the campaign's rows, then each segment's `name` on its rows). Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        control (str | Unset):
        as_of (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignStats | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        control=control,
        as_of=as_of,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    control: str | Unset = UNSET,
    as_of: datetime.datetime | Unset = UNSET,
) -> CampaignStats | Problem | None:
    """Campaign statistics and decision

     Per variant: its label, sends and effective sends (each send weighted by the share of its
    outcomes that should have arrived by now, from the delays this campaign's own events
    show), outcome counts by type, the optimized outcomes counted and those that arrived
    later than the attribution window (recorded, not counted), the observed rate, the Beta
    posterior with its 95% equal-tailed credible interval, the probability of being best,
    the expected loss and the relative lift over the control variant (the `control`
    parameter, else the campaign's `control_variant_id`, else the current leader) with a 95%
    interval. The decision: its status, a sentence
    saying it, and every condition of the winner rule with its current value, threshold and
    whether it is met, plus an estimate of the sends still needed. Also the sample-ratio-
    mismatch test of the assigned counts against the intended weights. A segmented
    campaign (settings `segment_by`) adds every segment's variants and decision, and the
    verdict on whether the winner differs by segment. With `Accept: text/csv` the answer
    is the per-variant table as CSV (a segmented campaign's with a first column `segment`:
    `all` for the campaign's rows, then each segment's `name` on its rows). Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        control (str | Unset):
        as_of (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignStats | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        control=control,
        as_of=as_of,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    control: str | Unset = UNSET,
    as_of: datetime.datetime | Unset = UNSET,
) -> Response[CampaignStats | Problem]:
    """Campaign statistics and decision

     Per variant: its label, sends and effective sends (each send weighted by the share of its
    outcomes that should have arrived by now, from the delays this campaign's own events
    show), outcome counts by type, the optimized outcomes counted and those that arrived
    later than the attribution window (recorded, not counted), the observed rate, the Beta
    posterior with its 95% equal-tailed credible interval, the probability of being best,
    the expected loss and the relative lift over the control variant (the `control`
    parameter, else the campaign's `control_variant_id`, else the current leader) with a 95%
    interval. The decision: its status, a sentence
    saying it, and every condition of the winner rule with its current value, threshold and
    whether it is met, plus an estimate of the sends still needed. Also the sample-ratio-
    mismatch test of the assigned counts against the intended weights. A segmented
    campaign (settings `segment_by`) adds every segment's variants and decision, and the
    verdict on whether the winner differs by segment. With `Accept: text/csv` the answer
    is the per-variant table as CSV (a segmented campaign's with a first column `segment`:
    `all` for the campaign's rows, then each segment's `name` on its rows). Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        control (str | Unset):
        as_of (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignStats | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        control=control,
        as_of=as_of,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    control: str | Unset = UNSET,
    as_of: datetime.datetime | Unset = UNSET,
) -> CampaignStats | Problem | None:
    """Campaign statistics and decision

     Per variant: its label, sends and effective sends (each send weighted by the share of its
    outcomes that should have arrived by now, from the delays this campaign's own events
    show), outcome counts by type, the optimized outcomes counted and those that arrived
    later than the attribution window (recorded, not counted), the observed rate, the Beta
    posterior with its 95% equal-tailed credible interval, the probability of being best,
    the expected loss and the relative lift over the control variant (the `control`
    parameter, else the campaign's `control_variant_id`, else the current leader) with a 95%
    interval. The decision: its status, a sentence
    saying it, and every condition of the winner rule with its current value, threshold and
    whether it is met, plus an estimate of the sends still needed. Also the sample-ratio-
    mismatch test of the assigned counts against the intended weights. A segmented
    campaign (settings `segment_by`) adds every segment's variants and decision, and the
    verdict on whether the winner differs by segment. With `Accept: text/csv` the answer
    is the per-variant table as CSV (a segmented campaign's with a first column `segment`:
    `all` for the campaign's rows, then each segment's `name` on its rows). Pure read.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        control (str | Unset):
        as_of (datetime.datetime | Unset):

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
            control=control,
            as_of=as_of,
        )
    ).parsed
