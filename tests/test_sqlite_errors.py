"""Which SQLite errors mean "store unavailable" (503) and which are bugs (500, logged).

Only the result codes that say the file cannot be used right now (busy, locked, cannot open,
I/O error, disk full) are StoreUnavailable; any other error surfaces as itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from burt.engine import Burt
from burt.engine.apikeys import hash_api_key, new_api_key
from burt.engine.errors import StoreUnavailable
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.service.app import create_app
from burt.service.config import Config

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / SQLITE_FILENAME


@pytest.fixture
def write_lock(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the file's write lock."""
    other = sqlite3.connect(db_path, isolation_level=None)
    yield other
    other.close()


async def test_a_locked_file_is_unavailable(db_path: Path, write_lock: sqlite3.Connection) -> None:
    store = SQLiteStore(db_path, busy_timeout_ms=50)
    await store.open()
    try:
        write_lock.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable, match="locked"):
            await Burt(store).initialize_campaign("x", [("a", "A"), ("b", "B")], "clicked")
        write_lock.execute("ROLLBACK")
        await Burt(store).initialize_campaign("x", [("a", "A"), ("b", "B")], "clicked")
    finally:
        await store.close()


async def test_a_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()  # a directory where the file should be
    store = SQLiteStore(tmp_path / "dir.sqlite3")
    with pytest.raises(StoreUnavailable, match="unable to open"):
        await store.open()
    await store.close()


async def test_a_programming_error_is_not_unavailable(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    await store.open()
    try:
        with sqlite3.connect(db_path) as other:  # a schema the code does not expect
            other.execute("DROP TABLE batches")
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await store.list_batches("cmp_x", 0, 10)
    finally:
        await store.close()


def _client(tmp_path: Path, db_path: Path) -> tuple[TestClient, dict[str, str]]:
    key = new_api_key()
    with sqlite3.connect(db_path) as db:
        db.execute(
            "INSERT INTO api_keys (key_hash, tenant) VALUES (?, ?)", (hash_api_key(key), "acme")
        )
    app = create_app(Config(data_dir=tmp_path))
    return TestClient(app, raise_server_exceptions=False), {"Authorization": f"Bearer {key}"}


async def _create_schema(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    await store.open()
    await store.close()


async def test_over_http_a_bug_is_a_logged_500_not_a_503(
    tmp_path: Path, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await _create_schema(db_path)
    client, headers = _client(tmp_path, db_path)
    with client:
        created = client.post(
            "/campaigns",
            json={
                "name": "x",
                "optimize": "clicked",
                "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            },
            headers=headers,
        )
        assert created.status_code == 201
        cid = created.json()["id"]
        with sqlite3.connect(db_path) as other:
            other.execute("DROP TABLE batches")
        broken = client.get(f"/campaigns/{cid}/batches", headers=headers)
        assert broken.status_code == 500, broken.text
        assert broken.headers["content-type"].startswith("application/problem+json")
        assert "no such table: batches" in caplog.text
