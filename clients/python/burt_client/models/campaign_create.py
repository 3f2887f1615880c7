from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.optimized_outcome import OptimizedOutcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy_settings import PolicySettings
    from ..models.variant import Variant


T = TypeVar("T", bound="CampaignCreate")


@_attrs_define
class CampaignCreate:
    """A new campaign.

    Example:
        {'name': 'Black Friday 2026', 'optimize': 'clicked', 'variants': [{'id': 'a', 'label': 'Sale starts now'},
            {'id': 'b', 'label': '48 hours only'}], 'control_variant_id': 'a'}

    Attributes:
        name (str): A label for people. Example: Black Friday 2026.
        variants (list[Variant]): Two or more variants with distinct ids.
        optimize (OptimizedOutcome): The outcome whose rate the policy maximizes. Example: clicked.
        control_variant_id (str | Unset): The id of one of `variants` to measure every lift against (the control, say
            the message sent so far). Omitted: lifts are measured against the current leader. Any other id answers 422.
            Example: a.
        settings (PolicySettings | Unset): How the campaign allocates traffic and decides. Every field is optional: on
            creation an omitted
            field takes the default its description states; on update it keeps its current value.
             Example: {'goal': 'winner', 'warmup_sends': 50, 'attribution_window_seconds': 21600}.
    """

    name: str
    variants: list[Variant]
    optimize: OptimizedOutcome
    control_variant_id: str | Unset = UNSET
    settings: PolicySettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)

        optimize = self.optimize.value

        control_variant_id = self.control_variant_id

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "variants": variants,
                "optimize": optimize,
            }
        )
        if control_variant_id is not UNSET:
            field_dict["control_variant_id"] = control_variant_id
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_settings import PolicySettings  # noqa: PLC0415
        from ..models.variant import Variant  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in _variants:
            variants_item = Variant.from_dict(variants_item_data)

            variants.append(variants_item)

        optimize = OptimizedOutcome(d.pop("optimize"))

        control_variant_id = d.pop("control_variant_id", UNSET)

        _settings = d.pop("settings", UNSET)
        settings: PolicySettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = PolicySettings.from_dict(_settings)

        campaign_create = cls(
            name=name,
            variants=variants,
            optimize=optimize,
            control_variant_id=control_variant_id,
            settings=settings,
        )

        return campaign_create
