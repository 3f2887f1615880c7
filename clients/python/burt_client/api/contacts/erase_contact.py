from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    campaign_id: str,
    contact_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/campaigns/{campaign_id}/contacts/{contact_id}".format(
            campaign_id=quote(str(campaign_id), safe=""),
            contact_id=quote(str(contact_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    campaign_id: str,
    contact_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """Erase a contact (right to erasure)

     Erases one person from the campaign, as a data-protection erasure request asks: the
    contact id, its attributes and the ids of its outcome events are removed for good, and
    nothing derived from them is kept. The campaign's numbers stay as they were: a contact
    already assigned stays counted, anonymously, in its batch's sends and outcomes, so the
    stats, the allocation and the decision do not change; a contact still pending is
    removed and leaves `contacts_total` and `contacts_pending`. Afterwards events for this
    id are rejected as `unknown_contact`, batch assignments leave the contact out (`size`
    and `counts` still count it), and erasing it again answers 404. Loading the same id
    later creates a new, pending contact: keep erased people out of later loads. In a
    segmented campaign, when no other contact still carries the person's `segment_by`
    values, its segment's values are removed too: the segment stays, with its counts, as
    `erased segment N` (see `SegmentStats`).
    Example: `DELETE /campaigns/cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50/contacts/c-1001`
    answers 204, no body.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        contact_id (str):  Example: c-1001.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        contact_id=contact_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: str,
    contact_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """Erase a contact (right to erasure)

     Erases one person from the campaign, as a data-protection erasure request asks: the
    contact id, its attributes and the ids of its outcome events are removed for good, and
    nothing derived from them is kept. The campaign's numbers stay as they were: a contact
    already assigned stays counted, anonymously, in its batch's sends and outcomes, so the
    stats, the allocation and the decision do not change; a contact still pending is
    removed and leaves `contacts_total` and `contacts_pending`. Afterwards events for this
    id are rejected as `unknown_contact`, batch assignments leave the contact out (`size`
    and `counts` still count it), and erasing it again answers 404. Loading the same id
    later creates a new, pending contact: keep erased people out of later loads. In a
    segmented campaign, when no other contact still carries the person's `segment_by`
    values, its segment's values are removed too: the segment stays, with its counts, as
    `erased segment N` (see `SegmentStats`).
    Example: `DELETE /campaigns/cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50/contacts/c-1001`
    answers 204, no body.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        contact_id (str):  Example: c-1001.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        contact_id=contact_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    campaign_id: str,
    contact_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """Erase a contact (right to erasure)

     Erases one person from the campaign, as a data-protection erasure request asks: the
    contact id, its attributes and the ids of its outcome events are removed for good, and
    nothing derived from them is kept. The campaign's numbers stay as they were: a contact
    already assigned stays counted, anonymously, in its batch's sends and outcomes, so the
    stats, the allocation and the decision do not change; a contact still pending is
    removed and leaves `contacts_total` and `contacts_pending`. Afterwards events for this
    id are rejected as `unknown_contact`, batch assignments leave the contact out (`size`
    and `counts` still count it), and erasing it again answers 404. Loading the same id
    later creates a new, pending contact: keep erased people out of later loads. In a
    segmented campaign, when no other contact still carries the person's `segment_by`
    values, its segment's values are removed too: the segment stays, with its counts, as
    `erased segment N` (see `SegmentStats`).
    Example: `DELETE /campaigns/cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50/contacts/c-1001`
    answers 204, no body.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        contact_id (str):  Example: c-1001.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        contact_id=contact_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: str,
    contact_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """Erase a contact (right to erasure)

     Erases one person from the campaign, as a data-protection erasure request asks: the
    contact id, its attributes and the ids of its outcome events are removed for good, and
    nothing derived from them is kept. The campaign's numbers stay as they were: a contact
    already assigned stays counted, anonymously, in its batch's sends and outcomes, so the
    stats, the allocation and the decision do not change; a contact still pending is
    removed and leaves `contacts_total` and `contacts_pending`. Afterwards events for this
    id are rejected as `unknown_contact`, batch assignments leave the contact out (`size`
    and `counts` still count it), and erasing it again answers 404. Loading the same id
    later creates a new, pending contact: keep erased people out of later loads. In a
    segmented campaign, when no other contact still carries the person's `segment_by`
    values, its segment's values are removed too: the segment stays, with its counts, as
    `erased segment N` (see `SegmentStats`).
    Example: `DELETE /campaigns/cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50/contacts/c-1001`
    answers 204, no body.

    Args:
        campaign_id (str):  Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        contact_id (str):  Example: c-1001.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            contact_id=contact_id,
            client=client,
        )
    ).parsed
