from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.batch import Batch
from ...models.batch_create import BatchCreate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    campaign_id: str,
    *,
    body: BatchCreate,
    idempotency_key: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/campaigns/{campaign_id}/batches".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Batch | Problem:
    if response.status_code == 201:
        response_201 = Batch.from_dict(response.json())

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

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Batch | Problem]:
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
    body: BatchCreate,
    idempotency_key: str,
) -> Response[Batch | Problem]:
    """Draw the next experiment batch

     The only operation that consumes contacts. Claims up to `size` pending contacts (oldest
    loaded first), computes the allocation from the evidence so far, apportions the batch
    between the variants by largest remainder and shuffles the assignment with a seed stored
    with the batch, so every batch is reproducible.

    **Idempotency**: the `Idempotency-Key` header is required. A retry with the same key and
    the same body returns the same batch (`201`, header `Idempotent-Replayed: true`) and claims
    nothing more; the same key with a different body answers 422.

    With no pending contacts left the answer is 409 (`type` ending in `no-pending-contacts`)
    and nothing is stored; fewer pending contacts than `size` give a smaller batch. A paused or
    completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        idempotency_key (str):  Example: 2026-11-27T09:00-hourly.
        body (BatchCreate): The batch to draw. Example: {'size': 1000}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Batch | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: BatchCreate,
    idempotency_key: str,
) -> Batch | Problem | None:
    """Draw the next experiment batch

     The only operation that consumes contacts. Claims up to `size` pending contacts (oldest
    loaded first), computes the allocation from the evidence so far, apportions the batch
    between the variants by largest remainder and shuffles the assignment with a seed stored
    with the batch, so every batch is reproducible.

    **Idempotency**: the `Idempotency-Key` header is required. A retry with the same key and
    the same body returns the same batch (`201`, header `Idempotent-Replayed: true`) and claims
    nothing more; the same key with a different body answers 422.

    With no pending contacts left the answer is 409 (`type` ending in `no-pending-contacts`)
    and nothing is stored; fewer pending contacts than `size` give a smaller batch. A paused or
    completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        idempotency_key (str):  Example: 2026-11-27T09:00-hourly.
        body (BatchCreate): The batch to draw. Example: {'size': 1000}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Batch | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: BatchCreate,
    idempotency_key: str,
) -> Response[Batch | Problem]:
    """Draw the next experiment batch

     The only operation that consumes contacts. Claims up to `size` pending contacts (oldest
    loaded first), computes the allocation from the evidence so far, apportions the batch
    between the variants by largest remainder and shuffles the assignment with a seed stored
    with the batch, so every batch is reproducible.

    **Idempotency**: the `Idempotency-Key` header is required. A retry with the same key and
    the same body returns the same batch (`201`, header `Idempotent-Replayed: true`) and claims
    nothing more; the same key with a different body answers 422.

    With no pending contacts left the answer is 409 (`type` ending in `no-pending-contacts`)
    and nothing is stored; fewer pending contacts than `size` give a smaller batch. A paused or
    completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        idempotency_key (str):  Example: 2026-11-27T09:00-hourly.
        body (BatchCreate): The batch to draw. Example: {'size': 1000}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Batch | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: BatchCreate,
    idempotency_key: str,
) -> Batch | Problem | None:
    """Draw the next experiment batch

     The only operation that consumes contacts. Claims up to `size` pending contacts (oldest
    loaded first), computes the allocation from the evidence so far, apportions the batch
    between the variants by largest remainder and shuffles the assignment with a seed stored
    with the batch, so every batch is reproducible.

    **Idempotency**: the `Idempotency-Key` header is required. A retry with the same key and
    the same body returns the same batch (`201`, header `Idempotent-Replayed: true`) and claims
    nothing more; the same key with a different body answers 422.

    With no pending contacts left the answer is 409 (`type` ending in `no-pending-contacts`)
    and nothing is stored; fewer pending contacts than `size` give a smaller batch. A paused or
    completed campaign answers 409.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        idempotency_key (str):  Example: 2026-11-27T09:00-hourly.
        body (BatchCreate): The batch to draw. Example: {'size': 1000}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Batch | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
