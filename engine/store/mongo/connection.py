"""The connection: a client and database with production semantics, the causally consistent
session a draw's commands join, the server's clock, and the deadlines writers and claims keep."""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, cast

import pymongo
from pymongo import AsyncMongoClient, ReadPreference
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from burt.engine.errors import StoreUnavailable

Docs = AsyncCollection[dict[str, Any]]
"""A collection of plain documents (the BSON types PyMongo decodes by default)."""

MAJORITY = WriteConcern("majority")
PRIMARY = ReadPreference.PRIMARY
MAJORITY_READS = ReadConcern("majority")

POLL_SECONDS = 0.02
"""How long a writer waiting for another one's claim or journal entry sleeps between looks."""

_SESSION: ContextVar[AsyncClientSession | None] = ContextVar("burt_mongo_session", default=None)
"""The causally consistent session the current task's commands join (set by a draw)."""


class _Joined:
    """A collection whose every method call joins a session (`session=` added)."""

    def __init__(self, collection: Docs, session: AsyncClientSession) -> None:
        self._collection = collection
        self._session = session

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        return functools.partial(attr, session=self._session) if callable(attr) else attr


def _epoch_ms(when: datetime) -> int:
    """A naive UTC datetime (as PyMongo decodes BSON dates) in epoch milliseconds."""
    return round(when.replace(tzinfo=UTC).timestamp() * 1000)


class Connection:
    """One client and database, opened by `connect`; every collaborator of the store shares it."""

    def __init__(
        self,
        uri: str,
        db_name: str,
        claim_timeout: float,
        timeout_ms: int,
        server_selection_timeout_ms: int,
        event_listeners: Sequence[CommandListener],
    ) -> None:
        self.uri = uri
        self.db_name = db_name
        self.claim_timeout = claim_timeout
        """Seconds after which a claim or an open journal entry is presumed abandoned."""
        self._timeout_ms = timeout_ms
        self._selection_ms = server_selection_timeout_ms
        self._listeners = list(event_listeners)
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._db: AsyncDatabase[dict[str, Any]] | None = None
        self._clock = (0, time.monotonic())

    def connect(self) -> AsyncDatabase[dict[str, Any]]:
        if self._client is None:
            # Keyword options override the URI's: production semantics are not left to it.
            self._client = AsyncMongoClient(
                self.uri,
                w="majority",
                readPreference="primary",
                readConcernLevel="majority",
                timeoutMS=self._timeout_ms,
                serverSelectionTimeoutMS=self._selection_ms,
                connectTimeoutMS=5000,
                event_listeners=self._listeners,
            )
            self._db = self._client.get_database(
                self.db_name,
                write_concern=MAJORITY,
                read_preference=PRIMARY,
                read_concern=MAJORITY_READS,
            )
        assert self._db is not None
        return self._db

    def location(self) -> str:
        return f"MongoDB database {self.db_name!r} at {re.sub(r'//[^@/]*@', '//', self.uri)}"

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
            self._db = None

    async def ping(self) -> None:
        if self._client is None:
            raise StoreUnavailable("the MongoDB store is not open")
        await self._client.admin.command("ping")

    # collections ----------------------------------------------------------------------------
    @property
    def database(self) -> AsyncDatabase[dict[str, Any]]:
        if self._db is None:
            raise StoreUnavailable("the MongoDB store is not open")
        return self._db

    def collection(self, name: str) -> Docs:
        """A collection, joined to the current task's session when a draw set one."""
        collection = self.database[name]
        session = _SESSION.get()
        if session is None:
            return collection
        return cast(Docs, _Joined(collection, session))

    @property
    def campaigns(self) -> Docs:
        return self.collection("campaigns")

    @property
    def contacts(self) -> Docs:
        return self.collection("contacts")

    @property
    def batches(self) -> Docs:
        return self.collection("batches")

    @property
    def events(self) -> Docs:
        return self.collection("events")

    @property
    def outcomes(self) -> Docs:
        return self.collection("outcomes")

    @property
    def webhooks(self) -> Docs:
        return self.collection("webhooks")

    @property
    def webhook_tokens(self) -> Docs:
        return self.collection("webhook_tokens")

    @property
    def api_keys(self) -> Docs:
        return self.collection("api_keys")

    @contextlib.asynccontextmanager
    async def causal_session(self) -> AsyncIterator[None]:
        """Run the commands sent inside in one causally consistent session: a majority read
        then sees the session's own majority writes, even from a newly elected primary."""
        assert self._client is not None
        async with self._client.start_session(causal_consistency=True) as session:
            token = _SESSION.set(session)
            try:
                yield
            finally:
                _SESSION.reset(token)

    # time -----------------------------------------------------------------------------------
    def deadline(self) -> contextlib.AbstractContextManager[None]:
        """One deadline over a writer's steps: the server stops its writes before its open
        journal entry counts as abandoned (`claim_timeout` exceeds it)."""
        return pymongo.timeout(self._timeout_ms / 1000)

    async def server_now(self) -> int:
        """The server's clock in epoch milliseconds, read afresh (hello's localTime)."""
        assert self._client is not None
        reply = await self._client.admin.command("hello")
        self._clock = (_epoch_ms(reply["localTime"]), time.monotonic())
        return self._clock[0]

    def now(self) -> int:
        """The server's clock as last read, advanced by this host's monotonic clock: a host
        whose wall clock is off judges no claim by it. Times are stored as epoch milliseconds
        (one emulator compares BSON dates wrongly)."""
        server_ms, at = self._clock
        return server_ms + round((time.monotonic() - at) * 1000)

    def stale_before(self, now: int) -> float:
        """`claim_timeout` before `now` (server time, epoch ms): a claim or an open entry stamped
        earlier is presumed abandoned, a deletion record stamped earlier has done its sweeps."""
        return now - self.claim_timeout * 1000
