from enum import StrEnum


class SesWebhookCreateProvider(StrEnum):
    SES = "ses"

    def __str__(self) -> str:
        return str(self.value)
