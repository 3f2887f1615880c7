from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.decision_status import DecisionStatus
from ..models.goal import Goal

if TYPE_CHECKING:
    from ..models.winner_condition import WinnerCondition


T = TypeVar("T", bound="Decision")


@_attrs_define
class Decision:
    """What the policy concludes now, and why.

    Attributes:
        status (DecisionStatus): `warming_up` (uniform until every variant has its warm-up sends), `exploring`, or
            `winner` (declared). Example: exploring.
        winner_variant_id (None | str): The winner, once declared.
        winner_probability (float | None): Its probability of being best.
        leader_variant_id (str): The variant most likely to be best now.
        summary (str): The decision in a sentence.
        conditions (list[WinnerCondition]): Every condition of the winner rule for the leader; a winner is declared when
            all are met.
        goal (Goal): What the campaign is for (its `goal` setting): `outcomes` (the most outcomes), `balanced` (the
            default) or `winner` (a proven winner, paid for in outcomes). Example: balanced.
        goal_meaning (str): The campaign's goal in a sentence: what it trades for what. Example: Spends part of every
            batch proving which message wins, so a winner is declared in most campaigns where one exists, at the price of
            some outcomes..
        sends_needed (int | None): Estimated further contacts until the winner rule could conclude, if the differences
            seen so far hold: the later of the always-valid test settling every open rival (at the next batch's split, the
            leader's sends counted with the rivals') and the leader reaching its minimum sends (at its current weight);
            contacts drawn, any held-out share included. Null when no estimate can be made (or a winner is declared).
    """

    status: DecisionStatus
    winner_variant_id: None | str
    winner_probability: float | None
    leader_variant_id: str
    summary: str
    conditions: list[WinnerCondition]
    goal: Goal
    goal_meaning: str
    sends_needed: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        winner_variant_id: None | str
        winner_variant_id = self.winner_variant_id

        winner_probability: float | None
        winner_probability = self.winner_probability

        leader_variant_id = self.leader_variant_id

        summary = self.summary

        conditions = []
        for conditions_item_data in self.conditions:
            conditions_item = conditions_item_data.to_dict()
            conditions.append(conditions_item)

        goal = self.goal.value

        goal_meaning = self.goal_meaning

        sends_needed: int | None
        sends_needed = self.sends_needed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "winner_variant_id": winner_variant_id,
                "winner_probability": winner_probability,
                "leader_variant_id": leader_variant_id,
                "summary": summary,
                "conditions": conditions,
                "goal": goal,
                "goal_meaning": goal_meaning,
                "sends_needed": sends_needed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.winner_condition import WinnerCondition  # noqa: PLC0415

        d = dict(src_dict)
        status = DecisionStatus(d.pop("status"))

        def _parse_winner_variant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        winner_variant_id = _parse_winner_variant_id(d.pop("winner_variant_id"))

        def _parse_winner_probability(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        winner_probability = _parse_winner_probability(d.pop("winner_probability"))

        leader_variant_id = d.pop("leader_variant_id")

        summary = d.pop("summary")

        conditions = []
        _conditions = d.pop("conditions")
        for conditions_item_data in _conditions:
            conditions_item = WinnerCondition.from_dict(conditions_item_data)

            conditions.append(conditions_item)

        goal = Goal(d.pop("goal"))

        goal_meaning = d.pop("goal_meaning")

        def _parse_sends_needed(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        sends_needed = _parse_sends_needed(d.pop("sends_needed"))

        decision = cls(
            status=status,
            winner_variant_id=winner_variant_id,
            winner_probability=winner_probability,
            leader_variant_id=leader_variant_id,
            summary=summary,
            conditions=conditions,
            goal=goal,
            goal_meaning=goal_meaning,
            sends_needed=sends_needed,
        )

        decision.additional_properties = d
        return decision

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
