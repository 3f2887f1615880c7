"""Recording outcome events: outcome markers first, raw events second, counted through the
journal, so a crash between the two still counts each outcome exactly once."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from burt.engine.delays import delay_bins
from burt.engine.model import EventLike, EventTally
from burt.engine.outcomes import Placement, classify_events
from burt.engine.store.mongo.cells import cell_name
from burt.engine.store.mongo.connection import Connection
from burt.engine.store.mongo.documents import counters_of, insert_unordered, members_of
from burt.engine.store.mongo.journal import Journal, new_op


def _settle_tally(
    result: EventTally, counted: int, lost_markers: set[int], lost_events: set[int]
) -> EventTally:
    """The tally after concurrent requests won some inserts (their events are theirs)."""
    recorded = result.recorded - len(lost_events)
    still_counted = counted - len(lost_markers)
    return dataclasses.replace(
        result,
        recorded=recorded,
        repeated=max(recorded - still_counted, 0),
        duplicates=result.duplicates + len(lost_events),
    )


class Ingest:
    """Classifies a request's events against the stored ones and writes what is new."""

    def __init__(self, conn: Connection, journal: Journal) -> None:
        self._conn = conn
        self._journal = journal

    async def _placements(
        self, campaign_id: str, contact_ids: list[str]
    ) -> tuple[dict[str, Placement], dict[str, int]]:
        """The placement of each known contact (None unless assigned), and the segment slot
        of each assigned one."""
        contacts = await self._conn.contacts.find(
            {"campaign_id": campaign_id, "contact_id": {"$in": contact_ids}},
            {"contact_id": 1, "seq": 1, "batch": 1},
        ).to_list(None)
        batches = await members_of(
            self._conn.batches,
            campaign_id,
            {c["batch"] for c in contacts if c["batch"] is not None},
        )
        placements: dict[str, Placement] = {}
        slots: dict[str, int] = {}
        for c in contacts:
            members = batches.get(c["batch"])
            place = members.place_of(c["seq"]) if members else None
            placements[c["contact_id"]] = None
            if members is not None and place is not None:
                placements[c["contact_id"]] = (c["batch"], place[0], members.drawn)
                slots[c["contact_id"]] = place[1]
        return placements, slots

    async def record_events(
        self,
        campaign_id: str,
        events: Sequence[EventLike],
        epochs: Sequence[float],
        window_seconds: int,
    ) -> EventTally:
        """Markers carry their outcome's delay and bin, so an open entry's effect on the
        delay histogram (`delays`, on the campaign like `cells`) is read from them as its
        effect on the cells is: the histogram is repaired by the same journal."""
        contact_ids = sorted({e.contact_id for e in events})
        placements, slots = await self._placements(campaign_id, contact_ids)
        seen_events = {
            doc["event_id"]
            async for doc in self._conn.events.find(
                {"campaign_id": campaign_id, "event_id": {"$in": sorted({e.id for e in events})}},
                {"event_id": 1},
            )
        }
        had_outcome = {
            (doc["contact_id"], doc["type"])
            async for doc in self._conn.outcomes.find(
                {"campaign_id": campaign_id, "contact_id": {"$in": contact_ids}},
                {"contact_id": 1, "type": 1},
            )
        }
        tally = classify_events(
            events, epochs, window_seconds, placements, seen_events, had_outcome
        )
        op = new_op("outcomes")
        markers = []
        bins = delay_bins([delay for _, _, delay in tally.new_outcomes]).tolist()
        for (contact_id, kind, delay), bin_ in zip(tally.new_outcomes, bins, strict=True):
            place = placements[contact_id]
            assert place is not None
            sequence, variant, _ = place
            markers.append(
                {
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "type": kind,
                    "sequence": sequence,
                    "variant": variant,
                    "cell": cell_name(sequence, slots[contact_id], variant, kind),
                    "delay": delay,
                    "bin": bin_,
                    "op": op,
                }
            )
        with self._conn.deadline():
            if markers:
                await self._journal.open(campaign_id, op, {"kind": "outcomes"})
            lost_markers = await insert_unordered(self._conn.outcomes, markers)
            lost_events = await insert_unordered(
                self._conn.events,
                [
                    {
                        "campaign_id": campaign_id,
                        "event_id": e.id,
                        "contact_id": e.contact_id,
                        "type": e.type,
                        "occurred_at": e.occurred_at,
                    }
                    for e in tally.new_events
                ],
            )
            if markers:
                counted = Counter(
                    key
                    for i, m in enumerate(markers)
                    if i not in lost_markers
                    for key in counters_of(m)
                )
                await self._journal.close(campaign_id, op, dict(counted))
        return _settle_tally(tally.result, len(markers), lost_markers, lost_events)
