from enum import StrEnum


class PolicySettingsGoal(StrEnum):
    BALANCED = "balanced"
    OUTCOMES = "outcomes"
    WINNER = "winner"

    def __str__(self) -> str:
        return str(self.value)
