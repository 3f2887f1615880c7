"""The generated SDK (clients/python) against a real uvicorn process: a whole campaign, sync and
asyncio, pagination, Idempotency-Key replay, and problem details surfaced as typed models.

The SDK is installed into the virtualenv (`pip install -e ./clients/python`), as a user would.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from burt_client import AuthenticatedClient, Client
from burt_client.api.batches import (
    create_experiment_batch,
    get_experiment_batch,
    list_experiment_batches,
    preview_allocation,
)
from burt_client.api.campaigns import (
    delete_campaign,
    get_campaign,
    initialize_campaign,
    list_campaigns,
    update_campaign,
)
from burt_client.api.contacts import erase_contact, load_contacts
from burt_client.api.outcomes import record_outcomes
from burt_client.api.stats import get_campaign_stats
from burt_client.models import (
    Batch,
    BatchCreate,
    CampaignCreate,
    CampaignStatus,
    CampaignUpdate,
    ContactIn,
    ContactInAttributes,
    ContactLoad,
    DecisionStatus,
    EventIn,
    EventLoad,
    Goal,
    OptimizedOutcome,
    OutcomeType,
    PolicySettings,
    PolicySettingsGoal,
    Problem,
    RejectionReason,
    Variant,
)
from burt_client.types import UNSET, Response, Unset

from testing_support.live import LiveServer, live_server

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
T = TypeVar("T")
CLICKED = OutcomeType.CLICKED


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("sdk-store")) as live:
        yield live


@pytest.fixture(scope="module")
def token(server: LiveServer) -> str:
    """The API key of the tenant the tests share."""
    return server.create_key("sdk")


@pytest.fixture
def client(server: LiveServer, token: str) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(base_url=server.url, token=token) as authenticated:
        yield authenticated


def ok(response: Response[T | Problem], status: int = 200) -> T:
    """The parsed body of a successful answer (the problem's detail if it was not)."""
    assert response.status_code == status, response.parsed
    assert not isinstance(response.parsed, Problem)
    return response.parsed


def problem(response: Response[object], status: int) -> Problem:
    """The typed problem details of an error answer."""
    assert response.status_code == status, response.content
    assert response.headers["content-type"].startswith("application/problem+json")
    parsed = response.parsed
    assert isinstance(parsed, Problem), parsed
    assert parsed.status == status
    assert parsed.detail
    return parsed


def campaign_body(name: str = "Black Friday", window: int = 0) -> CampaignCreate:
    return CampaignCreate(
        name=name,
        variants=[Variant(id="a", label="Sale starts now"), Variant(id="b", label="48 hours only")],
        optimize=OptimizedOutcome.CLICKED,
        settings=PolicySettings(attribution_window_seconds=window, warmup_sends=4),
    )


def contacts(*ids: str) -> ContactLoad:
    return ContactLoad(contacts=[ContactIn(id=i) for i in ids])


def clicks(batch: Batch, variant_id: str) -> list[EventIn]:
    """A click event for every contact the batch assigned to `variant_id`."""
    return [
        EventIn(
            id=f"click-{a.contact_id}",
            contact_id=a.contact_id,
            type_=CLICKED,
            occurred_at=batch.created_at,  # an outcome dated before its send would not count
        )
        for a in batch.assignments
        if a.variant_id == variant_id
    ]


def test_whole_campaign_sync(client: AuthenticatedClient) -> None:
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
    assert campaign.status is CampaignStatus.ACTIVE
    assert campaign.settings.attribution_window_seconds == 0  # resolved settings: none Unset

    ids = [f"c-{i:03d}" for i in range(20)]
    vip = ContactIn(id=ids[0], attributes=ContactInAttributes.from_dict({"segment": "vip"}))
    body = ContactLoad(contacts=[vip, *contacts(*ids[1:]).contacts])
    loaded = ok(load_contacts.sync_detailed(campaign.id, client=client, body=body))
    assert (loaded.created, loaded.existing, loaded.contacts_pending) == (20, 0, 20)
    again = ok(load_contacts.sync_detailed(campaign.id, client=client, body=contacts(*ids[:5])))
    assert (again.created, again.existing, again.contacts_total) == (0, 5, 20)

    drawn = create_experiment_batch.sync_detailed(
        campaign.id, client=client, body=BatchCreate(size=8), idempotency_key="hour-1"
    )
    batch = ok(drawn, 201)
    assert drawn.headers["Idempotent-Replayed"] == "false"
    assert batch.size == len(batch.assignments) == 8
    assert {a.contact_id for a in batch.assignments} == set(ids[:8])  # oldest loaded first
    assert ok(get_experiment_batch.sync_detailed(campaign.id, batch.id, client=client)) == batch

    stranger = EventIn(id="e-x", contact_id="nobody", type_=OutcomeType.OPENED, occurred_at=NOW)
    # Every "b" contact clicked; the first click is sent twice (a duplicate event id counts once).
    events = EventLoad(events=[*clicks(batch, "b"), *clicks(batch, "b")[:1], stranger])
    tally = ok(record_outcomes.sync_detailed(campaign.id, client=client, body=events))
    b_clicks = sum(a.variant_id == "b" for a in batch.assignments)
    assert (tally.recorded, tally.duplicates) == (b_clicks, 1)
    assert [r.reason for r in tally.rejected] == [RejectionReason.UNKNOWN_CONTACT]

    stats = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))
    assert stats.contacts_pending == 12
    by_variant = {v.variant_id: v for v in stats.variants}
    assert {k: v.sends for k, v in by_variant.items()} == {
        c.variant_id: c.count for c in batch.counts
    }
    assert by_variant["b"].outcomes.clicked == b_clicks
    assert by_variant["a"].outcomes.clicked == 0
    assert by_variant["b"].posterior.mean > by_variant["a"].posterior.mean
    assert isinstance(stats.decision.status, DecisionStatus)
    assert abs(sum(v.weight for v in stats.variants) - 1) < 1e-9

    preview = ok(preview_allocation.sync_detailed(campaign.id, client=client))
    assert preview.contacts_pending == 12
    assert ok(get_campaign.sync_detailed(campaign.id, client=client)).contacts_pending == 12


def test_idempotency_key_replay_returns_the_same_batch(client: AuthenticatedClient) -> None:
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
    ok(load_contacts.sync_detailed(campaign.id, client=client, body=contacts(*"pqrstuvw")))

    def draw(key: str, size: int = 3) -> Response[Batch | Problem]:
        return create_experiment_batch.sync_detailed(
            campaign.id, client=client, body=BatchCreate(size=size), idempotency_key=key
        )

    first, replay = draw("retry-me"), draw("retry-me")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert ok(replay, 201) == ok(first, 201)
    assert ok(get_campaign.sync_detailed(campaign.id, client=client)).contacts_pending == 5

    reused = problem(draw("retry-me", size=4), 422)
    assert reused.type_.endswith("idempotency-key-reused")
    assert ok(draw("next"), 201).sequence == 2


def test_whole_campaign_asyncio(server: LiveServer, token: str) -> None:
    async def campaign_flow() -> None:
        async with AuthenticatedClient(base_url=server.url, token=token) as client:
            campaign = await initialize_campaign.asyncio(client=client, body=campaign_body())
            assert not isinstance(campaign, Problem)
            ids = [f"a-{i}" for i in range(12)]
            loaded = await load_contacts.asyncio(campaign.id, client=client, body=contacts(*ids))
            assert not isinstance(loaded, Problem) and loaded.created == 12

            drawn = await asyncio.gather(
                *(
                    create_experiment_batch.asyncio(
                        campaign.id, client=client, body=BatchCreate(size=4), idempotency_key=k
                    )
                    for k in ("k1", "k2", "k3")
                )
            )
            batches = [b for b in drawn if isinstance(b, Batch)]
            assert len(batches) == 3
            assigned = Counter(a.contact_id for b in batches for a in b.assignments)
            assert set(assigned) == set(ids) and set(assigned.values()) == {1}

            clicker = batches[0].assignments[0].variant_id
            clicked = sum(a.variant_id == clicker for a in batches[0].assignments)
            tally = await record_outcomes.asyncio(
                campaign.id, client=client, body=EventLoad(events=clicks(batches[0], clicker))
            )
            assert not isinstance(tally, Problem) and (tally.recorded, tally.rejected) == (
                clicked,
                [],
            )

            exhausted = await create_experiment_batch.asyncio_detailed(
                campaign.id, client=client, body=BatchCreate(size=1), idempotency_key="k4"
            )
            assert problem(exhausted, 409).type_.endswith("no-pending-contacts")

            stats = await get_campaign_stats.asyncio(campaign.id, client=client)
            assert not isinstance(stats, Problem)
            assert sum(v.sends for v in stats.variants) == 12
            assert sum(v.outcomes.clicked for v in stats.variants) == clicked

    asyncio.run(campaign_flow())


def test_list_campaigns_pages_until_next_cursor_is_none(server: LiveServer) -> None:
    # A tenant of its own, so that the listing holds exactly the campaigns made here.
    client = AuthenticatedClient(base_url=server.url, token=server.create_key("pages"))
    created = [
        ok(initialize_campaign.sync_detailed(client=client, body=campaign_body(f"c{i}")), 201).id
        for i in range(5)
    ]
    seen: list[str] = []
    cursor: str | Unset = UNSET
    pages = 0
    while True:
        page = ok(list_campaigns.sync_detailed(client=client, limit=2, cursor=cursor))
        assert len(page.items) <= 2
        seen += [c.id for c in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == created  # oldest first, each once, nothing of other tenants
    assert pages >= 3


def test_list_experiment_batches_pages_until_next_cursor_is_none(
    client: AuthenticatedClient,
) -> None:
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
    ok(load_contacts.sync_detailed(campaign.id, client=client, body=contacts(*"abcdefghij")))
    drawn = [
        ok(
            create_experiment_batch.sync_detailed(
                campaign.id, client=client, body=BatchCreate(size=2), idempotency_key=f"k{i}"
            ),
            201,
        )
        for i in range(5)
    ]
    summaries = []
    cursor: str | Unset = UNSET
    while True:
        page = ok(
            list_experiment_batches.sync_detailed(
                campaign.id, client=client, limit=2, cursor=cursor
            )
        )
        summaries += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [s.id for s in summaries] == [b.id for b in drawn]
    assert [s.sequence for s in summaries] == [1, 2, 3, 4, 5]
    assert [s.counts for s in summaries] == [b.counts for b in drawn]


def test_problems_are_typed_models(server: LiveServer, client: AuthenticatedClient) -> None:
    one_variant = CampaignCreate(
        name="x", variants=[Variant(id="a", label="A")], optimize=OptimizedOutcome.OPENED
    )
    bad = problem(initialize_campaign.sync_detailed(client=client, body=one_variant), 400)
    assert "variants" in bad.detail

    campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
    anonymous = Client(base_url=server.url)
    problem(get_campaign.sync_detailed(campaign.id, client=anonymous), 401)
    wrong_key = AuthenticatedClient(base_url=server.url, token="not-a-key")
    problem(get_campaign.sync_detailed(campaign.id, client=wrong_key), 401)

    other_tenant = AuthenticatedClient(base_url=server.url, token=server.create_key("intruder"))
    missing = problem(get_campaign.sync_detailed(campaign.id, client=other_tenant), 404)
    assert campaign.id in missing.detail
    problem(get_campaign_stats.sync_detailed("cmp_missing", client=client), 404)

    empty = create_experiment_batch.sync_detailed(
        campaign.id, client=client, body=BatchCreate(size=5), idempotency_key="k"
    )
    assert problem(empty, 409).type_.endswith("no-pending-contacts")

    # `sync` hands the caller the Problem itself, not None and not an exception.
    assert isinstance(get_campaign.sync("cmp_missing", client=client), Problem)


def test_payload_too_large_is_a_typed_problem(tmp_path: Path) -> None:
    with live_server(tmp_path / "store", extra_env={"BURT_MAX_BODY_BYTES": "2048"}) as small:
        client = AuthenticatedClient(base_url=small.url, token=small.create_key("big"))
        campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
        many = contacts(*(f"contact-{i:05d}" for i in range(200)))
        too_large = problem(load_contacts.sync_detailed(campaign.id, client=client, body=many), 413)
        assert "2048" in too_large.detail
        after = ok(get_campaign.sync_detailed(campaign.id, client=client))
        assert after.contacts_total == 0  # nothing was written


def test_readme_example_runs(
    server: LiveServer,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (Path(__file__).parents[1] / "clients/python/README.md").read_text()
    example = next(b for b in readme.split("```python")[1:] if "initialize_campaign" in b)
    monkeypatch.setenv("BURT_URL", server.url)
    monkeypatch.setenv("BURT_API_KEY", token)
    exec(compile(example.split("```")[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "1000 contacts loaded, 1000 pending" in out
    assert "67 events recorded, 0 rejected" in out  # every third of the 200 assigned contacts
    assert "decision: warming_up None" in out
    clicked = [int(line.split(", ")[1].removesuffix(" clicked")) for line in out.splitlines()[3:5]]
    assert sum(clicked) == 67  # the outcome recorded is the one the campaign optimizes
    assert "has 50 effective sends" in out


def test_erase_a_contact_then_delete_the_campaign(client: AuthenticatedClient) -> None:
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=campaign_body()), 201)
    ok(load_contacts.sync_detailed(campaign.id, client=client, body=contacts("ann@x.io", "bo")))
    drawn = create_experiment_batch.sync_detailed(
        campaign.id, client=client, body=BatchCreate(size=2), idempotency_key="k"
    )
    batch = ok(drawn, 201)
    ok(
        record_outcomes.sync_detailed(
            campaign.id, client=client, body=EventLoad(clicks(batch, "a") + clicks(batch, "b"))
        )
    )
    before = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))

    assert erase_contact.sync_detailed(campaign.id, "ann@x.io", client=client).status_code == 204
    problem(erase_contact.sync_detailed(campaign.id, "ann@x.io", client=client), 404)
    after = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))
    assert after.variants == before.variants
    read = ok(get_experiment_batch.sync_detailed(campaign.id, batch.id, client=client))
    assert [a.contact_id for a in read.assignments] == ["bo"]

    assert delete_campaign.sync_detailed(campaign.id, client=client).status_code == 204
    problem(get_campaign.sync_detailed(campaign.id, client=client), 404)
    problem(delete_campaign.sync_detailed(campaign.id, client=client), 404)


def test_a_campaigns_control_through_the_sdk(client: AuthenticatedClient) -> None:
    """The control set at create is typed on the campaign and the stats; `""` removes it."""
    body = campaign_body("With a control")
    body.control_variant_id = "b"
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=body), 201)
    assert campaign.control_variant_id == "b"
    ok(load_contacts.sync_detailed(campaign.id, client=client, body=contacts("x1", "x2", "x3")))
    stats = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))
    assert stats.control_variant_id == "b"
    assert [
        None if isinstance(v.lift, Unset) or v.lift is None else v.lift.reference_variant_id
        for v in stats.variants
    ] == ["b", None]
    body.control_variant_id = "zz"
    refused = problem(initialize_campaign.sync_detailed(client=client, body=body), 422)
    assert "control_variant_id 'zz'" in (refused.detail or "")
    cleared = update_campaign.sync_detailed(
        campaign.id, client=client, body=CampaignUpdate(control_variant_id=""), if_match="*"
    )
    assert ok(cleared).control_variant_id is None
    stats = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))
    assert stats.control_variant_id is None


def test_a_campaigns_goal_through_the_sdk(client: AuthenticatedClient) -> None:
    """The goal is typed both ways; a share left Unset is kept, and None follows the goal."""
    body = campaign_body("With a goal")
    body.settings = PolicySettings(goal=PolicySettingsGoal.WINNER, attribution_window_seconds=0)
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=body), 201)
    assert campaign.settings.goal is PolicySettingsGoal.WINNER
    assert campaign.settings.proof_share == 0.6  # the winner goal's, as a number

    def update(settings: PolicySettings) -> PolicySettings:
        body = CampaignUpdate(settings=settings)
        answer = update_campaign.sync_detailed(campaign.id, client=client, body=body, if_match="*")
        return ok(answer).settings

    assert update(PolicySettings(proof_share=0.2)).proof_share == 0.2
    kept = update(PolicySettings(goal=PolicySettingsGoal.OUTCOMES))  # proof_share Unset: kept
    assert (kept.goal, kept.proof_share) == (PolicySettingsGoal.OUTCOMES, 0.2)
    assert update(PolicySettings(proof_share=None)).proof_share == 0.0  # the outcomes goal's

    decision = ok(get_campaign_stats.sync_detailed(campaign.id, client=client)).decision
    assert decision.goal is Goal.OUTCOMES
    assert "outcomes" in decision.goal_meaning


def test_a_segmented_campaign_through_the_sdk(client: AuthenticatedClient) -> None:
    body = campaign_body("Segmented")
    body.settings = PolicySettings(attribution_window_seconds=0, segment_by=["tier"])
    campaign = ok(initialize_campaign.sync_detailed(client=client, body=body), 201)
    assert campaign.settings.segment_by == ["tier"] and campaign.settings.max_segments == 32
    tiers = ["gold", "silver", "gold", "bronze"] * 5
    people = [
        ContactIn(id=f"s-{i}", attributes=ContactInAttributes.from_dict({"tier": t}))
        for i, t in enumerate(tiers)
    ]
    ok(load_contacts.sync_detailed(campaign.id, client=client, body=ContactLoad(people)))
    batch = ok(
        create_experiment_batch.sync_detailed(
            campaign.id, client=client, body=BatchCreate(size=12), idempotency_key="seg-1"
        ),
        201,
    )
    ok(
        record_outcomes.sync_detailed(
            campaign.id, client=client, body=EventLoad(clicks(batch, "b"))
        )
    )
    stats = ok(get_campaign_stats.sync_detailed(campaign.id, client=client))
    assert isinstance(stats.segments, list)
    assert [s.name for s in stats.segments] == ["tier=gold", "tier=silver", "tier=bronze"]
    assert [s.contacts for s in stats.segments] == [6, 3, 3]
    assert stats.segments[0].key is not None and stats.segments[0].key["tier"] == "gold"
    assert stats.winner_differs_by_segment is False
    assert isinstance(stats.winner_differs_reason, str)
    change = CampaignUpdate(settings=PolicySettings(segment_by=["tier", "locale"]))
    refused = update_campaign.sync_detailed(
        campaign.id, client=client, body=change, if_match=f'"{campaign.version}"'
    )
    assert "segment_by cannot change" in problem(refused, 409).detail
