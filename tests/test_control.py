"""A campaign's control variant: stored on every store, validated, and used by the stats.

The store tests run on SQLite files and on the MongoDB-wire servers (the `store` fixture); the
lift over the control is checked against a Monte Carlo of the Beta posteriors built from raw
counts, independently of the engine's own posterior code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from pymongo import MongoClient
from scipy import stats as st

from burt.engine import Burt, ContactIn, EventIn
from burt.engine.errors import IdempotencyKeyReused, Unprocessable
from burt.engine.model import Batch, Campaign
from burt.engine.store import SQLiteStore
from burt.engine.store.base import Store
from burt.engine.timefmt import format_rfc3339
from tests.stores import TENANT, StoreSpec

pytestmark = pytest.mark.anyio

VARIANTS = [("a", "Subject A"), ("b", "Subject B"), ("c", "Subject C")]
EXACT = {"attribution_window_seconds": 0, "period_adjustment": False, "warmup_sends": 10}
"""Settings under which a posterior is Beta(1 + clicks, 1 + sends - clicks): every outcome counts
at once and batches are pooled as they are."""


@pytest.fixture
def burt(store: Store) -> Burt:
    return Burt(store, tenant=TENANT)


@pytest.fixture
async def sqlite_burt(tmp_path: Path) -> AsyncIterator[Burt]:
    """The engine on one SQLite file, for what does not depend on the store."""
    store = SQLiteStore(str(tmp_path / "burt.sqlite3"))
    await store.open()
    try:
        yield Burt(store, tenant=TENANT)
    finally:
        await store.close()


async def clicked_batch(burt: Burt, campaign: Campaign, size: int, every: dict[str, int]) -> Batch:
    """Draw a batch of `size`; every `every[variant]`-th contact of a variant clicks."""
    start = campaign.contacts_total
    await burt.load_contacts(campaign.id, [ContactIn(f"c{start + i}") for i in range(size)])
    batch, _ = await burt.create_experiment_batch(campaign.id, size, f"k{start}")
    assert batch.assignments is not None
    when = format_rfc3339(batch.created_at + timedelta(seconds=1))
    seen = dict.fromkeys(batch.variant_ids, 0)
    events = []
    for contact, label in batch.assignments:
        variant = batch.variant_ids[label]
        if seen[variant] % every[variant] == 0:
            events.append(EventIn(f"e-{contact}", contact, "clicked", when))
        seen[variant] += 1
    await burt.record_outcomes(campaign.id, events)
    return batch


async def test_the_control_is_stored_changed_and_used_by_the_stats(burt: Burt) -> None:
    campaign = await burt.initialize_campaign(
        "Launch", VARIANTS, "clicked", settings=EXACT, control_variant_id="b"
    )
    assert campaign.control_variant_id == "b"
    assert (await burt.get_campaign(campaign.id)).control_variant_id == "b"
    assert [c.control_variant_id for c in (await burt.list_campaigns()).items] == ["b"]
    await clicked_batch(burt, campaign, 300, {"a": 10, "b": 5, "c": 3})

    stats = await burt.get_campaign_stats(campaign.id)
    assert stats.control_variant_id == "b"
    by_id = {v.variant_id: v for v in stats.variants}
    assert by_id["b"].lift is None
    assert {by_id[v].lift.reference_variant_id for v in "ac"} == {"b"}  # type: ignore[union-attr]
    assert stats.decision.leader_variant_id == "c"  # the control need not lead
    lift = by_id["c"].lift
    assert lift is not None
    assert f"leads, {lift.relative:+.1%} against the control, b (95% interval" in (
        stats.decision.summary
    )

    override = await burt.get_campaign_stats(campaign.id, control="a")
    assert override.control_variant_id == "a"
    assert [v.lift and v.lift.reference_variant_id for v in override.variants] == [None, "a", "a"]
    with pytest.raises(Unprocessable, match="control 'zz' is not one of the campaign's variants"):
        await burt.get_campaign_stats(campaign.id, control="zz")  # as a PATCH naming it is

    moved = await burt.update_campaign(campaign.id, campaign.version, control_variant_id="c")
    assert moved.control_variant_id == "c" and moved.version == campaign.version + 1
    renamed = await burt.update_campaign(campaign.id, moved.version, name="Launch 2")
    assert renamed.control_variant_id == "c"  # a change that names no control keeps it
    assert (await burt.get_campaign(campaign.id)).control_variant_id == "c"
    assert (await burt.get_campaign_stats(campaign.id)).variants[2].lift is None

    cleared = await burt.update_campaign(campaign.id, None, control_variant_id="")
    assert cleared.control_variant_id is None
    assert (await burt.get_campaign(campaign.id)).control_variant_id is None
    by_leader = await burt.get_campaign_stats(campaign.id)
    assert by_leader.control_variant_id is None
    leader = by_leader.decision.leader_variant_id
    for v in by_leader.variants:
        assert (v.lift is None) == (v.variant_id == leader)
        assert v.lift is None or v.lift.reference_variant_id == leader


async def test_an_unknown_control_is_refused_and_writes_nothing(
    burt: Burt, store_spec: StoreSpec
) -> None:
    before = store_spec.record_counts()
    with pytest.raises(Unprocessable, match="'zz' is not one of the campaign's variants"):
        await burt.initialize_campaign("Launch", VARIANTS, "clicked", control_variant_id="zz")
    with pytest.raises(Unprocessable, match="control_variant_id 'A'"):  # ids are case-sensitive
        await burt.initialize_campaign_once("key-1", "Launch", VARIANTS, "clicked", None, "A")
    assert store_spec.record_counts() == before
    assert (await burt.list_campaigns()).items == []
    # The refused request left the key unused: the same key now makes a campaign.
    made, replayed = await burt.initialize_campaign_once(
        "key-1", "Launch", VARIANTS, "clicked", None, "a"
    )
    assert not replayed and made.control_variant_id == "a"

    with pytest.raises(Unprocessable, match="'zz'"):
        await burt.update_campaign(made.id, made.version, name="Other", control_variant_id="zz")
    kept = await burt.get_campaign(made.id)
    assert (kept.name, kept.control_variant_id, kept.version) == ("Launch", "a", made.version)


async def test_a_retried_create_replays_only_with_the_same_control(burt: Burt) -> None:
    first, _ = await burt.initialize_campaign_once("k", "Launch", VARIANTS, "clicked", None, "a")
    again, replayed = await burt.initialize_campaign_once(
        "k", "Launch", VARIANTS, "clicked", None, "a"
    )
    assert replayed and again.id == first.id and again.control_variant_id == "a"
    for other in ("b", None):
        with pytest.raises(IdempotencyKeyReused):
            await burt.initialize_campaign_once("k", "Launch", VARIANTS, "clicked", None, other)


async def test_a_campaign_stored_before_controls_has_none(
    burt: Burt, store_spec: StoreSpec
) -> None:
    """A campaign document without the field (as every one written before it) reads as no
    control, and an update then stores one: no migration is needed."""
    campaign = await burt.initialize_campaign("Old", VARIANTS, "clicked", control_variant_id="a")
    if store_spec.kind == "sqlite":
        with closing(sqlite3.connect(store_spec.location)) as db, db:
            db.execute("UPDATE campaigns SET doc = json_remove(doc, '$.control_variant_id')")
    else:
        with MongoClient(store_spec.location, serverSelectionTimeoutMS=5000) as client:
            campaigns = client[store_spec.db]["campaigns"]
            campaigns.update_many({}, {"$unset": {"control_variant_id": 1}})
    assert (await burt.get_campaign(campaign.id)).control_variant_id is None
    assert (await burt.get_campaign_stats(campaign.id)).control_variant_id is None
    await burt.update_campaign(campaign.id, campaign.version, control_variant_id="c")
    assert (await burt.get_campaign(campaign.id)).control_variant_id == "c"


async def test_lift_over_the_control_matches_monte_carlo_of_the_posteriors(
    sqlite_burt: Burt,
) -> None:
    """The lift of every variant over the control and its 95% interval against 400,000 draws
    from Beta(1 + clicks, 1 + sends - clicks), counted from the batches themselves: the point
    value is the ratio of posterior means minus one (to 1e-9); the interval ends are within 0.01
    of the Monte Carlo quantiles of X_i / X_control - 1. The bandit starves the control here
    (about 15 clicks), where a normal approximation of the log ratio misses by 0.035."""
    campaign = await sqlite_burt.initialize_campaign(
        "Lift", VARIANTS, "clicked", settings=EXACT, control_variant_id="a"
    )
    sends = dict.fromkeys("abc", 0)
    clicks = dict.fromkeys("abc", 0)
    for _ in range(3):
        campaign = await sqlite_burt.get_campaign(campaign.id)
        batch = await clicked_batch(sqlite_burt, campaign, 400, {"a": 12, "b": 8, "c": 10})
        for variant, count in zip(batch.variant_ids, batch.counts, strict=True):
            sends[variant] += count
            clicks[variant] += -(-count // {"a": 12, "b": 8, "c": 10}[variant])
    stats = await sqlite_burt.get_campaign_stats(campaign.id)

    alpha = np.array([1.0 + clicks[v] for v in "abc"])
    beta = np.array([1.0 + sends[v] - clicks[v] for v in "abc"])
    for v, a, b in zip(stats.variants, alpha, beta, strict=True):
        assert (v.posterior.alpha, v.posterior.beta) == pytest.approx((a, b))
    draws = st.beta.rvs(alpha, beta, size=(400_000, 3), random_state=np.random.default_rng(9))
    ratio = draws / draws[:, [0]] - 1.0
    means = alpha / (alpha + beta)
    assert stats.variants[0].lift is None
    for i in (1, 2):
        lift = stats.variants[i].lift
        assert lift is not None and lift.reference_variant_id == "a"
        assert lift.relative == pytest.approx(means[i] / means[0] - 1.0, abs=1e-9)
        assert lift.ci_low == pytest.approx(np.quantile(ratio[:, i], 0.025), abs=0.01)
        assert lift.ci_high == pytest.approx(np.quantile(ratio[:, i], 0.975), abs=0.01)


async def test_sends_needed_counts_the_winner_rules_own_minimum(sqlite_burt: Burt) -> None:
    """A leader the sequential test has already proven, short only of `winner_min_sends`: the
    estimate is the contacts its weight needs to reach the minimum (it was 0, as if nothing
    were missing), and the sentence says it."""
    campaign = await sqlite_burt.initialize_campaign(
        "Needed", VARIANTS[:2], "clicked", settings={**EXACT, "winner_min_sends": 3000}
    )
    for _ in range(2):
        campaign = await sqlite_burt.get_campaign(campaign.id)
        await clicked_batch(sqlite_burt, campaign, 300, {"a": 15, "b": 2})
    await sqlite_burt.load_contacts(campaign.id, [ContactIn(f"x{i}") for i in range(10_000)])
    stats = await sqlite_burt.get_campaign_stats(campaign.id)
    decision = stats.decision
    unmet = [c for c in decision.conditions if not c.met]
    assert decision.status == "exploring" and [c.name for c in unmet] == ["sends"]
    leader = next(v for v in stats.variants if v.variant_id == decision.leader_variant_id)
    shortfall = (unmet[0].threshold - unmet[0].value) / leader.weight
    assert decision.sends_needed == int(np.ceil(shortfall)) > 0
    assert f"About {decision.sends_needed:,} more sends" in decision.summary


async def test_an_estimate_beyond_the_contacts_left_is_said(sqlite_burt: Burt) -> None:
    campaign = await sqlite_burt.initialize_campaign(
        "Short", VARIANTS[:2], "clicked", settings={**EXACT, "winner_min_sends": 3000}
    )
    await clicked_batch(sqlite_burt, campaign, 300, {"a": 15, "b": 2})
    await sqlite_burt.load_contacts(campaign.id, [ContactIn(f"x{i}") for i in range(500)])
    stats = await sqlite_burt.get_campaign_stats(campaign.id)
    assert stats.decision.sends_needed is not None and stats.decision.sends_needed > 500
    assert "more than the 500 contacts left" in stats.decision.summary
