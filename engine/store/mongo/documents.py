"""The documents' shapes the collaborators share: states, filters, projections, packed member
arrays, the counters a marker adds to, and unordered inserts that tell duplicates apart."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from typing import Any

import bson
from pymongo.errors import BulkWriteError

from burt.engine.model import HOLDOUT, Batch
from burt.engine.store import codec
from burt.engine.store.mongo.connection import Docs
from burt.engine.timefmt import parse_rfc3339

_DUPLICATE_KEY = 11000
CLAIMING, COMPLETE = "claiming", "complete"
DELETED = "deleted_campaigns"
"""Deletions under way: {_id: campaign id, tenant, deleted_at}; no data of the campaign."""
HIDDEN = {"members": 0, "labels": 0, "slots": 0}
"""Projection of a batch header: its member arrays are read only for assignments."""


def one_campaign(campaign_id: str, **more: Any) -> dict[str, Any]:
    """The filter of one campaign document (its `_id` and its shard key)."""
    return {"_id": campaign_id, "campaign_id": campaign_id, **more}


def pack(values: Sequence[int], typecode: str) -> bson.Binary:
    return bson.Binary(array(typecode, values).tobytes())


def _unpack(data: bytes, typecode: str) -> list[int]:
    values = array(typecode)
    values.frombytes(data)
    return values.tolist()


def placement_fields(slots: Sequence[int], labels: Sequence[int]) -> dict[str, Any]:
    """What a segmented batch's document adds to its members and labels: each member's segment
    slot (`slots`, packed like them) and its sends per (slot, variant or HOLDOUT), so the
    counters read per slot from the batch headers (`sends_of`). An unsegmented batch has
    neither: every member is in slot 0."""
    sends = Counter(zip(slots, labels, strict=True))
    return {
        "slots": pack(slots, "i"),
        "segment_sends": [[slot, label, n] for (slot, label), n in sorted(sends.items())],
    }


def sends_of(header: dict[str, Any]) -> dict[tuple[int, int], int]:
    """A complete batch's sends per (segment slot, variant or HOLDOUT), from its header."""
    if "segment_sends" in header:
        return {(slot, label): n for slot, label, n in header["segment_sends"]}
    sends = {(0, v): n for v, n in enumerate(header["counts"])}
    sends[(0, HOLDOUT)] = header["holdout_count"]
    return sends


class Members:
    """A complete batch's members: sorted load sequences, and the label and segment slot of
    each (slot 0 for all in a batch without segments, or drawn before them)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.seqs = _unpack(doc["members"], "q")
        self.labels = _unpack(doc["labels"], "b")
        self.slots = _unpack(doc["slots"], "i") if "slots" in doc else [0] * len(self.seqs)
        self.drawn = parse_rfc3339(doc["created_at"]).timestamp()
        """The batch's draw time in epoch seconds."""

    def place_of(self, seq: int) -> tuple[int, int] | None:
        """The member's (label, segment slot); None when `seq` is not a member."""
        i = bisect_left(self.seqs, seq)
        if i < len(self.seqs) and self.seqs[i] == seq:
            return self.labels[i], self.slots[i]
        return None


async def members_of(batches: Docs, campaign_id: str, sequences: set[int]) -> dict[int, Members]:
    """The members of the campaign's complete batches among `sequences`, by sequence."""
    cursor = batches.find(
        {"campaign_id": campaign_id, "state": COMPLETE, "sequence": {"$in": sorted(sequences)}}
    )
    return {doc["sequence"]: Members(doc) async for doc in cursor}


def batch_of(doc: dict[str, Any], assignments: tuple[tuple[str, int], ...] | None = None) -> Batch:
    """A batch from its document. BSON decodes a 64-bit seed as `Int64`, an int subclass that
    JSON encoders such as msgspec reject: the domain gets a plain int."""
    return codec.batch_from_fields({**doc, "seed": int(doc["seed"])}, assignments)


def counters_of(marker: dict[str, Any]) -> list[str]:
    """The counters a marker adds one to: its cell, and its cell's delay bin (`delays`)."""
    return [f"cells.{marker['cell']}", f"delays.{marker['cell']}/{marker['bin']}"]


def _inserted_failures(exc: BulkWriteError) -> set[int]:
    """Indexes of the documents an unordered insert_many rejected as duplicates.

    Any other write error is re-raised: only a duplicate key is an expected outcome.
    """
    errors = exc.details.get("writeErrors", [])
    unexpected = [e for e in errors if e.get("code") != _DUPLICATE_KEY]
    if unexpected or exc.details.get("writeConcernErrors"):
        raise exc
    return {e["index"] for e in errors}


async def insert_unordered(collection: Docs, docs: list[dict[str, Any]]) -> set[int]:
    """Insert what is new; return the indexes of the documents that already existed."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        return _inserted_failures(exc)
    return set()
