from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.rejection_reason import RejectionReason

T = TypeVar("T", bound="EventRejection")


@_attrs_define
class EventRejection:
    """An event that was not recorded, and why.

    Example:
        {'index': 1, 'event_id': 'evt-2', 'reason': 'unknown_contact'}

    Attributes:
        index (int): Its position in the request's `events`.
        event_id (str): Its id.
        reason (RejectionReason): `unknown_contact`: the campaign has no such contact (never loaded, or erased);
            `contact_not_assigned`: the contact is still pending (no message was sent); `occurred_before_batch`: the event's
            `occurred_at` is more than a second before the contact's batch was drawn, so it cannot be an outcome of that
            send (platforms stamp events in whole seconds: within that second it counts at delay 0). Example:
            unknown_contact.
    """

    index: int
    event_id: str
    reason: RejectionReason
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        event_id = self.event_id

        reason = self.reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "index": index,
                "event_id": event_id,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        event_id = d.pop("event_id")

        reason = RejectionReason(d.pop("reason"))

        event_rejection = cls(
            index=index,
            event_id=event_id,
            reason=reason,
        )

        event_rejection.additional_properties = d
        return event_rejection

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
