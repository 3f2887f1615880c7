"""Stores under test: how to reach one from any process, and worker processes.

A `StoreSpec` names a store (a SQLite file, or a MongoDB URI and database) as JSON, so a test and
the worker processes it starts (`worker(...)`) open the same store. The MongoDB-wire emulators
they run against are started by `testing_support.mongo_servers.MongoServer`.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TextIO

from pymongo import MongoClient
from pymongo.monitoring import CommandListener

from burt.engine import Burt
from burt.engine.errors import NoPendingContacts, NotFound
from burt.engine.model import ContactIn, PeriodCount
from burt.engine.store import SQLiteStore
from burt.engine.store.base import Store
from burt.engine.store.mongo import MongoStore

TENANT = "acme"


@dataclass(frozen=True)
class StoreSpec:
    kind: str
    """`sqlite` (location is a file) or `mongodb` (location is a URI, `db` the database)."""
    location: str
    db: str = ""

    def open_store(
        self, claim_timeout: float | None = None, listeners: Sequence[CommandListener] = ()
    ) -> Store:
        """A new, unopened store. `claim_timeout` (MongoDB only) overrides the abandon delay;
        `listeners` (MongoDB only) see every command it sends."""
        if self.kind == "sqlite":
            return SQLiteStore(self.location)
        if claim_timeout is None:
            return MongoStore(self.location, self.db, event_listeners=listeners)
        return MongoStore(
            self.location, self.db, claim_timeout=claim_timeout, event_listeners=listeners
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> StoreSpec:
        return cls(**json.loads(text))

    def record_counts(self) -> dict[str, int]:
        """How many rows (documents) each table (collection) holds, read around the adapter.

        MongoDB's `deleted_campaigns` is left out: it holds deletions under way, not data."""
        if self.kind == "sqlite":
            with closing(sqlite3.connect(self.location)) as db:
                tables = [
                    r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        with MongoClient(self.location, serverSelectionTimeoutMS=5000) as client:
            db = client[self.db]
            return {
                name: db[name].count_documents({})
                for name in db.list_collection_names()
                if name != "deleted_campaigns"
            }

    def stored_text(self) -> str:
        """Every stored row (document) as text, to search for what must be gone."""
        if self.kind == "sqlite":
            with closing(sqlite3.connect(self.location)) as db:
                tables = [
                    r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                return "\n".join(
                    repr(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"')
                )
        with MongoClient(self.location, serverSelectionTimeoutMS=5000) as client:
            db = client[self.db]
            return "\n".join(
                repr(doc) for name in db.list_collection_names() for doc in db[name].find()
            )

    def drop(self) -> None:
        if self.kind == "mongodb":
            with MongoClient(self.location, serverSelectionTimeoutMS=5000) as client:
                client.drop_database(self.db)


def new_db_name() -> str:
    return f"burt_test_{uuid.uuid4().hex[:12]}"


# worker processes -----------------------------------------------------------------------------
# Workers fork from a server process that imported the engine once, so a worker starts without
# importing numpy and scipy again.
_WORKERS = multiprocessing.get_context("forkserver")
_WORKERS.set_forkserver_preload(["tests.stores"])


@dataclass
class Worker:
    """A worker process and the file it reports to, one JSON object a line."""

    process: BaseProcess
    out: Path

    def lines(self) -> list[dict[str, Any]]:
        text = self.out.read_text() if self.out.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.endswith("}")]

    def finish(self, timeout: float = 240) -> list[dict[str, Any]]:
        self.process.join(timeout)
        assert self.process.exitcode == 0, f"worker exited with {self.process.exitcode}"
        return self.lines()

    def kill_after(self, lines: int, delay: float, timeout: float = 120) -> list[dict[str, Any]]:
        """SIGKILL the worker `delay` seconds after it reported `lines` lines."""
        deadline = time.monotonic() + timeout
        while len(self.lines()) < lines and self.process.is_alive():
            if time.monotonic() > deadline:
                raise RuntimeError("worker reported nothing in time")
            time.sleep(0.01)
        time.sleep(delay)
        self.process.kill()
        self.process.join()
        return self.lines()


def worker(spec: StoreSpec, out: Path, command: str, campaign_id: str, *args: object) -> Worker:
    """Start a worker running `command` (see `_run`) on the store `spec` names."""
    process = _WORKERS.Process(
        target=_worker_main,
        args=(spec.to_json(), str(out), command, campaign_id, [str(a) for a in args]),
    )
    process.start()
    return Worker(process, out)


def chunk_ids(prefix: str, chunk: int, size: int) -> list[str]:
    """The contact ids of one chunk a loader worker loads (the test can re-load them)."""
    return [f"{prefix}-{chunk}-{j}" for j in range(size)]


def _report(out: TextIO, **fields: object) -> None:
    out.write(json.dumps(fields) + "\n")
    out.flush()


async def _draw(
    out: TextIO, burt: Burt, campaign_id: str, size: int, keys: str, count: int
) -> None:
    """Draw up to `count` batches (keys `KEYS-i`), stop early when none is pending."""
    for i in range(count):
        try:
            batch, _ = await burt.create_experiment_batch(campaign_id, size, f"{keys}-{i}")
        except NoPendingContacts:
            break
        except NotFound:  # the campaign was deleted
            _report(out, stopped="NotFound")
            break
        _report(out, id=batch.id, size=batch.size)


async def _load(
    out: TextIO, burt: Burt, campaign_id: str, prefix: str, size: int, count: int
) -> None:
    """Load `count` chunks; announce each before loading it, so a killer knows what to retry."""
    for chunk in range(count):
        _report(out, chunk=chunk)
        ids = chunk_ids(prefix, chunk, size)
        await burt.load_contacts(campaign_id, [ContactIn(c) for c in ids])


async def _run(
    spec: StoreSpec, out: TextIO, command: str, campaign_id: str, args: list[str]
) -> None:
    store = spec.open_store()
    await store.open()
    try:
        burt = Burt(store, tenant=TENANT)
        if command == "draw":  # SIZE KEYS COUNT
            await _draw(out, burt, campaign_id, int(args[0]), args[1], int(args[2]))
        elif command == "load":  # PREFIX SIZE COUNT
            await _load(out, burt, campaign_id, args[0], int(args[1]), int(args[2]))
        else:
            raise ValueError(f"unknown command {command!r}")
    finally:
        await store.close()


def _worker_main(spec: str, out: str, command: str, campaign_id: str, args: list[str]) -> None:
    with open(out, "a") as stream:
        asyncio.run(_run(StoreSpec.from_json(spec), stream, command, campaign_id, args))


def delay_cells(rows: Sequence[PeriodCount]) -> Counter[tuple[int, int, str, int]]:
    """The counted outcomes in `rows` per (batch sequence, variant, type, delay bin)."""
    return Counter(
        {
            (r.sequence, r.variant, kind, b): n
            for r in rows
            for kind, counts in r.delays.items()
            for b, n in enumerate(counts)
            if n
        }
    )
