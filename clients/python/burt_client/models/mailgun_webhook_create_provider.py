from enum import StrEnum


class MailgunWebhookCreateProvider(StrEnum):
    MAILGUN = "mailgun"

    def __str__(self) -> str:
        return str(self.value)
