"""What the MongoDB store sends: a PyMongo command listener and the rules every command obeys.

Attached to the conformance suite's MongoDB stores (tests/conftest.py), it records each command
as the server receives it, and `violations` names every command that real MongoDB would treat
differently from what the store promises: a write without majority write concern, a read not
sent to the primary or without majority read concern, a filter (or an inserted document) on a
collection sharded by `campaign_id` that does not name it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pymongo import monitoring

SHARDED = frozenset({"campaigns", "contacts", "batches", "events", "outcomes"})
"""The collections the README shards by `campaign_id`."""
WRITES = frozenset(
    {"insert", "update", "delete", "findAndModify", "createIndexes", "dropIndexes", "drop"}
)
READS = frozenset({"find", "aggregate", "count", "distinct"})
"""Reads that take a read concern (getMore continues a cursor; listIndexes takes none)."""


@dataclass(frozen=True)
class Command:
    name: str
    body: dict[str, Any]

    @property
    def collection(self) -> str:
        value = self.body.get(self.name)
        return value if isinstance(value, str) else ""


class CommandRecorder(monitoring.CommandListener):
    """Records every command started (from the moment `start` is called)."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.recording = False

    def start(self) -> None:
        self.commands.clear()
        self.recording = True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording:
            self.commands.append(Command(event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _filters(command: Command) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, filter or document) pairs that must name campaign_id on a sharded collection."""
    body = command.body
    if command.name in {"find", "count", "distinct"}:
        yield command.name, body.get("filter", body.get("query", {}))
    elif command.name == "findAndModify":
        yield command.name, body["query"]
    elif command.name == "update":
        for i, u in enumerate(body["updates"]):
            yield f"update[{i}]", u["q"]
    elif command.name == "delete":
        for i, d in enumerate(body["deletes"]):
            yield f"delete[{i}]", d["q"]
    elif command.name == "insert":
        for i, doc in enumerate(body["documents"]):
            yield f"insert[{i}]", doc
    elif command.name == "aggregate":
        first = body["pipeline"][0] if body["pipeline"] else {}
        yield "aggregate $match", first.get("$match", {})


def _tenant_listing(command: Command) -> bool:
    """The campaigns of a tenant: a read of every shard by design (README, sharding)."""
    return (
        command.name == "find"
        and command.collection == "campaigns"
        and (set(command.body.get("filter", {})) <= {"tenant", "id"})
    )


def violations(commands: list[Command]) -> list[str]:
    found = []
    for c in commands:
        where = f"{c.name} {c.collection}"
        if c.name in WRITES and c.body.get("writeConcern", {}).get("w") != "majority":
            found.append(f"{where}: write concern {c.body.get('writeConcern')}, not majority")
        if c.name in READS and c.body.get("readConcern", {}).get("level") != "majority":
            found.append(f"{where}: read concern {c.body.get('readConcern')}, not majority")
        mode = c.body.get("$readPreference", {}).get("mode", "primary")
        if mode != "primary":
            found.append(f"{where}: read preference {mode}")
        if c.collection in SHARDED and not _tenant_listing(c):
            for what, query in _filters(c):
                if "campaign_id" not in query:
                    found.append(f"{where}: {what} {query} does not name campaign_id")
    return found


def shape(commands: list[Command]) -> list[tuple[str, str]]:
    """The sequence of (command, collection) a call sent, for comparisons across sizes."""
    return [(c.name, c.collection) for c in commands]
