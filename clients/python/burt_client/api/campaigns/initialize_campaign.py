from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.campaign import Campaign
from ...models.campaign_create import CampaignCreate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CampaignCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/campaigns",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Campaign | Problem:
    if response.status_code == 201:
        response_201 = Campaign.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

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
    *,
    client: AuthenticatedClient | Client,
    body: CampaignCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[Campaign | Problem]:
    """Initialize a campaign

     Creates a campaign with its variants, the outcome to optimize and the policy settings.
    Omitted settings take the documented defaults. The campaign starts `active`. It may name
    one of its variants as the control (`control_variant_id`): the statistics then measure
    every lift against it instead of against the current leader. A control that is not one
    of the variants answers 422 and creates nothing.

    **Retries**: with an `Idempotency-Key`, a retry with the same key and the same body makes
    no second campaign: it answers 201 with the campaign the first request made (as it is
    now) and `Idempotent-Replayed: true`; the same key with a different body answers 422. Keys
    are per tenant.

    Args:
        idempotency_key (str | Unset):  Example: launch-2026-11-27.
        body (CampaignCreate): A new campaign. Example: {'name': 'Black Friday 2026', 'optimize':
            'clicked', 'variants': [{'id': 'a', 'label': 'Sale starts now'}, {'id': 'b', 'label': '48
            hours only'}], 'control_variant_id': 'a'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Campaign | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CampaignCreate,
    idempotency_key: str | Unset = UNSET,
) -> Campaign | Problem | None:
    """Initialize a campaign

     Creates a campaign with its variants, the outcome to optimize and the policy settings.
    Omitted settings take the documented defaults. The campaign starts `active`. It may name
    one of its variants as the control (`control_variant_id`): the statistics then measure
    every lift against it instead of against the current leader. A control that is not one
    of the variants answers 422 and creates nothing.

    **Retries**: with an `Idempotency-Key`, a retry with the same key and the same body makes
    no second campaign: it answers 201 with the campaign the first request made (as it is
    now) and `Idempotent-Replayed: true`; the same key with a different body answers 422. Keys
    are per tenant.

    Args:
        idempotency_key (str | Unset):  Example: launch-2026-11-27.
        body (CampaignCreate): A new campaign. Example: {'name': 'Black Friday 2026', 'optimize':
            'clicked', 'variants': [{'id': 'a', 'label': 'Sale starts now'}, {'id': 'b', 'label': '48
            hours only'}], 'control_variant_id': 'a'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Campaign | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CampaignCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[Campaign | Problem]:
    """Initialize a campaign

     Creates a campaign with its variants, the outcome to optimize and the policy settings.
    Omitted settings take the documented defaults. The campaign starts `active`. It may name
    one of its variants as the control (`control_variant_id`): the statistics then measure
    every lift against it instead of against the current leader. A control that is not one
    of the variants answers 422 and creates nothing.

    **Retries**: with an `Idempotency-Key`, a retry with the same key and the same body makes
    no second campaign: it answers 201 with the campaign the first request made (as it is
    now) and `Idempotent-Replayed: true`; the same key with a different body answers 422. Keys
    are per tenant.

    Args:
        idempotency_key (str | Unset):  Example: launch-2026-11-27.
        body (CampaignCreate): A new campaign. Example: {'name': 'Black Friday 2026', 'optimize':
            'clicked', 'variants': [{'id': 'a', 'label': 'Sale starts now'}, {'id': 'b', 'label': '48
            hours only'}], 'control_variant_id': 'a'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Campaign | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CampaignCreate,
    idempotency_key: str | Unset = UNSET,
) -> Campaign | Problem | None:
    """Initialize a campaign

     Creates a campaign with its variants, the outcome to optimize and the policy settings.
    Omitted settings take the documented defaults. The campaign starts `active`. It may name
    one of its variants as the control (`control_variant_id`): the statistics then measure
    every lift against it instead of against the current leader. A control that is not one
    of the variants answers 422 and creates nothing.

    **Retries**: with an `Idempotency-Key`, a retry with the same key and the same body makes
    no second campaign: it answers 201 with the campaign the first request made (as it is
    now) and `Idempotent-Replayed: true`; the same key with a different body answers 422. Keys
    are per tenant.

    Args:
        idempotency_key (str | Unset):  Example: launch-2026-11-27.
        body (CampaignCreate): A new campaign. Example: {'name': 'Black Friday 2026', 'optimize':
            'clicked', 'variants': [{'id': 'a', 'label': 'Sale starts now'}, {'id': 'b', 'label': '48
            hours only'}], 'control_variant_id': 'a'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Campaign | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
