from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_status import CampaignStatus
from ..models.optimized_outcome import OptimizedOutcome

if TYPE_CHECKING:
    from ..models.resolved_policy_settings import ResolvedPolicySettings
    from ..models.setting_adjustment import SettingAdjustment
    from ..models.variant import Variant


T = TypeVar("T", bound="Campaign")


@_attrs_define
class Campaign:
    """A campaign as stored.

    Example:
        {'id': 'cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50', 'name': 'Black Friday 2026', 'status': 'active', 'optimize':
            'clicked', 'variants': [{'id': 'a', 'label': 'Our biggest sale starts now'}, {'id': 'b', 'label': '48 hours
            only: 40% off everything'}], 'control_variant_id': 'a', 'settings': {'prior_alpha': 1.0, 'prior_beta': 1.0,
            'warmup_sends': 50, 'weight_floor': 0.01, 'winner_probability': 0.95, 'winner_min_sends': 1000,
            'winner_max_expected_loss': 0.001, 'all_in': True, 'holdout_fraction': 0.0, 'attribution_window_seconds': 21600,
            'unsubscribe_guardrail': True, 'guardrail_probability': 0.995, 'period_adjustment': True, 'horizon_power': 1.0,
            'exploration_value': 1.0, 'elimination_probability': 0.05, 'goal': 'balanced', 'proof_share': 0.3},
            'settings_adjustments': [], 'contacts_total': 50000, 'contacts_pending': 48000, 'version': 1, 'created_at':
            '2026-11-27T08:00:00Z', 'updated_at': '2026-11-27T08:00:00Z'}

    Attributes:
        id (str): The campaign id. Example: cmp_9f2c4e1a7b3d4c5e8f6a0b1c2d3e4f50.
        name (str): The name.
        status (CampaignStatus): `active` campaigns draw batches; `paused` ones refuse draws until resumed; `completed`
            is final. Example: active.
        optimize (OptimizedOutcome): The outcome whose rate the policy maximizes. Example: clicked.
        variants (list[Variant]): The variants, in the order given at creation.
        control_variant_id (None | str): The variant the statistics measure every lift against (the control); null:
            against the current leader. Example: a.
        settings (ResolvedPolicySettings): The policy settings in force, every field present: `proof_share`,
            `weight_floor` and `horizon_power` are the values in force, numbers (the one set, else the goal's), never null.
        settings_adjustments (list[SettingAdjustment]): The settings an upgrade of burt changed: the release that stored
            the campaign allowed
            values this one's rules refuse (priors outside 0.1 to 1000, a `weight_floor` times the
            variants of 1, an attribution window off the delay bins' edges), so opening the store
            moved each to the nearest allowed value. `settings` holds the values in force. Empty
            for a campaign no upgrade changed.
             Example: [{'setting': 'prior_alpha', 'stored': 0.01, 'adjusted': 0.1, 'rule': 'prior_alpha must be in [0.1,
            1000]'}].
        contacts_total (int): Contacts loaded.
        contacts_pending (int): Contacts not yet claimed by a batch.
        version (int): Increases with every update; the ETag is its quoted value.
        created_at (datetime.datetime): Creation time (UTC).
        updated_at (datetime.datetime): Last update (UTC).
    """

    id: str
    name: str
    status: CampaignStatus
    optimize: OptimizedOutcome
    variants: list[Variant]
    control_variant_id: None | str
    settings: ResolvedPolicySettings
    settings_adjustments: list[SettingAdjustment]
    contacts_total: int
    contacts_pending: int
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        status = self.status.value

        optimize = self.optimize.value

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)

        control_variant_id: None | str
        control_variant_id = self.control_variant_id

        settings = self.settings.to_dict()

        settings_adjustments = []
        for settings_adjustments_item_data in self.settings_adjustments:
            settings_adjustments_item = settings_adjustments_item_data.to_dict()
            settings_adjustments.append(settings_adjustments_item)

        contacts_total = self.contacts_total

        contacts_pending = self.contacts_pending

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "status": status,
                "optimize": optimize,
                "variants": variants,
                "control_variant_id": control_variant_id,
                "settings": settings,
                "settings_adjustments": settings_adjustments,
                "contacts_total": contacts_total,
                "contacts_pending": contacts_pending,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.resolved_policy_settings import ResolvedPolicySettings  # noqa: PLC0415
        from ..models.setting_adjustment import SettingAdjustment  # noqa: PLC0415
        from ..models.variant import Variant  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        status = CampaignStatus(d.pop("status"))

        optimize = OptimizedOutcome(d.pop("optimize"))

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in _variants:
            variants_item = Variant.from_dict(variants_item_data)

            variants.append(variants_item)

        def _parse_control_variant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        control_variant_id = _parse_control_variant_id(d.pop("control_variant_id"))

        settings = ResolvedPolicySettings.from_dict(d.pop("settings"))

        settings_adjustments = []
        _settings_adjustments = d.pop("settings_adjustments")
        for settings_adjustments_item_data in _settings_adjustments:
            settings_adjustments_item = SettingAdjustment.from_dict(settings_adjustments_item_data)

            settings_adjustments.append(settings_adjustments_item)

        contacts_total = d.pop("contacts_total")

        contacts_pending = d.pop("contacts_pending")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        campaign = cls(
            id=id,
            name=name,
            status=status,
            optimize=optimize,
            variants=variants,
            control_variant_id=control_variant_id,
            settings=settings,
            settings_adjustments=settings_adjustments,
            contacts_total=contacts_total,
            contacts_pending=contacts_pending,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        campaign.additional_properties = d
        return campaign

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
