"""What the adapters share: the refusal, the verification context, and payload reading helpers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from burt.engine.errors import InvalidInput
from burt.engine.timefmt import parse_rfc3339


class DeliveryRefused(Exception):
    """A delivery that did not verify (401/403) or cannot be read (400): nothing is recorded.

    `reason` is the counter key on the receiver (`refused:<reason>`); `detail` the problem's.
    `verified` is set on a delivery that did verify and could not be read (`after_verification`):
    only those may set the receiver's `last_error`; anyone can send an unverified one.
    """

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail
        self.verified = False


@contextmanager
def after_verification() -> Iterator[None]:
    """Mark the refusals raised inside as refusals of a verified delivery."""
    try:
        yield
    except DeliveryRefused as exc:
        exc.verified = True
        raise


def unverified(detail: str, reason: str = "bad_signature") -> DeliveryRefused:
    return DeliveryRefused(401, reason, detail)


def malformed(detail: str) -> DeliveryRefused:
    return DeliveryRefused(400, "malformed", detail)


@dataclass(frozen=True)
class Verification:
    """Everything a check needs besides the delivery: the clock and the replay tolerance."""

    now: datetime
    tolerance_seconds: int

    def check_fresh(self, signed_at: datetime, scheme: str) -> None:
        age = abs((self.now - signed_at).total_seconds())
        if age > self.tolerance_seconds:
            raise unverified(
                f"the {scheme} timestamp {signed_at.isoformat()} is {age:.0f} s from now, more"
                f" than the replay tolerance of {self.tolerance_seconds} s",
                "stale_timestamp",
            )

    def check_fresh_unix(self, value: str, scheme: str) -> None:
        if not (value.isascii() and value.isdigit()) or len(value) > 12:
            raise unverified(f"the {scheme} timestamp {value!r} is not Unix seconds")
        self.check_fresh(datetime.fromtimestamp(int(value), UTC), scheme)


def decode_json(body: bytes, what: str) -> Any:
    """The body as JSON; a refusal (400) when it is not JSON or nests too deep to decode."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise malformed(f"the {what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise malformed(f"the {what} nests deeper than JSON burt reads") from None


def text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise malformed(f"{where}.{key} must be a non-empty string")
    return value


def unix_time(obj: Mapping[str, Any], key: str, where: str) -> datetime:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise malformed(f"{where}.{key} must be Unix seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise malformed(f"{where}.{key} {value!r} is out of range") from None


def iso_time(obj: Mapping[str, Any], key: str, where: str) -> datetime:
    value = text(obj, key, where)
    try:
        return parse_rfc3339(value)
    except InvalidInput:
        raise malformed(f"{where}.{key} {value!r} is not an ISO 8601 time with an offset") from None


def routing_id(metadata: Any, key: str) -> str | None:
    """A burt id from the platform's per-message metadata: a string, else absent."""
    if not isinstance(metadata, Mapping):
        return None
    value = metadata.get(key)
    return value if isinstance(value, str) else None


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise malformed(f"{where} must be a JSON object")
    return value
