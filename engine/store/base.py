"""The store port: every adapter (SQLite, MongoDB) implements this Protocol.

The engine decides *what* to write (weights, seeds, ids, validation); a store decides *how* to
write it so that the invariants hold under concurrency and crashes: a contact is claimed by at
most one batch, an event id counts once, a binary outcome counts once per contact and type, and
the per-period counters always equal a recount of the raw records.

Segments. Every assigned contact carries a segment slot (an int; 0 in a campaign without
segments, and for every contact stored before segments). A segmented campaign (settings
`segment_by` non-empty) keeps a registry of its slots, `engine.segments.keys.Registry`: slot s
holds one key (a tuple of attribute values as text), `OTHER`, or `ERASED` (a key that
`erase_contact` redacted in place; it equals no key, so a later contact with those values is
placed as a key never seen); slots are only ever appended, by `draw_batch`, as part of its
claim: in the same transaction (SQLite), or in the draw's crash-safe protocol before the seal
that stores the contacts' slots (MongoDB), so no contact is ever in a slot the registry lacks.
Counters are kept per (batch, segment slot, variant or HOLDOUT), delay histograms per (batch,
segment slot, variant, outcome type, bin); the campaign-wide numbers are their sums over slots.
`draw_batch`, `record_events`, `erase_contact`, `period_counts`, `recount` and `segment_tables`
say what each does with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from burt.engine.apikeys import ApiKey
from burt.engine.counts import CountTable, SegmentTables
from burt.engine.model import (
    ActivityUpdate,
    Batch,
    BatchDraft,
    Campaign,
    ContactLike,
    EventLike,
    EventTally,
    PeriodCount,
    Webhook,
)


class Store(Protocol):
    name: str
    """`sqlite` or `mongodb`, reported by the readiness probe."""

    async def exists(self) -> bool:
        """Whether burt's store is already there (checked before `open`, which creates it)."""

    def location(self) -> str:
        """Where the store is, for people (a file path, or a URI without credentials)."""

    async def open(self) -> None:
        """Connect, and create or migrate the schema / indexes to this burt's version.

        A store written by an older burt is migrated forward, idempotently and safely while
        other processes open it too; a store written by a newer burt is refused with
        IncompatibleStore (a message saying which versions), and nothing is written to it.
        """

    async def close(self) -> None: ...

    async def backup(self, dest: Path) -> None:
        """Copy the whole store, as it was at one instant, to the new file `dest`, while other
        processes go on reading and writing. BackupUnsupported when the store cannot."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""

    # API keys -------------------------------------------------------------------------------
    async def add_api_key(self, key: ApiKey) -> None:
        """Store a new key (its digest, tenant and lifecycle fields; times are the caller's)."""

    async def get_api_key(self, key_hash: str) -> ApiKey | None:
        """The stored key, revoked and expired ones included (keys stored before names, times
        and scopes existed come back with those unset and write scope)."""

    async def list_api_keys(self) -> list[ApiKey]:
        """Every stored key, oldest first."""

    async def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark the key revoked (idempotently: the first revocation time stays); None when no
        key has that id."""

    async def touch_api_key(self, key_hash: str, at: datetime) -> None:
        """Record that the key was used at `at`."""

    # Campaigns ------------------------------------------------------------------------------
    async def insert_campaign(self, campaign: Campaign) -> None: ...

    async def insert_campaign_once(
        self, campaign: Campaign, idempotency_key: str, fingerprint: str
    ) -> tuple[str, str]:
        """Insert `campaign` unless its tenant made one with this key before, atomically (a
        concurrent retry and a crash in between make one campaign, never two).

        Returns (id, fingerprint) of the campaign stored for the key: `campaign`'s own when it
        was inserted now. The engine compares the fingerprints.
        """

    async def get_campaign(self, tenant: str, campaign_id: str) -> Campaign | None:
        """The campaign with its contact counts, or None when absent or another tenant's."""

    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list[Campaign]:
        """Campaigns ordered by id (ids sort by creation time), those with id > after_id."""

    async def update_campaign(self, campaign: Campaign, expected_version: int) -> bool:
        """Compare-and-set: store `campaign` (as the engine changed it: fields, version,
        `updated_at`) iff its stored version is still `expected_version`.

        Returns False, storing nothing, when the version did not match or the campaign is gone
        (the caller tells the two apart by reading it again), and when the campaign has drawn a
        batch and `campaign` changes its segment settings (`codec.segments_of`): checked in the
        same atomic write, so a draw racing the update cannot leave contacts placed by settings
        no longer in force (the caller, reading again, finds the batch and refuses the change).
        Contact counts are the store's.
        """

    async def delete_campaign(self, tenant: str, campaign_id: str) -> bool:
        """Remove the campaign and everything stored for it, for good; False when absent or
        another tenant's.

        Contacts, batches, events, outcomes, counters and idempotency records all go. The
        campaign is absent for every read and write from the moment the deletion starts; a
        write racing it either completes before it (and is removed with the rest) or fails
        with NotFound; a crash part-way is finished by the next `open` or deletion.
        """

    # Contacts -------------------------------------------------------------------------------
    async def erase_contact(self, campaign_id: str, contact_id: str) -> bool:
        """Erase one person; False when the campaign has no contact with this id.

        The contact's id, its attributes and its events' ids are gone for good (nothing derived
        from them is kept), while every count stays: a contact that was assigned keeps its
        place in its batch (and segment slot) under an anonymous tombstone, with its outcomes,
        so `period_counts` and `recount` answer as before. A pending contact is simply removed.
        Afterwards no event or erasure matches the old id (a later load of it makes a new,
        pending contact), and batch assignments leave the erased contact out.

        In a segmented campaign, if a slot holds the contact's key (`key_of` its attributes) of
        its own and no other contact of the campaign that is not erased carries it (assigned,
        in that slot, or pending), the slot's key becomes `ERASED` (`Registry.redact`), with
        the erasure: in its transaction (SQLite), or before the contact's id is replaced, so
        a retry redoes it (MongoDB). The slot, its number and its counts stay; a key another
        contact still carries stays, as it is theirs too.
        """

    async def load_contacts(
        self, campaign_id: str, contacts: Sequence[ContactLike]
    ) -> tuple[int, int]:
        """Insert contacts not yet known (by id), as pending. Returns (created, existing)."""

    # Batches --------------------------------------------------------------------------------
    async def find_batch_by_key(self, campaign_id: str, idempotency_key: str) -> Batch | None:
        """The batch stored for this key, with its assignments."""

    async def draw_batch(self, campaign_id: str, draft: BatchDraft) -> Batch:
        """Claim up to draft.size pending contacts (load order) and assign them atomically.

        Without `draft.segments`, assignment is `engine.assignment.assign_labels(len(claimed),
        draft.weights, draft.holdout_fraction, draft.seed)` over the claimed contacts in load
        order, every contact in slot 0, and the batch's counters are one row per variant (and
        HOLDOUT) in slot 0.

        With `draft.segments` (a `SegmentPlan`), as part of the claim (module docstring): read
        the registry; if it is empty (the campaign's first draw), rank it with `keys.rank` over
        every contact loaded so far, pending ones included: `(key_of(attributes, plan.by),
        contacts with that key)` in the order each key was first loaded; then place each
        claimed contact, in load order, with `Registry.place(key_of(its attributes, plan.by),
        plan.max_segments)`, store the slots that made (they are the campaign's from then on,
        even when a concurrent draw raced: the second sees the first's), and store each
        contact's slot with its variant. Assignment is `engine.assignment.assign_segments(slots,
        plan, draft.holdout_fraction, draft.seed)`; the batch is `draft.drawn(...)` with
        `weights` `assignment.segment_mixture(slots, plan)`, its doc keeps the plan
        (`codec.batch_fields`), and its counters are one row per (slot, variant) drawn.

        If a batch with the same idempotency key exists (a concurrent retry won), return that
        one instead. Raises NoPendingContacts, storing nothing, when no contact is pending, and
        Conflict, storing nothing, when the campaign's stored segment settings
        (`codec.segments_of`) are not the draft's (`codec.draft_segments`: an update changed
        them after the engine read the campaign).
        """

    async def get_batch(self, campaign_id: str, batch_id: str) -> Batch | None: ...

    async def list_batches(self, campaign_id: str, after_sequence: int, limit: int) -> list[Batch]:
        """Batches with sequence > after_sequence in order, without assignments."""

    # Outcomes -------------------------------------------------------------------------------
    async def record_events(
        self,
        campaign_id: str,
        events: Sequence[EventLike],
        epochs: Sequence[float],
        window_seconds: int,
    ) -> EventTally:
        """Store new events; count each (contact, type) once into its batch's counters and its
        delay histogram (those of the contact's segment slot), in the same write.

        Events whose contact is unknown or still pending, or dated before its batch was drawn
        (`epochs[i]`, the event's time in seconds since the epoch, more than
        `delays.EARLY_TOLERANCE_SECONDS` before the batch's `created_at`; within that it counts
        at delay 0), are rejected item by item, before duplicates; events whose id is
        already stored (or repeated in the request) are duplicates. An outcome's delay is its
        counting event's (the first of its contact and type recorded; in request order within
        one request) minus its batch's draw, in the bin of `delays.BIN_EDGES` it falls in.
        `late` counts the recorded events whose delay is `window_seconds` or more (none when 0).
        The engine has validated the events and hands every `occurred_at` over as RFC 3339
        text to keep.
        """

    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        """The maintained counters, delay histograms included: one row per (batch, segment slot,
        variant or HOLDOUT) with a send (`PeriodCount.segment`; slot 0 only, in a campaign
        without segments), ordered by batch, slot and variant. Its cost grows with the batches
        and slots, never with the contacts or outcomes."""

    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """The same rows as period_counts, recomputed from the raw contacts (their batch, slot and
        variant) and outcomes (each binned afresh from the delay stored with it)."""

    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        """The maintained counters as arrays, with the delay histogram of outcome type `kind`,
        from one consistent read: equal to `CountTable.from_rows` of `period_counts` and the
        campaign's batches (an empty table when the campaign is absent), the segment slots
        summed. What the policy and the stats report read; its cost grows with the batches,
        never with the contacts or outcomes."""

    async def segment_tables(self, campaign_id: str, kind: str, variants: int) -> SegmentTables:
        """From one consistent read: the registry; `whole`, what `count_table` answers; and
        per slot, in slot order, its counters as a `CountTable`: `CountTable.build` of the
        campaign's batches (every one, a column each, zeros where the batch drew none of the
        slot's contacts) with, per batch, the slot's sends not held out and the weights the
        batch drew the slot by (the batch's `segments.weights_of(slot)`; its `weights` for a
        batch without a plan), and the slot's rows of `period_counts` and their histogram of
        outcome type `kind`. No slots and no tables for a campaign without segments (or
        absent). Its cost grows with the batches and slots, never with the contacts or
        outcomes."""

    # Webhook receivers ----------------------------------------------------------------------
    async def insert_webhook(self, webhook: Webhook) -> None: ...

    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        """By id alone: a receiving endpoint knows no tenant (the id is unguessable)."""

    async def list_webhooks(self, tenant: str, after_id: str | None, limit: int) -> list[Webhook]:
        """The tenant's receivers ordered by id (ids sort by creation time), id > after_id."""

    async def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        """False when the tenant has no such receiver."""

    async def note_webhook_activity(self, webhook_id: str, update: ActivityUpdate) -> None:
        """Add update.counts to the receiver's counters atomically (concurrent deliveries lose
        no increment), set its last delivery time, and its last error and subscription state
        when given. A receiver deleted meanwhile is left deleted."""

    async def replace_webhook_credential(
        self, webhook_id: str, old: Mapping[str, str], new: Mapping[str, str]
    ) -> bool:
        """Store `new` as the receiver's credential if it still holds `old` (compare and set);
        False otherwise (changed meanwhile, or no such receiver)."""

    async def claim_webhook_token(
        self, webhook_id: str, token: str, body_digest: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Remember a signed delivery's one-time `token` for the receiver until `expires_at`,
        with the digest of the body it came with. False when the token is remembered, unexpired
        at `now`, with another digest (a replay); True otherwise, a second use with the same
        digest included (a platform's retry). Atomic: of concurrent claims of one token with
        different digests, one wins. Tokens expired at `now` may be forgotten."""

    async def tenant_digest(self, tenant: str) -> str:
        """A hash of everything stored for the tenant: equal digests mean nothing changed."""
