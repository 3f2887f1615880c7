from enum import StrEnum


class Goal(StrEnum):
    BALANCED = "balanced"
    OUTCOMES = "outcomes"
    WINNER = "winner"

    def __str__(self) -> str:
        return str(self.value)
