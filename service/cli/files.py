"""Reading contacts and outcome events from CSV or JSON Lines files, a chunk at a time.

A file is never read into memory whole: rows are parsed as they stream by and handed out in
chunks no larger than the API takes (by count and by encoded size). Each row keeps the line it
started on, so a bad row, or an event the server rejects, is reported by line number. Rows are
checked against the API's limits here, so one bad row never costs its chunk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from burt.engine.model import OUTCOME_TYPES
from burt.engine.timefmt import first_invalid_rfc3339

Kind = Literal["contacts", "events"]
MAX_ROWS = 50_000
"""The API's per-request maximum for contacts and events."""
MAX_ID = 200
MAX_ATTRIBUTES = 20
MAX_ATTRIBUTE = 200
_TYPES = frozenset(OUTCOME_TYPES)


@dataclass(frozen=True)
class Columns:
    """The CSV columns that carry the fields (other columns of a contact are attributes)."""

    id: str = "id"
    contact_id: str = "contact_id"
    type: str = "type"
    occurred_at: str = "occurred_at"


@dataclass(frozen=True)
class Row:
    line: int
    record: dict[str, Any]
    """In the API's shape: ContactIn or EventIn as JSON."""


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def file_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(f"cannot tell the format of {path.name}: pass --format csv or jsonl")


def count_lines(path: Path) -> int:
    """Lines in the file, read in blocks (for the progress bar's total)."""
    lines = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def _text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and "\x00" not in value


def check_contact(record: Any) -> str | None:
    """Why a contact would be refused by the API, or None."""
    if not isinstance(record, dict) or not _text(record.get("id")):
        return f"a contact needs an id of 1 to {MAX_ID} characters"
    if set(record) - {"id", "attributes"}:
        return f"unknown fields {sorted(set(record) - {'id', 'attributes'})}"
    attributes = record.get("attributes")
    if attributes is None:
        return None
    if not isinstance(attributes, dict) or len(attributes) > MAX_ATTRIBUTES:
        return f"attributes must be an object of at most {MAX_ATTRIBUTES} strings"
    for name, value in attributes.items():
        if not isinstance(value, str) or len(value) > MAX_ATTRIBUTE:
            return f"attribute {name!r} must be a string of at most {MAX_ATTRIBUTE} characters"
    return None


def check_event(record: Any) -> str | None:
    """Why an event would be refused by the API, or None."""
    fields = ("id", "contact_id", "type", "occurred_at")
    if not isinstance(record, dict) or set(record) != set(fields):
        return f"an event has exactly the fields {', '.join(fields)}"
    if not (_text(record["id"]) and _text(record["contact_id"])):
        return f"id and contact_id must be 1 to {MAX_ID} characters"
    if record["type"] not in _TYPES:
        return f"type {record['type']!r} is not one of {', '.join(OUTCOME_TYPES)}"
    occurred_at = record["occurred_at"]
    if not isinstance(occurred_at, str) or first_invalid_rfc3339([occurred_at]) is not None:
        return f"occurred_at {record['occurred_at']!r} is not an RFC 3339 time with an offset"
    return None


def _csv_records(stream: io.TextIOBase, kind: Kind, columns: Columns) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(stream)
    fields = reader.fieldnames or []
    needed = (
        [columns.id]
        if kind == "contacts"
        else [
            columns.id,
            columns.contact_id,
            columns.type,
            columns.occurred_at,
        ]
    )
    missing = [c for c in needed if c not in fields]
    if missing:
        raise ValueError(f"the CSV header has no column {', '.join(missing)} (has {fields})")
    line = reader.line_num + 1
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            yield line, None  # a row with more or fewer cells than the header
        elif kind == "contacts":
            attributes = {k: v for k, v in row.items() if k != columns.id and v != ""}
            yield (
                line,
                {"id": row[columns.id], **({"attributes": attributes} if attributes else {})},
            )
        else:
            yield (
                line,
                {
                    "id": row[columns.id],
                    "contact_id": row[columns.contact_id],
                    "type": row[columns.type],
                    "occurred_at": row[columns.occurred_at],
                },
            )
        line = reader.line_num + 1


def _jsonl_records(stream: io.TextIOBase) -> Iterator[tuple[int, Any]]:
    decode = msgspec.json.decode
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            yield line, decode(text)
        except msgspec.DecodeError:
            yield line, None


def rows(path: Path, kind: Kind, fmt: str, columns: Columns = Columns()) -> Iterator[Row | BadRow]:
    """The file's rows in order, each checked against the API's limits."""
    check = check_contact if kind == "contacts" else check_event
    with path.open(newline="", encoding="utf-8") as stream:
        records = _csv_records(stream, kind, columns) if fmt == "csv" else _jsonl_records(stream)
        for line, record in records:
            if record is None:
                yield BadRow(line, "not a row this format can read")
                continue
            problem = check(record)
            yield Row(line, record) if problem is None else BadRow(line, problem)


def chunks(
    items: Iterator[Row | BadRow], size: int, max_bytes: int
) -> Iterator[tuple[list[Row], list[BadRow]]]:
    """Good rows in chunks of at most `size` rows and about `max_bytes` of JSON, each with the
    bad rows met since the previous chunk."""
    batch: list[Row] = []
    bad: list[BadRow] = []
    used = 0
    for item in items:
        if isinstance(item, BadRow):
            bad.append(item)
            continue
        cost = len(msgspec.json.encode(item.record)) + 1
        if batch and (len(batch) >= size or used + cost > max_bytes):
            yield batch, bad
            batch, bad, used = [], [], 0
        batch.append(item)
        used += cost
    if batch or bad:
        yield batch, bad
