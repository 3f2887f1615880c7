from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SettingAdjustment")


@_attrs_define
class SettingAdjustment:
    """One stored setting an upgrade of burt changed, to bring it within this release's rules.

    Example:
        {'setting': 'prior_alpha', 'stored': 0.01, 'adjusted': 0.1, 'rule': 'prior_alpha must be in [0.1, 1000]'}

    Attributes:
        setting (str): The setting's name (a field of `PolicySettings`). Example: prior_alpha.
        stored (float): The value the campaign was stored with. Example: 0.01.
        adjusted (float): The value in force since the upgrade: the nearest one the rules allow. Example: 0.1.
        rule (str): The rule that moved it, as a request breaking it is told. Example: prior_alpha must be in [0.1,
            1000].
    """

    setting: str
    stored: float
    adjusted: float
    rule: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        setting = self.setting

        stored = self.stored

        adjusted = self.adjusted

        rule = self.rule

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "setting": setting,
                "stored": stored,
                "adjusted": adjusted,
                "rule": rule,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        setting = d.pop("setting")

        stored = d.pop("stored")

        adjusted = d.pop("adjusted")

        rule = d.pop("rule")

        setting_adjustment = cls(
            setting=setting,
            stored=stored,
            adjusted=adjusted,
            rule=rule,
        )

        setting_adjustment.additional_properties = d
        return setting_adjustment

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
