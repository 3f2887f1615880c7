from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.mailgun_webhook_create import MailgunWebhookCreate
from ...models.postmark_webhook_create import PostmarkWebhookCreate
from ...models.problem import Problem
from ...models.send_grid_webhook_create import SendGridWebhookCreate
from ...models.ses_webhook_create import SesWebhookCreate
from ...models.webhook import Webhook
from ...types import Response


def _get_kwargs(
    *,
    body: MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate | SesWebhookCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks",
    }

    if isinstance(body, SendGridWebhookCreate):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, MailgunWebhookCreate):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, PostmarkWebhookCreate):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Webhook:
    if response.status_code == 201:
        response_201 = Webhook.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Webhook]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate | SesWebhookCreate,
) -> Response[Problem | Webhook]:
    """Register a webhook receiver

     Creates a receiver for one email platform's event webhook and answers its `url`, the
    address to paste into the platform. The receiver id in it is unguessable. What each
    provider needs:

    - `sendgrid`: `verification_key`, the Event Webhook's verification key exactly as the
      SendGrid console shows it (a base64 DER ECDSA P-256 public key, no PEM framing).
    - `mailgun`: `signing_key`, the HTTP webhook signing key (Mailgun: Settings, Webhooks).
    - `postmark`: `username` and `password`, the HTTP Basic credentials you choose; paste the
      URL with them embedded (`https://USER:PASSWORD@host/webhooks/postmark/ID`).
    - `ses`: `topic_arn`, the SNS topic SES publishes to (only that topic is accepted), and
      optionally `certificate_pem` to pin the SNS signing certificate instead of fetching it
      from the message's `SigningCertURL`.

    Secrets are never returned. The Mailgun signing key is stored encrypted (AES-GCM under the
    server's `BURT_SECRET_KEY`), since verifying needs it; the Postmark password is stored as
    HMAC-SHA256 under that key; SendGrid's key and the SES certificate are public.

    Args:
        body (MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate |
            SesWebhookCreate): A receiver to register, one schema per provider (see
            `registerWebhook`); `provider` says which. Example: {'provider': 'mailgun', 'signing_key':
            'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate | SesWebhookCreate,
) -> Problem | Webhook | None:
    """Register a webhook receiver

     Creates a receiver for one email platform's event webhook and answers its `url`, the
    address to paste into the platform. The receiver id in it is unguessable. What each
    provider needs:

    - `sendgrid`: `verification_key`, the Event Webhook's verification key exactly as the
      SendGrid console shows it (a base64 DER ECDSA P-256 public key, no PEM framing).
    - `mailgun`: `signing_key`, the HTTP webhook signing key (Mailgun: Settings, Webhooks).
    - `postmark`: `username` and `password`, the HTTP Basic credentials you choose; paste the
      URL with them embedded (`https://USER:PASSWORD@host/webhooks/postmark/ID`).
    - `ses`: `topic_arn`, the SNS topic SES publishes to (only that topic is accepted), and
      optionally `certificate_pem` to pin the SNS signing certificate instead of fetching it
      from the message's `SigningCertURL`.

    Secrets are never returned. The Mailgun signing key is stored encrypted (AES-GCM under the
    server's `BURT_SECRET_KEY`), since verifying needs it; the Postmark password is stored as
    HMAC-SHA256 under that key; SendGrid's key and the SES certificate are public.

    Args:
        body (MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate |
            SesWebhookCreate): A receiver to register, one schema per provider (see
            `registerWebhook`); `provider` says which. Example: {'provider': 'mailgun', 'signing_key':
            'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate | SesWebhookCreate,
) -> Response[Problem | Webhook]:
    """Register a webhook receiver

     Creates a receiver for one email platform's event webhook and answers its `url`, the
    address to paste into the platform. The receiver id in it is unguessable. What each
    provider needs:

    - `sendgrid`: `verification_key`, the Event Webhook's verification key exactly as the
      SendGrid console shows it (a base64 DER ECDSA P-256 public key, no PEM framing).
    - `mailgun`: `signing_key`, the HTTP webhook signing key (Mailgun: Settings, Webhooks).
    - `postmark`: `username` and `password`, the HTTP Basic credentials you choose; paste the
      URL with them embedded (`https://USER:PASSWORD@host/webhooks/postmark/ID`).
    - `ses`: `topic_arn`, the SNS topic SES publishes to (only that topic is accepted), and
      optionally `certificate_pem` to pin the SNS signing certificate instead of fetching it
      from the message's `SigningCertURL`.

    Secrets are never returned. The Mailgun signing key is stored encrypted (AES-GCM under the
    server's `BURT_SECRET_KEY`), since verifying needs it; the Postmark password is stored as
    HMAC-SHA256 under that key; SendGrid's key and the SES certificate are public.

    Args:
        body (MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate |
            SesWebhookCreate): A receiver to register, one schema per provider (see
            `registerWebhook`); `provider` says which. Example: {'provider': 'mailgun', 'signing_key':
            'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate | SesWebhookCreate,
) -> Problem | Webhook | None:
    """Register a webhook receiver

     Creates a receiver for one email platform's event webhook and answers its `url`, the
    address to paste into the platform. The receiver id in it is unguessable. What each
    provider needs:

    - `sendgrid`: `verification_key`, the Event Webhook's verification key exactly as the
      SendGrid console shows it (a base64 DER ECDSA P-256 public key, no PEM framing).
    - `mailgun`: `signing_key`, the HTTP webhook signing key (Mailgun: Settings, Webhooks).
    - `postmark`: `username` and `password`, the HTTP Basic credentials you choose; paste the
      URL with them embedded (`https://USER:PASSWORD@host/webhooks/postmark/ID`).
    - `ses`: `topic_arn`, the SNS topic SES publishes to (only that topic is accepted), and
      optionally `certificate_pem` to pin the SNS signing certificate instead of fetching it
      from the message's `SigningCertURL`.

    Secrets are never returned. The Mailgun signing key is stored encrypted (AES-GCM under the
    server's `BURT_SECRET_KEY`), since verifying needs it; the Postmark password is stored as
    HMAC-SHA256 under that key; SendGrid's key and the SES certificate are public.

    Args:
        body (MailgunWebhookCreate | PostmarkWebhookCreate | SendGridWebhookCreate |
            SesWebhookCreate): A receiver to register, one schema per provider (see
            `registerWebhook`); `provider` says which. Example: {'provider': 'mailgun', 'signing_key':
            'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
