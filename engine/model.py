"""Domain records of the engine: plain, immutable data with no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Literal, Protocol, get_args

import msgspec

from burt.engine.policy import PolicySettings

# The values the contract's enums of the same names list (tests/test_spec.py holds them equal).
OutcomeType = Literal[
    "delivered", "opened", "clicked", "converted", "unsubscribed", "bounced", "complained"
]
OptimizedOutcome = Literal["opened", "clicked", "converted"]
CampaignStatus = Literal["active", "paused", "completed"]
RejectionReason = Literal["unknown_contact", "contact_not_assigned", "occurred_before_batch"]
OUTCOME_TYPES: tuple[OutcomeType, ...] = get_args(OutcomeType)
OPTIMIZABLE_OUTCOMES: tuple[OptimizedOutcome, ...] = get_args(OptimizedOutcome)
CAMPAIGN_STATUSES: tuple[CampaignStatus, ...] = get_args(CampaignStatus)
GUARDRAIL_OUTCOMES: tuple[OutcomeType, ...] = ("unsubscribed", "complained")
"""Outcomes the unsubscribe guardrail watches: a spam complaint is a louder unsubscribe."""
HOLDOUT = -1
"""Variant index of held-out contacts (assigned in a batch, sent nothing)."""


@dataclass(frozen=True)
class Variant:
    id: str
    label: str


@dataclass(frozen=True)
class SettingAdjustment:
    """A stored setting that opening the store changed: the release that stored it allowed a
    value this one's rules refuse, so it now holds the nearest value they allow."""

    setting: str
    stored: float
    adjusted: float
    rule: str
    """The rule that moved it, as a request breaking it is told."""


@dataclass(frozen=True)
class Campaign:
    id: str
    tenant: str
    name: str
    status: CampaignStatus
    optimize: OptimizedOutcome
    variants: tuple[Variant, ...]
    settings: PolicySettings
    version: int
    created_at: datetime
    updated_at: datetime
    contacts_total: int = 0
    contacts_pending: int = 0
    control_variant_id: str | None = None
    """The variant the stats measure lifts against; None: against the current leader."""
    settings_adjustments: tuple[SettingAdjustment, ...] = ()
    """What upgrades changed in the settings it was stored with (``engine.upgrade``)."""

    def with_changes(self, changes: CampaignChanges, now: datetime) -> Campaign:
        """This campaign with `changes` applied and its version bumped (rules are the engine's)."""
        control = changes.control_variant_id
        return replace(
            self,
            name=self.name if changes.name is None else changes.name,
            status=self.status if changes.status is None else changes.status,
            settings=self.settings if changes.settings is None else changes.settings,
            control_variant_id=self.control_variant_id if control is None else control or None,
            version=self.version + 1,
            updated_at=now,
        )


@dataclass(frozen=True)
class CampaignChanges:
    """The fields an update sets; None means unchanged."""

    name: str | None = None
    status: CampaignStatus | None = None
    settings: PolicySettings | None = None
    control_variant_id: str | None = None
    """A variant id, or "" to remove the control."""


class ContactLike(Protocol):
    """A contact to load: the engine's ContactIn, or a generated request model."""

    @property
    def id(self) -> str: ...

    @property
    def attributes(self) -> Mapping[str, str] | msgspec.UnsetType | None:
        """None or msgspec.UNSET when the contact has none."""


class EventLike(Protocol):
    """An outcome event: the engine's EventIn, or a generated request model."""

    @property
    def id(self) -> str: ...

    @property
    def contact_id(self) -> str: ...

    @property
    def type(self) -> str:
        """One of OUTCOME_TYPES once the engine has validated it."""

    @property
    def occurred_at(self) -> str | datetime:
        """RFC 3339 text with an offset, or an aware datetime."""


@dataclass(frozen=True)
class ContactIn:
    id: str
    attributes: Mapping[str, str] | None = None


@dataclass(frozen=True)
class EventIn:
    id: str
    contact_id: str
    type: str
    occurred_at: datetime | str


@dataclass(frozen=True)
class ContactLoadResult:
    received: int
    created: int
    existing: int
    contacts_total: int
    contacts_pending: int


@dataclass(frozen=True)
class SegmentPlan:
    """How a draw assigns a segmented campaign's contacts, per segment slot
    (``engine.segments.keys``): the engine's weights for every slot it knew when it decided,
    and the weights of a slot the draw itself makes (or a concurrent draw made since)."""

    by: tuple[str, ...]
    """The campaign's ``segment_by``."""
    max_segments: int
    weights: tuple[tuple[float, ...], ...]
    """``weights[s]``: slot s's weights, one per variant."""
    new_weights: tuple[float, ...]

    def weights_of(self, slot: int) -> tuple[float, ...]:
        return self.weights[slot] if slot < len(self.weights) else self.new_weights


@dataclass(frozen=True)
class BatchDraft:
    """What the engine decides for a batch; a store claims contacts and assigns them by it."""

    id: str
    idempotency_key: str
    fingerprint: str
    size: int
    """Contacts asked for; in a drawn Batch, the number it got (fewer when fewer were pending)."""
    created_at: datetime
    seed: int
    variant_ids: tuple[str, ...]
    """The campaign's variants, in the order of `weights` and of a Batch's `counts`."""
    weights: tuple[float, ...]
    """In a drawn Batch of a segmented campaign, its contacts' segments' weights averaged over
    its contacts (what its counts should match)."""
    holdout_fraction: float
    segments: SegmentPlan | None = field(default=None, kw_only=True)
    """None: the campaign has no segments, and every contact is assigned by `weights`."""

    def drawn(
        self,
        campaign_id: str,
        sequence: int,
        labels: Sequence[int],
        assignments: tuple[tuple[str, int], ...] | None = None,
        weights: tuple[float, ...] | None = None,
    ) -> Batch:
        """The batch this draft became once a store assigned `labels` (a variant index or
        HOLDOUT per claimed contact, in load order); `weights`: the weights it was drawn by,
        when not the draft's (a segmented draw's mixture, ``assignment.segment_mixture``)."""
        per_label = Counter(labels)
        decided = {f.name: getattr(self, f.name) for f in fields(BatchDraft)}
        if weights is not None:
            decided["weights"] = weights
        return Batch(
            **{**decided, "size": len(labels)},
            campaign_id=campaign_id,
            sequence=sequence,
            counts=tuple(per_label.get(i, 0) for i in range(len(self.weights))),
            holdout_count=per_label.get(HOLDOUT, 0),
            assignments=assignments,
        )


@dataclass(frozen=True)
class Batch(BatchDraft):
    """A drawn batch: the draft it was drawn by, and what the draw produced."""

    campaign_id: str
    sequence: int
    counts: tuple[int, ...]
    holdout_count: int
    assignments: tuple[tuple[str, int], ...] | None = None
    """(contact id, variant index or HOLDOUT) in load order; None in listings. Contacts erased
    since the draw are left out (`size` and `counts` still count them)."""


@dataclass(frozen=True)
class EventRejection:
    index: int
    event_id: str
    reason: RejectionReason


@dataclass(frozen=True)
class EventTally:
    received: int
    recorded: int
    repeated: int
    duplicates: int
    rejected: tuple[EventRejection, ...]
    late: int = 0
    """Of the recorded: events later than the attribution window after their batch was drawn
    (stored, but never counted as evidence)."""


@dataclass(frozen=True)
class PeriodCount:
    """Sends and outcome counts of one variant (or HOLDOUT) in one batch (a period), in one
    segment."""

    sequence: int
    created_at: datetime
    variant: int
    sends: int
    outcomes: dict[str, int] = field(default_factory=dict)
    delays: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Per outcome type with any counted outcome here: how many fell in each delay bin
    (`delays.BIN_EDGES`), timed by the event that counted it, from the batch's draw."""
    segment: int = 0
    """The segment slot the row counts (0 in a campaign without segments): a segmented
    campaign has one row per (batch, segment, variant or HOLDOUT) with any send."""


WEBHOOK_PROVIDERS: tuple[str, ...] = ("sendgrid", "mailgun", "postmark", "ses")


@dataclass(frozen=True)
class WebhookActivity:
    """What a receiver has seen: counters by key (see `engine.webhooks`), the last error and,
    for SES, the state of its SNS subscription."""

    counts: Mapping[str, int] = field(default_factory=dict)
    last_delivery_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    subscription: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Webhook:
    """A tenant's receiver of one email platform's event webhook."""

    id: str
    tenant: str
    provider: str
    created_at: datetime
    credential: Mapping[str, str]
    """What verifies a delivery, as the service stored it (sealed or hashed where it is a shared
    secret); never shown through the API."""
    activity: WebhookActivity = WebhookActivity()


@dataclass(frozen=True)
class ActivityUpdate:
    """Counters to add to a receiver's, and the fields to set (None leaves one unchanged)."""

    at: datetime
    counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    subscription: Mapping[str, str] | None = None
