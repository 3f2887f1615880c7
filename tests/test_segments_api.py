"""Segmented campaigns through the service (in-process ASGI on a real SQLite file), and the
refusal of segments on a store without them."""

from __future__ import annotations

from typing import Any

import pytest

from burt.engine import Burt
from burt.engine.burt import _fingerprint_settings
from burt.engine.errors import Unprocessable
from burt.engine.policy import PolicySettings
from burt.engine.store.base import Store
from tests import test_api
from tests.test_api import Api, assert_problem

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
async def test_a_store_without_segments_refuses_them_and_keeps_plain_campaigns(
    store: Store,
) -> None:
    burt = Burt(store)
    plain = await burt.initialize_campaign("Plain", [("a", "A"), ("b", "B")], "clicked")
    settings = {"segment_by": ["tier"]}
    if store.supports_segments:
        await burt.initialize_campaign("Seg", [("a", "A"), ("b", "B")], "clicked", settings)
        return
    with pytest.raises(Unprocessable, match="segments need the SQLite store"):
        await burt.initialize_campaign("Seg", [("a", "A"), ("b", "B")], "clicked", settings)
    with pytest.raises(Unprocessable, match="segments need the SQLite store"):
        await burt.update_campaign(plain.id, None, settings=settings)
    assert [c.id for c in (await burt.list_campaigns()).items] == [plain.id]


def test_default_segment_settings_leave_create_fingerprints_as_they_were() -> None:
    """Idempotency keys stored before segments still match their retries."""
    plain = dict(_fingerprint_settings(PolicySettings()))
    assert "segment_by" not in plain and "max_segments" not in plain
    assert _fingerprint_settings(PolicySettings(segment_by=("tier",))) != sorted(plain.items())
    assert _fingerprint_settings(PolicySettings(max_segments=8)) != sorted(plain.items())
