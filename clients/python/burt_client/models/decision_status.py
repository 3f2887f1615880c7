from enum import StrEnum


class DecisionStatus(StrEnum):
    EXPLORING = "exploring"
    WARMING_UP = "warming_up"
    WINNER = "winner"

    def __str__(self) -> str:
        return str(self.value)
