from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_counts_refused import WebhookCountsRefused
    from ..models.webhook_counts_rejected import WebhookCountsRejected


T = TypeVar("T", bound="WebhookCounts")


@_attrs_define
class WebhookCounts:
    """What a receiver has taken in. Every event of a verified delivery is counted once: as recorded, a duplicate, ignored
    or rejected.

        Example:
            {'deliveries': 1, 'events': 2, 'recorded': 1, 'repeated': 0, 'late': 0, 'duplicates': 0, 'ignored': 0,
                'rejected': {'unknown_contact': 1}, 'refused': {}}

        Attributes:
            deliveries (int): Verified deliveries.
            events (int): Events in them.
            recorded (int): New events stored.
            repeated (int): Of the recorded: outcomes the contact already had.
            late (int): Of the recorded: events later than their campaign's attribution window after their batch was drawn
                (stored, never counted as evidence).
            duplicates (int): Event ids recorded before (the platform's retries).
            ignored (int): Events of types burt does not count (e.g. processed, deferred).
            rejected (WebhookCountsRejected): Events not recorded, by reason: missing_ids (no burt_campaign_id /
                burt_contact_id in the metadata), invalid_ids, unknown_campaign, unknown_contact, contact_not_assigned,
                occurred_before_batch. Example: {'unknown_contact': 2}.
            refused (WebhookCountsRefused): Deliveries refused, by reason: bad_signature, stale_timestamp, wrong_topic,
                bad_credentials, malformed. Example: {'bad_signature': 1}.
    """

    deliveries: int
    events: int
    recorded: int
    repeated: int
    late: int
    duplicates: int
    ignored: int
    rejected: WebhookCountsRejected
    refused: WebhookCountsRefused
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deliveries = self.deliveries

        events = self.events

        recorded = self.recorded

        repeated = self.repeated

        late = self.late

        duplicates = self.duplicates

        ignored = self.ignored

        rejected = self.rejected.to_dict()

        refused = self.refused.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deliveries": deliveries,
                "events": events,
                "recorded": recorded,
                "repeated": repeated,
                "late": late,
                "duplicates": duplicates,
                "ignored": ignored,
                "rejected": rejected,
                "refused": refused,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_counts_refused import WebhookCountsRefused  # noqa: PLC0415
        from ..models.webhook_counts_rejected import WebhookCountsRejected  # noqa: PLC0415

        d = dict(src_dict)
        deliveries = d.pop("deliveries")

        events = d.pop("events")

        recorded = d.pop("recorded")

        repeated = d.pop("repeated")

        late = d.pop("late")

        duplicates = d.pop("duplicates")

        ignored = d.pop("ignored")

        rejected = WebhookCountsRejected.from_dict(d.pop("rejected"))

        refused = WebhookCountsRefused.from_dict(d.pop("refused"))

        webhook_counts = cls(
            deliveries=deliveries,
            events=events,
            recorded=recorded,
            repeated=repeated,
            late=late,
            duplicates=duplicates,
            ignored=ignored,
            rejected=rejected,
            refused=refused,
        )

        webhook_counts.additional_properties = d
        return webhook_counts

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
