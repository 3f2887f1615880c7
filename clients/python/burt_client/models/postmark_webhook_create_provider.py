from enum import StrEnum


class PostmarkWebhookCreateProvider(StrEnum):
    POSTMARK = "postmark"

    def __str__(self) -> str:
        return str(self.value)
