"""UTC clock and RFC 3339 timestamps."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from burt.engine.errors import InvalidInput

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_rfc3339(value: str | datetime) -> datetime:
    """An aware UTC datetime from an RFC 3339 string (offset required) or an aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput(f"datetime {value.isoformat()!r} has no UTC offset")
        return value.astimezone(UTC)
    if not _RFC3339.fullmatch(value):
        raise InvalidInput(f"{value!r} is not an RFC 3339 date-time with a UTC offset")
    try:
        return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not a valid date-time: {exc}") from None


def format_rfc3339(value: datetime) -> str:
    """`2026-11-27T09:00:00.123456Z` form, always UTC."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def epoch_seconds(values: Sequence[str | datetime]) -> list[float] | int:
    """Each value as seconds since the epoch, or the index of the first value `parse_rfc3339`
    would reject (the bulk fast path: a text repeated in the request is parsed once)."""
    match, fromisoformat = _RFC3339.fullmatch, datetime.fromisoformat
    seen: dict[str, float] = {}
    epochs: list[float] = []
    for index, value in enumerate(values):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return index
            epochs.append(value.timestamp())
            continue
        known = seen.get(value)
        if known is None:
            if match(value) is None:
                return index
            try:  # RFC 3339 allows `z`; fromisoformat does not
                known = seen[value] = fromisoformat(value.replace("z", "Z")).timestamp()
            except ValueError:
                return index
        epochs.append(known)
    return epochs


def first_invalid_rfc3339(values: Sequence[str | datetime]) -> int | None:
    """Index of the first value `parse_rfc3339` would reject, or None."""
    checked = epoch_seconds(values)
    return checked if isinstance(checked, int) else None
