"""Reading contacts and outcome events from CSV or JSON Lines files, a chunk at a time.

A file is never read into memory whole: rows are parsed as they stream by and handed out in
chunks no larger than the API takes (by count and by encoded size). Each row is decoded into the
request model generated from the spec (`ContactIn`, `EventIn`), so it is checked by the rules
the service applies, plus the two the engine adds (no U+0000 in ids, `occurred_at` in RFC 3339,
read for a whole chunk at once); a bad row is reported by the line it starts on and never costs
its chunk. Files are read as UTF-8, with or without a byte-order mark.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, TypeAlias

import msgspec

from burt.engine.timefmt import invalid_rfc3339
from burt.service.generated.models import ContactIn, EventIn

Kind = Literal["contacts", "events"]
Format = Literal["csv", "jsonl"]
Item: TypeAlias = ContactIn | EventIn
MAX_ROWS = 50_000
"""The API's per-request maximum for contacts and events."""
CSV_FIELD_LIMIT = csv.field_size_limit()
"""The longest CSV field read (the csv module's default); ids and attributes are far shorter."""
_API_FIELDS = ("id", "contact_id", "type", "occurred_at")
_PATH = re.compile(r"`\$\.(\w+)[^`]*`")


@dataclass(frozen=True)
class Columns:
    """The CSV columns that carry the fields (other columns of a contact are attributes)."""

    id: str = "id"
    contact_id: str = "contact_id"
    type: str = "type"
    occurred_at: str = "occurred_at"


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class Chunk:
    """Checked rows ready to send: the line each starts on, the rows as a JSON array, and the
    bad rows met since the previous chunk (in line order)."""

    lines: list[int]
    rows: bytes
    bad: list[BadRow]


_FORMATS: dict[str, Format] = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}


def file_format(path: Path, given: str | None) -> Format:
    """`given` (from --format), else the format the file's extension names."""
    fmt = _FORMATS.get(given or path.suffix.lower().removeprefix("."))
    if fmt is None:
        raise ValueError(f"cannot tell the format of {path.name}: pass --format csv or jsonl")
    return fmt


def _excerpt(text: bytes) -> str:
    shown = text.decode("utf-8", "replace").strip()
    return repr(shown if len(shown) <= 60 else f"…{shown[-60:]}")


class Source:
    """A file of contacts or events. Opening it checks what can be checked before any row is
    read: that it is readable, its format, and a CSV header that names the columns needed."""

    def __init__(self, path: Path, kind: Kind, fmt: str | None, columns: Columns) -> None:
        self.path, self.kind, self.columns = path, kind, columns
        self.format = file_format(path, fmt)
        self._model: type[ContactIn] | type[EventIn] = ContactIn if kind == "contacts" else EventIn
        self._decode: Callable[[bytes], Item] = msgspec.json.Decoder(self._model).decode
        self.header: list[str] = []
        if self.format == "csv":
            with self._text() as stream:
                try:
                    self.header = next(csv.reader(stream), [])
                except csv.Error as exc:
                    raise ValueError(
                        f"the CSV header of {path.name} cannot be read: {exc}"
                    ) from None
            needed = [columns.id]
            if kind == "events":
                needed += [columns.contact_id, columns.type, columns.occurred_at]
            missing = [name for name in needed if name not in self.header]
            if missing:
                raise ValueError(
                    f"the CSV header of {path.name} has no column {', '.join(missing)}"
                    f" (it has {', '.join(self.header) or 'nothing'}): name the columns with"
                    " --id-column" + ("" if kind == "contacts" else ", --contact-column, ...")
                )
        else:
            with self.path.open("rb"):  # unreadable: refused now, not once the load is under way
                pass

    def _text(self) -> IO[str]:
        # Undecodable bytes become lone surrogates, which encoding a row then refuses.
        return self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")

    def count(self) -> int:
        """Data rows in the file, as `rows` will yield them (header and blank lines excluded)."""
        if self.format == "jsonl":
            return sum(1 for _ in self._lines())
        # Without quotes or lone carriage returns, every line that is not blank is one record.
        records = 0
        with self.path.open("rb") as f:
            for line in f:
                text = line.rstrip(b"\r\n")
                if b'"' in text or b"\r" in text:
                    return sum(1 for _ in self._records())
                records += text != b""
        return records - 1

    def rows(self) -> Iterator[tuple[int, Item | str]]:
        """(line the row starts on, the row or why it is not one), in file order."""
        return self._csv_rows() if self.format == "csv" else self._jsonl_rows()

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        """The JSON Lines file's lines that are not blank, stripped, and their numbers."""
        with self.path.open("rb") as f:
            for number, line in enumerate(f, start=1):
                text = line.strip()
                if number == 1:
                    text = text.removeprefix(b"\xef\xbb\xbf")
                if text:
                    yield number, text

    def _jsonl_rows(self) -> Iterator[tuple[int, Item | str]]:
        for number, text in self._lines():
            try:
                yield number, self._decode(text)
            except msgspec.ValidationError as exc:
                yield number, str(exc)
            except msgspec.DecodeError as exc:
                if str(exc) == "Input data was truncated":
                    yield number, f"JSON ends early: {_excerpt(text)}"
                else:
                    yield number, f"not JSON: {exc}"
            except UnicodeDecodeError as exc:
                yield number, f"not UTF-8 text: {exc.reason} at byte {exc.start}"

    def _csv_rows(self) -> Iterator[tuple[int, Item | str]]:
        header, columns = self.header, self.columns
        width = len(header)
        fields = ("id",) if self.kind == "contacts" else _API_FIELDS
        named = {getattr(columns, name): name for name in fields}
        where = {api: f"column `{column}`" for column, api in named.items()}
        where["attributes"] = "an attribute column"
        index = {api: header.index(column) for column, api in named.items()}
        attributes = [(i, name) for i, name in enumerate(header) if name not in named]
        for start, record in self._records():
            if isinstance(record, str):
                yield start, record
            elif len(record) != width:
                yield start, f"{len(record)} fields, the header has {width}"
            elif self.kind == "contacts":
                row: dict[str, object] = {"id": record[index["id"]]}
                given = {name: record[i] for i, name in attributes if record[i] != ""}
                if given:
                    row["attributes"] = given
                yield start, self._convert(row, where)
            else:
                yield start, self._convert({api: record[i] for api, i in index.items()}, where)

    def _records(self) -> Iterator[tuple[int, list[str] | str]]:
        """The CSV's data records (blank lines skipped) and the line each starts on, or why
        one cannot be read."""
        with self._text() as stream:
            reader = csv.reader(stream)
            next(reader, None)
            start = reader.line_num + 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    reason = str(exc)
                    if "field limit" in reason:
                        reason = (
                            f"a field longer than {CSV_FIELD_LIMIT:,} characters (an unclosed"
                            ' quote "?), far over any id or attribute'
                        )
                    yield start, f"not CSV: {reason}"
                else:
                    if record:
                        yield start, record
                start = reader.line_num + 1

    def _convert(self, row: dict[str, object], where: dict[str, str]) -> Item | str:
        try:
            item: Item = msgspec.convert(row, self._model)
        except msgspec.ValidationError as exc:
            return _PATH.sub(lambda m: where.get(m[1], m[0]), str(exc))
        return item


def chunks(source: Source, size: int, max_bytes: int) -> Iterator[Chunk]:
    """The source's good rows in chunks of at most `size` rows and `max_bytes` of JSON (or a
    single row), each with the bad rows met since the previous chunk."""
    items: list[Item] = []
    lines: list[int] = []
    bad: list[BadRow] = []
    for line, item in source.rows():
        if isinstance(item, str):
            bad.append(BadRow(line, item))
            continue
        items.append(item)
        lines.append(line)
        if len(items) == size:
            yield from _ready(items, lines, bad, max_bytes)
            items, lines, bad = [], [], []
    if items or bad:
        yield from _ready(items, lines, bad, max_bytes)


def _ready(
    items: list[Item], lines: list[int], bad: list[BadRow], max_bytes: int
) -> Iterator[Chunk]:
    """The rows without those `_refused` or not encodable as UTF-8, in bodies of at most
    `max_bytes`."""
    refused = _refused(items)
    if refused:
        items, lines, bad = _without(items, lines, bad, refused)
    try:
        body = msgspec.json.encode(items)
    except UnicodeEncodeError:  # text that was not UTF-8 in the file: find its rows
        unencodable = {i: why for i, item in enumerate(items) if (why := _unencodable(item))}
        yield from _ready(*_without(items, lines, bad, unencodable), max_bytes)
        return
    if len(body) <= max_bytes or len(items) == 1:
        yield Chunk(lines, body, bad)
        return
    half = len(items) // 2
    yield from _ready(items[:half], lines[:half], bad, max_bytes)
    yield from _ready(items[half:], lines[half:], [], max_bytes)


def _without(
    items: list[Item], lines: list[int], bad: list[BadRow], refused: dict[int, str]
) -> tuple[list[Item], list[int], list[BadRow]]:
    """The rows not `refused` (by index, with the reason), and the bad rows with those."""
    bad = sorted([*bad, *(BadRow(lines[i], why) for i, why in refused.items())], key=_line)
    kept = [i for i in range(len(items)) if i not in refused]
    return [items[i] for i in kept], [lines[i] for i in kept], bad


def _line(row: BadRow) -> int:
    return row.line


def _unencodable(item: Item) -> str | None:
    try:
        msgspec.json.encode(item)
    except UnicodeEncodeError as exc:
        undecoded = exc.object[exc.start : exc.end].encode("utf-8", "surrogateescape")
        return f"not UTF-8 text: the bytes {undecoded!r}"
    return None


def _refused(items: list[Item]) -> dict[int, str]:
    """Why the service would refuse rows its request model lets through, by index: an
    `occurred_at` that is not RFC 3339 (read at once)."""
    refused: dict[int, str] = {}
    events = [item for item in items if isinstance(item, EventIn)]
    times = [event.occurred_at for event in events]
    for i in invalid_rfc3339(times):
        refused.setdefault(i, f"occurred_at {times[i]!r} is not an RFC 3339 time with an offset")
    return refused
