from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sns_message import SnsMessage
from ...models.webhook_delivery_result import WebhookDeliveryResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook_id: str,
    *,
    body: SnsMessage | str | Unset = UNSET,
    x_amz_sns_message_type: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_amz_sns_message_type, Unset):
        headers["x-amz-sns-message-type"] = x_amz_sns_message_type

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/ses/{webhook_id}".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
    }

    if isinstance(body, SnsMessage):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, str):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "text/plain"

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

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
    client: AuthenticatedClient | Client,
    body: SnsMessage | str | Unset = UNSET,
    x_amz_sns_message_type: str | Unset = UNSET,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive an Amazon SNS message carrying SES events

     Amazon SNS posts (as `text/plain`) a JSON message of type `SubscriptionConfirmation`,
    `Notification` or `UnsubscribeConfirmation`. It must come from the registered topic
    (else 403) and carry a valid SNS signature (`SignatureVersion` 1: SHA1withRSA, 2:
    SHA256withRSA over the canonical string of the message's fields) by the pinned
    certificate or the one at `SigningCertURL` (accepted only over https from an
    `sns.<region>.amazonaws.com` host, cached); its `Timestamp` must be within the replay
    tolerance. Otherwise: 401, nothing recorded.

    `SubscriptionConfirmation`: the `SubscribeURL` is visited when it is an SNS host (unless
    `BURT_SNS_AUTO_CONFIRM=off`) and reported on the receiver either way.
    `Notification`: the SES event in `Message`, routed by the message tags
    `burt_campaign_id` and `burt_contact_id`. Mapping: `Delivery`, `Open` → opened, `Click`
    → clicked, `Bounce` of type `Permanent` → bounced, `Complaint` → complained,
    `Subscription` with `unsubscribeAll` → unsubscribed; others are counted as ignored. Event
    ids: `ses:` + `mail.messageId` + event type + the event's `feedbackId` or timestamp.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_amz_sns_message_type (str | Unset):
        body (SnsMessage): An Amazon SNS HTTP(S) message (only the fields burt reads are listed).
            Example: {'Type': 'Notification', 'MessageId': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
            'TopicArn': 'arn:aws:sns:us-east-1:123456789012:MyTopic', 'Message': 'Hello world!',
            'Timestamp': '2012-05-02T00:54:06.655Z', 'SignatureVersion': '1', 'Signature': 'EXAMPLE',
            'SigningCertURL': 'https://sns.us-
            east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem'}.
        body (str): The same JSON message; SNS sends it as text/plain.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
        x_amz_sns_message_type=x_amz_sns_message_type,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage | str | Unset = UNSET,
    x_amz_sns_message_type: str | Unset = UNSET,
) -> Problem | WebhookDeliveryResult | None:
    """Receive an Amazon SNS message carrying SES events

     Amazon SNS posts (as `text/plain`) a JSON message of type `SubscriptionConfirmation`,
    `Notification` or `UnsubscribeConfirmation`. It must come from the registered topic
    (else 403) and carry a valid SNS signature (`SignatureVersion` 1: SHA1withRSA, 2:
    SHA256withRSA over the canonical string of the message's fields) by the pinned
    certificate or the one at `SigningCertURL` (accepted only over https from an
    `sns.<region>.amazonaws.com` host, cached); its `Timestamp` must be within the replay
    tolerance. Otherwise: 401, nothing recorded.

    `SubscriptionConfirmation`: the `SubscribeURL` is visited when it is an SNS host (unless
    `BURT_SNS_AUTO_CONFIRM=off`) and reported on the receiver either way.
    `Notification`: the SES event in `Message`, routed by the message tags
    `burt_campaign_id` and `burt_contact_id`. Mapping: `Delivery`, `Open` → opened, `Click`
    → clicked, `Bounce` of type `Permanent` → bounced, `Complaint` → complained,
    `Subscription` with `unsubscribeAll` → unsubscribed; others are counted as ignored. Event
    ids: `ses:` + `mail.messageId` + event type + the event's `feedbackId` or timestamp.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_amz_sns_message_type (str | Unset):
        body (SnsMessage): An Amazon SNS HTTP(S) message (only the fields burt reads are listed).
            Example: {'Type': 'Notification', 'MessageId': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
            'TopicArn': 'arn:aws:sns:us-east-1:123456789012:MyTopic', 'Message': 'Hello world!',
            'Timestamp': '2012-05-02T00:54:06.655Z', 'SignatureVersion': '1', 'Signature': 'EXAMPLE',
            'SigningCertURL': 'https://sns.us-
            east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem'}.
        body (str): The same JSON message; SNS sends it as text/plain.

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
        x_amz_sns_message_type=x_amz_sns_message_type,
    ).parsed


async def asyncio_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage | str | Unset = UNSET,
    x_amz_sns_message_type: str | Unset = UNSET,
) -> Response[Problem | WebhookDeliveryResult]:
    """Receive an Amazon SNS message carrying SES events

     Amazon SNS posts (as `text/plain`) a JSON message of type `SubscriptionConfirmation`,
    `Notification` or `UnsubscribeConfirmation`. It must come from the registered topic
    (else 403) and carry a valid SNS signature (`SignatureVersion` 1: SHA1withRSA, 2:
    SHA256withRSA over the canonical string of the message's fields) by the pinned
    certificate or the one at `SigningCertURL` (accepted only over https from an
    `sns.<region>.amazonaws.com` host, cached); its `Timestamp` must be within the replay
    tolerance. Otherwise: 401, nothing recorded.

    `SubscriptionConfirmation`: the `SubscribeURL` is visited when it is an SNS host (unless
    `BURT_SNS_AUTO_CONFIRM=off`) and reported on the receiver either way.
    `Notification`: the SES event in `Message`, routed by the message tags
    `burt_campaign_id` and `burt_contact_id`. Mapping: `Delivery`, `Open` → opened, `Click`
    → clicked, `Bounce` of type `Permanent` → bounced, `Complaint` → complained,
    `Subscription` with `unsubscribeAll` → unsubscribed; others are counted as ignored. Event
    ids: `ses:` + `mail.messageId` + event type + the event's `feedbackId` or timestamp.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_amz_sns_message_type (str | Unset):
        body (SnsMessage): An Amazon SNS HTTP(S) message (only the fields burt reads are listed).
            Example: {'Type': 'Notification', 'MessageId': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
            'TopicArn': 'arn:aws:sns:us-east-1:123456789012:MyTopic', 'Message': 'Hello world!',
            'Timestamp': '2012-05-02T00:54:06.655Z', 'SignatureVersion': '1', 'Signature': 'EXAMPLE',
            'SigningCertURL': 'https://sns.us-
            east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem'}.
        body (str): The same JSON message; SNS sends it as text/plain.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookDeliveryResult]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
        x_amz_sns_message_type=x_amz_sns_message_type,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage | str | Unset = UNSET,
    x_amz_sns_message_type: str | Unset = UNSET,
) -> Problem | WebhookDeliveryResult | None:
    """Receive an Amazon SNS message carrying SES events

     Amazon SNS posts (as `text/plain`) a JSON message of type `SubscriptionConfirmation`,
    `Notification` or `UnsubscribeConfirmation`. It must come from the registered topic
    (else 403) and carry a valid SNS signature (`SignatureVersion` 1: SHA1withRSA, 2:
    SHA256withRSA over the canonical string of the message's fields) by the pinned
    certificate or the one at `SigningCertURL` (accepted only over https from an
    `sns.<region>.amazonaws.com` host, cached); its `Timestamp` must be within the replay
    tolerance. Otherwise: 401, nothing recorded.

    `SubscriptionConfirmation`: the `SubscribeURL` is visited when it is an SNS host (unless
    `BURT_SNS_AUTO_CONFIRM=off`) and reported on the receiver either way.
    `Notification`: the SES event in `Message`, routed by the message tags
    `burt_campaign_id` and `burt_contact_id`. Mapping: `Delivery`, `Open` → opened, `Click`
    → clicked, `Bounce` of type `Permanent` → bounced, `Complaint` → complained,
    `Subscription` with `unsubscribeAll` → unsubscribed; others are counted as ignored. Event
    ids: `ses:` + `mail.messageId` + event type + the event's `feedbackId` or timestamp.

    Args:
        webhook_id (str):  Example: wh_187b3f7c2a9e4d1082b6c1f0e6a4d2b9c3e5f7a1b2c4d6e8.
        x_amz_sns_message_type (str | Unset):
        body (SnsMessage): An Amazon SNS HTTP(S) message (only the fields burt reads are listed).
            Example: {'Type': 'Notification', 'MessageId': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
            'TopicArn': 'arn:aws:sns:us-east-1:123456789012:MyTopic', 'Message': 'Hello world!',
            'Timestamp': '2012-05-02T00:54:06.655Z', 'SignatureVersion': '1', 'Signature': 'EXAMPLE',
            'SigningCertURL': 'https://sns.us-
            east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem'}.
        body (str): The same JSON message; SNS sends it as text/plain.

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
            x_amz_sns_message_type=x_amz_sns_message_type,
        )
    ).parsed
