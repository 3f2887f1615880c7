from enum import StrEnum


class SendGridWebhookCreateProvider(StrEnum):
    SENDGRID = "sendgrid"

    def __str__(self) -> str:
        return str(self.value)
