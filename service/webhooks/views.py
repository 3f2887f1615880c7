"""Webhook receivers -> the generated response models (their secrets never leave)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, cast

from burt.engine import Page
from burt.engine.model import Webhook
from burt.engine.timefmt import format_rfc3339
from burt.service.generated import models

SubscriptionStatus = Literal["pending_confirmation", "confirmed", "unsubscribed"]
"""The spec's `WebhookSubscription.status` (the store keeps it as text)."""

_PLAIN_COUNTS = ("deliveries", "events", "recorded", "repeated", "late", "duplicates", "ignored")


def _by_reason(counts: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): n for k, n in sorted(counts.items()) if k.startswith(prefix)}


def webhook(w: Webhook, base_url: str) -> models.Webhook:
    counts, activity = w.activity.counts, w.activity
    subscription = activity.subscription
    return models.Webhook(
        id=w.id,
        provider=cast(models.WebhookProvider, w.provider),  # one of WEBHOOK_PROVIDERS
        url=f"{base_url}/webhooks/{w.provider}/{w.id}",
        created_at=format_rfc3339(w.created_at),
        username=w.credential.get("username"),
        topic_arn=w.credential.get("topic_arn"),
        certificate_pinned=bool(w.credential.get("certificate_pem")),
        subscription=models.WebhookSubscription(
            status=cast(SubscriptionStatus, subscription["status"]),
            subscribe_url=subscription.get("subscribe_url"),
        )
        if subscription
        else None,
        counts=models.WebhookCounts(
            **{k: counts.get(k, 0) for k in _PLAIN_COUNTS},
            rejected=_by_reason(counts, "rejected:"),
            refused=_by_reason(counts, "refused:"),
        ),
        last_delivery_at=format_rfc3339(activity.last_delivery_at)
        if activity.last_delivery_at
        else None,
        last_error=activity.last_error,
        last_error_at=format_rfc3339(activity.last_error_at) if activity.last_error_at else None,
    )


def webhook_page(page: Page[Webhook], base_url: str) -> models.WebhookPage:
    return models.WebhookPage(
        items=[webhook(w, base_url) for w in page.items], next_cursor=page.next_cursor
    )


def delivery_result(counts: Mapping[str, int]) -> models.WebhookDeliveryResult:
    return models.WebhookDeliveryResult(
        received=counts.get("events", 0),
        recorded=counts.get("recorded", 0),
        duplicates=counts.get("duplicates", 0),
        ignored=counts.get("ignored", 0),
        rejected=_by_reason(counts, "rejected:"),
    )
