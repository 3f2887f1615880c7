"""Classifying outcome events against what a store already holds.

These are the semantics every store implements (the conformance suite holds them to it): the
MongoDB store calls `classify_events`; the SQLite store runs the same rules in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from burt.engine.model import EventLike, EventRejection, EventTally


class ClassifiedEvents:
    """The outcome of classifying a request's events against what the store already holds."""

    def __init__(self) -> None:
        self.new_events: list[EventLike] = []
        self.new_outcomes: list[tuple[str, str]] = []
        self.increments: Counter[tuple[int, int, str]] = Counter()
        self.rejected: list[EventRejection] = []
        self.duplicates = 0
        self.repeated = 0
        self.received = 0

    @property
    def result(self) -> EventTally:
        return EventTally(
            received=self.received,
            recorded=len(self.new_events),
            repeated=self.repeated,
            duplicates=self.duplicates,
            rejected=tuple(self.rejected),
        )


def classify_events(
    events: Sequence[EventLike],
    assigned: dict[str, tuple[int | None, int | None]],
    seen_events: set[str],
    had_outcome: set[tuple[str, str]],
) -> ClassifiedEvents:
    """Sort a request's events into rejected, duplicate, new-and-counted and new-but-repeated.

    `assigned` maps known contact ids to (batch sequence, variant), None while pending;
    `seen_events` holds the event ids already stored; `had_outcome` the (contact, type) pairs
    already counted. Both sets grow as the request is walked, so repeats inside one request
    are caught too.
    """
    out = ClassifiedEvents()
    out.received = len(events)
    seen = set(seen_events)
    counted = set(had_outcome)
    for index, event in enumerate(events):
        place = assigned.get(event.contact_id)
        if place is None:
            out.rejected.append(EventRejection(index, event.id, "unknown_contact"))
            continue
        sequence, variant = place
        if sequence is None or variant is None:
            out.rejected.append(EventRejection(index, event.id, "contact_not_assigned"))
            continue
        if event.id in seen:
            out.duplicates += 1
            continue
        seen.add(event.id)
        out.new_events.append(event)
        pair = (event.contact_id, event.type)
        if pair in counted:
            out.repeated += 1
            continue
        counted.add(pair)
        out.new_outcomes.append(pair)
        out.increments[(sequence, variant, event.type)] += 1
    return out
