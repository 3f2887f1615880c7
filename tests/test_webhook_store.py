"""Webhook receivers on every store: registration, tenancy, counters, and routed deliveries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from burt.engine import Burt
from burt.engine.errors import InvalidInput, NotFound
from burt.engine.model import ActivityUpdate
from burt.engine.store.base import Store
from burt.engine.timefmt import parse_rfc3339
from burt.engine.webhooks import PlatformEvent, Receivers, deliver

pytestmark = pytest.mark.anyio
T0 = parse_rfc3339("2026-11-27T09:00:00Z")


async def test_receivers_are_per_tenant_and_paged(store: Store) -> None:
    acme, other = Burt(store, tenant="acme"), Burt(store, tenant="other")
    made = [await acme.register_webhook("sendgrid", {"public_key": f"k{i}"}) for i in range(3)]
    theirs = await other.register_webhook("ses", {"topic_arn": "arn:aws:sns:x:1:t"})
    assert len({w.id for w in made}) == 3 and all(len(w.id) >= 40 for w in made)
    first = await acme.list_webhooks(limit=2)
    rest = await acme.list_webhooks(limit=2, cursor=first.next_cursor)
    assert [w.id for w in first.items + rest.items] == [w.id for w in made]
    assert rest.next_cursor is None
    assert (await acme.get_webhook(made[1].id)).credential == {"public_key": "k1"}
    with pytest.raises(NotFound):
        await acme.get_webhook(theirs.id)
    with pytest.raises(NotFound):
        await acme.delete_webhook(theirs.id)
    assert (await store.get_webhook(theirs.id)) is not None  # the receiving path finds any
    await acme.delete_webhook(made[0].id)
    with pytest.raises(NotFound):
        await acme.get_webhook(made[0].id)
    with pytest.raises(InvalidInput):
        await acme.register_webhook("sparkpost", {})


async def test_concurrent_activity_loses_no_increment(store: Store) -> None:
    webhook = await Burt(store, tenant="acme").register_webhook("mailgun", {"sealed": "x"})
    updates = [
        ActivityUpdate(at=T0 + timedelta(seconds=i), counts={"deliveries": 1, "recorded": 2})
        for i in range(20)
    ]
    await asyncio.gather(*(store.note_webhook_activity(webhook.id, u) for u in updates))
    failed = ActivityUpdate(at=T0, counts={"refused:bad_signature": 1}, error="bad signature")
    await store.note_webhook_activity(webhook.id, failed)
    await store.note_webhook_activity(
        webhook.id, ActivityUpdate(at=T0, subscription={"status": "pending"})
    )
    seen = await store.get_webhook(webhook.id)
    assert seen is not None
    assert dict(seen.activity.counts) == {
        "deliveries": 20,
        "recorded": 40,
        "refused:bad_signature": 1,
    }
    assert seen.activity.last_error == "bad signature" and seen.activity.last_error_at == T0
    assert seen.activity.last_delivery_at is not None
    assert dict(seen.activity.subscription) == {"status": "pending"}
    await Burt(store, tenant="acme").delete_webhook(webhook.id)
    await store.note_webhook_activity(webhook.id, updates[0])
    assert await store.get_webhook(webhook.id) is None


def _event(n: str, kind: str | None, campaign: str | None, contact: str | None) -> PlatformEvent:
    return PlatformEvent(f"sg:{n}", kind, T0, campaign, contact)


async def test_a_delivery_records_what_it_can_and_counts_the_rest(store: Store) -> None:
    burt = Burt(store, tenant="acme", clock=lambda: T0)
    campaign = await burt.initialize_campaign("w", [("a", "A"), ("b", "B")], "opened")
    await burt.load_contacts(campaign.id, ["c1", "c2", "c3", "pending"])
    await burt.create_experiment_batch(campaign.id, 3, "k")
    webhook = await burt.register_webhook("sendgrid", {"public_key": "k"})
    cid = campaign.id
    events = [
        _event("1", "opened", cid, "c1"),
        _event("2", "clicked", cid, "c2"),
        _event("3", "opened", cid, "c1"),  # another open of c1: recorded, counted once
        _event("4", None, cid, "c3"),  # e.g. "processed"
        _event("5", "opened", cid, "nobody"),
        _event("6", "opened", cid, "pending"),
        _event("7", "opened", "cmp_missing", "c1"),
        _event("8", "opened", None, None),
        _event("9", "opened", cid, "bad\x00id"),
    ]
    tally = await deliver(store, webhook, events, T0)
    expected = {
        "deliveries": 1,
        "events": 9,
        "recorded": 3,
        "repeated": 1,
        "ignored": 1,
        "rejected:unknown_contact": 1,
        "rejected:contact_not_assigned": 1,
        "rejected:unknown_campaign": 1,
        "rejected:missing_ids": 1,
        "rejected:invalid_ids": 1,
    }
    assert +tally.counts == expected
    retried = await deliver(store, webhook, events[:3], T0)
    assert retried.counts["duplicates"] == 3 and retried.counts["recorded"] == 0
    stats = await burt.get_campaign_stats(cid)
    assert sum(v.outcomes["opened"] for v in stats.variants) == 1
    assert sum(v.outcomes["clicked"] for v in stats.variants) == 1
    seen = await burt.get_webhook(webhook.id)
    assert seen.activity.counts["deliveries"] == 2
    assert seen.activity.counts["duplicates"] == 3


async def test_a_receiver_reaches_only_its_tenants_campaigns(store: Store) -> None:
    other = Burt(store, tenant="other", clock=lambda: T0)
    campaign = await other.initialize_campaign("w", [("a", "A"), ("b", "B")], "opened")
    await other.load_contacts(campaign.id, ["c1"])
    await other.create_experiment_batch(campaign.id, 1, "k")
    webhook = await Burt(store, tenant="acme").register_webhook("sendgrid", {"public_key": "k"})
    tally = await deliver(store, webhook, [_event("1", "opened", campaign.id, "c1")], T0)
    assert tally.counts["rejected:unknown_campaign"] == 1
    assert (await store.period_counts(campaign.id)) == await store.recount(campaign.id)
    stats = await other.get_campaign_stats(campaign.id)
    assert sum(v.outcomes["opened"] for v in stats.variants) == 0


class CountingWrites:
    """The store, with its receiver-activity writes counted (and slowed, as a disk would)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writes = 0

    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        self.writes += 1
        await asyncio.sleep(0.01)
        await self.store.note_webhook_activity(webhook_id, update)


async def test_concurrent_refusals_share_their_writes(store: Store) -> None:
    """Issue 20, item 5: every refused request wrote its own counter, queueing the API's reads
    behind anonymous writes."""
    webhook = await Burt(store, tenant="acme").register_webhook("postmark", {"username": "u"})
    counting = CountingWrites(store)
    receivers = Receivers(counting)  # type: ignore[arg-type]  # only activity is written
    reasons = ["bad_credentials"] * 40 + ["no_credentials"] * 10
    await asyncio.gather(*(receivers.count_refusal(webhook, r, T0) for r in reasons))
    seen = await store.get_webhook(webhook.id)
    assert seen is not None
    assert dict(seen.activity.counts) == {
        "refused:bad_credentials": 40,
        "refused:no_credentials": 10,
    }
    assert seen.activity.last_error is None
    assert counting.writes <= 3, counting.writes
