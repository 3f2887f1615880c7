"""The `Accept` header (RFC 9110, section 12.5.1): its media ranges, and whether it allows any
of the media types an operation answers with."""

from __future__ import annotations

from collections.abc import Iterable


def media_ranges(accept: str) -> list[tuple[str, float]]:
    """`(media range, q)` in the header's order, lower-cased; an unreadable q is 0."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip().lower() for part in item.split(";"))
        if media:
            ranges.append((media, next((_q(p[2:]) for p in params if p.startswith("q=")), 1.0)))
    return ranges


def allows(accept: str, media_types: Iterable[str]) -> bool:
    """True when the header allows one of `media_types` (an empty header allows anything)."""
    given = media_ranges(accept)
    if not given:
        return True
    ranges = [media for media, q in given if q > 0]
    return any(
        media in ("*/*", "*", offered)
        or (media.endswith("/*") and offered.startswith(media.removesuffix("*")))
        for media in ranges
        for offered in media_types
    )


def _q(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0
