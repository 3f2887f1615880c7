from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.event_in import EventIn


T = TypeVar("T", bound="EventLoad")


@_attrs_define
class EventLoad:
    """Events to record.

    Example:
        {'events': [{'id': 'evt-1', 'contact_id': 'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}]}

    Attributes:
        events (list[EventIn]): The events.
    """

    events: list[EventIn]

    def to_dict(self) -> dict[str, Any]:
        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_in import EventIn  # noqa: PLC0415

        d = dict(src_dict)
        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = EventIn.from_dict(events_item_data)

            events.append(events_item)

        event_load = cls(
            events=events,
        )

        return event_load
