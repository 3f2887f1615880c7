from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mailgun_event_event_data_user_variables import MailgunEventEventDataUserVariables


T = TypeVar("T", bound="MailgunEventEventData")


@_attrs_define
class MailgunEventEventData:
    """The event.

    Attributes:
        id (str | Unset): The event's unique id.
        event (str | Unset): delivered, opened, clicked, failed, unsubscribed, complained, ...
        timestamp (float | Unset): Unix seconds.
        severity (str | Unset): For failed: permanent or temporary.
        user_variables (MailgunEventEventDataUserVariables | Unset): The message's `v:` variables, burt_campaign_id and
            burt_contact_id among them.
    """

    id: str | Unset = UNSET
    event: str | Unset = UNSET
    timestamp: float | Unset = UNSET
    severity: str | Unset = UNSET
    user_variables: MailgunEventEventDataUserVariables | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        event = self.event

        timestamp = self.timestamp

        severity = self.severity

        user_variables: dict[str, Any] | Unset = UNSET
        if not isinstance(self.user_variables, Unset):
            user_variables = self.user_variables.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if event is not UNSET:
            field_dict["event"] = event
        if timestamp is not UNSET:
            field_dict["timestamp"] = timestamp
        if severity is not UNSET:
            field_dict["severity"] = severity
        if user_variables is not UNSET:
            field_dict["user-variables"] = user_variables

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mailgun_event_event_data_user_variables import MailgunEventEventDataUserVariables  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id", UNSET)

        event = d.pop("event", UNSET)

        timestamp = d.pop("timestamp", UNSET)

        severity = d.pop("severity", UNSET)

        _user_variables = d.pop("user-variables", UNSET)
        user_variables: MailgunEventEventDataUserVariables | Unset
        if isinstance(_user_variables, Unset):
            user_variables = UNSET
        else:
            user_variables = MailgunEventEventDataUserVariables.from_dict(_user_variables)

        mailgun_event_event_data = cls(
            id=id,
            event=event,
            timestamp=timestamp,
            severity=severity,
            user_variables=user_variables,
        )

        mailgun_event_event_data.additional_properties = d
        return mailgun_event_event_data

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
