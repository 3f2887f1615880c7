"""Reading the counts: the maintained counters (plus what open event posts owe them), and a
recount from the raw contacts and outcome markers to check them against."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pymongo import ASCENDING

from burt.engine.counts import CountTable
from burt.engine.delays import delay_bins
from burt.engine.model import HOLDOUT, OUTCOME_TYPES, PeriodCount
from burt.engine.store import codec
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import (
    COMPLETE,
    HIDDEN,
    batch_of,
    members_of,
    one_campaign,
)
from burt.engine.store.mongo.journal import Journal


def _rows(
    headers: list[dict[str, Any]],
    sends: dict[tuple[int, int], int],
    outcomes: Counter[tuple[int, int, str]],
    delays: Counter[tuple[int, int, str, int]],
) -> list[PeriodCount]:
    created = {h["sequence"]: h["created_at"] for h in headers}
    histograms: dict[tuple[int, int], dict[tuple[str, int], int]] = {}
    for (sequence, variant, kind, bin_), n in delays.items():
        histograms.setdefault((sequence, variant), {})[(kind, bin_)] = n
    return [
        codec.period_count(
            sequence,
            created[sequence],
            variant,
            n,
            {t: outcomes[(sequence, variant, t)] for t in OUTCOME_TYPES},
            histograms.get((sequence, variant)),
        )
        for (sequence, variant), n in sorted(sends.items())
        if n > 0
    ]


class Counts:
    """Per-period counts of a campaign, maintained and recounted."""

    def __init__(self, conn: Connection, journal: Journal) -> None:
        self._conn = conn
        self._journal = journal

    async def _complete_headers(self, campaign_id: str) -> list[dict[str, Any]]:
        cursor = self._conn.batches.find({"campaign_id": campaign_id, "state": COMPLETE}, HIDDEN)
        return await cursor.sort("sequence", ASCENDING).to_list(None)

    async def period_counts(self, campaign_id: str) -> list[PeriodCount]:
        return (await self._maintained(campaign_id))[1]

    async def count_table(self, campaign_id: str, kind: str, variants: int) -> CountTable:
        headers, rows = await self._maintained(campaign_id)
        return CountTable.from_rows(rows, [batch_of(h) for h in headers], kind, variants)

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
        sends = {}
        for h in headers:
            sends.update({(h["sequence"], v): n for v, n in enumerate(h["counts"])})
            sends[(h["sequence"], HOLDOUT)] = h["holdout_count"]
        counters = Counter({f"cells.{k}": n for k, n in doc["cells"].items()})
        counters.update({f"delays.{k}": n for k, n in doc.get("delays", {}).items()})
        counters.update(await self._journal.owed(doc, {"outcomes"}))
        outcomes: Counter[tuple[int, int, str]] = Counter()
        delays: Counter[tuple[int, int, str, int]] = Counter()
        for key, n in counters.items():
            field, _, cell = key.partition(".")
            sequence, variant, kind, *bin_ = cell.split("/")
            if field == "cells":
                outcomes[(int(sequence), int(variant), kind)] = n
            else:
                delays[(int(sequence), int(variant), kind, int(bin_[0]))] = n
        return headers, _rows(headers, sends, outcomes, delays)

    async def recount(self, campaign_id: str) -> list[PeriodCount]:
        """Sends from the contacts each complete batch holds, outcomes from the markers joined
        with those contacts: nothing taken from the batch counts, the cells or the markers'
        cells."""
        headers = await self._complete_headers(campaign_id)
        members = await members_of(
            self._conn.batches, campaign_id, {h["sequence"] for h in headers}
        )
        placement: dict[str, tuple[int, int]] = {}
        async for c in self._conn.contacts.find(
            {"campaign_id": campaign_id, "batch": {"$in": sorted(members)}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ):
            label = members[c["batch"]].label_of(c["seq"])
            if label is not None:
                placement[c["contact_id"]] = (c["batch"], label)
        sends = Counter(placement.values())
        outcomes: Counter[tuple[int, int, str]] = Counter()
        delays: Counter[tuple[int, int, str, int]] = Counter()
        async for m in self._conn.outcomes.find(
            {"campaign_id": campaign_id}, {"contact_id": 1, "type": 1, "delay": 1}
        ):
            if m["contact_id"] in placement:
                outcomes[(*placement[m["contact_id"]], m["type"])] += 1
                if m["delay"] >= 0:  # a migrated version 2 marker may predate its batch
                    bin_ = int(delay_bins(m["delay"]))
                    delays[(*placement[m["contact_id"]], m["type"], bin_)] += 1
        return _rows(headers, dict(sends), outcomes, delays)
