"""The SDK carries the webhook operations: registration with the API key, and a Postmark
delivery with the receiver's Basic credentials, against a real uvicorn process."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from burt_client import AuthenticatedClient
from burt_client.api.webhooks import (
    delete_webhook,
    get_webhook,
    list_webhooks,
    receive_postmark_event,
    register_webhook,
)
from burt_client.models import (
    PostmarkEvent,
    PostmarkWebhookCreate,
    PostmarkWebhookCreateProvider,
    Problem,
    Webhook,
    WebhookDeliveryResult,
)

from testing_support.live import LiveServer, live_server
from tests.platforms import postmark_records

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("webhook-sdk")
    with live_server(data_dir, {"BURT_PUBLIC_URL": "https://burt.example"}) as live:
        yield live


def test_register_receive_and_delete_through_the_sdk(server: LiveServer) -> None:
    api = AuthenticatedClient(base_url=server.url, token=server.create_key("acme"))
    body = PostmarkWebhookCreate(
        provider=PostmarkWebhookCreateProvider.POSTMARK, username="burt", password=PASSWORD
    )
    webhook = register_webhook.sync(client=api, body=body)
    assert isinstance(webhook, Webhook) and webhook.username == "burt"
    assert webhook.url == f"https://burt.example/webhooks/postmark/{webhook.id}"

    basic = base64.b64encode(f"burt:{PASSWORD}".encode()).decode()
    postmark = AuthenticatedClient(base_url=server.url, token=basic, prefix="Basic")
    record = PostmarkEvent.from_dict(postmark_records("cmp_unknown")[0])
    result = receive_postmark_event.sync(webhook.id, client=postmark, body=record)
    assert isinstance(result, WebhookDeliveryResult)
    assert result.rejected.to_dict() == {"unknown_campaign": 1}

    wrong = AuthenticatedClient(base_url=server.url, token=basic[:-4] + "AAAA", prefix="Basic")
    refused = receive_postmark_event.sync(webhook.id, client=wrong, body=record)
    assert isinstance(refused, Problem) and refused.status == 401

    seen = get_webhook.sync(webhook.id, client=api)
    assert isinstance(seen, Webhook)
    assert seen.counts.deliveries == 1 and seen.counts.refused.to_dict() == {"bad_credentials": 1}
    page = list_webhooks.sync(client=api)
    assert page is not None and [w.id for w in page.items] == [webhook.id]
    assert delete_webhook.sync_detailed(webhook.id, client=api).status_code == 204
    assert isinstance(get_webhook.sync(webhook.id, client=api), Problem)
