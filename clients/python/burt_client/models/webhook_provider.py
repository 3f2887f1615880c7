from enum import StrEnum


class WebhookProvider(StrEnum):
    MAILGUN = "mailgun"
    POSTMARK = "postmark"
    SENDGRID = "sendgrid"
    SES = "ses"

    def __str__(self) -> str:
        return str(self.value)
