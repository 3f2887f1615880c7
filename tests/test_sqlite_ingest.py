"""The SQLite store's set-wise ingestion (`sqlite_ingest`) against `classify_events`, the rules
the MongoDB store runs event by event: on random streams of requests (ids stored before or
repeated in a request, outcomes counted before or twice in a request, unknown, pending and
too-early contacts, two batches hours apart, a holdout), every request's tally and, at the end,
every counter and delay cell must be what the one-by-one rules give."""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from burt.engine import Burt, ContactIn, EventIn, SQLiteStore
from burt.engine.delays import delay_bins
from burt.engine.model import EventTally
from burt.engine.outcomes import Placement, classify_events
from burt.engine.timefmt import epoch_seconds, format_rfc3339
from tests.stores import delay_cells

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
SECOND_DRAW = timedelta(hours=5)
WINDOW_SECONDS = 86_400
CONTACTS = [f"c{i}" for i in range(7)]
"""Three drawn at T0, three five hours later, the last never drawn."""
OFFSETS = [-7200, -1.5, -0.5, 0, 59, 1200, 4 * 3600, 5 * 3600 + 30, 26 * 3600, 40 * 3600]
"""Event times, seconds after T0: before either draw, inside the early tolerance, in several
delay bins of either batch, past the attribution window."""

events = st.builds(
    lambda id_, contact, kind, offset: EventIn(
        id_, contact, kind, format_rfc3339(T0 + timedelta(seconds=offset))
    ),
    st.sampled_from([f"e{i}" for i in range(6)]),
    st.sampled_from([*CONTACTS, "nobody"]),
    st.sampled_from(["opened", "clicked", "converted"]),
    st.sampled_from(OFFSETS),
)
requests = st.lists(st.lists(events, min_size=1, max_size=10), min_size=1, max_size=3)


def expected_counts(
    stream: list[list[EventIn]], placements: dict[str, Placement]
) -> tuple[list[EventTally], Counter[tuple[int, int, str, int]]]:
    """Each request's tally and the counted outcomes per (sequence, variant, type, delay bin),
    by `classify_events` with the stored ids and counted outcomes carried between requests."""
    seen: set[str] = set()
    had: set[tuple[str, str]] = set()
    tallies: list[EventTally] = []
    cells: Counter[tuple[int, int, str, int]] = Counter()
    for request in stream:
        epochs = epoch_seconds([e.occurred_at for e in request])
        assert not isinstance(epochs, int)
        out = classify_events(request, epochs, WINDOW_SECONDS, placements, seen, had)
        tallies.append(out.result)
        seen |= {e.id for e in out.new_events}
        had |= {(contact, kind) for contact, kind, _ in out.new_outcomes}
        bins = delay_bins([delay for _, _, delay in out.new_outcomes]).tolist()
        for (contact, kind, _), bin_ in zip(out.new_outcomes, bins, strict=True):
            place = placements[contact]
            assert place is not None
            cells[(place[0], place[1], kind, bin_)] += 1
    return tallies, cells


async def ingest(path: Path, stream: list[list[EventIn]]) -> None:
    store = SQLiteStore(path)
    await store.open()
    now = [T0]
    burt = Burt(store, clock=lambda: now[0])
    try:
        campaign = await burt.initialize_campaign(
            "Ingest",
            [("a", "A"), ("b", "B")],
            "clicked",
            {"holdout_fraction": 0.3, "attribution_window_seconds": WINDOW_SECONDS},
        )
        await burt.load_contacts(campaign.id, [ContactIn(c) for c in CONTACTS])
        placements: dict[str, Placement] = dict.fromkeys(CONTACTS)
        for key in ("first", "second"):
            batch, _ = await burt.create_experiment_batch(campaign.id, 3, key)
            for contact, variant in batch.assignments or ():
                placements[contact] = (batch.sequence, variant, batch.created_at.timestamp())
            now[0] += SECOND_DRAW
        tallies, cells = expected_counts(stream, placements)
        for request, expected in zip(stream, tallies, strict=True):
            assert await burt.record_outcomes(campaign.id, request) == expected, request
        rows = await store.period_counts(campaign.id)
        assert delay_cells(rows) == cells
        assert rows == await store.recount(campaign.id)
    finally:
        await store.close()


@settings(max_examples=150, deadline=None)
@given(requests)
def test_sqlite_ingestion_counts_as_the_event_by_event_rules(stream: list[list[EventIn]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(ingest(Path(tmp) / "burt.sqlite3", stream))
