"""Reading the counts: the maintained counters (plus what open event posts owe them), and a
recount from the raw contacts and outcome markers to check them against; per segment slot,
the campaign's being their sums."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from pymongo import ASCENDING

from burt.engine.counts import CountTable, SegmentTables
from burt.engine.delays import delay_bins
from burt.engine.model import HOLDOUT, OUTCOME_TYPES, Batch, PeriodCount
from burt.engine.segments.keys import Registry
from burt.engine.store import codec
from burt.engine.store.mongo.cells import parse_cell
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import (
    COMPLETE,
    HIDDEN,
    batch_of,
    members_of,
    one_campaign,
    sends_of,
)
from burt.engine.store.mongo.journal import Journal
from burt.engine.store.mongo.segments import Segments

Row = tuple[int, int, int]
"""A counter row's (batch sequence, segment slot, variant or HOLDOUT)."""


def _rows(
    headers: list[dict[str, Any]],
    sends: dict[Row, int],
    outcomes: Counter[tuple[int, int, int, str]],
    delays: Counter[tuple[int, int, int, str, int]],
) -> list[PeriodCount]:
    created = {h["sequence"]: h["created_at"] for h in headers}
    histograms: dict[Row, dict[tuple[str, int], int]] = {}
    for (sequence, segment, variant, kind, bin_), n in delays.items():
        histograms.setdefault((sequence, segment, variant), {})[(kind, bin_)] = n
    return [
        codec.period_count(
            row[0],
            created[row[0]],
            row[2],
            n,
            {t: outcomes[(*row, t)] for t in OUTCOME_TYPES},
            histograms.get(row),
            segment=row[1],
        )
        for row, n in sorted(sends.items())
        if n > 0
    ]


def _segment_table(
    slot: int, rows: list[PeriodCount], batches: list[Batch], kind: str, variants: int
) -> CountTable:
    """Slot `slot`'s table: its rows, and every batch as if it had drawn only the slot's
    contacts, by the weights it drew the slot by (`SegmentPlan.weights_of`)."""
    mine = [r for r in rows if r.segment == slot]
    drawn: Counter[int] = Counter()
    for r in mine:
        if r.variant != HOLDOUT:
            drawn[r.sequence] += r.sends
    return CountTable.from_rows(
        mine,
        [
            dataclasses.replace(
                b,
                size=drawn[b.sequence],
                holdout_count=0,
                weights=b.weights if b.segments is None else b.segments.weights_of(slot),
            )
            for b in batches
        ],
        kind,
        variants,
    )


class Counts:
    """Per-period counts of a campaign, maintained and recounted."""

    def __init__(self, conn: Connection, journal: Journal, segments: Segments) -> None:
        self._conn = conn
        self._journal = journal
        self._segments = segments

    async def _complete_headers(self, campaign_id: str) -> list[dict[str, Any]]:
        cursor = self._conn.batches.find({"campaign_id": campaign_id, "state": COMPLETE}, HIDDEN)
        return await cursor.sort("sequence", ASCENDING).to_list(None)

    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        return (await self._maintained(campaign_id))[1]

    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        headers, rows = await self._maintained(campaign_id)
        return CountTable.from_rows(rows, [batch_of(h) for h in headers], kind, variants)

    async def segment_tables(self, campaign_id: str, kind: str, variants: int) -> SegmentTables:
        """The registry is read after the batch headers: a draw appends its slots before its
        seal, so every slot a header counts is in it."""
        headers, rows = await self._maintained(campaign_id)
        batches = [batch_of(h) for h in headers]
        registry = await self._segments.registry(campaign_id) or Registry()
        tables = tuple(
            _segment_table(slot, rows, batches, kind, variants)
            for slot in range(len(registry.slots))
        )
        return SegmentTables(registry, CountTable.from_rows(rows, batches, kind, variants), tables)

    async def _maintained(self, campaign_id: str) -> tuple[list[dict[str, Any]], list[PeriodCount]]:
        """The complete batches' headers and the counter rows: sends from the headers,
        outcomes from the maintained cells plus the open event posts' markers (no `$group` over
        the campaign's markers)."""
        doc = await self._conn.campaigns.find_one(
            one_campaign(campaign_id), {"cells": 1, "delays": 1, "open": 1}
        )
        if doc is None:
            return [], []
        headers = await self._complete_headers(campaign_id)
        sends = {
            (h["sequence"], slot, label): n
            for h in headers
            for (slot, label), n in sends_of(h).items()
        }
        counters = Counter({f"cells.{k}": n for k, n in doc["cells"].items()})
        counters.update({f"delays.{k}": n for k, n in doc.get("delays", {}).items()})
        counters.update(await self._journal.owed(doc, {"outcomes"}))
        outcomes: Counter[tuple[int, int, int, str]] = Counter()
        delays: Counter[tuple[int, int, int, str, int]] = Counter()
        for key, n in counters.items():
            _, _, name = key.partition(".")
            cell, bin_ = parse_cell(name)
            if bin_ is None:
                outcomes[cell] = n
            else:
                delays[(*cell, bin_)] = n
        return headers, _rows(headers, sends, outcomes, delays)

    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """Sends from the contacts each complete batch holds, outcomes from the markers joined
        with those contacts: nothing taken from the batch counts, the cells or the markers'
        cells."""
        headers = await self._complete_headers(campaign_id)
        members = await members_of(
            self._conn.batches, campaign_id, {h["sequence"] for h in headers}
        )
        placement: dict[str, Row] = {}
        async for c in self._conn.contacts.find(
            {"campaign_id": campaign_id, "batch": {"$in": sorted(members)}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ):
            place = members[c["batch"]].place_of(c["seq"])
            if place is not None:
                label, slot = place
                placement[c["contact_id"]] = (c["batch"], slot, label)
        sends = Counter(placement.values())
        outcomes: Counter[tuple[int, int, int, str]] = Counter()
        delays: Counter[tuple[int, int, int, str, int]] = Counter()
        async for m in self._conn.outcomes.find(
            {"campaign_id": campaign_id}, {"contact_id": 1, "type": 1, "delay": 1}
        ):
            if m["contact_id"] in placement:
                outcomes[(*placement[m["contact_id"]], m["type"])] += 1
                if m["delay"] >= 0:  # a migrated version 2 marker may predate its batch
                    bin_ = int(delay_bins(m["delay"]))
                    delays[(*placement[m["contact_id"]], m["type"], bin_)] += 1
        return _rows(headers, dict(sends), outcomes, delays)
