"""The ``segments`` field of a simulated scenario (docs/simulation.md).

A segment has a ``name``, its ``share`` of the contacts, a ``base_factor`` and optionally its own
``rates`` (one per variant; the scenario's ``rates`` when absent). Its true rate for variant i in
batch t is ``base_factor × rates[i] × period_factors[t]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_SEGMENTS = 32
"""The issue's default cap on a campaign's segments."""
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    base_factor: float = 1.0
    rates: tuple[float, ...] | None = None

    def true_rates(self, campaign_rates: Sequence[float]) -> np.ndarray:
        """The segment's rate per variant at period factor 1."""
        own = campaign_rates if self.rates is None else self.rates
        rates: np.ndarray = self.base_factor * np.asarray(own, dtype=float)
        return rates


def segments_problem(
    segments: Sequence[Segment], rates: Sequence[float], peak_factor: float
) -> str | None:
    """What is wrong with ``segments`` for a scenario with these ``rates``, or None."""
    if not 1 <= len(segments) <= MAX_SEGMENTS:
        return f"segments must hold 1 to {MAX_SEGMENTS} segments"
    if len({s.name for s in segments}) != len(segments):
        return "segment names must be unique"
    shares = np.array([s.share for s in segments], dtype=float)
    if np.any(~(shares > 0)) or abs(shares.sum() - 1.0) > SHARE_TOLERANCE:
        return "segment shares must be positive and sum to 1"
    for segment in segments:
        if segment.rates is not None and len(segment.rates) != len(rates):
            return f"segment {segment.name!r}: rates must hold one rate per variant"
        if not segment.base_factor > 0:
            return f"segment {segment.name!r}: base_factor must be positive"
        true = segment.true_rates(rates)
        if true.min() < 0 or true.max() * peak_factor > 1:
            return (
                f"segment {segment.name!r}: base_factor x rates x period_factors must lie in [0, 1]"
            )
    return None
