from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_rejection import EventRejection


T = TypeVar("T", bound="EventLoadResult")


@_attrs_define
class EventLoadResult:
    """What a recording did; `recorded + duplicates + len(rejected) = received`.

    Example:
        {'received': 2, 'recorded': 1, 'repeated': 0, 'duplicates': 0, 'late': 0, 'rejected': [{'index': 1, 'event_id':
            'evt-2', 'reason': 'unknown_contact'}]}

    Attributes:
        received (int): Events in the request.
        recorded (int): New events stored.
        repeated (int): Of the recorded: outcomes the contact already had (stored, counted once).
        duplicates (int): Event ids already recorded (ignored).
        late (int): Of the recorded: events later than the campaign's attribution window after their batch was drawn.
            They are stored and appear in the stats' outcome counts, but never count as evidence for the allocation or the
            winner rule (the stats' `late_outcomes`). 0 when the window is 0.
        rejected (list[EventRejection]): Events not recorded, with reasons.
    """

    received: int
    recorded: int
    repeated: int
    duplicates: int
    late: int
    rejected: list[EventRejection]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        received = self.received

        recorded = self.recorded

        repeated = self.repeated

        duplicates = self.duplicates

        late = self.late

        rejected = []
        for rejected_item_data in self.rejected:
            rejected_item = rejected_item_data.to_dict()
            rejected.append(rejected_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "received": received,
                "recorded": recorded,
                "repeated": repeated,
                "duplicates": duplicates,
                "late": late,
                "rejected": rejected,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_rejection import EventRejection  # noqa: PLC0415

        d = dict(src_dict)
        received = d.pop("received")

        recorded = d.pop("recorded")

        repeated = d.pop("repeated")

        duplicates = d.pop("duplicates")

        late = d.pop("late")

        rejected = []
        _rejected = d.pop("rejected")
        for rejected_item_data in _rejected:
            rejected_item = EventRejection.from_dict(rejected_item_data)

            rejected.append(rejected_item)

        event_load_result = cls(
            received=received,
            recorded=recorded,
            repeated=repeated,
            duplicates=duplicates,
            late=late,
            rejected=rejected,
        )

        event_load_result.additional_properties = d
        return event_load_result

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
