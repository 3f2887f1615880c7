from enum import StrEnum


class WinnerConditionName(StrEnum):
    EXPECTED_LOSS = "expected_loss"
    PROB_BEST = "prob_best"
    SENDS = "sends"
    SEQUENTIAL_Z = "sequential_z"

    def __str__(self) -> str:
        return str(self.value)
