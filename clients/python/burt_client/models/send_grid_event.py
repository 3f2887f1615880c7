from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SendGridEvent")


@_attrs_define
class SendGridEvent:
    """One SendGrid event (only the fields burt reads are listed).

    Example:
        {'event': 'open', 'timestamp': 1513299569, 'sg_event_id': 'sg_event_id', 'burt_campaign_id': 'cmp_1',
            'burt_contact_id': 'c-1'}

    Attributes:
        event (str): delivered, open, click, bounce, dropped, spamreport, unsubscribe, group_unsubscribe, ...
        timestamp (int): Unix seconds.
        sg_event_id (str): The event's unique id.
        type_ (str | Unset): For bounces: bounce or blocked.
        burt_campaign_id (str | Unset): The custom_arg naming the campaign.
        burt_contact_id (str | Unset): The custom_arg naming the contact.
    """

    event: str
    timestamp: int
    sg_event_id: str
    type_: str | Unset = UNSET
    burt_campaign_id: str | Unset = UNSET
    burt_contact_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        timestamp = self.timestamp

        sg_event_id = self.sg_event_id

        type_ = self.type_

        burt_campaign_id = self.burt_campaign_id

        burt_contact_id = self.burt_contact_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event": event,
                "timestamp": timestamp,
                "sg_event_id": sg_event_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if burt_campaign_id is not UNSET:
            field_dict["burt_campaign_id"] = burt_campaign_id
        if burt_contact_id is not UNSET:
            field_dict["burt_contact_id"] = burt_contact_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = d.pop("event")

        timestamp = d.pop("timestamp")

        sg_event_id = d.pop("sg_event_id")

        type_ = d.pop("type", UNSET)

        burt_campaign_id = d.pop("burt_campaign_id", UNSET)

        burt_contact_id = d.pop("burt_contact_id", UNSET)

        send_grid_event = cls(
            event=event,
            timestamp=timestamp,
            sg_event_id=sg_event_id,
            type_=type_,
            burt_campaign_id=burt_campaign_id,
            burt_contact_id=burt_contact_id,
        )

        send_grid_event.additional_properties = d
        return send_grid_event

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
