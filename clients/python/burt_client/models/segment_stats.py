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

    Attributes:
        name (str): The segment for people: `attribute=value` pairs in the order of `segment_by`, or `other` for the
            segment the rarest share (settings `max_segments`). Example: tier=gold, locale=de.
        key (None | SegmentStatsKeyType0): The segment's value of every `segment_by` attribute (a missing attribute's
            value is `unknown`); null for `other`. Example: {'tier': 'gold', 'locale': 'de'}.
        contacts (int): Its contacts drawn so far (a contact is placed in its segment when a batch draws it). Example:
            1200.
        variants (list[VariantStats]): Every variant's statistics within the segment, in the campaign's order. `weight`
            is the segment's in the next batch: the policy's on the segment's evidence with every variant's effect pooled
            toward its campaign-wide effect; lifts are against the same reference as the campaign's.
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
