from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.decision import Decision
    from ..models.segment_stats_key_type_0 import SegmentStatsKeyType0
    from ..models.variant_stats import VariantStats


T = TypeVar("T", bound="SegmentStats")


@_attrs_define
class SegmentStats:
    """One segment of a segmented campaign, its variants and its decision.

    Example:
        {'name': 'tier=gold', 'key': {'tier': 'gold'}, 'contacts': 4000, 'variants': [{'variant_id': 'a', 'label': 'Our
            biggest sale starts now', 'sends': 2000, 'effective_sends': 1800.0, 'outcomes': {'delivered': 990, 'opened':
            300, 'clicked': 40, 'converted': 5, 'unsubscribed': 2, 'bounced': 10, 'complained': 1}, 'counted_outcomes': 40,
            'late_outcomes': 0, 'observed_rate': 0.0222, 'posterior': {'alpha': 41.0, 'beta': 1761.0, 'mean': 0.0227,
            'ci_low': 0.0163, 'ci_high': 0.0301}, 'prob_best': 0.07, 'expected_loss': 0.0112, 'lift':
            {'reference_variant_id': 'b', 'relative': -0.27, 'ci_low': -0.5, 'ci_high': 0.1}, 'weight': 0.07,
            'guardrail_tripped': False}, {'variant_id': 'b', 'label': '48 hours only: 40% off everything', 'sends': 2000,
            'effective_sends': 1800.0, 'outcomes': {'delivered': 985, 'opened': 340, 'clicked': 55, 'converted': 9,
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
            winner declared in many campaigns where one exists.'}}

    Attributes:
        name (str): The segment for people: `attribute=value` pairs in the order of `segment_by`, `other` for the
            segment the rarest share (settings `max_segments`), or `erased segment N` (N its slot, counted from 0 in the
            campaign's segments) once the erasure of its last contact carrying its values removed them (`eraseContact`); its
            counts stay. Example: tier=gold, locale=de.
        key (None | SegmentStatsKeyType0): The segment's value of every `segment_by` attribute (a missing attribute's
            value is `unknown`); null for `other` and for an erased segment. A contact loaded later with an erased segment's
            values is placed in a segment of its own (or `other`), never in the erased one. Example: {'tier': 'gold',
            'locale': 'de'}.
        contacts (int): Its contacts drawn so far (a contact is placed in its segment when a batch draws it). Example:
            1200.
        variants (list[VariantStats]): Every variant's statistics within the segment, in the campaign's order. `weight`
            is the segment's in the next batch: the policy's on the segment's evidence with every variant's effect pooled
            toward its campaign-wide effect (fully, until an interaction test shows at 95% that the effects differ between
            segments); lifts are against the same reference as the campaign's.
        decision (Decision): What the policy concludes now, and why.
    """

    name: str
    key: None | SegmentStatsKeyType0
    contacts: int
    variants: list[VariantStats]
    decision: Decision
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.segment_stats_key_type_0 import SegmentStatsKeyType0  # noqa: PLC0415

        name = self.name

        key: dict[str, Any] | None
        if isinstance(self.key, SegmentStatsKeyType0):
            key = self.key.to_dict()
        else:
            key = self.key

        contacts = self.contacts

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)

        decision = self.decision.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "key": key,
                "contacts": contacts,
                "variants": variants,
                "decision": decision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.decision import Decision  # noqa: PLC0415
        from ..models.segment_stats_key_type_0 import SegmentStatsKeyType0  # noqa: PLC0415
        from ..models.variant_stats import VariantStats  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        def _parse_key(data: object) -> None | SegmentStatsKeyType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                key_type_0 = SegmentStatsKeyType0.from_dict(data)

                return key_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SegmentStatsKeyType0, data)

        key = _parse_key(d.pop("key"))

        contacts = d.pop("contacts")

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in _variants:
            variants_item = VariantStats.from_dict(variants_item_data)

            variants.append(variants_item)

        decision = Decision.from_dict(d.pop("decision"))

        segment_stats = cls(
            name=name,
            key=key,
            contacts=contacts,
            variants=variants,
            decision=decision,
        )

        segment_stats.additional_properties = d
        return segment_stats

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
