"""Store fixtures: every conformance test runs on SQLite and on real MongoDB-wire servers.

With `BURT_TEST_MONGODB_URI` set, that server is used (param id `mongodb`); otherwise the
session starts nx-27017 (`mongodb-nx`) and secantusdb (`mongodb-secantus`) on free ports. Each
test gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from burt.engine.store.base import Store
from testing_support.mongo_servers import MongoServer
from tests.mongo_commands import CommandRecorder, violations
from tests.stores import StoreSpec, new_db_name

EXTERNAL_URI = os.environ.get("BURT_TEST_MONGODB_URI")
MONGO_KINDS = ["mongodb"] if EXTERNAL_URI else ["mongodb-nx", "mongodb-secantus"]
STORE_KINDS = ["sqlite", *MONGO_KINDS]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _server(kind: str, factory: pytest.TempPathFactory) -> Iterator[str]:
    server = MongoServer(kind, factory.mktemp(kind)).start()
    try:
        yield _as_deployed(server.uri)
    finally:
        server.stop()


def _as_deployed(uri: str) -> str:
    """A replica set member's URI that discovers the set (as production connects) instead of
    connecting directly: PyMongo then routes by read preference, and sends what MongoDB would
    get (a direct connection to a member rewrites every read to `primaryPreferred`)."""
    with MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        set_name = client.admin.command("hello").get("setName")
    if not set_name:
        return uri
    return uri.replace("directConnection=true", f"replicaSet={set_name}")


@pytest.fixture(scope="session")
def nx_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _server("nx", tmp_path_factory)


@pytest.fixture(scope="session")
def secantus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _server("secantus", tmp_path_factory)


def mongo_uri(request: pytest.FixtureRequest, kind: str) -> str:
    """The URI of the server behind a store kind (its server started on first use)."""
    if kind == "mongodb":
        assert EXTERNAL_URI
        return EXTERNAL_URI
    return request.getfixturevalue("nx_uri" if kind == "mongodb-nx" else "secantus_uri")


def make_spec(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Iterator[StoreSpec]:
    if kind == "sqlite":
        yield StoreSpec("sqlite", str(tmp_path / "burt.sqlite3"))
        return
    spec = StoreSpec("mongodb", mongo_uri(request, kind), new_db_name())
    try:
        yield spec
    finally:
        spec.drop()


@pytest.fixture(params=STORE_KINDS)
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreSpec]:
    """Every store kind, as a spec other processes can open too."""
    yield from make_spec(request, request.param, tmp_path)


@pytest.fixture
async def store(store_spec: StoreSpec) -> AsyncIterator[Store]:
    """An open store of every kind, empty. On MongoDB every command the test makes it send is
    recorded, and must obey the rules of tests/mongo_commands.py."""
    recorder = CommandRecorder()
    opened = store_spec.open_store(listeners=[recorder])
    await opened.open()
    recorder.start()
    try:
        yield opened
    finally:
        recorder.recording = False  # closing ends the driver's sessions: not the store's doing
        await opened.close()
    assert violations(recorder.commands) == []
