from enum import StrEnum


class OptimizedOutcome(StrEnum):
    CLICKED = "clicked"
    CONVERTED = "converted"
    OPENED = "opened"

    def __str__(self) -> str:
        return str(self.value)
