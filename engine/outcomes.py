"""Classifying outcome events against what a store already holds.

These are the semantics every store implements (the conformance suite holds them to it): the
MongoDB store calls `classify_events`; the SQLite store runs the same rules set-wise in SQL and
numpy (`store.sqlite_ingest`), which tests/test_sqlite_ingest.py holds to this function on random
streams of requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from burt.engine.delays import EARLY_TOLERANCE_SECONDS
from burt.engine.model import EventLike, EventRejection, EventTally


class ClassifiedEvents:
    """The outcome of classifying a request's events against what the store already holds."""

    def __init__(self) -> None:
        self.new_events: list[EventLike] = []
        self.new_outcomes: list[tuple[str, str, float]] = []
        """(contact, type, delay from its batch's draw) of each outcome counted now."""
        self.rejected: list[EventRejection] = []
        self.duplicates = 0
        self.repeated = 0
        self.received = 0
        self.late = 0

    @property
    def result(self) -> EventTally:
        return EventTally(
            received=self.received,
            recorded=len(self.new_events),
            repeated=self.repeated,
            duplicates=self.duplicates,
            rejected=tuple(self.rejected),
            late=self.late,
        )


Placement = tuple[int, int, float] | None
"""A contact's (batch sequence, variant, the batch's draw in epoch seconds); None if pending."""


def classify_events(
    events: Sequence[EventLike],
    epochs: Sequence[float],
    window_seconds: int,
    assigned: dict[str, Placement],
    seen_events: set[str],
    had_outcome: set[tuple[str, str]],
) -> ClassifiedEvents:
    """Sort a request's events into rejected, duplicate, new-and-counted and new-but-repeated.

        `epochs` are the events' times in epoch seconds; `assigned` maps known contact ids to their
        placement; `seen_events` holds the event ids already stored; `had_outcome` the (contact,
        type) pairs already counted. Both sets grow as the request is walked, so repeats inside
        one request are caught too. An event dated before its batch was drawn (by more than
    `EARLY_TOLERANCE_SECONDS`; within it, it counts at delay 0) is rejected; a
        recorded one `window_seconds` or more after it (when that is above 0) is counted `late`.
    """
    out = ClassifiedEvents()
    out.received = len(events)
    seen = set(seen_events)
    counted = set(had_outcome)
    for index, event in enumerate(events):
        if event.contact_id not in assigned:
            out.rejected.append(EventRejection(index, event.id, "unknown_contact"))
            continue
        place = assigned[event.contact_id]
        if place is None:
            out.rejected.append(EventRejection(index, event.id, "contact_not_assigned"))
            continue
        delay = epochs[index] - place[2]
        if delay < -EARLY_TOLERANCE_SECONDS:
            out.rejected.append(EventRejection(index, event.id, "occurred_before_batch"))
            continue
        delay = max(delay, 0.0)
        if event.id in seen:
            out.duplicates += 1
            continue
        seen.add(event.id)
        out.new_events.append(event)
        out.late += 0 < window_seconds <= delay
        pair = (event.contact_id, event.type)
        if pair in counted:
            out.repeated += 1
            continue
        counted.add(pair)
        out.new_outcomes.append((*pair, delay))
    return out
