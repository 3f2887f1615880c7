"""UTC clock and RFC 3339 timestamps."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import numpy as np

from burt.engine.errors import InvalidInput

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_rfc3339(value: str | datetime) -> datetime:
    """An aware UTC datetime from an RFC 3339 string (offset required) or an aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput(f"datetime {value.isoformat()!r} has no UTC offset")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise InvalidInput(f"datetime {value.isoformat()!r} is out of range in UTC") from None
    if not _RFC3339.fullmatch(value):
        raise InvalidInput(f"{value!r} is not an RFC 3339 date-time with a UTC offset")
    try:  # RFC 3339 allows `z`; fromisoformat does not
        return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # overflow: a UTC instant outside years 1-9999
        raise InvalidInput(f"{value!r} is not a valid date-time: {exc}") from None


def format_rfc3339(value: datetime) -> str:
    """`2026-11-27T09:00:00.123456Z` form, always UTC."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def epoch_seconds(values: Sequence[str | datetime]) -> list[float] | int:
    """Each value as seconds since the epoch, or the index of the first value `parse_rfc3339`
    would reject.

    The bulk path for outcome events: texts in the usual form are read all at once
    (`_canonical_epochs`); the rest, and any datetime, one by one as `parse_rfc3339` reads them
    (a text repeated in the request is parsed once).
    """
    epochs: list[float] = [0.0] * len(values)
    pending: Sequence[int] = range(len(values))
    if values and all(type(value) is str for value in values):
        read, ok = _canonical_epochs(cast("Sequence[str]", values))
        epochs = read.tolist()
        pending = np.flatnonzero(~ok).tolist()
    seen: dict[str | datetime, float] = {}
    for index in pending:
        value = values[index]
        known = seen.get(value)
        if known is None:
            try:
                known = seen[value] = parse_rfc3339(value).timestamp()
            except InvalidInput:
                return index
        epochs[index] = known
    return epochs


_HEAD = 19  # YYYY-MM-DDTHH:MM:SS
_FRACTION = 9  # digits of a fraction read here; longer ones go the slow way
_LONGEST = _HEAD + 1 + _FRACTION + 6  # with a dot, the fraction and an offset
_HEAD_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _canonical_epochs(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the epoch of each text of the form YYYY-MM-DD(T|t| )HH:MM:SS, then a dot
    and one to nine digits or nothing, then Z, z or +HH:MM/-HH:MM, and whether the text had
    that form and a valid date and time; the value is unspecified where it had not.

    Exactly what `datetime.fromisoformat(...).timestamp()` gives for every text it marks valid
    (that function's range checks, its truncation of the fraction to microseconds, its
    rounding: integer microseconds divided by 10**6; years 1685 to 2255), at a quarter of its
    time per text: the texts are an ASCII byte matrix, one row per character position.
    """
    count = len(values)
    length = np.fromiter(map(len, values), dtype=np.int64, count=count)
    width = f"S{max(int(length.max()), _LONGEST)}"
    try:
        text = np.array(values, dtype=width)
    except UnicodeEncodeError:  # "?" for the rest, which this form never has
        text = np.array([value.encode("ascii", "replace") for value in values], dtype=width)
    chars = np.frombuffer(text.tobytes(), dtype=np.uint8).reshape(count, -1).T.copy()
    digits = chars - np.uint8(ord("0"))  # wraps below "0": one comparison tells a digit
    rows = np.arange(count)

    def at(position: np.ndarray) -> np.ndarray:
        found: np.ndarray = chars[np.clip(position, 0, chars.shape[0] - 1), rows]
        return found

    def number(*positions: int) -> np.ndarray:
        result: np.ndarray = digits[positions[0]].astype(np.int64)
        for position in positions[1:]:
            result = result * 10 + digits[position]
        return result

    ok = (length > _HEAD) & (length <= _LONGEST)
    for position in _HEAD_DIGITS:
        ok &= digits[position] <= 9
    for position, allowed in ((4, b"-"), (7, b"-"), (10, b"Tt "), (13, b":"), (16, b":")):
        ok &= np.isin(chars[position], np.frombuffer(allowed, dtype=np.uint8))
    # The offset: Z or z last, or a sign, two digits, a colon and two digits.
    last = at(length - 1)
    utc = (last == ord("Z")) | (last == ord("z"))
    sign = at(length - 6)
    signed = ((sign == ord("+")) | (sign == ord("-"))) & (at(length - 3) == ord(":"))
    for back in (5, 4, 2, 1):
        signed &= at(length - back) - np.uint8(ord("0")) <= 9
    offset_hours = (at(length - 5) - ord("0")) * 10 + at(length - 4) - ord("0")
    offset_minutes = (at(length - 2) - ord("0")) * 10 + at(length - 1) - ord("0")
    ok &= utc | (signed & (offset_hours <= 23) & (offset_minutes <= 59))
    offset = (
        np.where(sign == ord("-"), -60, 60) * offset_hours
        + np.where(sign == ord("-"), -1, 1) * offset_minutes
    )
    offset[utc] = 0
    # Between the seconds and the offset: nothing, or a dot and 1 to _FRACTION digits, of
    # which fromisoformat keeps six.
    end = np.where(utc, length - 1, length - 6)
    ok &= (end == _HEAD) | (
        (chars[_HEAD] == ord(".")) & (end > _HEAD + 1) & (end <= _HEAD + 1 + _FRACTION)
    )
    microseconds = np.zeros(count, dtype=np.int64)
    for position in range(_HEAD + 1, _HEAD + 1 + _FRACTION):
        inside = position < end
        ok &= ~inside | (digits[position] <= 9)
        if position < _HEAD + 7:
            microseconds = microseconds * 10 + np.where(inside, digits[position], 0)
    # The calendar (fromisoformat's range checks), then days since 1970-01-01 (H. Hinnant's
    # days_from_civil).
    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146097 + day_of_era - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset * 60
    instant = seconds * 1_000_000 + microseconds
    # Exact as a double below 2**53 microseconds (years 1685 to 2255), so one correctly rounded
    # division gives what Python's int / int gives; the rest go the slow way (which also refuses
    # UTC instants outside years 1 to 9999).
    ok &= np.abs(instant) < 2**53
    return instant / 1e6, ok


def invalid_rfc3339(values: Sequence[str]) -> list[int]:
    """Indices of every text `parse_rfc3339` would reject, in order: the texts in the usual
    form are read all at once (`_canonical_epochs`), the rest one by one."""
    if not values:
        return []
    _, ok = _canonical_epochs(values)
    invalid = []
    for index in np.flatnonzero(~ok).tolist():
        try:
            parse_rfc3339(values[index])
        except InvalidInput:
            invalid.append(index)
    return invalid


def first_invalid_rfc3339(values: Sequence[str | datetime]) -> int | None:
    """Index of the first value `parse_rfc3339` would reject, or None."""
    checked = epoch_seconds(values)
    return checked if isinstance(checked, int) else None
