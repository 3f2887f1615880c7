from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.outcome_type import OutcomeType

T = TypeVar("T", bound="EventIn")


@_attrs_define
class EventIn:
    """An outcome event from the email platform.

    Example:
        {'id': 'evt-1', 'contact_id': 'c-1001', 'type': 'opened', 'occurred_at': '2026-11-27T10:03:00Z'}

    Attributes:
        id (str): The event id, unique per campaign (duplicates count once). May not contain U+0000 (400). Example:
            evt-1.
        contact_id (str): The contact it concerns. May not contain U+0000 (400). Example: c-1001.
        type_ (OutcomeType): What happened to a sent message. Every type counts at most once per contact. `complained`
            is a spam report (a complaint through the mailbox provider's feedback loop); the
            unsubscribe guardrail watches it together with `unsubscribed`.
             Example: opened.
        occurred_at (datetime.datetime): When it happened (RFC 3339 with offset). Example: 2026-11-27T10:03:00Z.
    """

    id: str
    contact_id: str
    type_: OutcomeType
    occurred_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        contact_id = self.contact_id

        type_ = self.type_.value

        occurred_at = self.occurred_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "contact_id": contact_id,
                "type": type_,
                "occurred_at": occurred_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        contact_id = d.pop("contact_id")

        type_ = OutcomeType(d.pop("type"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        event_in = cls(
            id=id,
            contact_id=contact_id,
            type_=type_,
            occurred_at=occurred_at,
        )

        return event_in
