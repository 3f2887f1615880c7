"""Outcome events from an email platform's webhook, routed to the campaigns they name.

A platform adapter (in the service: it verifies the delivery first) turns a payload into
`PlatformEvent`s: the provider's unique event id, the burt outcome type (None for event types
burt does not count, such as "processed" or "deferred"), and the campaign and contact ids the
integrator put into the message's metadata when sending. `deliver` records them through the
same path as `recordOutcomes`, one campaign at a time, and never fails a verified delivery for
one bad event: every event is counted under exactly one key of `DeliveryTally.counts`, and the
receiver's counters accumulate those keys.

Counter keys: `deliveries`, `events`, `recorded` (new events stored), `duplicates` (event ids
seen before: the platform's retries), `ignored` (types burt does not count), and
`rejected:<reason>` with reason `missing_ids` (no burt ids in the metadata), `invalid_ids`,
`unknown_campaign`, `unknown_contact`, `contact_not_assigned` or `occurred_before_batch`.
`repeated` counts, among the recorded, outcomes the contact already had, and `late` those
later than the campaign's attribution window. Failed deliveries count under `refused:<reason>`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from burt.engine.burt import Burt
from burt.engine.errors import NotFound
from burt.engine.model import OUTCOME_TYPES, ActivityUpdate, EventIn, Webhook
from burt.engine.store.base import Store

MAX_ID_LENGTH = 200
"""The longest contact or event id the API accepts (campaign ids are shorter still)."""
MAX_CAMPAIGN_ID_LENGTH = 64
REJECTION_REASONS: tuple[str, ...] = (
    "missing_ids",
    "invalid_ids",
    "unknown_campaign",
    "unknown_contact",
    "contact_not_assigned",
    "occurred_before_batch",
)
_TYPES = frozenset(OUTCOME_TYPES)


@dataclass(frozen=True)
class PlatformEvent:
    id: str
    type: str | None
    occurred_at: datetime
    campaign_id: str | None
    contact_id: str | None


@dataclass
class DeliveryTally:
    """What one verified delivery did, as counter increments."""

    counts: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: str, n: int = 1) -> None:
        self.counts[f"rejected:{reason}"] += n


def _valid_id(value: str, longest: int) -> bool:
    """Ids the stores can hold exactly (SQLite's JSON functions stop a string at U+0000)."""
    return 0 < len(value) <= longest and "\x00" not in value


def _routing_problem(event: PlatformEvent) -> str | None:
    if not event.campaign_id or not event.contact_id:
        return "missing_ids"
    if not (
        _valid_id(event.campaign_id, MAX_CAMPAIGN_ID_LENGTH)
        and _valid_id(event.contact_id, MAX_ID_LENGTH)
        and _valid_id(event.id, MAX_ID_LENGTH)
    ):
        return "invalid_ids"
    return None


async def deliver(
    store: Store, webhook: Webhook, events: Sequence[PlatformEvent], now: datetime
) -> DeliveryTally:
    """Record a verified delivery's events for the receiver's tenant; count it on the receiver."""
    tally = DeliveryTally()
    tally.counts["deliveries"] += 1
    tally.counts["events"] += len(events)
    by_campaign: dict[str, list[EventIn]] = defaultdict(list)
    for event in events:
        if event.type is None:
            tally.counts["ignored"] += 1
            continue
        assert event.type in _TYPES, f"adapter produced unknown type {event.type!r}"
        problem = _routing_problem(event)
        if problem is not None:
            tally.reject(problem)
            continue
        assert event.campaign_id is not None and event.contact_id is not None
        by_campaign[event.campaign_id].append(
            EventIn(event.id, event.contact_id, event.type, event.occurred_at)
        )
    burt = Burt(store, tenant=webhook.tenant, clock=lambda: now)
    for campaign_id, batch in by_campaign.items():
        try:
            result = await burt.record_outcomes(campaign_id, batch)
        except NotFound:
            tally.reject("unknown_campaign", len(batch))
            continue
        tally.counts["recorded"] += result.recorded
        tally.counts["repeated"] += result.repeated
        tally.counts["late"] += result.late
        tally.counts["duplicates"] += result.duplicates
        for rejection in result.rejected:
            tally.reject(rejection.reason)
    await store.note_webhook_activity(webhook.id, ActivityUpdate(at=now, counts=+tally.counts))
    return tally


class Receivers:
    """Webhook receivers as a delivery sees them: found by id before anything in the delivery
    is trusted (no tenant yet: the receiver names it), noted on, and delivered to."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._refused: dict[str, Counter[str]] = {}
        """Refusals counted and not yet written, by receiver id."""
        self._writing: set[str] = set()
        """Receivers with a refusal write in flight."""

    async def find(self, webhook_id: str, provider: str) -> Webhook:
        """The `provider` receiver with that id (NotFound otherwise: another provider's
        receiver is not this one)."""
        webhook = await self._store.get_webhook(webhook_id)
        if webhook is None or webhook.provider != provider:
            raise NotFound(f"no {provider} webhook receiver {webhook_id!r}")
        return webhook

    async def first_use(
        self, webhook: Webhook, token: str, body_digest: str, now: datetime, keep_for: timedelta
    ) -> bool:
        """Whether a signed delivery's one-time token is new to the receiver (or came before
        with the same body: a retry); it is remembered for `keep_for` from `now`."""
        return await self._store.claim_webhook_token(
            webhook.id, token, body_digest, now + keep_for, now
        )

    async def count_refusal(self, webhook: Webhook, reason: str, now: datetime) -> None:
        """Count an unverified delivery's refusal as `refused:<reason>` on the receiver.

        Anyone can send those, so they share writes: while one refusal write for the receiver
        is in flight, later refusals add to the counts it writes next and return at once. A
        flood of refusals then costs the store a handful of writes, not one each."""
        self._refused.setdefault(webhook.id, Counter())[f"refused:{reason}"] += 1
        if webhook.id in self._writing:
            return
        self._writing.add(webhook.id)
        try:
            while counts := self._refused.pop(webhook.id, None):
                await self._store.note_webhook_activity(
                    webhook.id, ActivityUpdate(at=now, counts=counts)
                )
        finally:
            self._writing.discard(webhook.id)

    async def replace_credential(self, webhook: Webhook, credential: Mapping[str, str]) -> None:
        """Store `credential` in place of the one `webhook` was read with (left alone when it
        changed meanwhile)."""
        await self._store.replace_webhook_credential(webhook.id, webhook.credential, credential)

    async def note(self, webhook: Webhook, update: ActivityUpdate) -> None:
        await self._store.note_webhook_activity(webhook.id, update)

    async def deliver(
        self, webhook: Webhook, events: Sequence[PlatformEvent], now: datetime
    ) -> DeliveryTally:
        return await deliver(self._store, webhook, events, now)
