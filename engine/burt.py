"""`Burt`: the engine's service layer, the same operations the REST API has.

    store = SQLiteStore("var/burt.sqlite3"); await store.open()
    burt = Burt(store)                      # tenant "default"
    campaign = await burt.initialize_campaign("Launch", [("a", "Subject A"), ("b", "Subject B")],
                                              optimize="clicked")

Every method validates what the schema cannot state, reads the campaign through the tenant (so
another tenant's campaign is NotFound), and leaves atomicity to the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from burt.engine.allocation import (
    AllocationPreview,
    allocation_preview,
    current_allocation,
    decide_segments,
)
from burt.engine.counts import CountTable, SegmentTables
from burt.engine.delays import window_problem
from burt.engine.errors import (
    CampaignNotActive,
    Conflict,
    IdempotencyKeyReused,
    InvalidInput,
    NoPendingContacts,
    NotFound,
    Unprocessable,
    VersionMismatch,
)
from burt.engine.model import (
    CAMPAIGN_STATUSES,
    OPTIMIZABLE_OUTCOMES,
    OUTCOME_TYPES,
    WEBHOOK_PROVIDERS,
    Batch,
    BatchDraft,
    Campaign,
    CampaignChanges,
    ContactIn,
    ContactLike,
    ContactLoadResult,
    EventIn,
    EventLike,
    EventTally,
    SegmentPlan,
    Variant,
    Webhook,
)
from burt.engine.policy import GOAL_SETTINGS, SETTINGS_BEFORE_GOALS, PolicySettings
from burt.engine.reports import CampaignStats, campaign_stats
from burt.engine.store.base import Store
from burt.engine.timefmt import epoch_seconds, format_rfc3339, utcnow

T = TypeVar("T")
_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(PolicySettings))
_SETTING_DEFAULTS = {f.name: f.default for f in dataclasses.fields(PolicySettings)}
_SEGMENT_SETTINGS = ("segment_by", "max_segments")
"""Settings fixed once a campaign has drawn a batch: its contacts' segment slots follow them."""
_OUTCOME_SET = frozenset(OUTCOME_TYPES)
_CAMPAIGN_CURSOR = re.compile(r"cmp_[0-9a-f]{32}")
"""A campaign id as `new_id` makes them: listCampaigns' cursor is the last id of a page."""
_WEBHOOK_CURSOR = re.compile(r"wh_[0-9a-f]{48}")
"""A receiver id as `register_webhook` makes them: listWebhooks' cursor is the last id of a page."""
_BATCH_CURSOR = re.compile(r"[0-9]{1,18}")
"""A batch sequence (ASCII digits only, within a 64-bit integer)."""
_CAS_ATTEMPTS = 50
"""Compare-and-set rounds an update with no expected version makes before giving up."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


async def store_ready(store: Store) -> str:
    """The store's name once it answers (StoreUnavailable when it does not)."""
    await store.ping()
    return store.name


async def store_backup(store: Store, dest: Path) -> None:
    """A consistent copy of the store at `dest`, taken while it serves (BackupUnsupported
    where the store has no such copy)."""
    await store.backup(dest)


def new_id(prefix: str) -> str:
    """An id that sorts by creation time (cursor pagination relies on it) and cannot collide."""
    return f"{prefix}_{time.time_ns():016x}{secrets.token_hex(8)}"


def settings_with(
    base: PolicySettings, overrides: Mapping[str, Any], variants: int
) -> PolicySettings:
    """`base` with `overrides` applied, validated; unknown names and bad values are InvalidInput.

    A goal's setting sent at the value the (new) goal gives it follows the goal rather than
    being set: a client that sends back the settings it was shown (the numbers in force)
    changes nothing, and a later change of goal still moves them."""
    unknown = sorted(set(overrides) - _SETTING_NAMES)
    if unknown:
        raise InvalidInput(f"unknown settings: {', '.join(unknown)}")
    window = overrides.get("attribution_window_seconds")
    if isinstance(window, int) and (problem := window_problem(window)) is not None:
        raise InvalidInput(f"invalid settings: {problem}")
    settings = dataclasses.replace(base, **overrides)
    try:
        settings.validate(variants)
    except ValueError as exc:
        raise InvalidInput(f"invalid settings: {exc}") from None
    following: dict[str, Any] = {
        name: None
        for name in GOAL_SETTINGS
        if overrides.get(name) is not None and overrides[name] == getattr(settings.plan, name)
    }
    return dataclasses.replace(settings, **following)


def check_control(
    control_variant_id: str, variants: Sequence[Variant], name: str = "control_variant_id"
) -> None:
    """A control (the setting `name`) must be one of the campaign's variants (else
    Unprocessable: a 422, the same for a stored control and a per-request one)."""
    ids = [v.id for v in variants]
    if control_variant_id not in ids:
        raise Unprocessable(
            f"{name} {control_variant_id!r} is not one of the campaign's variants"
            f" ({', '.join(ids)})"
        )


def refuse_nul(field: str, values: Sequence[str]) -> None:
    """Ids may not contain U+0000: SQLite's JSON functions would cut them short there, so
    `x\\u0000a` and `x\\u0000b` would become one id. Refused alike on every store."""
    if "\x00" not in "".join(values):
        return
    index = next(i for i, v in enumerate(values) if "\x00" in v)
    raise InvalidInput(f"{field.format(index)} contains U+0000 (NUL), which ids may not")


def request_fingerprint(**fields: Any) -> str:
    """A digest of a request body, to tell an idempotent retry from a reused key."""
    canonical = repr(sorted(fields.items())).encode()
    return hashlib.sha256(canonical).hexdigest()


def _fingerprint_settings(settings: PolicySettings) -> list[tuple[str, Any]]:
    """`settings` as a request fingerprint holds them. Keys stored before campaigns had a goal
    still match their retries: the default goal is left out, and under it a setting that
    follows the goal counts as the default every such campaign stated (0.3, 0.01, 1.0)."""
    values = dataclasses.asdict(settings)
    # The segment settings came after keys were stored: they enter only when not the default.
    for name in _SEGMENT_SETTINGS:
        if values[name] == _SETTING_DEFAULTS[name]:
            del values[name]
    if values.pop("goal") != "balanced":
        values["goal"] = settings.goal
    else:
        for name, default in SETTINGS_BEFORE_GOALS.items():
            if values[name] is None:
                values[name] = default
    return sorted((k, float(v) if type(v) is int else v) for k, v in values.items())


def _with_text_times(events: Sequence[EventLike]) -> Sequence[EventLike]:
    """`events`, with each datetime `occurred_at` as the text a store keeps (UTC, `Z`)."""
    if {type(e.occurred_at) for e in events} <= {str}:
        return events  # the service's requests: validated text, kept as sent
    return [
        e
        if isinstance(e.occurred_at, str)
        else EventIn(e.id, e.contact_id, e.type, format_rfc3339(e.occurred_at))
        for e in events
    ]


class Burt:
    """The engine for one tenant over one store."""

    def __init__(
        self,
        store: Store,
        tenant: str = "default",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.tenant = tenant
        self.clock = clock

    # campaigns ------------------------------------------------------------------------------
    async def initialize_campaign(
        self,
        name: str,
        variants: Sequence[Variant | tuple[str, str]],
        optimize: str,
        settings: Mapping[str, Any] | None = None,
        control_variant_id: str | None = None,
    ) -> Campaign:
        """A new active campaign. ``control_variant_id`` names the variant the stats measure
        lifts against (else the leader); one that is not a variant is Unprocessable."""
        campaign = self._new_campaign(name, variants, optimize, settings, control_variant_id)
        await self.store.insert_campaign(campaign)
        return campaign

    async def initialize_campaign_once(
        self,
        idempotency_key: str,
        name: str,
        variants: Sequence[Variant | tuple[str, str]],
        optimize: str,
        settings: Mapping[str, Any] | None = None,
        control_variant_id: str | None = None,
    ) -> tuple[Campaign, bool]:
        """`initialize_campaign`, or the campaign this tenant made with the key before (as it is
        now) when the request is the same. Returns (campaign, replayed)."""
        if not idempotency_key:
            raise InvalidInput("an Idempotency-Key may not be empty")
        campaign = self._new_campaign(name, variants, optimize, settings, control_variant_id)
        # A control enters the fingerprint only when named, so keys stored before campaigns
        # had controls still match their retries.
        control = {} if control_variant_id is None else {"control": control_variant_id}
        fingerprint = request_fingerprint(
            name=name,
            optimize=optimize,
            variants=[(v.id, v.label) for v in campaign.variants],
            settings=_fingerprint_settings(campaign.settings),
            **control,
        )
        stored_id, stored_fingerprint = await self.store.insert_campaign_once(
            campaign, idempotency_key, fingerprint
        )
        if stored_fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency_key!r} was used with a different request body"
            )
        if stored_id == campaign.id:
            return campaign, False
        return await self.get_campaign(stored_id), True

    def _new_campaign(
        self,
        name: str,
        variants: Sequence[Variant | tuple[str, str]],
        optimize: str,
        settings: Mapping[str, Any] | None,
        control_variant_id: str | None,
    ) -> Campaign:
        parsed = tuple(v if isinstance(v, Variant) else Variant(*v) for v in variants)
        ids = [v.id for v in parsed]
        if len(parsed) < 2:
            raise InvalidInput("a campaign needs at least two variants")
        if len(set(ids)) != len(ids):
            raise InvalidInput(f"variant ids must be distinct, got {ids}")
        if optimize not in OPTIMIZABLE_OUTCOMES:
            raise InvalidInput(f"optimize must be one of {', '.join(OPTIMIZABLE_OUTCOMES)}")
        if control_variant_id is not None:
            check_control(control_variant_id, parsed)
        now = self.clock()
        policy = settings_with(PolicySettings(), settings or {}, len(parsed))
        return Campaign(
            id=new_id("cmp"),
            tenant=self.tenant,
            name=name,
            status="active",
            optimize=optimize,
            variants=parsed,
            settings=policy,
            version=1,
            created_at=now,
            updated_at=now,
            control_variant_id=control_variant_id,
        )

    async def get_campaign(self, campaign_id: str) -> Campaign:
        campaign = await self.store.get_campaign(self.tenant, campaign_id)
        if campaign is None:
            raise NotFound(f"campaign {campaign_id!r} not found")
        return campaign

    async def list_campaigns(self, limit: int = 50, cursor: str | None = None) -> Page[Campaign]:
        if cursor is not None and not _CAMPAIGN_CURSOR.fullmatch(cursor):
            raise InvalidInput(f"cursor {cursor!r} is not a cursor this listing returned")
        items = await self.store.list_campaigns(self.tenant, cursor, limit)
        return Page(items, items[-1].id if len(items) == limit else None)

    async def update_campaign(
        self,
        campaign_id: str,
        expected_version: int | None,
        name: str | None = None,
        status: str | None = None,
        settings: Mapping[str, Any] | None = None,
        control_variant_id: str | None = None,
    ) -> Campaign:
        """Apply changes iff the campaign is still at `expected_version` (else VersionMismatch).

        `expected_version=None` (HTTP `If-Match: *`) applies them to whatever version is current:
        read, then compare-and-set against the version read, again while other writers win.
        None leaves a field as it is; ``control_variant_id=""`` removes the control.
        """
        if status is not None and status not in CAMPAIGN_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(CAMPAIGN_STATUSES)}")
        for _ in range(_CAS_ATTEMPTS):
            current = await self.get_campaign(campaign_id)
            version = current.version if expected_version is None else expected_version
            if current.version != version:
                raise VersionMismatch(
                    f"campaign {campaign_id!r} is at version {current.version}, not {version}"
                )
            if current.status == "completed":
                raise Conflict(f"campaign {campaign_id!r} is completed and can no longer change")
            if control_variant_id:
                check_control(control_variant_id, current.variants)
            changes = CampaignChanges(
                name=name,
                status=status,
                control_variant_id=control_variant_id,
                settings=None
                if settings is None
                else self._segment_settings_kept(
                    current, settings_with(current.settings, settings, len(current.variants))
                ),
            )
            updated = current.with_changes(changes, self.clock())
            if await self.store.update_campaign(updated, version):
                return updated
            if changes.settings is None and expected_version is None:
                continue  # the next attempt reads the campaign again
            latest = await self.get_campaign(campaign_id)
            if changes.settings is not None:
                # Refused at the version read: a draw has begun (the store fixes the segments
                # when it reserves the batch's sequence, before it claims a contact).
                self._segment_settings_kept(latest, changes.settings, latest.version == version)
            if expected_version is not None:
                raise VersionMismatch(
                    f"campaign {campaign_id!r} changed concurrently (now version {latest.version})"
                )
        raise VersionMismatch(
            f"campaign {campaign_id!r} kept changing concurrently; retry the update"
        )

    def _segment_settings_kept(
        self, current: Campaign, settings: PolicySettings, drawing: bool = False
    ) -> PolicySettings:
        """``settings``, unless they change what the segments are where that can no longer be:
        after the first batch, or while it is being drawn (``drawing``) (Conflict: the drawn
        contacts' segment slots were made by the settings in force)."""
        changed = [
            name
            for name in _SEGMENT_SETTINGS
            if getattr(settings, name) != getattr(current.settings, name)
        ]
        if changed and (drawing or current.contacts_total > current.contacts_pending):
            raise Conflict(
                f"{changed[0]} cannot change after the campaign's first batch: the contacts"
                f" drawn so far were placed in segments by the {changed[0]} in force"
                f" ({getattr(current.settings, changed[0])!r}); create a new campaign instead"
            )
        return settings

    async def delete_campaign(self, campaign_id: str) -> None:
        """Delete the campaign and everything stored for it, for good (then NotFound everywhere)."""
        if not await self.store.delete_campaign(self.tenant, campaign_id):
            raise NotFound(f"campaign {campaign_id!r} not found")

    # contacts -------------------------------------------------------------------------------
    async def erase_contact(self, campaign_id: str, contact_id: str) -> None:
        """Erase one person from a campaign: id, attributes and event ids; counts stay."""
        await self.get_campaign(campaign_id)
        if not await self.store.erase_contact(campaign_id, contact_id):
            raise NotFound(f"campaign {campaign_id!r} has no contact {contact_id!r}")

    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike | str]
    ) -> ContactLoadResult:
        campaign = await self.get_campaign(campaign_id)
        if campaign.status == "completed":
            raise CampaignNotActive(f"campaign {campaign_id!r} is completed")
        items = [ContactIn(c) if isinstance(c, str) else c for c in contacts]
        if not items:
            raise InvalidInput("no contacts given")
        refuse_nul("contacts[{}].id", [c.id for c in items])
        created, existing = await self.store.load_contacts(campaign_id, items)
        return ContactLoadResult(
            received=len(items),
            created=created,
            existing=existing,
            contacts_total=campaign.contacts_total + created,
            contacts_pending=campaign.contacts_pending + created,
        )

    # batches --------------------------------------------------------------------------------
    async def create_experiment_batch(
        self, campaign_id: str, size: int, idempotency_key: str
    ) -> tuple[Batch, bool]:
        """Draw the next batch, or return the one stored for this key. Returns (batch, replayed)."""
        if size < 1:
            raise InvalidInput("size must be at least 1")
        if not idempotency_key:
            raise InvalidInput("an Idempotency-Key is required")
        fingerprint = request_fingerprint(size=size)
        campaign = await self.get_campaign(campaign_id)
        stored = await self.store.find_batch_by_key(campaign_id, idempotency_key)
        if stored is not None:
            return self._replay(stored, fingerprint), True
        if campaign.status != "active":
            raise CampaignNotActive(
                f"campaign {campaign_id!r} is {campaign.status}; batches need an active campaign"
            )
        if campaign.contacts_pending == 0:
            raise NoPendingContacts(f"campaign {campaign_id!r} has no pending contacts")
        now = self.clock()
        plan: SegmentPlan | None = None
        if campaign.settings.segment_by:
            segments = decide_segments(campaign, await self._segment_tables(campaign), now)
            plan, weights = segments.plan(campaign), segments.mixture()
        else:
            weights = current_allocation(campaign, await self._count_table(campaign), now).weights
        draft = BatchDraft(
            id=new_id("b"),
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            size=size,
            created_at=now,
            seed=secrets.randbits(62),
            variant_ids=tuple(v.id for v in campaign.variants),
            weights=tuple(float(w) for w in weights),
            holdout_fraction=campaign.settings.holdout_fraction,
            segments=plan,
        )
        try:
            batch = await self.store.draw_batch(campaign_id, draft)
        except NoPendingContacts:
            await self.get_campaign(campaign_id)  # NotFound if it was deleted meanwhile
            raise
        if batch.id != draft.id:  # a concurrent request with the same key won the race
            return self._replay(batch, fingerprint), True
        return batch, False

    @staticmethod
    def _replay(stored: Batch, fingerprint: str) -> Batch:
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {stored.idempotency_key!r} was used with a different request body"
            )
        return stored

    async def get_experiment_batch(self, campaign_id: str, batch_id: str) -> Batch:
        await self.get_campaign(campaign_id)
        batch = await self.store.get_batch(campaign_id, batch_id)
        if batch is None:
            raise NotFound(f"batch {batch_id!r} not found in campaign {campaign_id!r}")
        return batch

    async def list_experiment_batches(
        self, campaign_id: str, limit: int = 50, cursor: str | None = None
    ) -> Page[Batch]:
        await self.get_campaign(campaign_id)
        if cursor is not None and not _BATCH_CURSOR.fullmatch(cursor):
            raise InvalidInput(f"cursor {cursor!r} is not a cursor this listing returned")
        items = await self.store.list_batches(campaign_id, int(cursor or 0), limit)
        return Page(items, str(items[-1].sequence) if len(items) == limit else None)

    async def preview_allocation(self, campaign_id: str) -> AllocationPreview:
        """What the next batch would be drawn by; for a segmented campaign the weights are its
        segments' averaged over their pending contacts (``SegmentDecision.mixture``). A read:
        the segment registry is only ever written by a draw."""
        campaign = await self.get_campaign(campaign_id)
        now = self.clock()
        if not campaign.settings.segment_by:
            table = await self._count_table(campaign)
            return allocation_preview(campaign, current_allocation(campaign, table, now))
        segments = await self._segment_tables(campaign)
        allocation = current_allocation(campaign, segments.whole, now)
        mixture = decide_segments(campaign, segments, now).mixture()
        return allocation_preview(campaign, dataclasses.replace(allocation, weights=mixture))

    # outcomes -------------------------------------------------------------------------------
    async def record_outcomes(self, campaign_id: str, events: Sequence[EventLike]) -> EventTally:
        """Validate and record events; stores receive every `occurred_at` as RFC 3339 text and
        as seconds since the epoch. An event dated before its contact's batch was drawn is
        rejected; one later than the attribution window after it is recorded, counted `late`."""
        campaign = await self.get_campaign(campaign_id)
        refuse_nul("events[{}].id", [e.id for e in events])
        refuse_nul("events[{}].contact_id", [e.contact_id for e in events])
        unknown_types = {e.type for e in events} - _OUTCOME_SET
        if unknown_types:
            raise InvalidInput(f"unknown outcome types: {', '.join(sorted(unknown_types))}")
        epochs = epoch_seconds([e.occurred_at for e in events])
        if isinstance(epochs, int):
            raise InvalidInput(
                f"events[{epochs}].occurred_at {events[epochs].occurred_at!r} is not an RFC 3339"
                " date-time with a UTC offset"
            )
        return await self.store.record_events(
            campaign_id,
            _with_text_times(events),
            epochs,
            campaign.settings.attribution_window_seconds,
        )

    async def get_campaign_stats(
        self, campaign_id: str, control: str | None = None, as_of: datetime | None = None
    ) -> CampaignStats:
        """The report; lifts are measured against ``control`` (a variant id), else against the
        campaign's ``control_variant_id``, else against the leader.

        ``as_of`` replays the report at an earlier moment: only the batches drawn and the
        optimized outcomes that occurred by then count (the other outcome counts are today's;
        outcomes are known by delay bin, so the bin under way then counts in proportion, see
        ``delays.arrived_by``); a moment not yet past gives the report as of now. A ``control``
        that is not one of the campaign's variants is Unprocessable.
        """
        campaign = await self.get_campaign(campaign_id)
        if control is not None:
            check_control(control, campaign.variants, name="control")
        control = campaign.control_variant_id if control is None else control
        now = self.clock()
        if as_of is not None and as_of >= now:
            as_of = None  # the future is not known yet: the stats as of now
        segments = await self._segment_tables(campaign) if campaign.settings.segment_by else None
        table = await self._count_table(campaign) if segments is None else segments.whole
        if as_of is not None:
            now = as_of
            table = table.drawn_by(as_of)
            if segments is not None:
                segments = segments.drawn_by(as_of)
            sent = int(table.sends.sum())
            campaign = dataclasses.replace(
                campaign, contacts_pending=max(campaign.contacts_total - sent, 0)
            )
        return campaign_stats(
            campaign, table, now, control, replay=as_of is not None, segments=segments
        )

    # webhook receivers ------------------------------------------------------------------------
    async def register_webhook(self, provider: str, credential: Mapping[str, str]) -> Webhook:
        """A receiver for `provider` with an unguessable id (its URL is the only way in)."""
        if provider not in WEBHOOK_PROVIDERS:
            raise InvalidInput(f"provider must be one of {', '.join(WEBHOOK_PROVIDERS)}")
        webhook = Webhook(
            id=f"wh_{time.time_ns():016x}{secrets.token_hex(16)}",
            tenant=self.tenant,
            provider=provider,
            created_at=self.clock(),
            credential=dict(credential),
        )
        await self.store.insert_webhook(webhook)
        return webhook

    async def get_webhook(self, webhook_id: str) -> Webhook:
        webhook = await self.store.get_webhook(webhook_id)
        if webhook is None or webhook.tenant != self.tenant:
            raise NotFound(f"webhook {webhook_id!r} not found")
        return webhook

    async def list_webhooks(self, limit: int = 50, cursor: str | None = None) -> Page[Webhook]:
        if cursor is not None and not _WEBHOOK_CURSOR.fullmatch(cursor):
            raise InvalidInput(f"cursor {cursor!r} is not a cursor this listing returned")
        items = await self.store.list_webhooks(self.tenant, cursor, limit)
        return Page(items, items[-1].id if len(items) == limit else None)

    async def delete_webhook(self, webhook_id: str) -> None:
        if not await self.store.delete_webhook(self.tenant, webhook_id):
            raise NotFound(f"webhook {webhook_id!r} not found")

    async def _count_table(self, campaign: Campaign) -> CountTable:
        """The counters the policy reads, with the histogram of the optimized outcome."""
        return await self.store.count_table(campaign.id, campaign.optimize, len(campaign.variants))

    async def _segment_tables(self, campaign: Campaign) -> SegmentTables:
        """The counters per segment slot (and the campaign's), as ``_count_table`` reads them."""
        return await self.store.segment_tables(
            campaign.id, campaign.optimize, len(campaign.variants)
        )
