from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.campaign_status import CampaignStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy_settings import PolicySettings


T = TypeVar("T", bound="CampaignUpdate")


@_attrs_define
class CampaignUpdate:
    """The fields to change; at least one.

    Example:
        {'status': 'paused'}

    Attributes:
        name (str | Unset): New name.
        status (CampaignStatus | Unset): `active` campaigns draw batches; `paused` ones refuse draws until resumed;
            `completed` is final. Example: active.
        control_variant_id (str | Unset): A new control: the id of one of the campaign's variants, or the empty string
            to remove the control (lifts are then measured against the current leader again). Any other id answers 422.
            Example: b.
        settings (PolicySettings | Unset): How the campaign allocates traffic and decides. Every field is optional: on
            creation an omitted
            field takes the default its description states; on update it keeps its current value.
             Example: {'goal': 'winner', 'warmup_sends': 50, 'attribution_window_seconds': 21600}.
    """

    name: str | Unset = UNSET
    status: CampaignStatus | Unset = UNSET
    control_variant_id: str | Unset = UNSET
    settings: PolicySettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        control_variant_id = self.control_variant_id

        settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.settings, Unset):
            settings = self.settings.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if status is not UNSET:
            field_dict["status"] = status
        if control_variant_id is not UNSET:
            field_dict["control_variant_id"] = control_variant_id
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.policy_settings import PolicySettings  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        _status = d.pop("status", UNSET)
        status: CampaignStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = CampaignStatus(_status)

        control_variant_id = d.pop("control_variant_id", UNSET)

        _settings = d.pop("settings", UNSET)
        settings: PolicySettings | Unset
        if isinstance(_settings, Unset):
            settings = UNSET
        else:
            settings = PolicySettings.from_dict(_settings)

        campaign_update = cls(
            name=name,
            status=status,
            control_variant_id=control_variant_id,
            settings=settings,
        )

        return campaign_update
