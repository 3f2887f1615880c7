from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.optimized_outcome import OptimizedOutcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.decision import Decision
    from ..models.holdout_stats import HoldoutStats
    from ..models.sample_ratio_mismatch import SampleRatioMismatch
    from ..models.segment_stats import SegmentStats
    from ..models.variant_stats import VariantStats


T = TypeVar("T", bound="CampaignStats")


@_attrs_define
class CampaignStats:
    """The campaign's statistics and decision.

    Example:
        {'campaign_id': 'cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50', 'optimize': 'clicked', 'contacts_total': 50000,
            'contacts_pending': 46000, 'attribution_window_seconds': 86400, 'control_variant_id': None, 'variants':
            [{'variant_id': 'a', 'label': 'Our biggest sale starts now', 'sends': 2000, 'effective_sends': 1800.0,
            'outcomes': {'delivered': 990, 'opened': 300, 'clicked': 40, 'converted': 5, 'unsubscribed': 2, 'bounced': 10,
            'complained': 1}, 'counted_outcomes': 40, 'late_outcomes': 0, 'observed_rate': 0.0222, 'posterior': {'alpha':
            41.0, 'beta': 1761.0, 'mean': 0.0227, 'ci_low': 0.0163, 'ci_high': 0.0301}, 'prob_best': 0.07, 'expected_loss':
            0.0112, 'lift': {'reference_variant_id': 'b', 'relative': -0.27, 'ci_low': -0.5, 'ci_high': 0.1}, 'weight':
            0.07, 'guardrail_tripped': False}, {'variant_id': 'b', 'label': '48 hours only: 40% off everything', 'sends':
            2000, 'effective_sends': 1800.0, 'outcomes': {'delivered': 985, 'opened': 340, 'clicked': 55, 'converted': 9,
            'unsubscribed': 1, 'bounced': 15, 'complained': 0}, 'counted_outcomes': 55, 'late_outcomes': 1, 'observed_rate':
            0.0306, 'posterior': {'alpha': 56.0, 'beta': 1746.0, 'mean': 0.0311, 'ci_low': 0.0235, 'ci_high': 0.0396},
            'prob_best': 0.93, 'expected_loss': 0.0003, 'lift': None, 'weight': 0.93, 'guardrail_tripped': False}],
            'decision': {'status': 'exploring', 'winner_variant_id': None, 'winner_probability': None, 'leader_variant_id':
            'b', 'summary': 'No winner yet. “48 hours only: 40% off everything” (b) leads, but its probability of being best
            is 93.0% (needs 95.0%); its lead over the closest rival is 1.90 standard errors (the always-valid test needs
            3.40 to rule out chance). About 12,000 more sends should settle it if the differences seen so far hold.',
            'conditions': [{'name': 'prob_best', 'value': 0.93, 'threshold': 0.95, 'comparison': '>=', 'met': False},
            {'name': 'sends', 'value': 1800.0, 'threshold': 1000.0, 'comparison': '>=', 'met': True}, {'name':
            'expected_loss', 'value': 0.0003, 'threshold': 0.001, 'comparison': '<=', 'met': True}, {'name': 'sequential_z',
            'value': 1.9, 'threshold': 3.4, 'comparison': '>=', 'met': False}], 'sends_needed': 12000, 'goal': 'balanced',
            'goal_meaning': 'Spends a modest part of every batch proving which message wins, trading a few outcomes for a
            winner declared in many campaigns where one exists.'}, 'srm': {'chi_square': 0.0, 'p_value': 1.0}, 'holdout':
            {'sends': 0, 'outcomes': {'delivered': 0, 'opened': 0, 'clicked': 0, 'converted': 0, 'unsubscribed': 0,
            'bounced': 0, 'complained': 0}}}

    Attributes:
        campaign_id (str): The campaign's id.
        optimize (OptimizedOutcome): The outcome whose rate the policy maximizes. Example: clicked.
        contacts_total (int): Contacts loaded.
        contacts_pending (int): Contacts not yet sent (not claimed by a batch).
        attribution_window_seconds (int): The longest delay from a send to an outcome that counts.
        settles_at (datetime.datetime | None): When the batches drawn so far have every outcome that counts: the last
            batch's draw plus the attribution window; null before the first draw and when the window is 0 (every outcome
            counts whenever it arrives, so there is no such moment). Until then the newest batches' outcomes are still
            arriving and their rates lean on the estimated share already in (their maturity), which a campaign shorter than
            its window cannot yet estimate from its own outcomes: read the final numbers after this moment. Example:
            2026-11-28T09:00:00Z.
        control_variant_id (None | str): The control every lift is measured against (the `control` parameter, else the
            campaign's); null when lifts are measured against the current leader. Example: a.
        variants (list[VariantStats]): Every variant, in the campaign's order.
        decision (Decision): What the policy concludes now, and why.
        srm (SampleRatioMismatch): Chi-square test of the assigned counts against the weights the batches intended. A
            small p-value means traffic did not split as intended. Example: {'chi_square': 0.42, 'p_value': 0.52}.
        holdout (HoldoutStats): The held-out contacts (sent nothing) and their outcomes. Example: {'sends': 0,
            'outcomes': {'delivered': 0, 'opened': 0, 'clicked': 0, 'converted': 0, 'unsubscribed': 0, 'bounced': 0,
            'complained': 0}}.
        segments (list[SegmentStats] | Unset): A segmented campaign's segments (settings `segment_by`), those with
            contacts drawn, in the order they were made: each with its own variants' statistics and its own decision. Absent
            for a campaign without segments. In a segmented campaign the variants' `weight` (and the allocation's) above are
            the segments' weights averaged over their pending contacts, and `decision` is the campaign-wide winner rule's,
            for every contact together; the next batch assigns each contact by its segment's weights.
        winner_differs_by_segment (bool | Unset): Whether the winner differs by segment: true once two segments have
            declared different winners. Each segment's winner rule runs at the campaign's error split evenly over its
            segments (1 − `winner_probability`, divided by the number of segments), so a false "differs" where one variant
            is best everywhere, and any false winner on a campaign whose variants are equal, stay within the campaign's
            error over all segments together. Absent for a campaign without segments. Example: False.
        winner_differs_reason (str | Unset): The verdict in one sentence: which segments declared which winners, or why
            none has yet. Absent for a campaign without segments. Example: Segments declared different winners: b in
            tier=gold; a in tier=silver..
        segment_interaction_p_value (float | Unset): The p-value of the test that decides how far segments borrow from
            the campaign: Pearson's X² of the model in which every variant's effect (on the log-odds) is the same in each
            segment, the segments' base rates free. While it is at least 0.05, every segment's weights follow the campaign's
            comparison at the segment's own base rate; below 0.05 each segment's effects are pooled toward the campaign's
            only as far as their measured spread allows, so a segment whose winner is its own gets it. Absent for a campaign
            without segments, and until two of its segments have sends of every variant. It steers the weights only:
            declarations come from each segment's own winner rule. Example: 0.43.
    """

    campaign_id: str
    optimize: OptimizedOutcome
    contacts_total: int
    contacts_pending: int
    attribution_window_seconds: int
    settles_at: datetime.datetime | None
    control_variant_id: None | str
    variants: list[VariantStats]
    decision: Decision
    srm: SampleRatioMismatch
    holdout: HoldoutStats
    segments: list[SegmentStats] | Unset = UNSET
    winner_differs_by_segment: bool | Unset = UNSET
    winner_differs_reason: str | Unset = UNSET
    segment_interaction_p_value: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_id = self.campaign_id

        optimize = self.optimize.value

        contacts_total = self.contacts_total

        contacts_pending = self.contacts_pending

        attribution_window_seconds = self.attribution_window_seconds

        settles_at: None | str
        if isinstance(self.settles_at, datetime.datetime):
            settles_at = self.settles_at.isoformat()
        else:
            settles_at = self.settles_at

        control_variant_id: None | str
        control_variant_id = self.control_variant_id

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)

        decision = self.decision.to_dict()

        srm = self.srm.to_dict()

        holdout = self.holdout.to_dict()

        segments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.segments, Unset):
            segments = []
            for segments_item_data in self.segments:
                segments_item = segments_item_data.to_dict()
                segments.append(segments_item)

        winner_differs_by_segment = self.winner_differs_by_segment

        winner_differs_reason = self.winner_differs_reason

        segment_interaction_p_value = self.segment_interaction_p_value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_id": campaign_id,
                "optimize": optimize,
                "contacts_total": contacts_total,
                "contacts_pending": contacts_pending,
                "attribution_window_seconds": attribution_window_seconds,
                "settles_at": settles_at,
                "control_variant_id": control_variant_id,
                "variants": variants,
                "decision": decision,
                "srm": srm,
                "holdout": holdout,
            }
        )
        if segments is not UNSET:
            field_dict["segments"] = segments
        if winner_differs_by_segment is not UNSET:
            field_dict["winner_differs_by_segment"] = winner_differs_by_segment
        if winner_differs_reason is not UNSET:
            field_dict["winner_differs_reason"] = winner_differs_reason
        if segment_interaction_p_value is not UNSET:
            field_dict["segment_interaction_p_value"] = segment_interaction_p_value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.decision import Decision  # noqa: PLC0415
        from ..models.holdout_stats import HoldoutStats  # noqa: PLC0415
        from ..models.sample_ratio_mismatch import SampleRatioMismatch  # noqa: PLC0415
        from ..models.segment_stats import SegmentStats  # noqa: PLC0415
        from ..models.variant_stats import VariantStats  # noqa: PLC0415

        d = dict(src_dict)
        campaign_id = d.pop("campaign_id")

        optimize = OptimizedOutcome(d.pop("optimize"))

        contacts_total = d.pop("contacts_total")

        contacts_pending = d.pop("contacts_pending")

        attribution_window_seconds = d.pop("attribution_window_seconds")

        def _parse_settles_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                settles_at_type_0 = datetime.datetime.fromisoformat(data)

                return settles_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        settles_at = _parse_settles_at(d.pop("settles_at"))

        def _parse_control_variant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        control_variant_id = _parse_control_variant_id(d.pop("control_variant_id"))

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in _variants:
            variants_item = VariantStats.from_dict(variants_item_data)

            variants.append(variants_item)

        decision = Decision.from_dict(d.pop("decision"))

        srm = SampleRatioMismatch.from_dict(d.pop("srm"))

        holdout = HoldoutStats.from_dict(d.pop("holdout"))

        _segments = d.pop("segments", UNSET)
        segments: list[SegmentStats] | Unset = UNSET
        if _segments is not UNSET:
            segments = []
            for segments_item_data in _segments:
                segments_item = SegmentStats.from_dict(segments_item_data)

                segments.append(segments_item)

        winner_differs_by_segment = d.pop("winner_differs_by_segment", UNSET)

        winner_differs_reason = d.pop("winner_differs_reason", UNSET)

        segment_interaction_p_value = d.pop("segment_interaction_p_value", UNSET)

        campaign_stats = cls(
            campaign_id=campaign_id,
            optimize=optimize,
            contacts_total=contacts_total,
            contacts_pending=contacts_pending,
            attribution_window_seconds=attribution_window_seconds,
            settles_at=settles_at,
            control_variant_id=control_variant_id,
            variants=variants,
            decision=decision,
            srm=srm,
            holdout=holdout,
            segments=segments,
            winner_differs_by_segment=winner_differs_by_segment,
            winner_differs_reason=winner_differs_reason,
            segment_interaction_p_value=segment_interaction_p_value,
        )

        campaign_stats.additional_properties = d
        return campaign_stats

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
