"""Segments on the SQLite store: a file from before segments migrated forward (real files), and
segment keys read in SQL equal to `keys.key_of` over the decoded attributes, for awkward values
and attribute names. What every store does with segments is tested in
tests/test_store_segments.py."""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burt.engine import Burt
from burt.engine.model import SegmentPlan
from burt.engine.segments.keys import Registry, SegmentKey, key_of, rank
from burt.engine.store import SQLiteStore, codec, sqlite_segments
from burt.engine.store.sqlite_schema import MIGRATIONS, migrate
from tests.test_store_segments import draft

pytestmark = pytest.mark.anyio

RELEASE = Path(__file__).parent / "fixtures" / "release-b747cf7.sqlite3"


async def test_a_file_from_before_segments_is_migrated_and_counts_as_before(
    tmp_path: Path,
) -> None:
    path = Path(shutil.copyfile(RELEASE, tmp_path / "burt.sqlite3"))
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        migrate(db, path, MIGRATIONS[:8])
        assert db.execute("PRAGMA user_version").fetchone()[0] == 8
        before = db.execute(
            "SELECT c.id, p.sequence, p.variant, p.sends, p.clicked FROM period_counts p"
            " JOIN campaigns c ON c.num = p.campaign ORDER BY 1, 2, 3"
        ).fetchall()
    store = SQLiteStore(path)
    await store.open()
    try:
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        campaigns = sorted({row[0] for row in before})
        burt = Burt(store, tenant="acme")
        after = []
        for cid in campaigns:
            rows = await store.period_counts(cid)
            assert {r.segment for r in rows} == {0}
            assert rows == await store.recount(cid)
            variants = len((await burt.get_campaign(cid)).variants)
            tables = await store.segment_tables(cid, "clicked", variants)
            assert tables.tables == ()
            assert tables.whole == await store.count_table(cid, "clicked", variants)
            after += [(cid, r.sequence, r.variant, r.sends, r.outcomes["clicked"]) for r in rows]
        assert after == before
        campaign = await burt.get_campaign(campaigns[0])
        assert campaign.settings.segment_by == () and campaign.settings.max_segments == 32
        drawn = await store.draw_batch(campaign.id, replace(draft("new", 5, None), id="b_new"))
        rows = await store.period_counts(campaign.id)
        assert {r.segment for r in rows if r.sequence == drawn.sequence} == {0}
        assert rows == await store.recount(campaign.id)
    finally:
        await store.close()


NAMES = ("tier", "a.b", "sp ace", "é", "back\\slash", "tab\there", "$", "[0]", "1", 'say "hi"')
"""Attribute names a path must quote: dots, spaces, unicode and a tab (stored escaped), a
backslash, path syntax, a digit; and a double quote, which no path of SQLite 3.40 finds."""
AWKWARD: tuple[Any, ...] = (
    *("1", 1, 1.0, "1.0", True, "true", 1e300, 2**70, -0.0, 0.1 + 0.2, False, 0, ""),
    *(None, "null", "unknown", "é", "\\u00e9", "😀", "\ud800", "it's", 'a"b\\'),
    *(float("inf"), float("-inf"), float("nan")),
    *({"b": 1, "a": [True, None]}, [1, "1"], {}, []),
)
"""Values whose keys differ only by JSON type (true, 1 and "1"; null and "null"), numbers
SQLite must give digit for digit, nested values, unicode (a lone surrogate too), text that
looks like an escape, and what only Python's JSON writes (NaN, Infinity)."""
VALUES = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=3), st.integers(-3, 3))
ATTRIBUTES = st.one_of(st.none(), st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4))


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    """A store's schema in memory: each example loads its contacts into a campaign of its own."""
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as db:
        migrate(db, Path(":memory:"))
        yield db


def load(db: sqlite3.Connection, contacts: Sequence[Mapping[str, Any] | None]) -> int:
    """A new campaign number with ``contacts`` loaded as `SQLiteStore.load_contacts` stores
    them, each with an email of its own (so no two share their attributes' text)."""
    num = int(db.execute("SELECT COALESCE(MAX(campaign), 0) + 1 FROM contacts").fetchone()[0])
    db.executemany(
        "INSERT INTO contacts (campaign, ext_id, attributes) VALUES (?, ?, ?)",
        [
            (num, f"c{i}", None if a is None else codec.dumps({**a, "email": f"c{i}@x"}))
            for i, a in enumerate(contacts)
        ],
    )
    return num


def texts(db: sqlite3.Connection, num: int, by: Sequence[str]) -> list[sqlite_segments.KeyText]:
    """Each of campaign ``num``'s contacts' `key_column`, in load order."""
    column, params = sqlite_segments.key_column(db, by)
    query = f"SELECT {column} FROM contacts WHERE campaign = ? ORDER BY id"
    return [text for (text,) in db.execute(query, (*params, num))]


def reference(keys: Sequence[SegmentKey], max_segments: int) -> Registry:
    """The first draw's registry by `keys.rank` over keys counted in Python, in load order."""
    counts: dict[SegmentKey, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return rank(counts.items(), max_segments)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    contacts=st.lists(ATTRIBUTES, min_size=1, max_size=30),
    by=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True),
    cap=st.integers(2, 6),
)
def test_keys_read_in_sql_rank_and_place_as_key_of_does(
    db: sqlite3.Connection, contacts: list[dict[str, Any] | None], by: list[str], cap: int
) -> None:
    num = load(db, contacts)
    stored = [
        row[0]
        for row in db.execute(
            "SELECT attributes FROM contacts WHERE campaign = ? ORDER BY id", (num,)
        )
    ]
    keys = [key_of(None if text is None else json.loads(text), by) for text in stored]
    expected = reference(keys, cap)
    plan = SegmentPlan(by=tuple(by), max_segments=cap, weights=(), new_weights=(0.5, 0.5))
    placed = sqlite_segments.place(db, num, texts(db, num, by), plan)
    assert sqlite_segments.registry(db, num) == expected
    assert placed == [expected.slot_of(key) for key in keys]


def test_names_a_path_finds_are_read_in_sql_the_rest_from_the_stored_text(
    db: sqlite3.Connection,
) -> None:
    in_sql = [name for name in NAMES if sqlite_segments.key_column(db, [name])[1]]
    assert set(NAMES) - set(in_sql) <= {'say "hi"'}
    assert "a.b" in in_sql and "é" in in_sql and "sp ace" in in_sql


def test_a_first_draw_decodes_one_row_per_key_not_per_contact(
    db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    regions = itertools.cycle(["north", "south", 3, True, None])
    num = load(db, [{"region": next(regions)} for _ in range(1000)])
    decoded = []

    def loads(text: str) -> Any:
        decoded.append(text)
        return json.loads(text)

    monkeypatch.setattr(sqlite_segments, "json", SimpleNamespace(loads=loads, dumps=json.dumps))
    plan = SegmentPlan(by=("region",), max_segments=32, weights=(), new_weights=(0.5, 0.5))
    placed = sqlite_segments.place(db, num, texts(db, num, ["region"]), plan)
    assert placed == [i % 5 for i in range(1000)]
    assert len(decoded) == 2 * 5  # each key's row at the first draw, and in the batch
