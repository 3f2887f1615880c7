"""Segmented campaigns through the service (in-process ASGI on a real SQLite file), and on
every store through the engine."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import pytest

from burt.engine import Burt
from burt.engine.burt import _fingerprint_settings
from burt.engine.policy import PolicySettings
from burt.engine.store.base import Store
from burt.service.cli import report_page
from burt.service.contract import spec
from tests import test_api
from tests.test_api import Api, assert_problem, event

api = test_api.api
"""The service on a real SQLite file, as tests/test_api.py runs it."""

VARIANTS = [{"id": "a", "label": "Subject A"}, {"id": "b", "label": "Subject B"}]


def create(api: Api, settings: dict[str, Any]) -> Any:
    body = {"name": "Seg", "optimize": "clicked", "variants": VARIANTS, "settings": settings}
    return api.client.post("/campaigns", json=body, headers=api.headers())


def patch(api: Api, cid: str, settings: dict[str, Any]) -> Any:
    return api.client.patch(
        f"/campaigns/{cid}",
        json={"settings": settings},
        headers=api.headers(**{"If-Match": "*"}),
    )


def test_a_campaign_names_its_segment_attributes(api: Api) -> None:
    created = create(api, {"segment_by": ["tier", "locale"], "max_segments": 8})
    assert created.status_code == 201, created.text
    assert created.json()["settings"]["segment_by"] == ["tier", "locale"]
    assert created.json()["settings"]["max_segments"] == 8
    plain = api.campaign()["settings"]
    assert plain["segment_by"] == [] and plain["max_segments"] == 32


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        ({"segment_by": ["a", "b", "c", "d"]}, "segment_by"),
        ({"segment_by": ["a", "a"]}, "segment_by names an attribute twice"),
        ({"segment_by": [""]}, "segment_by"),
        ({"segment_by": ["x" * 65]}, "segment_by"),
        ({"segment_by": ["a\x00b"]}, "segment_by"),
        ({"max_segments": 1}, "max_segments"),
        ({"max_segments": 65}, "max_segments"),
        ({"segment_by": ["a"], "winner_probability": 0.9999}, "lower winner_probability"),
    ],
)
def test_bad_segment_settings_are_400_and_store_nothing(
    api: Api, settings: dict[str, Any], detail: str
) -> None:
    before = api.digest()
    assert_problem(create(api, settings), 400, detail)
    assert api.digest() == before


def test_segment_settings_change_freely_until_the_first_batch_then_409(api: Api) -> None:
    cid = create(api, {"segment_by": ["tier"]}).json()["id"]
    changed = patch(api, cid, {"segment_by": ["tier", "locale"], "max_segments": 4})
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"]["segment_by"] == ["tier", "locale"]
    api.load(cid, ["c1", "c2", "c3"])
    assert api.draw(cid, 2, "k1").status_code == 201
    before = api.digest()
    assert_problem(patch(api, cid, {"segment_by": ["tier"]}), 409, "segment_by cannot change after")
    assert_problem(patch(api, cid, {"max_segments": 5}), 409, "max_segments cannot change after")
    assert api.digest() == before
    same = patch(api, cid, {"segment_by": ["tier", "locale"], "warmup_sends": 20})
    assert same.status_code == 200, same.text


def test_an_unsegmented_campaign_cannot_gain_segments_after_its_first_batch(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c1", "c2"])
    assert api.draw(cid, 1, "k1").status_code == 201
    assert_problem(patch(api, cid, {"segment_by": ["tier"]}), 409, "segment_by")


@pytest.mark.anyio
async def test_every_store_takes_segmented_campaigns(store: Store) -> None:
    burt = Burt(store)
    plain = await burt.initialize_campaign("Plain", [("a", "A"), ("b", "B")], "clicked")
    settings = {"segment_by": ["tier"]}
    made = await burt.initialize_campaign("Seg", [("a", "A"), ("b", "B")], "clicked", settings)
    gained = await burt.update_campaign(plain.id, None, settings=settings)
    assert made.settings.segment_by == gained.settings.segment_by == ("tier",)


def test_default_segment_settings_leave_create_fingerprints_as_they_were() -> None:
    """Idempotency keys stored before segments still match their retries."""
    plain = dict(_fingerprint_settings(PolicySettings()))
    assert "segment_by" not in plain and "max_segments" not in plain
    assert _fingerprint_settings(PolicySettings(segment_by=("tier",))) != sorted(plain.items())
    assert _fingerprint_settings(PolicySettings(max_segments=8)) != sorted(plain.items())


def load_tiers(api: Api, cid: str, n: int, start: int = 0) -> None:
    contacts = [
        {"id": f"c{i}", "attributes": {"tier": "gold" if i % 2 == 0 else "silver"}}
        for i in range(start, start + n)
    ]
    response = api.client.post(
        f"/campaigns/{cid}/contacts", json={"contacts": contacts}, headers=api.headers()
    )
    assert response.status_code == 200, response.text


def tier(contact_id: str) -> str:
    return "gold" if int(contact_id[1:]) % 2 == 0 else "silver"


def segmented_campaign_with_opposite_winners(api: Api) -> str:
    """Gold contacts click b, silver ones click a: after one batch and its clicks, each
    segment's weights favour its own winner."""
    settings = {"segment_by": ["tier"], "attribution_window_seconds": 0, "warmup_sends": 10}
    cid = create(api, settings).json()["id"]
    load_tiers(api, cid, 2000)
    first = api.draw(cid, 400, "k1").json()
    clicks = [
        event(f"e{n}", a["contact_id"])
        for n, a in enumerate(first["assignments"])
        if (a["variant_id"] == "b") == (tier(a["contact_id"]) == "gold") or n % 25 == 0
    ]
    assert api.events(cid, clicks).json()["recorded"] == len(clicks)
    return cid


def test_each_segment_gets_mostly_its_own_winner(api: Api) -> None:
    cid = segmented_campaign_with_opposite_winners(api)
    second = api.draw(cid, 400, "k2").json()
    per_tier = Counter((tier(a["contact_id"]), a["variant_id"]) for a in second["assignments"])
    assert per_tier[("gold", "b")] > 3 * per_tier[("gold", "a")], per_tier
    assert per_tier[("silver", "a")] > 3 * per_tier[("silver", "b")], per_tier


def test_segmented_stats_over_http_and_as_csv(api: Api) -> None:
    cid = segmented_campaign_with_opposite_winners(api)
    before = api.digest()
    got = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers())
    assert got.status_code == 200, got.text
    stats = got.json()
    names = [s["name"] for s in stats["segments"]]
    assert names == ["tier=gold", "tier=silver"]
    gold = stats["segments"][0]
    assert gold["key"] == {"tier": "gold"} and gold["contacts"] == 200
    assert [v["variant_id"] for v in gold["variants"]] == ["a", "b"]
    assert sum(v["sends"] for v in gold["variants"]) == 200
    by_id = {v["variant_id"]: v for v in gold["variants"]}
    assert by_id["b"]["prob_best"] > 0.99 and by_id["b"]["weight"] > by_id["a"]["weight"]
    assert gold["decision"]["status"] in ("exploring", "winner", "warming_up")
    assert isinstance(stats["winner_differs_by_segment"], bool)
    assert stats["winner_differs_reason"].endswith(".")
    csv = api.client.get(
        f"/campaigns/{cid}/stats", headers=api.headers(Accept="text/csv")
    ).text.splitlines()
    assert csv[0].startswith("segment,variant_id,")
    assert [row.split(",")[0] for row in csv[1:]] == ["all", "all"] + ["tier=gold"] * 2 + [
        "tier=silver"
    ] * 2
    page = report_page.render("Seg", stats, [], [])
    assert "<h2>Segments</h2>" in page and "<td>tier=silver</td>" in page
    assert html.escape(stats["winner_differs_reason"]) in page
    # The winners are opposite: the interaction test rejects, and the page says so.
    p_value = stats["segment_interaction_p_value"]
    assert 0.0 <= p_value < 1e-6
    assert f"The variants' effects differ between segments (p = {p_value:.2g})" in page
    preview = api.client.get(f"/campaigns/{cid}/allocation", headers=api.headers())
    assert preview.status_code == 200
    assert api.digest() == before  # GETs write nothing, the segment registry included


def test_an_unsegmented_campaigns_stats_have_no_segment_fields(api: Api) -> None:
    cid = api.campaign()["id"]
    api.load(cid, ["c1", "c2"])
    api.draw(cid, 2, "k1")
    stats = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert not {
        "segments",
        "winner_differs_by_segment",
        "winner_differs_reason",
        "segment_interaction_p_value",
    } & set(stats)
    csv = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers(Accept="text/csv"))
    assert csv.text.startswith("variant_id,")


def test_a_segmented_campaigns_first_preview_writes_nothing(api: Api) -> None:
    cid = create(api, {"segment_by": ["tier"]}).json()["id"]
    load_tiers(api, cid, 10)
    before = api.digest()
    for path in ("allocation", "stats"):
        got = api.client.get(f"/campaigns/{cid}/{path}", headers=api.headers())
        assert got.status_code == 200, got.text
    assert api.digest() == before


def test_an_erased_contacts_own_segment_is_shown_without_its_values(api: Api) -> None:
    """Stats name the slot `erased segment N`, key null, its counts kept; the response (JSON
    and CSV) and the SQLite file hold the value no more."""
    cid = create(api, {"segment_by": ["email"]}).json()["id"]
    unique = "only-person-3c7e@example.com"
    contacts = [{"id": "solo", "attributes": {"email": unique}}] + [
        {"id": f"c{i}", "attributes": {"email": "team@example.com"}} for i in range(3)
    ]
    loaded = api.client.post(
        f"/campaigns/{cid}/contacts", json={"contacts": contacts}, headers=api.headers()
    )
    assert loaded.status_code == 200, loaded.text
    assert api.draw(cid, 4, "k1").status_code == 201
    before = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers()).json()
    assert [s["name"] for s in before["segments"]] == ["email=team@example.com", "email=" + unique]

    erased = api.client.delete(f"/campaigns/{cid}/contacts/solo", headers=api.headers())
    assert erased.status_code == 204, erased.text
    api.client.delete(f"/campaigns/{cid}/contacts/c0", headers=api.headers())  # key shared

    got = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers())
    stats = got.json()
    assert [(s["name"], s["key"], s["contacts"]) for s in stats["segments"]] == [
        ("email=team@example.com", {"email": "team@example.com"}, 3),
        ("erased segment 1", None, 1),
    ]
    counted = [[(v["sends"], v["outcomes"]) for v in s["variants"]] for s in stats["segments"]]
    assert counted == [
        [(v["sends"], v["outcomes"]) for v in s["variants"]] for s in before["segments"]
    ]
    csv = api.client.get(f"/campaigns/{cid}/stats", headers=api.headers(Accept="text/csv"))
    assert "erased segment 1" in csv.text
    for text in (got.text, csv.text, api.db_path.read_bytes().decode("latin-1")):
        assert unique not in text


@pytest.mark.parametrize(
    ("p_value", "says"),
    [
        (None, "Every segment is weighted on its own until two segments have sent every variant."),
        (0.43, "do not differ measurably between segments (p = 0.43): every segment's weights"),
        (0.01, "differ between segments (p = 0.01): each segment's weights borrow"),
    ],
)
def test_the_report_says_how_far_segments_follow_the_campaign(
    p_value: float | None, says: str
) -> None:
    """The page read the verdict on winners only; the weights' pooling was unexplained."""
    example = spec()["components"]["examples"]["CampaignStats"]["value"]
    segment = {"name": "tier=gold", "key": {"tier": "gold"}, "contacts": 1800}
    stats = {
        **example,
        "segments": [{**segment, "variants": example["variants"], "decision": example["decision"]}],
        "winner_differs_by_segment": False,
        "winner_differs_reason": "No segment has declared a winner yet.",
    }
    if p_value is not None:
        stats["segment_interaction_p_value"] = p_value
    assert says in report_page.render("Seg", stats, [], [])
