"""Domain records of the engine: plain, immutable data with no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from burt.engine.policy import PolicySettings

OUTCOME_TYPES: tuple[str, ...] = (
    "delivered",
    "opened",
    "clicked",
    "converted",
    "unsubscribed",
    "bounced",
)
OPTIMIZABLE_OUTCOMES: tuple[str, ...] = ("opened", "clicked", "converted")
CAMPAIGN_STATUSES: tuple[str, ...] = ("active", "paused", "completed")
HOLDOUT = -1
"""Variant index of held-out contacts (assigned in a batch, sent nothing)."""


@dataclass(frozen=True)
class Variant:
    id: str
    label: str


@dataclass(frozen=True)
class Campaign:
    id: str
    tenant: str
    name: str
    status: str
    optimize: str
    variants: tuple[Variant, ...]
    settings: PolicySettings
    version: int
    created_at: datetime
    updated_at: datetime
    contacts_total: int = 0
    contacts_pending: int = 0

    def with_changes(self, changes: CampaignChanges, now: datetime) -> Campaign:
        """This campaign with `changes` applied and its version bumped (rules are the engine's)."""
        return replace(
            self,
            name=self.name if changes.name is None else changes.name,
            status=self.status if changes.status is None else changes.status,
            settings=self.settings if changes.settings is None else changes.settings,
            version=self.version + 1,
            updated_at=now,
        )


@dataclass(frozen=True)
class CampaignChanges:
    """The fields an update sets; None means unchanged."""

    name: str | None = None
    status: str | None = None
    settings: PolicySettings | None = None


class ContactLike(Protocol):
    """A contact to load: the engine's ContactIn, or a generated request model."""

    id: str
    attributes: Any  # a mapping of strings, or None / msgspec.UNSET when absent


class EventLike(Protocol):
    """An outcome event: the engine's EventIn, or a generated request model."""

    id: str
    contact_id: str
    type: str
    occurred_at: Any  # an RFC 3339 string or an aware datetime


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
class BatchDraft:
    """Everything a store needs to claim and assign one batch atomically."""

    id: str
    idempotency_key: str
    fingerprint: str
    size: int
    created_at: datetime
    seed: int
    weights: tuple[float, ...]
    holdout_fraction: float


@dataclass(frozen=True)
class Batch:
    id: str
    campaign_id: str
    sequence: int
    size: int
    created_at: datetime
    seed: int
    weights: tuple[float, ...]
    holdout_fraction: float
    counts: tuple[int, ...]
    holdout_count: int
    idempotency_key: str
    fingerprint: str
    assignments: tuple[tuple[str, int], ...] | None = None
    """(contact id, variant index or HOLDOUT) in load order; None in listings."""


@dataclass(frozen=True)
class EventRejection:
    index: int
    event_id: str
    reason: str  # "unknown_contact" | "contact_not_assigned"


@dataclass(frozen=True)
class EventTally:
    received: int
    recorded: int
    repeated: int
    duplicates: int
    rejected: tuple[EventRejection, ...]


@dataclass(frozen=True)
class PeriodCount:
    """Sends and outcome counts of one variant (or HOLDOUT) in one batch (a period)."""

    sequence: int
    created_at: datetime
    variant: int
    sends: int
    outcomes: dict[str, int] = field(default_factory=dict)
