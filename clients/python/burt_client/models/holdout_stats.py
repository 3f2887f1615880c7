from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.outcome_counts import OutcomeCounts


T = TypeVar("T", bound="HoldoutStats")


@_attrs_define
class HoldoutStats:
    """The held-out contacts (sent nothing) and their outcomes.

    Example:
        {'sends': 0, 'outcomes': {'delivered': 0, 'opened': 0, 'clicked': 0, 'converted': 0, 'unsubscribed': 0,
            'bounced': 0, 'complained': 0}}

    Attributes:
        sends (int): Contacts held out.
        outcomes (OutcomeCounts): Contacts with each outcome. Example: {'delivered': 990, 'opened': 300, 'clicked': 40,
            'converted': 5, 'unsubscribed': 2, 'bounced': 10, 'complained': 1}.
    """

    sends: int
    outcomes: OutcomeCounts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sends = self.sends

        outcomes = self.outcomes.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sends": sends,
                "outcomes": outcomes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.outcome_counts import OutcomeCounts  # noqa: PLC0415

        d = dict(src_dict)
        sends = d.pop("sends")

        outcomes = OutcomeCounts.from_dict(d.pop("outcomes"))

        holdout_stats = cls(
            sends=sends,
            outcomes=outcomes,
        )

        holdout_stats.additional_properties = d
        return holdout_stats

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
