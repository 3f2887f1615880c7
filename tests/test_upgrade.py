"""Campaigns an earlier release stored open with this burt, and every one of them answers.

`fixtures/release-b747cf7.sqlite3` was written by release b747cf7's own code (the script beside
it says how). That release allowed priors of 0.01 and 10000, `weight_floor` times the variants
equal to 1 and an attribution window off the delay bins' edges; today's rules refuse all three,
and before the migration every stats, preview, CSV and draw of such a campaign answered 500.
Opening the store brings those settings to the nearest values the rules allow and records each
change on its campaign; a campaign within the rules comes through as it was. The same migration
runs on MongoDB.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pymongo import MongoClient
from starlette.testclient import TestClient

from burt.engine import Burt, ContactIn
from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.burt import _fingerprint_settings
from burt.engine.delays import window_problem
from burt.engine.model import SettingAdjustment
from burt.engine.policy import SETTING_BOUNDS, SETTINGS_BEFORE_GOALS, PolicySettings, bounds_rule
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.engine.store.codec import settings_from_dict, settings_to_dict
from burt.engine.store.sqlite_schema import MIGRATIONS, campaigns_within_the_rules, migrate
from burt.engine.upgrade import conform, largest_floor
from burt.service.app import create_app
from burt.service.config import Config
from tests.stores import TENANT, StoreSpec

FIXTURE = Path(__file__).parent / "fixtures" / "release-b747cf7.sqlite3"
PRIORS = "cmp_18ef08c52c6e6312351691a869c20e79"
"""prior_alpha 0.01, prior_beta 10000, a 5000-second window; two variants."""
FLOOR = "cmp_18ef08c52d61c0c906a575d682ff3f58"
"""weight_floor 0.25 with four variants."""
ORDINARY = "cmp_18ef08c52dfdff8e7ee5e2ebb2271e11"
"""The default settings; two variants."""
AS_OF = "2026-12-07T17:30:00Z"
"""After every batch and event in the file: stats at a fixed instant compare byte for byte."""


# the release's file, through the HTTP API -------------------------------------------------------
@dataclass
class Served:
    client: TestClient
    headers: dict[str, str]

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers={**self.headers, **headers})


@contextmanager
def served(data_dir: Path) -> Iterator[Served]:
    """The service on `data_dir`, with a key of the file's tenant added first (by this burt's
    store, which migrates the file as it opens it)."""
    key = new_api_key()

    async def add_key() -> None:
        store = SQLiteStore(data_dir / SQLITE_FILENAME)
        await store.open()
        await store.add_api_key(ApiKey(hash_api_key(key), TENANT))
        await store.close()

    asyncio.run(add_key())
    with TestClient(create_app(Config(data_dir=data_dir, metrics=False))) as client:
        yield Served(client, {"Authorization": f"Bearer {key}"})


def copy_of_the_release_file(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(FIXTURE, data_dir / SQLITE_FILENAME))


@pytest.fixture
def upgraded(tmp_path: Path) -> Iterator[Served]:
    copy_of_the_release_file(tmp_path)
    with served(tmp_path) as api:
        yield api


@pytest.mark.parametrize("cid", [PRIORS, FLOOR, ORDINARY], ids=["priors", "floor", "ordinary"])
def test_every_campaign_of_the_release_answers(upgraded: Served, cid: str) -> None:
    stats = upgraded.get(f"/campaigns/{cid}/stats")
    assert stats.status_code == 200, stats.text
    (batch,) = upgraded.get(f"/campaigns/{cid}/batches").json()["items"]
    assert [v["sends"] for v in stats.json()["variants"]] == [c["count"] for c in batch["counts"]]
    csv = upgraded.get(f"/campaigns/{cid}/stats", Accept="text/csv")
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    preview = upgraded.get(f"/campaigns/{cid}/allocation")
    assert preview.status_code == 200, preview.text
    assert math.isclose(sum(w["weight"] for w in preview.json()["weights"]), 1.0)
    drawn = upgraded.client.post(
        f"/campaigns/{cid}/batches",
        json={"size": 20},
        headers={**upgraded.headers, "Idempotency-Key": "after-the-upgrade"},
    )
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["sequence"] == 2 and len(drawn.json()["assignments"]) == 20


def test_settings_the_rules_refuse_are_brought_within_them_and_say_so(upgraded: Served) -> None:
    priors = upgraded.get(f"/campaigns/{PRIORS}").json()
    assert priors["settings_adjustments"] == [
        {
            "setting": "prior_alpha",
            "stored": 0.01,
            "adjusted": 0.1,
            "rule": "prior_alpha must be in [0.1, 1000]",
        },
        {
            "setting": "prior_beta",
            "stored": 10000,
            "adjusted": 1000,
            "rule": "prior_beta must be in [0.1, 1000]",
        },
        {
            "setting": "attribution_window_seconds",
            "stored": 5000,
            "adjusted": 7200,  # the next edge of the delay bins (2 hours)
            "rule": window_problem(5000),
        },
    ]
    floor = upgraded.get(f"/campaigns/{FLOOR}").json()
    adjusted = floor["settings"]["weight_floor"]
    assert adjusted * 4 < 1 <= math.nextafter(adjusted, 1) * 4  # the nearest allowed
    assert floor["settings_adjustments"] == [
        {
            "setting": "weight_floor",
            "stored": 0.25,
            "adjusted": adjusted,
            "rule": "weight_floor 0.25 times 4 variants must stay below 1",
        }
    ]
    ordinary = upgraded.get(f"/campaigns/{ORDINARY}").json()
    for campaign in (priors, floor):
        in_force = {a["setting"]: a["adjusted"] for a in campaign["settings_adjustments"]}
        assert campaign["settings"] == {**ordinary["settings"], **in_force}
        # The representation changed, so did its version (the ETag) and update time.
        assert campaign["version"] == 2 and campaign["updated_at"] > campaign["created_at"]
    assert ordinary["settings_adjustments"] == [] and ordinary["version"] == 1


def test_a_campaign_within_the_rules_comes_through_byte_for_byte(tmp_path: Path) -> None:
    """Its stored row is the release's, and its campaign, stats and CSV answers are those of a
    copy that every other migration step brought forward."""
    upgraded = copy_of_the_release_file(tmp_path / "upgraded")
    others = copy_of_the_release_file(tmp_path / "others")
    steps = [(lambda db: None) if s is campaigns_within_the_rules else s for s in MIGRATIONS]
    with closing(sqlite3.connect(others, isolation_level=None)) as db:
        migrate(db, others, steps)
    answers = []
    for path in (upgraded, others):
        with served(path.parent) as api:
            stats = f"/campaigns/{ORDINARY}/stats?as_of={AS_OF}"
            answers.append(
                [
                    api.get(f"/campaigns/{ORDINARY}").content,
                    api.get(stats).content,
                    api.get(stats, Accept="text/csv").content,
                ]
            )
    assert answers[0] == answers[1]

    def stored_row(path: Path) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(path)) as db:
            return db.execute("SELECT * FROM campaigns WHERE id = ?", (ORDINARY,)).fetchall()

    assert stored_row(upgraded) == stored_row(FIXTURE)


# the migration on every store ------------------------------------------------------------------
OLD_SETTINGS = {"prior_alpha": 0.01, "prior_beta": 10000.0, "weight_floor": 0.25}
MONGO_BEFORE_THE_RULES = 3
"""The MongoDB schema version before version 4 brought stored settings within the rules
(``mongo_schema._campaigns_within_the_rules``)."""


def store_as_an_earlier_release_left_it(spec: StoreSpec, campaign_id: str) -> None:
    """Give the campaign settings release b747cf7 allowed and no record of adjustments, and
    set the store's schema version back to the one before settings were brought within rules."""
    if spec.kind == "sqlite":
        with closing(sqlite3.connect(spec.location)) as db, db:
            paths = ", ".join(f"'$.settings.{k}', {v!r}" for k, v in OLD_SETTINGS.items())
            db.execute(
                f"UPDATE campaigns SET doc = json_remove(json_set(doc, {paths}),"
                " '$.settings_adjustments') WHERE id = ?",
                (campaign_id,),
            )
            db.execute(f"PRAGMA user_version = {MIGRATIONS.index(campaigns_within_the_rules)}")
        return
    with MongoClient(spec.location, serverSelectionTimeoutMS=5000) as client:
        db = client[spec.db]
        db["campaigns"].update_one(
            {"_id": campaign_id},
            {
                "$set": {f"settings.{k}": v for k, v in OLD_SETTINGS.items()},
                "$unset": {"settings_adjustments": ""},
            },
        )
        db["meta"].update_one(
            {"_id": "schema"}, {"$set": {"schema_version": MONGO_BEFORE_THE_RULES}}
        )


@pytest.mark.anyio
async def test_every_store_brings_stored_settings_within_the_rules(store_spec: StoreSpec) -> None:
    store = store_spec.open_store()
    await store.open()
    burt = Burt(store, tenant=TENANT)
    campaign = await burt.initialize_campaign(
        "Launch", [(v, f"Subject {v}") for v in "abcd"], "clicked"
    )
    await burt.load_contacts(campaign.id, [ContactIn(f"c{i}") for i in range(10)])
    await store.close()
    store_as_an_earlier_release_left_it(store_spec, campaign.id)

    # two processes open the store at once: the change is made, and recorded, once
    opened = [store_spec.open_store() for _ in range(2)]
    await asyncio.gather(*(s.open() for s in opened))
    try:
        burt = Burt(opened[0], tenant=TENANT)
        upgraded = await burt.get_campaign(campaign.id)
        assert upgraded.settings == dataclasses.replace(
            campaign.settings, prior_alpha=0.1, prior_beta=1000.0, weight_floor=largest_floor(4)
        )
        assert upgraded.settings_adjustments == (
            SettingAdjustment("prior_alpha", 0.01, 0.1, bounds_rule("prior_alpha")),
            SettingAdjustment("prior_beta", 10000.0, 1000.0, bounds_rule("prior_beta")),
            SettingAdjustment(
                "weight_floor",
                0.25,
                largest_floor(4),
                "weight_floor 0.25 times 4 variants must stay below 1",
            ),
        )
        assert upgraded.version == campaign.version + 1
        await burt.get_campaign_stats(campaign.id)
        batch, _ = await burt.create_experiment_batch(campaign.id, 4, "after")
        assert sum(batch.counts) == 4
        # an update keeps the record: it tells what the upgrade did
        updated = await burt.update_campaign(campaign.id, None, settings={"prior_alpha": 2.0})
        assert updated.settings_adjustments == upgraded.settings_adjustments
        assert (await burt.get_campaign(campaign.id)).settings_adjustments == (
            upgraded.settings_adjustments
        )
    finally:
        for s in opened:
            await s.close()


# settings stored before campaigns had a goal -----------------------------------------------------
def stored_before_goals(proof_share: float = 0.3, **chosen: float) -> dict[str, Any]:
    """Default settings as a release before goals stored them: no goal, the defaults of then
    (proof share 0.3, weight floor 0.01, horizon power 1.0) stated, `chosen` over them."""
    values = settings_to_dict(PolicySettings())
    for later in ("goal", "segment_by", "max_segments"):  # settings added since
        del values[later]
    return {**values, **SETTINGS_BEFORE_GOALS, "proof_share": proof_share, **chosen}


def test_the_stated_default_share_stored_before_goals_follows_the_goal() -> None:
    settings = settings_from_dict(stored_before_goals(0.3))
    assert settings == PolicySettings()  # balanced, the share following it
    assert settings.proof_share is None and settings.proof_share_in_force == 0.3
    assert dataclasses.replace(settings, goal="winner").proof_share_in_force == 0.6


def test_a_share_chosen_before_goals_stays_chosen() -> None:
    settings = settings_from_dict(stored_before_goals(0.15))
    assert settings.goal == "balanced" and settings.proof_share == 0.15
    assert dataclasses.replace(settings, goal="winner").proof_share_in_force == 0.15


def test_the_stated_default_floor_and_horizon_stored_before_goals_follow_the_goal() -> None:
    settings = settings_from_dict(stored_before_goals())
    assert (settings.weight_floor, settings.horizon_power) == (None, None)
    assert (settings.in_force("weight_floor"), settings.in_force("horizon_power")) == (0.01, 1.0)
    outcomes = dataclasses.replace(settings, goal="outcomes")
    assert (outcomes.in_force("weight_floor"), outcomes.in_force("horizon_power")) == (0.0, 2.0)


def test_a_floor_or_horizon_chosen_before_goals_stays_chosen() -> None:
    settings = settings_from_dict(stored_before_goals(weight_floor=0.05, horizon_power=3.0))
    assert (settings.weight_floor, settings.horizon_power) == (0.05, 3.0)
    outcomes = dataclasses.replace(settings, goal="outcomes")
    assert (outcomes.in_force("weight_floor"), outcomes.in_force("horizon_power")) == (0.05, 3.0)
    # each setting on its own: a chosen floor keeps the default horizon following the goal
    mixed = settings_from_dict(stored_before_goals(weight_floor=0.05))
    assert (mixed.weight_floor, mixed.horizon_power) == (0.05, None)


def test_a_floor_stored_with_a_goal_is_read_as_stored() -> None:
    """Once settings carry a goal, 0.01 is a floor someone set (the goal's is stored as null)."""
    for floor, power in ((0.01, 1.0), (None, None)):
        stored = settings_to_dict(
            PolicySettings(goal="outcomes", weight_floor=floor, horizon_power=power)
        )
        read = settings_from_dict(stored)
        assert (read.weight_floor, read.horizon_power) == (floor, power)


def test_a_share_stored_with_a_goal_is_read_as_stored() -> None:
    """Once settings carry a goal, 0.3 is a share someone set (the goal's is stored as null)."""
    for share in (0.3, None):
        stored = settings_to_dict(PolicySettings(goal="winner", proof_share=share))
        assert settings_from_dict(stored).proof_share == share
    assert settings_from_dict(settings_to_dict(PolicySettings())) == PolicySettings()


def test_idempotency_keys_stored_before_goals_still_match_their_retries() -> None:
    """A create retried across the upgrade has the fingerprint its key was stored with."""
    before = sorted(
        (k, float(v) if type(v) is int else v) for k, v in stored_before_goals(0.3).items()
    )
    assert _fingerprint_settings(PolicySettings()) == before
    assert _fingerprint_settings(PolicySettings(proof_share=0.3)) == before
    assert _fingerprint_settings(PolicySettings(goal="winner")) != before
    assert _fingerprint_settings(PolicySettings(proof_share=0.2)) != before
    stated = PolicySettings(proof_share=0.3, weight_floor=0.01, horizon_power=1.0)
    assert _fingerprint_settings(stated) == before
    assert _fingerprint_settings(PolicySettings(weight_floor=0.02)) != before
    assert _fingerprint_settings(PolicySettings(horizon_power=2.0)) != before
    # under another goal, following it and stating a number apart are different requests
    outcomes = PolicySettings(goal="outcomes")
    assert _fingerprint_settings(outcomes) != _fingerprint_settings(
        dataclasses.replace(outcomes, weight_floor=0.01)
    )


def test_a_campaign_stored_before_goals_takes_a_goal(tmp_path: Path) -> None:
    """Through the API: the stated 0.3, 0.01 and 1.0 show as the balanced goal's, and choosing
    another goal moves the share, floor and horizon in force to that goal's."""
    path = copy_of_the_release_file(tmp_path)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE campaigns SET doc = json_set(doc, '$.settings.proof_share', 0.3) WHERE id = ?",
            (ORDINARY,),
        )
    with served(tmp_path) as api:
        got = api.get(f"/campaigns/{ORDINARY}")
        before = got.json()["settings"]
        assert (before["goal"], before["proof_share"]) == ("balanced", 0.3)
        assert (before["weight_floor"], before["horizon_power"]) == (0.01, 1.0)

        def choose(goal: str, etag: str) -> tuple[tuple[Any, ...], str]:
            changed = api.client.patch(
                f"/campaigns/{ORDINARY}",
                json={"settings": {"goal": goal}},
                headers={**api.headers, "If-Match": etag},
            )
            assert changed.status_code == 200, changed.text
            after = changed.json()["settings"]
            in_force = (after["proof_share"], after["weight_floor"], after["horizon_power"])
            return in_force, changed.headers["ETag"]

        in_force, etag = choose("winner", got.headers["ETag"])
        assert in_force == (0.6, 0.01, 1.0)
        in_force, _ = choose("outcomes", etag)  # the stored floor and horizon follow the goal
        assert in_force == (0.0, 0.0, 2.0)


# the rules, applied ------------------------------------------------------------------------------
def test_settings_within_the_rules_need_no_adjustment() -> None:
    assert conform(PolicySettings(), 2) == ()
    assert conform(PolicySettings(goal="outcomes", proof_share=None), 2) == ()
    assert conform(PolicySettings(weight_floor=0.3, attribution_window_seconds=7200), 3) == ()


@pytest.mark.parametrize("variants", range(2, 12))
def test_the_largest_floor_is_the_nearest_allowed(variants: int) -> None:
    floor = largest_floor(variants)
    assert floor * variants < 1 <= math.nextafter(floor, 1) * variants


def _out_of_bounds(rng: np.random.Generator) -> Callable[[str], float]:
    """A draw for each setting: within its bounds, past one of its ends, or at an open end."""

    def draw(name: str) -> float:
        bounds = SETTING_BOUNDS[name]
        choice = rng.integers(4)
        if choice == 0:
            value = bounds.low - abs(rng.normal()) * max(abs(bounds.low), 1)
        elif choice == 1:
            value = bounds.high + abs(rng.normal()) * max(abs(bounds.high), 1)
        elif choice == 2:
            value = bounds.low if bounds.low_open else bounds.high
        else:
            value = rng.uniform(bounds.low, bounds.high)
        return round(value) if isinstance(bounds.low, int) else value

    return draw


@pytest.mark.parametrize("seed", range(40))
def test_adjusted_settings_keep_every_rule(seed: int) -> None:
    """Whatever an earlier release stored, the adjusted settings pass every rule a request
    must, and only the settings that broke one change."""
    rng = np.random.default_rng(seed)
    draw = _out_of_bounds(rng)
    stored = PolicySettings(**{name: draw(name) for name in SETTING_BOUNDS})
    variants = int(rng.integers(2, 8))
    adjustments = conform(stored, variants)
    adjusted = dataclasses.replace(stored, **{a.setting: a.adjusted for a in adjustments})
    adjusted.validate(variants)
    assert window_problem(adjusted.attribution_window_seconds) is None
    for a in adjustments:
        assert a.stored == getattr(stored, a.setting) != a.adjusted
    assert conform(adjusted, variants) == ()
