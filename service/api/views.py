"""Engine records -> the generated response models of the spec."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from burt.engine import Page
from burt.engine.allocation import AllocationPreview
from burt.engine.model import HOLDOUT, Batch, Campaign, ContactLoadResult, EventTally
from burt.engine.policy import GOAL_SETTINGS
from burt.engine.reports import CampaignStats, DecisionReport, VariantReport
from burt.engine.timefmt import format_rfc3339
from burt.service.generated import models


def campaign(c: Campaign) -> models.Campaign:
    return models.Campaign(
        id=c.id,
        name=c.name,
        status=c.status,
        optimize=c.optimize,
        variants=[models.Variant(id=v.id, label=v.label) for v in c.variants],
        control_variant_id=c.control_variant_id,
        settings=models.ResolvedPolicySettings(
            **{
                **{f.name: getattr(c.settings, f.name) for f in dataclasses.fields(c.settings)},
                **{name: c.settings.in_force(name) for name in GOAL_SETTINGS},
            }
        ),
        settings_adjustments=[
            models.SettingAdjustment(**_fields(a)) for a in c.settings_adjustments
        ],
        contacts_total=c.contacts_total,
        contacts_pending=c.contacts_pending,
        version=c.version,
        created_at=format_rfc3339(c.created_at),
        updated_at=format_rfc3339(c.updated_at),
    )


def campaign_page(page: Page[Campaign]) -> models.CampaignPage:
    return models.CampaignPage(
        items=[campaign(c) for c in page.items], next_cursor=page.next_cursor
    )


def contact_load_result(r: ContactLoadResult) -> models.ContactLoadResult:
    return models.ContactLoadResult(**dataclasses.asdict(r))


def _counts(b: Batch) -> list[models.VariantCount]:
    return [
        models.VariantCount(variant_id=v, count=n)
        for v, n in zip(b.variant_ids, b.counts, strict=True)
    ]


def batch_summary(b: Batch) -> models.BatchSummary:
    return models.BatchSummary(
        id=b.id,
        sequence=b.sequence,
        size=b.size,
        created_at=format_rfc3339(b.created_at),
        seed=b.seed,
        counts=_counts(b),
        holdout_count=b.holdout_count,
    )


def batch(b: Batch) -> models.Batch:
    assignments = b.assignments or ()
    return models.Batch(
        id=b.id,
        sequence=b.sequence,
        size=b.size,
        created_at=format_rfc3339(b.created_at),
        seed=b.seed,
        weights=[
            models.VariantWeight(variant_id=v, weight=w)
            for v, w in zip(b.variant_ids, b.weights, strict=True)
        ],
        holdout_fraction=b.holdout_fraction,
        counts=_counts(b),
        holdout_count=b.holdout_count,
        assignments=[
            models.Assignment(contact_id=contact, variant_id=b.variant_ids[v])
            for contact, v in assignments
            if v != HOLDOUT
        ],
        holdout_contact_ids=[contact for contact, v in assignments if v == HOLDOUT],
    )


def batch_page(page: Page[Batch]) -> models.BatchPage:
    return models.BatchPage(
        items=[batch_summary(b) for b in page.items], next_cursor=page.next_cursor
    )


def allocation(a: AllocationPreview) -> models.Allocation:
    return models.Allocation(
        status=a.status,
        weights=[models.VariantWeight(variant_id=v, weight=w) for v, w in a.weights],
        holdout_fraction=a.holdout_fraction,
        winner_variant_id=a.winner_variant_id,
        contacts_pending=a.contacts_pending,
    )


def event_load_result(t: EventTally) -> models.EventLoadResult:
    return models.EventLoadResult(
        received=t.received,
        recorded=t.recorded,
        repeated=t.repeated,
        duplicates=t.duplicates,
        late=t.late,
        rejected=[
            models.EventRejection(index=r.index, event_id=r.event_id, reason=r.reason)
            for r in t.rejected
        ],
    )


def _fields(record: Any) -> dict[str, Any]:
    """A flat dataclass's fields by name: `dataclasses.asdict` deep-copies every value, which
    cost a stats answer a tenth of a millisecond."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def _variant_stats(variants: Sequence[VariantReport]) -> list[models.VariantStats]:
    return [
        models.VariantStats(
            variant_id=v.variant_id,
            label=v.label,
            sends=v.sends,
            effective_sends=v.effective_sends,
            outcomes=models.OutcomeCounts(**v.outcomes),
            counted_outcomes=v.counted_outcomes,
            late_outcomes=v.late_outcomes,
            observed_rate=v.observed_rate,
            posterior=models.Posterior(**_fields(v.posterior)),
            prob_best=v.prob_best,
            expected_loss=v.expected_loss,
            lift=None if v.lift is None else models.Lift(**_fields(v.lift)),
            weight=v.weight,
            guardrail_tripped=v.guardrail_tripped,
        )
        for v in variants
    ]


def _decision(d: DecisionReport) -> models.Decision:
    return models.Decision(
        status=d.status,
        winner_variant_id=d.winner_variant_id,
        winner_probability=d.winner_probability,
        leader_variant_id=d.leader_variant_id,
        summary=d.summary,
        conditions=[models.WinnerCondition(**_fields(c)) for c in d.conditions],
        sends_needed=d.sends_needed,
        goal=d.goal,
        goal_meaning=d.goal_meaning,
    )


def _segments(s: CampaignStats) -> dict[str, Any]:
    """The segment fields of a segmented campaign's stats (none without segments)."""
    if s.segments is None:
        return {}
    return {
        "segments": [
            models.SegmentStats(
                name=g.name,
                key=g.key,
                contacts=g.contacts,
                variants=_variant_stats(g.variants),
                decision=_decision(g.decision),
            )
            for g in s.segments
        ],
        "winner_differs_by_segment": s.winner_differs_by_segment,
        "winner_differs_reason": s.winner_differs_reason,
        **(
            {}
            if s.segment_interaction_p_value is None
            else {"segment_interaction_p_value": s.segment_interaction_p_value}
        ),
    }


def campaign_stats(s: CampaignStats) -> models.CampaignStats:
    return models.CampaignStats(
        campaign_id=s.campaign_id,
        optimize=s.optimize,
        contacts_total=s.contacts_total,
        contacts_pending=s.contacts_pending,
        attribution_window_seconds=s.attribution_window_seconds,
        settles_at=None if s.settles_at is None else format_rfc3339(s.settles_at),
        control_variant_id=s.control_variant_id,
        variants=_variant_stats(s.variants),
        decision=_decision(s.decision),
        srm=models.SampleRatioMismatch(**_fields(s.srm)),
        holdout=models.HoldoutStats(
            sends=s.holdout.sends, outcomes=models.OutcomeCounts(**s.holdout.outcomes)
        ),
        **_segments(s),
    )
