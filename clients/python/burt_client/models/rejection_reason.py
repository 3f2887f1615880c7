from enum import StrEnum


class RejectionReason(StrEnum):
    CONTACT_NOT_ASSIGNED = "contact_not_assigned"
    OCCURRED_BEFORE_BATCH = "occurred_before_batch"
    UNKNOWN_CONTACT = "unknown_contact"

    def __str__(self) -> str:
        return str(self.value)
