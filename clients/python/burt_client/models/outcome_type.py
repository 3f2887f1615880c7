from enum import StrEnum


class OutcomeType(StrEnum):
    BOUNCED = "bounced"
    CLICKED = "clicked"
    COMPLAINED = "complained"
    CONVERTED = "converted"
    DELIVERED = "delivered"
    OPENED = "opened"
    UNSUBSCRIBED = "unsubscribed"

    def __str__(self) -> str:
        return str(self.value)
