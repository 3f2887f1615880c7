from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.postmark_event_metadata import PostmarkEventMetadata


T = TypeVar("T", bound="PostmarkEvent")


@_attrs_define
class PostmarkEvent:
    """A Postmark webhook delivery (only the fields burt reads are listed).

    Example:
        {'RecordType': 'Delivery', 'MessageID': '883953f4-6105-42a2-a16a-77a8eac79483', 'DeliveredAt':
            '2019-11-05T16:33:54.9070259Z', 'Metadata': {'burt_campaign_id': 'cmp_1', 'burt_contact_id': 'c-1'}}

    Attributes:
        record_type (str): Delivery, Open, Click, Bounce, SpamComplaint, SubscriptionChange.
        id (int | Unset): Bounces and spam complaints: the bounce id.
        type_ (str | Unset): Bounces: HardBounce, SoftBounce, Transient, ...
        inactive (bool | Unset): Bounces: Postmark deactivated the address.
        message_id (None | str | Unset): The message id.
        delivered_at (str | Unset): Delivery: ISO 8601 time.
        received_at (str | Unset): Open, Click: ISO 8601 time.
        bounced_at (str | Unset): Bounce, SpamComplaint: ISO 8601 time.
        changed_at (str | Unset): SubscriptionChange: ISO 8601 time.
        metadata (PostmarkEventMetadata | Unset): The message's metadata, burt_campaign_id and burt_contact_id among it.
    """

    record_type: str
    id: int | Unset = UNSET
    type_: str | Unset = UNSET
    inactive: bool | Unset = UNSET
    message_id: None | str | Unset = UNSET
    delivered_at: str | Unset = UNSET
    received_at: str | Unset = UNSET
    bounced_at: str | Unset = UNSET
    changed_at: str | Unset = UNSET
    metadata: PostmarkEventMetadata | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        record_type = self.record_type

        id = self.id

        type_ = self.type_

        inactive = self.inactive

        message_id: None | str | Unset
        if isinstance(self.message_id, Unset):
            message_id = UNSET
        else:
            message_id = self.message_id

        delivered_at = self.delivered_at

        received_at = self.received_at

        bounced_at = self.bounced_at

        changed_at = self.changed_at

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "RecordType": record_type,
            }
        )
        if id is not UNSET:
            field_dict["ID"] = id
        if type_ is not UNSET:
            field_dict["Type"] = type_
        if inactive is not UNSET:
            field_dict["Inactive"] = inactive
        if message_id is not UNSET:
            field_dict["MessageID"] = message_id
        if delivered_at is not UNSET:
            field_dict["DeliveredAt"] = delivered_at
        if received_at is not UNSET:
            field_dict["ReceivedAt"] = received_at
        if bounced_at is not UNSET:
            field_dict["BouncedAt"] = bounced_at
        if changed_at is not UNSET:
            field_dict["ChangedAt"] = changed_at
        if metadata is not UNSET:
            field_dict["Metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.postmark_event_metadata import PostmarkEventMetadata  # noqa: PLC0415

        d = dict(src_dict)
        record_type = d.pop("RecordType")

        id = d.pop("ID", UNSET)

        type_ = d.pop("Type", UNSET)

        inactive = d.pop("Inactive", UNSET)

        def _parse_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message_id = _parse_message_id(d.pop("MessageID", UNSET))

        delivered_at = d.pop("DeliveredAt", UNSET)

        received_at = d.pop("ReceivedAt", UNSET)

        bounced_at = d.pop("BouncedAt", UNSET)

        changed_at = d.pop("ChangedAt", UNSET)

        _metadata = d.pop("Metadata", UNSET)
        metadata: PostmarkEventMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PostmarkEventMetadata.from_dict(_metadata)

        postmark_event = cls(
            record_type=record_type,
            id=id,
            type_=type_,
            inactive=inactive,
            message_id=message_id,
            delivered_at=delivered_at,
            received_at=received_at,
            bounced_at=bounced_at,
            changed_at=changed_at,
            metadata=metadata,
        )

        postmark_event.additional_properties = d
        return postmark_event

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
