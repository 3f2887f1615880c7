"""`getCampaignStats` beyond JSON: the per-variant table as CSV (`Accept: text/csv`), and the
`as_of` parameter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime

from burt.engine.errors import InvalidInput
from burt.engine.reports import CampaignStats, VariantReport
from burt.engine.timefmt import first_invalid_rfc3339, parse_rfc3339
from burt.service.edge.accept import media_ranges

MEDIA_TYPE = "text/csv"
COLUMNS = (
    "variant_id",
    "label",
    "sends",
    "effective_sends",
    "counted_outcomes",
    "late_outcomes",
    "observed_rate",
    "posterior_mean",
    "ci_low",
    "ci_high",
    "prob_best",
    "expected_loss",
    "lift_reference",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "weight",
    "guardrail_tripped",
)


def moment(value: str) -> datetime:
    """The `as_of` query parameter as an aware datetime (InvalidInput when it is not one)."""
    if first_invalid_rfc3339([value]) is not None:
        raise InvalidInput(f"as_of {value!r} is not an RFC 3339 date-time with a UTC offset")
    return parse_rfc3339(value)


def wants_csv(accept: str) -> bool:
    """True when the Accept header prefers text/csv to JSON (by order, then by q-value)."""
    best: tuple[float, str] | None = None
    for media, q in media_ranges(accept):
        if media not in (MEDIA_TYPE, "application/json", "application/*", "*/*"):
            continue
        if q > 0 and (best is None or q > best[0]):
            best = (q, media)
    return best is not None and best[1] == MEDIA_TYPE


SEGMENT_COLUMN = "segment"
"""A segmented campaign's first column: `all` on the campaign's rows, then each segment's
name (``SegmentReport.name``: `tier=gold, locale=de`, or `other`) on its rows."""
WHOLE_CAMPAIGN = "all"


def render(stats: CampaignStats) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if stats.segments is None:
        writer.writerow(COLUMNS)
        writer.writerows(_rows(stats.variants))
        return out.getvalue()
    writer.writerow((SEGMENT_COLUMN, *COLUMNS))
    writer.writerows((WHOLE_CAMPAIGN, *row) for row in _rows(stats.variants))
    for segment in stats.segments:
        writer.writerows((segment.name, *row) for row in _rows(segment.variants))
    return out.getvalue()


def _rows(variants: Sequence[VariantReport]) -> Iterator[tuple[object, ...]]:
    for v in variants:
        lift = v.lift
        yield (
            v.variant_id,
            v.label,
            v.sends,
            f"{v.effective_sends:.1f}",
            v.counted_outcomes,
            v.late_outcomes,
            f"{v.observed_rate:.6f}",
            f"{v.posterior.mean:.6f}",
            f"{v.posterior.ci_low:.6f}",
            f"{v.posterior.ci_high:.6f}",
            f"{v.prob_best:.6f}",
            f"{v.expected_loss:.8f}",
            "" if lift is None else lift.reference_variant_id,
            "" if lift is None else f"{lift.relative:.6f}",
            "" if lift is None else f"{lift.ci_low:.6f}",
            "" if lift is None else f"{lift.ci_high:.6f}",
            f"{v.weight:.6f}",
            "true" if v.guardrail_tripped else "false",
        )
