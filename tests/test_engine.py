"""The engine's service layer on a real SQLite file: maturity, holdout, winner, validation."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from burt.engine import Burt, EventIn, SQLiteStore
from burt.engine.errors import InvalidInput, NotFound, VersionMismatch
from burt.engine.policy import GOALS
from burt.engine.timefmt import parse_rfc3339

T0 = parse_rfc3339("2026-11-27T09:00:00Z")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def run(test: Callable[[Burt, Clock], Coroutine[Any, Any, None]], path: Path) -> None:
    async def main() -> None:
        store = SQLiteStore(path / "engine.sqlite3")
        await store.open()
        clock = Clock(T0)
        try:
            await test(Burt(store, clock=clock), clock)
        finally:
            await store.close()

    asyncio.run(main())


def test_sends_count_at_once_weighted_by_maturity_and_late_outcomes_do_not(
    tmp_path: Path,
) -> None:
    async def scenario(burt: Burt, clock: Clock) -> None:
        campaign = await burt.initialize_campaign(
            "m", [("a", "A"), ("b", "B")], "opened", {"attribution_window_seconds": 7200}
        )
        await burt.load_contacts(campaign.id, [f"c{i}" for i in range(100)])
        batch, _ = await burt.create_experiment_batch(campaign.id, 40, "k1")
        assert batch.assignments is not None
        drawn = batch.created_at
        opened = [c for c, v in batch.assignments if v == 0][:6]
        clock.advance(minutes=20)
        await burt.record_outcomes(
            campaign.id,
            [EventIn(f"e{c}", c, "opened", clock.now) for c in opened[:5]],
        )
        clock.advance(minutes=10)  # (outcomes are known by delay bin: [15 min, 30 min) here)
        early = await burt.get_campaign_stats(campaign.id)
        assert [v.sends for v in early.variants] == [20, 20]
        # Half an hour in, each send weighs the share of outcomes expected by then (prior).
        weight = early.variants[0].effective_sends / 20
        assert 0.1 < weight < 0.6
        assert early.variants[1].effective_sends == pytest.approx(20 * weight)
        assert early.variants[0].counted_outcomes == 5
        assert early.variants[0].posterior.alpha == 6
        assert early.variants[0].posterior.beta == pytest.approx(1 + 20 * weight - 5)
        clock.advance(hours=3)  # past the 2-hour window: every send is mature
        late_event = EventIn("late", opened[5], "opened", drawn + timedelta(hours=3))
        await burt.record_outcomes(campaign.id, [late_event])
        late = await burt.get_campaign_stats(campaign.id)
        assert [v.effective_sends for v in late.variants] == [20, 20]
        assert late.variants[0].outcomes["opened"] == 6  # recorded ...
        assert late.variants[0].counted_outcomes == 5  # ... but too late to count
        assert late.variants[0].late_outcomes == 1
        assert (late.variants[0].posterior.alpha, late.variants[0].posterior.beta) == (6, 16)
        assert (late.variants[1].posterior.alpha, late.variants[1].posterior.beta) == (1, 21)
        # Replayed as of half an hour after the draw, the report is the early one (but for the
        # raw outcome counts, which are today's).
        replay = await burt.get_campaign_stats(campaign.id, as_of=drawn + timedelta(minutes=30))
        assert [dataclasses.replace(v, outcomes={}) for v in replay.variants] == [
            dataclasses.replace(v, outcomes={}) for v in early.variants
        ]

    run(scenario, tmp_path)


def test_holdout_contacts_are_assigned_but_not_sent_and_their_outcomes_kept_apart(
    tmp_path: Path,
) -> None:
    async def scenario(burt: Burt, clock: Clock) -> None:
        campaign = await burt.initialize_campaign(
            "h", [("a", "A"), ("b", "B")], "converted", {"holdout_fraction": 0.2}
        )
        await burt.load_contacts(campaign.id, [f"c{i}" for i in range(50)])
        batch, _ = await burt.create_experiment_batch(campaign.id, 50, "k")
        assert batch.holdout_count == 10 and sum(batch.counts) == 40
        assert batch.assignments is not None
        held = [c for c, v in batch.assignments if v < 0]
        tally = await burt.record_outcomes(
            campaign.id, [EventIn("h1", held[0], "converted", clock.now)]
        )
        assert tally.recorded == 1
        stats = await burt.get_campaign_stats(campaign.id)
        assert stats.holdout.sends == 10 and stats.holdout.outcomes["converted"] == 1
        assert sum(v.outcomes["converted"] for v in stats.variants) == 0

    run(scenario, tmp_path)


def test_a_clear_winner_takes_the_remaining_contacts(tmp_path: Path) -> None:
    async def scenario(burt: Burt, clock: Clock) -> None:
        campaign = await burt.initialize_campaign(
            "w", [("a", "A"), ("b", "B")], "clicked", {"attribution_window_seconds": 0}
        )
        await burt.load_contacts(campaign.id, [f"c{i}" for i in range(20_000)])
        batch, _ = await burt.create_experiment_batch(campaign.id, 6000, "k1")
        assert batch.assignments is not None
        clicks = [
            EventIn(f"e{c}", c, "clicked", clock.now)
            for n, (c, v) in enumerate(batch.assignments)
            if (v == 1 and n % 5 == 0) or (v == 0 and n % 50 == 0)  # ~20% vs ~2%
        ]
        await burt.record_outcomes(campaign.id, clicks)
        clock.advance(seconds=1)
        preview = await burt.preview_allocation(campaign.id)
        assert preview.status == "winner" and preview.winner_variant_id == "b"
        assert dict(preview.weights) == {"a": 0.0, "b": 1.0}
        nxt, _ = await burt.create_experiment_batch(campaign.id, 1000, "k2")
        assert nxt.counts == (0, 1000)

    run(scenario, tmp_path)


def test_validation_and_optimistic_concurrency(tmp_path: Path) -> None:
    async def scenario(burt: Burt, clock: Clock) -> None:
        with pytest.raises(InvalidInput, match="unknown settings"):
            await burt.initialize_campaign("x", [("a", "A"), ("b", "B")], "opened", {"nope": 1})
        with pytest.raises(InvalidInput, match="optimize"):
            await burt.initialize_campaign("x", [("a", "A"), ("b", "B")], "bounced")
        campaign = await burt.initialize_campaign("x", [("a", "A"), ("b", "B")], "opened")
        with pytest.raises(InvalidInput, match="weight_floor"):
            await burt.update_campaign(campaign.id, 1, settings={"weight_floor": 0.6})
        refused = "^invalid settings: goal must be one of outcomes, balanced, winner$"
        with pytest.raises(InvalidInput, match=refused):
            await burt.update_campaign(campaign.id, 1, settings={"goal": "fastest"})
        updated = await burt.update_campaign(campaign.id, 1, name="y")
        assert (updated.name, updated.version) == ("y", 2)
        with pytest.raises(VersionMismatch):
            await burt.update_campaign(campaign.id, 1, name="z")
        other = Burt(burt.store, tenant="someone-else", clock=clock)
        with pytest.raises(NotFound):
            await other.get_campaign(campaign.id)
        with pytest.raises(InvalidInput, match="occurred_at"):
            await burt.record_outcomes(campaign.id, [EventIn("e", "c", "opened", "today")])

    run(scenario, tmp_path)


def test_a_goal_changed_in_a_notebook_moves_the_share_it_follows(tmp_path: Path) -> None:
    async def scenario(burt: Burt, clock: Clock) -> None:
        variants = [("a", "A"), ("b", "B")]
        campaign = await burt.initialize_campaign("x", variants, "opened", {"goal": "outcomes"})
        assert campaign.settings.proof_share is None
        assert campaign.settings.proof_share_in_force == 0.0
        changed = await burt.update_campaign(campaign.id, 1, settings={"goal": "winner"})
        assert changed.settings.proof_share_in_force == 0.6
        stored = await burt.get_campaign(campaign.id)  # as the store reads it back
        assert (stored.settings.goal, stored.settings.proof_share) == ("winner", None)
        pinned = await burt.update_campaign(campaign.id, 2, settings={"proof_share": 0.1})
        assert pinned.settings.proof_share_in_force == 0.1
        stats = await burt.get_campaign_stats(campaign.id)
        assert (stats.decision.goal, stats.decision.goal_meaning) == (
            "winner",
            GOALS["winner"].meaning,
        )

    run(scenario, tmp_path)


def test_an_outcomes_campaign_gives_a_losing_variant_less_than_the_floor(
    tmp_path: Path,
) -> None:
    """The outcomes goal drops the exploration floor: after the same batch and clicks, a
    variant losing but still explored keeps at least 0.01 of the next batch under the balanced
    goal and gets less under outcomes. The settings show the goal's numbers in force."""

    async def preview(burt: Burt, clock: Clock, goal: str) -> dict[str, float]:
        settings = {"goal": goal, "attribution_window_seconds": 0}
        campaign = await burt.initialize_campaign(
            "g", [("a", "A"), ("b", "B")], "clicked", settings
        )
        plan = GOALS[goal]  # type: ignore[index]
        assert campaign.settings.weight_floor is campaign.settings.horizon_power is None
        assert campaign.settings.in_force("weight_floor") == plan.weight_floor
        assert campaign.settings.in_force("horizon_power") == plan.horizon_power
        await burt.load_contacts(campaign.id, [f"c{i}" for i in range(10_000)])
        batch, _ = await burt.create_experiment_batch(campaign.id, 4000, "k1")
        assert batch.assignments is not None and batch.counts == (2000, 2000)
        by_variant = (
            [c for c, v in batch.assignments if v == 0],
            [c for c, v in batch.assignments if v == 1],
        )
        clicked = by_variant[0][:200] + by_variant[1][:230]  # 10% against 11.5%
        await burt.record_outcomes(
            campaign.id, [EventIn(f"e{c}", c, "clicked", clock.now) for c in clicked]
        )
        clock.advance(seconds=1)
        shown = await burt.preview_allocation(campaign.id)
        assert shown.status == "exploring"
        return dict(shown.weights)

    async def scenario(burt: Burt, clock: Clock) -> None:
        balanced = await preview(burt, clock, "balanced")
        outcomes = await preview(burt, clock, "outcomes")
        assert balanced["a"] >= 0.01
        assert 0.0 < outcomes["a"] < 0.01 and outcomes["b"] > balanced["b"]

    run(scenario, tmp_path)
