"""The service over HTTP (in-process ASGI, real SQLite file): the invariants a client relies on."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.assignment import assign_labels
from burt.engine.policy import GOALS
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.service.app import create_app
from burt.service.config import Config
from burt.service.edge.accept import allows

MAX_BODY = 200_000
NOW = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Event times: after every batch a test draws (an event dated before its batch is refused)."""


@dataclass
class Api:
    client: TestClient
    db_path: Path
    keys: dict[str, str]

    def headers(self, tenant: str = "acme", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[tenant]}", **extra}

    def digest(self, tenant: str = "acme") -> str:
        async def read() -> str:
            store = SQLiteStore(self.db_path)
            await store.open()
            try:
                return await store.tenant_digest(tenant)
            finally:
                await store.close()

        return asyncio.run(read())

    def campaign(self, tenant: str = "acme", **settings: Any) -> dict[str, Any]:
        body = {
            "name": "Launch",
            "optimize": "clicked",
            "variants": [{"id": "a", "label": "Subject A"}, {"id": "b", "label": "Subject B"}],
            "settings": {"attribution_window_seconds": 0, **settings},
        }
        response = self.client.post("/campaigns", json=body, headers=self.headers(tenant))
        assert response.status_code == 201, response.text
        return response.json()

    def load(self, cid: str, ids: list[str], tenant: str = "acme") -> dict[str, Any]:
        response = self.client.post(
            f"/campaigns/{cid}/contacts",
            json={"contacts": [{"id": i} for i in ids]},
            headers=self.headers(tenant),
        )
        assert response.status_code == 200, response.text
        return response.json()

    def draw(self, cid: str, size: int, key: str, tenant: str = "acme") -> Any:
        return self.client.post(
            f"/campaigns/{cid}/batches",
            json={"size": size},
            headers=self.headers(tenant, **{"Idempotency-Key": key}),
        )

    def events(self, cid: str, events: list[dict[str, str]]) -> Any:
        return self.client.post(
            f"/campaigns/{cid}/events", json={"events": events}, headers=self.headers()
        )


ROOT_PATHS = ["", "/api"]
"""Every API test runs as served directly and behind a proxy's path prefix (uvicorn's
`--root-path`: the scope's path then starts with the root path)."""


@pytest.fixture(params=ROOT_PATHS, ids=["no-root-path", "root-path"])
def api(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    root_path: str = request.param
    keys = {tenant: new_api_key() for tenant in ("acme", "globex", "reader")}
    db_path = tmp_path / SQLITE_FILENAME

    async def add_keys() -> None:
        store = SQLiteStore(db_path)
        await store.open()
        for tenant in ("acme", "globex"):
            key = keys[tenant]
            await store.add_api_key(ApiKey(hash_api_key(key), tenant))
        await store.add_api_key(ApiKey(hash_api_key(keys["reader"]), "acme", read_only=True))
        await store.close()

    asyncio.run(add_keys())
    app = create_app(Config(data_dir=tmp_path, max_body_bytes=MAX_BODY))
    base_url = f"http://testserver{root_path}"
    with TestClient(app, base_url=base_url, root_path=root_path) as client:
        yield Api(client=client, db_path=db_path, keys=keys)


def event(eid: str, contact: str, kind: str = "clicked") -> dict[str, str]:
    return {"id": eid, "contact_id": contact, "type": kind, "occurred_at": NOW}


def assert_problem(response: Any, status: int, detail_contains: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    assert detail_contains in body.get("detail", ""), body
    return body


def test_a_read_only_key_reads_and_writes_nothing(api: Api) -> None:
    """Under a root path as without: the scope check sees the route connexion serves."""
    cid = api.campaign()["id"]
    api.load(cid, ["c1", "c2"])
    reader = {"Authorization": f"Bearer {api.keys['reader']}"}
    assert api.client.get(f"/campaigns/{cid}", headers=reader).status_code == 200
    refused = api.client.delete(f"/campaigns/{cid}", headers=reader)
    assert_problem(refused, 403, "read-only")
    assert_problem(api.client.delete(f"/campaigns/{cid}/contacts/c1", headers=reader), 403)
    assert_problem(
        api.client.post(
            f"/campaigns/{cid}/batches",
            json={"size": 1},
            headers={**reader, "Idempotency-Key": "k"},
        ),
        403,
    )
    assert api.client.get(f"/campaigns/{cid}", headers=api.headers()).status_code == 200


# --- the walkthrough -----------------------------------------------------------------------


def test_a_whole_campaign(api: Api) -> None:
    campaign = api.campaign()
    cid = campaign["id"]
    assert campaign["status"] == "active" and campaign["version"] == 1
    loaded = api.load(cid, [f"c{i}" for i in range(300)])
    assert loaded == {
        "received": 300,
        "created": 300,
        "existing": 0,
        "contacts_total": 300,
        "contacts_pending": 300,
    }
    again = api.load(cid, [f"c{i}" for i in range(250, 350)])
    assert (again["created"], again["existing"], again["contacts_total"]) == (50, 50, 350)

    response = api.draw(cid, 100, "hour-1")
    assert response.status_code == 201
    batch = response.json()
    assert response.headers["location"] == f"/campaigns/{cid}/batches/{batch['id']}"
    assert batch["size"] == 100 and len(batch["assignments"]) == 100
    assert sorted(c["count"] for c in batch["counts"]) == [50, 50]

    tally = api.events(
        cid, [event(f"e{i}", a["contact_id"]) for i, a in enumerate(batch["assignments"][:10])]
    ).json()
    assert (tally["recorded"], tally["duplicates"], tally["rejected"]) == (10, 0, [])

    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert sum(v["sends"] for v in stats["variants"]) == 100
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 10
    assert stats["contacts_pending"] == 250
    fetched = api.client.get(response.headers["location"], headers=api.headers()).json()
    assert fetched == batch


# --- authentication and tenants ------------------------------------------------------------


def campaign_scoped_requests(cid: str, bid: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"/campaigns/{cid}", None),
        ("PATCH", f"/campaigns/{cid}", {"name": "x"}),
        ("POST", f"/campaigns/{cid}/contacts", {"contacts": [{"id": "z"}]}),
        ("POST", f"/campaigns/{cid}/batches", {"size": 1}),
        ("GET", f"/campaigns/{cid}/batches", None),
        ("GET", f"/campaigns/{cid}/batches/{bid}", None),
        ("GET", f"/campaigns/{cid}/allocation", None),
        ("POST", f"/campaigns/{cid}/events", {"events": [event("e", "c0")]}),
        ("GET", f"/campaigns/{cid}/stats", None),
        ("DELETE", f"/campaigns/{cid}/contacts/c0", None),
        ("DELETE", f"/campaigns/{cid}", None),
    ]


def test_another_tenants_campaign_is_404_and_untouched(api: Api) -> None:
    cid = api.campaign("acme")["id"]
    api.load(cid, ["c0", "c1"])
    bid = api.draw(cid, 1, "k").json()["id"]
    before = api.digest("acme")
    for method, path, body in campaign_scoped_requests(cid, bid):
        headers = api.headers("globex", **{"Idempotency-Key": "k2", "If-Match": '"1"'})
        response = api.client.request(method, path, json=body, headers=headers)
        assert_problem(response, 404)
    assert api.digest("acme") == before
    listed = api.client.get("/campaigns", headers=api.headers("globex")).json()
    assert listed["items"] == []


def test_missing_or_wrong_key_is_401_everywhere_but_health(api: Api) -> None:
    cid = api.campaign()["id"]
    requests = [
        ("GET", "/campaigns", None),
        ("POST", "/campaigns", {}),
        *campaign_scoped_requests(cid, "b_x"),
    ]
    for auth in ({}, {"Authorization": "Bearer burt_wrong"}, {"Authorization": "Basic eDp5"}):
        for method, path, body in requests:
            response = api.client.request(method, path, json=body, headers=auth)
            assert_problem(response, 401)
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/readyz").json() == {"status": "ok", "store": "sqlite"}


def test_keys_are_stored_hashed(api: Api) -> None:
    with sqlite3.connect(api.db_path) as db:
        stored = [row[0] for row in db.execute("SELECT key_hash FROM api_keys")]
    assert sorted(stored) == sorted(hash_api_key(k) for k in api.keys.values())
    assert not set(stored) & set(api.keys.values())


# --- safe GETs and idempotent draws --------------------------------------------------------


def test_gets_change_nothing_and_repeat_identically(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, [f"c{i}" for i in range(50)])
    batch = api.draw(cid, 20, "k").json()
    api.events(cid, [event("e1", batch["assignments"][0]["contact_id"])])
    paths = [
        "/campaigns",
        f"/campaigns/{cid}",
        f"/campaigns/{cid}/batches",
        f"/campaigns/{cid}/batches/{batch['id']}",
        f"/campaigns/{cid}/allocation",
        f"/campaigns/{cid}/stats",
    ]
    before = api.digest()
    for path in paths:
        first = api.client.get(path, headers=api.headers())
        second = api.client.get(path, headers=api.headers())
        assert first.status_code == 200 and first.content == second.content, path
    assert api.digest() == before


def test_idempotency_key_replay_returns_the_same_batch_and_claims_nothing(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, [f"c{i}" for i in range(100)])
    first = api.draw(cid, 30, "retry-me")
    digest = api.digest()
    replay = api.draw(cid, 30, "retry-me")
    assert replay.status_code == 201 and replay.json() == first.json()
    assert (first.headers["idempotent-replayed"], replay.headers["idempotent-replayed"]) == (
        "false",
        "true",
    )
    assert api.digest() == digest
    body = assert_problem(api.draw(cid, 31, "retry-me"), 422, "different request body")
    assert body["type"].endswith("idempotency-key-reused")
    assert api.digest() == digest
    pending = api.client.get(f"/campaigns/{cid}", headers=api.headers()).json()
    assert pending["contacts_pending"] == 70


def test_concurrent_requests_with_one_key_draw_one_batch(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, [f"c{i}" for i in range(100)])
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: api.draw(cid, 10, "same"), range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = api.client.get(f"/campaigns/{cid}/batches", headers=api.headers()).json()
    assert len(listed["items"]) == 1


def test_batch_is_reproducible_from_its_seed(api: Api) -> None:
    cid = api.campaign(holdout_fraction=0.1)["id"]
    ids = [f"c{i}" for i in range(200)]
    api.load(cid, ids)
    batch = api.draw(cid, 77, "k").json()
    variants = [w["variant_id"] for w in batch["weights"]]
    labels = assign_labels(
        77, [w["weight"] for w in batch["weights"]], batch["holdout_fraction"], batch["seed"]
    )
    expected = [(c, variants[v]) for c, v in zip(ids[:77], labels, strict=True) if v >= 0]
    got = [(a["contact_id"], a["variant_id"]) for a in batch["assignments"]]
    assert got == expected
    assert batch["holdout_contact_ids"] == [c for c, v in zip(ids, labels, strict=False) if v < 0]
    assert batch["holdout_count"] == 8  # largest remainder of 7.7 for 10% of 77


def test_no_pending_contacts_is_a_documented_409_that_stores_nothing(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0", "c1", "c2"])
    assert api.draw(cid, 10, "k1").json()["size"] == 3  # a smaller batch, not an error
    digest = api.digest()
    body = assert_problem(api.draw(cid, 10, "k2"), 409, "no pending contacts")
    assert body["type"].endswith("no-pending-contacts")
    assert api.digest() == digest


# --- outcomes ------------------------------------------------------------------------------


def test_events_are_recorded_item_by_item_and_counted_once(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0", "c1", "c2"])
    assigned = [a["contact_id"] for a in api.draw(cid, 2, "k").json()["assignments"]]
    pending = ({"c0", "c1", "c2"} - set(assigned)).pop()
    tally = api.events(
        cid,
        [
            event("e1", assigned[0]),
            event("e1", assigned[0]),  # same id in one request: a duplicate
            event("e2", assigned[0]),  # same contact and type: recorded, counted once
            event("e3", "nobody"),  # unknown contact
            event("e4", pending),  # loaded but not assigned
            event("e5", assigned[1], "opened"),
        ],
    ).json()
    assert tally == {
        "received": 6,
        "recorded": 3,
        "repeated": 1,
        "duplicates": 1,
        "late": 0,
        "rejected": [
            {"index": 3, "event_id": "e3", "reason": "unknown_contact"},
            {"index": 4, "event_id": "e4", "reason": "contact_not_assigned"},
        ],
    }
    again = api.events(cid, [event("e1", assigned[0]), event("e5", assigned[1], "opened")]).json()
    assert (again["recorded"], again["duplicates"]) == (0, 2)
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 1
    assert sum(v["outcomes"]["opened"] for v in stats["variants"]) == 1


def test_an_event_before_its_batch_is_rejected_and_a_late_one_told(api: Api) -> None:
    cid = api.campaign(attribution_window_seconds=3600)["id"]
    api.load(cid, ["c0", "c1"])
    batch = api.draw(cid, 2, "k").json()
    (c0, c1) = [a["contact_id"] for a in batch["assignments"]]
    drawn = datetime.fromisoformat(batch["created_at"])
    digest = api.digest()
    before = {**event("early", c0), "occurred_at": (drawn - timedelta(seconds=2)).isoformat()}
    tally = api.events(cid, [before]).json()
    assert tally["rejected"] == [
        {"index": 0, "event_id": "early", "reason": "occurred_before_batch"}
    ]
    assert (tally["recorded"], tally["late"]) == (0, 0)
    assert api.digest() == digest  # a rejected event stores nothing
    late = {**event("late", c1), "occurred_at": (drawn + timedelta(hours=2)).isoformat()}
    ok = {**event("ok", c0), "occurred_at": (drawn + timedelta(minutes=10)).isoformat()}
    tally = api.events(cid, [ok, late]).json()
    assert (tally["recorded"], tally["late"], tally["rejected"]) == (2, 1, [])
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 2  # recorded ...
    assert sum(v["late_outcomes"] for v in stats["variants"]) == 1  # ... one too late to count


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_time_whose_utc_instant_leaves_the_calendar_is_400(api: Api, moment: str) -> None:
    """RFC 3339 texts with valid fields whose UTC instant is before year 1 or after 9999 are
    refused: as an `as_of` such a time would raise an OverflowError (a 500), and as an event's
    time it would be stored where a later migration of the file could not read it."""
    cid = api.campaign()["id"]
    api.load(cid, ["c0"])
    contact = api.draw(cid, 1, "k").json()["assignments"][0]["contact_id"]
    response = api.client.get(
        f"/campaigns/{cid}/stats", params={"as_of": moment}, headers=api.headers()
    )
    assert_problem(response, 400, "as_of")
    digest = api.digest()
    response = api.events(cid, [{**event("e1", contact), "occurred_at": moment}])
    assert_problem(response, 400, "events[0].occurred_at")
    assert api.digest() == digest


def test_a_window_off_the_delay_bins_is_400(api: Api) -> None:
    body = {
        "name": "x",
        "optimize": "clicked",
        "settings": {"attribution_window_seconds": 5000},
        "variants": [{"id": v, "label": v} for v in "ab"],
    }
    response = api.client.post("/campaigns", json=body, headers=api.headers())
    assert_problem(response, 400, "attribution_window_seconds must be 0 or one of")


# --- campaign updates ----------------------------------------------------------------------


def test_updates_need_the_current_etag(api: Api) -> None:
    created = api.client.post(
        "/campaigns",
        json={
            "name": "n",
            "optimize": "opened",
            "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        },
        headers=api.headers(),
    )
    cid, etag = created.json()["id"], created.headers["etag"]
    path = f"/campaigns/{cid}"
    assert_problem(api.client.patch(path, json={"status": "paused"}, headers=api.headers()), 428)
    paused = api.client.patch(
        path,
        json={"status": "paused", "settings": {"warmup_sends": 7}},
        headers=api.headers(**{"If-Match": etag}),
    )
    assert paused.status_code == 200
    assert paused.json()["settings"]["warmup_sends"] == 7
    assert paused.json()["settings"]["winner_probability"] == 0.95  # the others are kept
    stale = api.client.patch(
        path, json={"status": "active"}, headers=api.headers(**{"If-Match": etag})
    )
    assert_problem(stale, 412)
    api.load(cid, ["c0"])
    assert_problem(api.draw(cid, 1, "k"), 409, "paused")
    done = api.client.patch(
        path,
        json={"status": "completed"},
        headers=api.headers(**{"If-Match": paused.headers["etag"]}),
    )
    assert done.status_code == 200 and done.headers["etag"] == '"3"'
    assert_problem(
        api.client.patch(
            path, json={"status": "active"}, headers=api.headers(**{"If-Match": '"3"'})
        ),
        409,
        "completed",
    )


def test_the_campaigns_goal_sets_the_proof_share_in_force(api: Api) -> None:
    """A goal chosen at creation or later moves the proof share, unless a share was set; null
    returns the share to the goal's. The stats say the goal in a sentence."""
    created = api.campaign(goal="winner")
    path = f"/campaigns/{created['id']}"
    assert (created["settings"]["goal"], created["settings"]["proof_share"]) == ("winner", 0.6)
    shown = api.client.get(path, headers=api.headers())
    assert shown.json()["settings"] == created["settings"]

    def update(settings: dict[str, Any], etag: str) -> tuple[dict[str, Any], str]:
        response = api.client.patch(
            path, json={"settings": settings}, headers=api.headers(**{"If-Match": etag})
        )
        assert response.status_code == 200, response.text
        return response.json()["settings"], response.headers["etag"]

    etag = shown.headers["etag"]
    settings, etag = update({"warmup_sends": 7}, etag)  # another setting leaves the goal's share
    assert (settings["goal"], settings["proof_share"]) == ("winner", 0.6)
    settings, etag = update({"goal": "outcomes"}, etag)
    assert (settings["goal"], settings["proof_share"]) == ("outcomes", 0.0)
    settings, etag = update({"proof_share": 0.2}, etag)
    settings, etag = update({"goal": "winner"}, etag)  # a share set outlives a goal changed
    assert (settings["goal"], settings["proof_share"]) == ("winner", 0.2)
    settings, etag = update({"proof_share": None}, etag)
    assert (settings["goal"], settings["proof_share"]) == ("winner", 0.6)

    decision = api.client.get(f"{path}/stats", headers=api.headers()).json()["decision"]
    assert decision["goal"] == "winner"
    assert decision["goal_meaning"] == GOALS["winner"].meaning
    default = api.client.get(f"/campaigns/{api.campaign()['id']}/stats", headers=api.headers())
    assert default.json()["decision"]["goal"] == "balanced"


def test_the_campaigns_goal_sets_the_floor_and_horizon_in_force(api: Api) -> None:
    """The outcomes goal drops the exploration floor and exploits sooner; the campaign shows
    the numbers in force, a goal changed moves them, and a floor set outlives the change."""
    created = api.campaign(goal="outcomes")
    path = f"/campaigns/{created['id']}"

    def in_force(settings: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(settings[k] for k in ("goal", "proof_share", "weight_floor", "horizon_power"))

    assert in_force(created["settings"]) == ("outcomes", 0.0, 0.0, 2.0)

    def update(settings: dict[str, Any], etag: str) -> tuple[dict[str, Any], str]:
        response = api.client.patch(
            path, json={"settings": settings}, headers=api.headers(**{"If-Match": etag})
        )
        assert response.status_code == 200, response.text
        return response.json()["settings"], response.headers["etag"]

    settings, etag = update({"goal": "balanced"}, '"1"')
    assert in_force(settings) == ("balanced", 0.3, 0.01, 1.0)
    settings, etag = update({"weight_floor": 0.02}, etag)
    settings, etag = update({"goal": "outcomes"}, etag)  # a floor set outlives a goal changed
    assert in_force(settings) == ("outcomes", 0.0, 0.02, 2.0)
    settings, etag = update({"weight_floor": None, "horizon_power": 3}, etag)
    assert in_force(settings) == ("outcomes", 0.0, 0.0, 3.0)
    assert api.client.get(path, headers=api.headers()).json()["settings"] == settings
    stated = api.campaign(goal="outcomes", weight_floor=0.01, horizon_power=None)
    assert in_force(stated["settings"]) == ("outcomes", 0.0, 0.01, 2.0)
    refused = api.client.post(
        "/campaigns",
        json={
            "name": "x",
            "optimize": "clicked",
            "settings": {"goal": "outcomes", "weight_floor": 0.5},
            "variants": [{"id": v, "label": v} for v in "ab"],
        },
        headers=api.headers(),
    )
    assert refused.status_code == 400, refused.text


def test_settings_sent_back_as_shown_keep_following_the_goal(api: Api) -> None:
    """A client that reads a campaign and sends its settings back (the numbers in force)
    changes nothing: a knob sent at its goal's own value keeps following the goal, so a later
    change of goal still moves it. A knob sent at another value is set, and one sent together
    with a new goal is compared with the new goal's value."""
    created = api.campaign()
    path = f"/campaigns/{created['id']}"

    def update(settings: dict[str, Any], etag: str) -> tuple[dict[str, Any], str]:
        response = api.client.patch(
            path, json={"settings": settings}, headers=api.headers(**{"If-Match": etag})
        )
        assert response.status_code == 200, response.text
        return response.json()["settings"], response.headers["etag"]

    shown = api.client.get(path, headers=api.headers())
    settings, etag = update(shown.json()["settings"], shown.headers["etag"])
    assert settings == created["settings"]
    settings, etag = update({"goal": "winner"}, etag)
    assert (settings["proof_share"], settings["weight_floor"]) == (0.6, 0.01)
    settings, etag = update({"goal": "outcomes", "proof_share": 0.6}, etag)  # set: not 0.0
    settings, etag = update({"goal": "winner"}, etag)
    settings, etag = update({"goal": "balanced"}, etag)
    assert (settings["proof_share"], settings["horizon_power"]) == (0.6, 1.0)


def test_an_unknown_goal_is_400_and_changes_nothing(api: Api) -> None:
    created = api.campaign()
    before = api.digest()
    body = {
        "name": "x",
        "optimize": "clicked",
        "settings": {"goal": "fastest"},
        "variants": [{"id": v, "label": v} for v in "ab"],
    }
    refused = api.client.post("/campaigns", json=body, headers=api.headers())
    assert_problem(
        refused, 400, "request body: Invalid enum value 'fastest' - at `$.settings.goal`"
    )
    patched = api.client.patch(
        f"/campaigns/{created['id']}",
        json={"settings": {"goal": "fastest"}},
        headers=api.headers(**{"If-Match": "*"}),
    )
    assert_problem(patched, 400, "`$.settings.goal`")
    assert api.digest() == before


# --- bad input: 4xx problem+json, never a 500, never a partial write -----------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"name": "x", "optimize": "clicked", "variants": [{"id": "a", "label": "A"}]},
            "length >= 2",
        ),
        (
            {
                "name": "x",
                "optimize": "revenue",
                "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            },
            "optimize",
        ),
        (
            {
                "name": "x",
                "optimize": "clicked",
                "variants": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}],
            },
            "distinct",
        ),
        (
            {
                "name": "x",
                "optimize": "clicked",
                "extra": 1,
                "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            },
            "extra",
        ),
        (
            {
                "name": "x",
                "optimize": "clicked",
                "settings": {"weight_floor": 0.4},
                "variants": [{"id": v, "label": v} for v in "abc"],
            },
            "weight_floor",
        ),
        *[  # issue 11 (4): accepted, these priors would make every draw a 500 (NaN)
            (
                {
                    "name": "x",
                    "optimize": "clicked",
                    "settings": prior,
                    "variants": [{"id": v, "label": v} for v in "ab"],
                },
                next(iter(prior)),
            )
            for prior in ({"prior_alpha": 10000}, {"prior_beta": 0.01})
        ],
    ],
)
def test_invalid_campaigns_are_400(api: Api, body: dict[str, Any], detail: str) -> None:
    before = api.digest()
    assert_problem(api.client.post("/campaigns", json=body, headers=api.headers()), 400, detail)
    assert api.digest() == before


def test_the_contract_refuses_the_priors_the_engine_refuses(api: Api) -> None:
    """Issue 20 (6): the contract allowed priors from 0.01 and the engine from 0.1, so a prior
    of 0.05 passed the contract's validation and was refused by the engine's."""
    body = {
        "name": "x",
        "optimize": "clicked",
        "settings": {"prior_alpha": 0.05},
        "variants": [{"id": v, "label": v} for v in "ab"],
    }
    refused = api.client.post("/campaigns", json=body, headers=api.headers())
    assert_problem(
        refused, 400, "request body: Expected `float` >= 0.1 - at `$.settings.prior_alpha`"
    )


def test_a_stored_setting_the_engine_refuses_is_a_409_until_updated(api: Api) -> None:
    """Issue 20 (2): settings an earlier release stored and this one refuses made the stats,
    the CSV, the preview and every draw of the campaign answer 500 (a ValueError)."""
    cid = api.campaign()["id"]
    api.load(cid, ["c1", "c2"])
    with sqlite3.connect(api.db_path) as db:
        db.execute(
            "UPDATE campaigns SET doc = json_set(doc, '$.settings.prior_alpha', 0.01) WHERE id = ?",
            (cid,),
        )
    for response in (
        api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()),
        api.client.get(f"/campaigns/{cid}/stats", headers=api.headers(Accept="text/csv")),
        api.client.get(f"/campaigns/{cid}/allocation", headers=api.headers()),
        api.draw(cid, 1, "k"),
    ):
        refused = assert_problem(response, 409, "prior_alpha must be in [0.1, 1000]")
        assert refused["type"] == "https://burt.dev/problems/settings-refused"
    shown = api.client.get(f"/campaigns/{cid}", headers=api.headers())
    assert shown.json()["settings"]["prior_alpha"] == 0.01
    updated = api.client.patch(
        f"/campaigns/{cid}",
        json={"settings": {"prior_alpha": 0.1}},
        headers=api.headers(**{"If-Match": shown.headers["etag"]}),
    )
    assert updated.status_code == 200, updated.text
    assert api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).status_code == 200
    assert api.draw(cid, 1, "k").status_code == 201


def test_malformed_bodies_are_4xx_problems_and_write_nothing(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0", "c1"])
    assigned = api.draw(cid, 2, "k").json()["assignments"][0]["contact_id"]
    before = api.digest()
    path = f"/campaigns/{cid}/events"
    json_headers = api.headers(**{"Content-Type": "application/json"})
    good = event("ok", assigned)
    cases = [
        (b'{"events": [', json_headers, 400, "not valid JSON"),
        (b'{"events": ["\xff\xfe"]}', json_headers, 400, ""),
        (
            json.dumps({"events": [good, {**good, "id": "x", "type": "sent"}]}).encode(),
            json_headers,
            400,
            "type",
        ),
        (
            json.dumps(
                {"events": [good, {**good, "id": "x", "occurred_at": "yesterday"}]}
            ).encode(),
            json_headers,
            400,
            "occurred_at",
        ),
        (
            json.dumps(
                {"events": [good, {**good, "id": "y", "occurred_at": "2026-11-27T10:00:00"}]}
            ).encode(),
            json_headers,
            400,
            "occurred_at",
        ),
        (json.dumps({"events": []}).encode(), json_headers, 400, "length >= 1"),
        (b"events", api.headers(**{"Content-Type": "text/plain"}), 415, "Content-type"),
        (b"", json_headers, 400, ""),
    ]
    for content, headers, status, detail in cases:
        assert_problem(api.client.post(path, content=content, headers=headers), status, detail)
    assert api.digest() == before


def test_oversized_bodies_are_413(api: Api) -> None:
    cid = api.campaign()["id"]
    before = api.digest()
    contacts = {"contacts": [{"id": f"contact-{i:08d}"} for i in range(MAX_BODY // 20)]}
    response = api.client.post(f"/campaigns/{cid}/contacts", json=contacts, headers=api.headers())
    assert_problem(response, 413, str(MAX_BODY))

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while streaming
        yield b'{"contacts": ['
        for i in range(MAX_BODY // 20):
            yield b'{"id": "contact-%08d"},' % i
        yield b'{"id": "last"}]}'

    streamed = api.client.post(
        f"/campaigns/{cid}/contacts",
        content=chunks(),
        headers=api.headers(**{"Content-Type": "application/json"}),
    )
    assert_problem(streamed, 413)
    assert api.digest() == before


def test_unknown_ids_bad_cursors_and_bad_params_are_problems(api: Api) -> None:
    cid = api.campaign()["id"]
    h = api.headers()
    assert_problem(api.client.get("/campaigns/cmp_nope", headers=h), 404, "cmp_nope")
    assert_problem(api.client.get(f"/campaigns/{cid}/batches/b_nope", headers=h), 404, "b_nope")
    assert_problem(api.client.get(f"/campaigns/{cid}/batches?cursor=abc", headers=h), 400)
    assert_problem(api.client.get("/campaigns?limit=0", headers=h), 400)
    assert_problem(api.client.get("/campaigns?limit=many", headers=h), 400)
    missing_key = api.client.post(f"/campaigns/{cid}/batches", json={"size": 1}, headers=h)
    assert_problem(missing_key, 400, "Idempotency-Key")
    not_allowed = api.client.put(f"/campaigns/{cid}", json={}, headers=h)
    assert_problem(not_allowed, 405)
    assert not_allowed.headers["Allow"] == "DELETE, GET, HEAD, PATCH"


def test_campaign_pagination(api: Api) -> None:
    created = [api.campaign()["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.client.get("/campaigns", params=query, headers=api.headers()).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created


# --- erasure -------------------------------------------------------------------------------


def test_a_deleted_campaign_answers_404_everywhere(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0", "c1", "c2"])
    bid = api.draw(cid, 2, "k").json()["id"]
    api.events(cid, [event("e1", "c0")])
    kept = api.campaign()["id"]
    deleted = api.client.delete(f"/campaigns/{cid}", headers=api.headers())
    assert (deleted.status_code, deleted.content) == (204, b"")
    for method, path, body in campaign_scoped_requests(cid, bid):
        headers = api.headers(**{"Idempotency-Key": "k", "If-Match": "*"})
        response = api.client.request(method, path, json=body, headers=headers)
        assert_problem(response, 404, cid)
    listed = api.client.get("/campaigns", headers=api.headers()).json()
    assert [c["id"] for c in listed["items"]] == [kept]
    with sqlite3.connect(api.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM contacts").fetchone() == (0,)


def test_an_erased_contact_leaves_the_numbers_as_they_were(api: Api) -> None:
    cid = api.campaign()["id"]
    people = ["ann@example.com", "bob smith", "c%2", "dee"]
    api.load(cid, people)
    batch = api.draw(cid, 3, "k").json()
    api.events(cid, [event(f"e-{a['contact_id']}", a["contact_id"]) for a in batch["assignments"]])
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()

    for person in people:  # three assigned, one ("dee") still pending
        path = f"/campaigns/{cid}/contacts/{quote(person, safe='')}"
        erased = api.client.delete(path, headers=api.headers())
        assert (erased.status_code, erased.content) == (204, b"")
        assert_problem(api.client.delete(path, headers=api.headers()), 404, "has no contact")

    after = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert (after["contacts_total"], after["contacts_pending"]) == (3, 0)
    for key in ("variants", "srm", "holdout"):
        assert after[key] == stats[key]
    # The evidence is unchanged; only thresholds that depend on the contacts still to come
    # (the pending contact is gone) may move.
    before_decision, after_decision = stats["decision"], after["decision"]
    assert after_decision["status"] == before_decision["status"]
    assert [(c["name"], c["value"]) for c in after_decision["conditions"]] == [
        (c["name"], c["value"]) for c in before_decision["conditions"]
    ]
    read = api.client.get(f"/campaigns/{cid}/batches/{batch['id']}", headers=api.headers()).json()
    assert read["assignments"] == [] and read["counts"] == batch["counts"]
    late = api.events(cid, [event("e-late", "ann@example.com", "converted")]).json()
    assert late["rejected"] == [{"index": 0, "event_id": "e-late", "reason": "unknown_contact"}]


def test_query_parameters_bind_as_the_spec_says(api: Api) -> None:
    """Arguments are bound from the spec: its default when absent, the last of repeated values
    (as connexion's own binding did), the pythonic name for a path parameter."""
    created = [api.campaign()["id"] for _ in range(3)]
    h = api.headers()
    repeated = api.client.get("/campaigns?limit=1&limit=2", headers=h).json()
    assert [c["id"] for c in repeated["items"]] == created[:2]
    assert [c["id"] for c in api.client.get("/campaigns", headers=h).json()["items"]] == created
    assert api.client.get(f"/campaigns/{created[1]}", headers=h).json()["id"] == created[1]
    assert_problem(api.client.get("/campaigns?limit=1&limit=x", headers=h), 400)


def test_the_most_extreme_priors_allowed_give_finite_stats_and_draws(api: Api) -> None:
    for alpha, beta in ((1000, 0.1), (0.1, 1000), (0.1, 0.1)):
        cid = api.campaign(prior_alpha=alpha, prior_beta=beta)["id"]
        api.load(cid, [f"c{i}" for i in range(40)])
        assert api.draw(cid, 20, f"k{alpha}").status_code == 201
        stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
        for variant in stats["variants"]:
            numbers = [variant["prob_best"], variant["expected_loss"], variant["weight"]]
            numbers += [v for v in variant["posterior"].values() if not isinstance(v, bool)]
            assert all(isinstance(x, (int, float)) and math.isfinite(x) for x in numbers)


# --- hardening (issue 11): each found from outside, each a 4xx or a fixed behaviour -------------


def test_bad_cursors_are_400_on_every_listing(api: Api) -> None:
    cid = api.campaign()["id"]
    h = api.headers()
    for cursor in ("²", "99999999999999999999999", "-1", " 1"):
        response = api.client.get(f"/campaigns/{cid}/batches", params={"cursor": cursor}, headers=h)
        assert_problem(response, 400, "cursor")
    for cursor in ("-1", "\x00", "cmp_zz", cid + "x"):
        response = api.client.get("/campaigns", params={"cursor": cursor}, headers=h)
        assert_problem(response, 400, "cursor")
    assert api.client.get("/campaigns", params={"cursor": cid}, headers=h).status_code == 200


def test_if_match_that_cannot_be_an_etag_is_412(api: Api) -> None:
    cid = api.campaign()["id"]
    path = f"/campaigns/{cid}"
    for tag in (b'"\xb2"', b"\xb2", b'W/"1"', b'"1", "2"', b'"99999999999999999999999"'):
        response = api.client.patch(
            path, json={"name": "x"}, headers=[*api.headers().items(), ("If-Match", tag)]
        )
        assert_problem(response, 412)
        other = api.client.patch(
            path, json={"name": "x"}, headers=[*api.headers("globex").items(), ("If-Match", tag)]
        )
        assert_problem(other, 404)  # another tenant learns nothing, whatever the header
    missing = api.client.patch(path, json={"name": "x"}, headers=api.headers("globex"))
    assert_problem(missing, 404)
    assert api.client.get(path, headers=api.headers()).json()["version"] == 1


def test_if_match_star_matches_the_current_version_under_concurrency(api: Api) -> None:
    cid = api.campaign()["id"]

    def rename(i: int) -> Any:
        return api.client.patch(
            f"/campaigns/{cid}", json={"name": f"n{i}"}, headers=api.headers(**{"If-Match": "*"})
        )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(rename, range(8)))
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert sorted(r.headers["etag"] for r in responses) == [f'"{v}"' for v in range(2, 10)]


def test_lower_case_z_and_t_are_rfc3339(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0"])
    contact = api.draw(cid, 1, "k").json()["assignments"][0]["contact_id"]
    tally = api.events(
        cid,
        [
            {**event("e1", contact), "occurred_at": NOW.replace("T", "t").replace("Z", "z")},
            {**event("e2", contact, "opened"), "occurred_at": NOW.replace("Z", ".5z")},
        ],
    )
    assert tally.status_code == 200, tally.text
    assert tally.json()["recorded"] == 2


def test_weight_floor_times_variants_of_one_is_400(api: Api) -> None:
    body = {
        "name": "x",
        "optimize": "clicked",
        "settings": {"weight_floor": 0.25},
        "variants": [{"id": v, "label": v} for v in "abcd"],
    }
    assert_problem(api.client.post("/campaigns", json=body, headers=api.headers()), 400, "below 1")


def test_a_repeated_single_valued_header_is_400(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c0", "c1"])
    headers = [*api.headers().items(), ("Idempotency-Key", "k1"), ("Idempotency-Key", "k2")]
    response = api.client.post(f"/campaigns/{cid}/batches", json={"size": 1}, headers=headers)
    assert_problem(response, 400, "Idempotency-Key")
    assert (
        api.client.get(f"/campaigns/{cid}", headers=api.headers()).json()["contacts_pending"] == 2
    )


def test_media_types_are_case_insensitive_and_required(api: Api) -> None:
    body = json.dumps(
        {
            "name": "x",
            "optimize": "clicked",
            "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        }
    ).encode()
    for media_type in ("APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json"):
        response = api.client.post(
            "/campaigns", content=body, headers=api.headers(**{"Content-Type": media_type})
        )
        assert response.status_code == 201, (media_type, response.text)
    before = api.digest()
    response = api.client.post("/campaigns", content=body, headers=api.headers())
    assert_problem(response, 415, "Content-Type")
    assert api.digest() == before


def test_401_says_how_to_authenticate(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer burt_wrong"}):
        response = api.client.get("/campaigns", headers=headers)
        body = assert_problem(response, 401, "burt keys create")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["title"] == "Unauthorized"


def test_a_retried_campaign_create_makes_one_campaign(api: Api) -> None:
    body = {
        "name": "Launch",
        "optimize": "clicked",
        "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    }
    keyed = api.headers(**{"Idempotency-Key": "launch-1"})
    first = api.client.post("/campaigns", json=body, headers=keyed)
    again = api.client.post("/campaigns", json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert [first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]] == [
        "false",
        "true",
    ]
    before = api.digest()
    other = api.client.post("/campaigns", json={**body, "name": "Other"}, headers=keyed)
    assert_problem(other, 422, "different request body")
    assert api.digest() == before
    listed = api.client.get("/campaigns", headers=api.headers()).json()["items"]
    assert [c["id"] for c in listed] == [first.json()["id"]]
    unkeyed = api.client.post("/campaigns", json=body, headers=api.headers())
    assert unkeyed.headers["idempotent-replayed"] == "false"
    assert unkeyed.json()["id"] != first.json()["id"]


def test_an_unknown_control_is_422_in_the_query_as_in_a_patch(api: Api) -> None:
    """Issue 22 (10): `?control=zzz` answered 404 while a PATCH naming it answered 422."""
    cid = api.campaign()["id"]
    queried = api.client.get(f"/campaigns/{cid}/stats?control=zzz", headers=api.headers())
    assert_problem(queried, 422, "control 'zzz' is not one of the campaign's variants")
    etag = api.client.get(f"/campaigns/{cid}", headers=api.headers()).headers["etag"]
    patched = api.client.patch(
        f"/campaigns/{cid}",
        json={"control_variant_id": "zzz"},
        headers=api.headers(**{"If-Match": etag}),
    )
    assert_problem(patched, 422, "control_variant_id 'zzz' is not one of the campaign's variants")


def test_an_accept_the_operation_cannot_answer_is_406(api: Api) -> None:
    """Issue 22 (10): `Accept: application/xml` got 200 JSON."""
    cid = api.campaign()["id"]
    stats, campaign = f"/campaigns/{cid}/stats", f"/campaigns/{cid}"
    for path, accept in [
        (stats, "application/xml"),
        (campaign, "text/csv"),
        (campaign, "application/json;q=0, text/html"),
    ]:
        refused = api.client.get(path, headers=api.headers(Accept=accept))
        assert_problem(refused, 406, f"the Accept header ({accept}) does not allow")
    for path, accept, media in [
        (stats, "text/csv", "text/csv"),
        (stats, "application/xml, text/csv;q=0.5", "text/csv"),
        (campaign, "*/*", "application/json"),
        (campaign, "application/*", "application/json"),
        (campaign, "text/html, application/json;q=0.1", "application/json"),
    ]:
        answered = api.client.get(path, headers=api.headers(Accept=accept))
        assert answered.status_code == 200, (accept, answered.text)
        assert answered.headers["content-type"].startswith(media), accept
    assert allows("", ["application/json"])  # no Accept header: anything goes


def test_stats_say_when_the_counted_outcomes_are_complete(api: Api) -> None:
    """Before the last batch's attribution window closes, the latest batches' rates lean on
    their estimated maturity (a 10-hour campaign read at once reads about 9% high in the
    simulator, docs/design/0016); `settles_at` says when that ends: the last draw plus the
    window, null before the first draw."""
    created = api.campaign(attribution_window_seconds=86400)
    cid = created["id"]
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert stats["settles_at"] is None
    api.load(cid, [f"c{i}" for i in range(20)])
    first = api.draw(cid, 10, "first")
    second = api.draw(cid, 10, "second")
    assert first.status_code == second.status_code == 201, second.text
    drawn = max(
        datetime.fromisoformat(b.json()["created_at"].replace("Z", "+00:00"))
        for b in (first, second)
    )
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    settles = datetime.fromisoformat(stats["settles_at"].replace("Z", "+00:00"))
    assert settles == drawn + timedelta(seconds=86400)
    unwindowed = api.campaign()  # window 0: outcomes count whenever they arrive
    api.load(unwindowed["id"], ["x1", "x2"])
    assert api.draw(unwindowed["id"], 2, "third").status_code == 201
    path = f"/campaigns/{unwindowed['id']}/stats"
    assert api.client.get(path, headers=api.headers()).json()["settles_at"] is None
