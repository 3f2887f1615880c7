"""The stats explanation, CSV and `burt report` against a real uvicorn process over HTTP."""

from __future__ import annotations

import csv
import html
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from burt.engine.policy import GOALS
from burt.service.cli.report_page import render
from burt.service.contract import spec
from testing_support.live import BURT, LiveServer, free_port, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("report-store")) as live:
        yield live


def run_campaign(http: httpx.Client, body: dict[str, Any]) -> str:
    """Create the campaign; three batches where variant b clicks far more often than a, the
    events dated after their batch's draw. Returns its id."""
    created = http.post("/campaigns", json=body)
    assert created.status_code == 201, created.text
    cid: str = created.json()["id"]
    http.post(
        f"/campaigns/{cid}/contacts", json={"contacts": [{"id": f"c{i}"} for i in range(900)]}
    )
    for n in range(3):
        batch = http.post(
            f"/campaigns/{cid}/batches", json={"size": 300}, headers={"Idempotency-Key": f"k{n}"}
        ).json()
        drawn = datetime.fromisoformat(batch["created_at"])
        when = (drawn + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        events = [
            {
                "id": f"e{a['contact_id']}",
                "contact_id": a["contact_id"],
                "type": "clicked",
                "occurred_at": when,
            }
            for i, a in enumerate(batch["assignments"])
            if i % (3 if a["variant_id"] == "b" else 12) == 0
        ]
        assert http.post(f"/campaigns/{cid}/events", json={"events": events}).status_code == 200
    return cid


BODY = {
    "name": "Report me",
    "optimize": "clicked",
    "variants": [{"id": "a", "label": "Plain"}, {"id": "b", "label": "Bold & <loud>"}],
    "settings": {"warmup_sends": 20, "attribution_window_seconds": 0},  # no clock to wait on
}


@pytest.fixture(scope="module")
def campaign(server: LiveServer) -> tuple[httpx.Client, str, str]:
    key = server.create_key("reports")
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
    return http, run_campaign(http, BODY), key


def report(server: LiveServer, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`burt report ARGS` against the live server, with the tenant's key in the environment."""
    env = {**server.env, "BURT_URL": server.url, "BURT_API_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "burt.service.cli.main", "report", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_stats_explain_the_decision(campaign: tuple[httpx.Client, str, str]) -> None:
    http, cid, _ = campaign
    stats = http.get(f"/campaigns/{cid}/stats").json()
    decision = stats["decision"]
    assert decision["leader_variant_id"] == "b"
    assert [c["name"] for c in decision["conditions"]] == [
        "prob_best",
        "sends",
        "expected_loss",
        "sequential_z",
    ]
    for c in decision["conditions"]:
        assert c["met"] == (
            c["value"] >= c["threshold"]
            if c["comparison"] == ">="
            else c["value"] <= c["threshold"]
        )
    assert "b" in decision["summary"]
    a, b = stats["variants"]
    assert (a["label"], b["label"]) == ("Plain", "Bold & <loud>")
    assert b["lift"] is None and a["lift"]["reference_variant_id"] == "b"
    assert a["lift"]["ci_low"] < a["lift"]["relative"] < a["lift"]["ci_high"] < 0
    assert a["counted_outcomes"] == a["outcomes"]["clicked"] and a["late_outcomes"] == 0
    control = http.get(f"/campaigns/{cid}/stats", params={"control": "a"}).json()
    assert control["variants"][1]["lift"]["reference_variant_id"] == "a"
    bad = http.get(f"/campaigns/{cid}/stats", params={"control": "zz"})
    assert bad.status_code == 422 and "control" in bad.json()["detail"]
    future = http.get(f"/campaigns/{cid}/stats", params={"as_of": "2999-01-01T00:00:00Z"})
    assert future.json()["variants"] == stats["variants"]  # not yet past: the stats now


def test_stats_answer_csv_when_asked(campaign: tuple[httpx.Client, str, str]) -> None:
    http, cid, _ = campaign
    response = http.get(f"/campaigns/{cid}/stats", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    stats = http.get(f"/campaigns/{cid}/stats", headers={"Accept": "application/json"}).json()
    assert [r["variant_id"] for r in rows] == ["a", "b"]
    for row, v in zip(rows, stats["variants"], strict=True):
        assert int(row["sends"]) == v["sends"]
        assert float(row["prob_best"]) == pytest.approx(v["prob_best"], abs=1e-6)
        assert row["label"] == v["label"]
    preferred = http.get(
        f"/campaigns/{cid}/stats", headers={"Accept": "text/csv;q=0.5, application/json"}
    )
    assert preferred.headers["content-type"].startswith("application/json")


def test_burt_report_writes_one_self_contained_page(
    server: LiveServer, campaign: tuple[httpx.Client, str, str], tmp_path: Path
) -> None:
    _, cid, key = campaign
    out = tmp_path / "report.html"
    done = report(server, key, cid, "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert page.count("<svg") == 3  # allocation per batch, P(best) over time, posteriors now
    assert "Bold &amp; &lt;loud&gt;" in page and "<loud>" not in page
    for reference in ("src=", "href=", "<script", "@import", "url("):
        assert reference not in page  # nothing is fetched from anywhere
    summary: Any = httpx.get(
        f"{server.url}/campaigns/{cid}/stats", headers={"Authorization": f"Bearer {key}"}
    ).json()["decision"]["summary"]
    assert html.escape(summary) in page  # the decision in a sentence
    assert html.escape(GOALS["balanced"].meaning) in page  # and the campaign's goal in another
    assert "Goal: balanced." in done.stdout
    assert "with the current leader, b “Bold &amp; &lt;loud&gt;”" in page
    bad = report(server, key, "cmp_nope", "--out", str(out))
    assert bad.returncode != 0 and "404" in bad.stderr


def test_a_campaign_names_its_control_and_the_stats_use_it(
    server: LiveServer, tmp_path: Path
) -> None:
    """Over HTTP: set at create, 422 with nothing written when it is not a variant, changed and
    removed by PATCH, and the default of the stats, their CSV and `burt report`."""
    key = server.create_key("controls")
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
    for bad in ("zz", "A"):
        refused = http.post("/campaigns", json={**BODY, "control_variant_id": bad})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert f"control_variant_id {bad!r} is not one of" in refused.json()["detail"]
    assert http.get("/campaigns").json()["items"] == []  # no partial write

    cid = run_campaign(http, {**BODY, "control_variant_id": "a"})
    campaign = http.get(f"/campaigns/{cid}")
    assert campaign.json()["control_variant_id"] == "a"
    stats = http.get(f"/campaigns/{cid}/stats").json()
    assert stats["control_variant_id"] == "a"
    assert stats["decision"]["leader_variant_id"] == "b"  # the control is not the leader
    a, b = stats["variants"]
    assert a["lift"] is None and b["lift"]["reference_variant_id"] == "a"
    assert 0 < b["lift"]["ci_low"] < b["lift"]["relative"] < b["lift"]["ci_high"]
    rows = list(
        csv.DictReader(
            io.StringIO(http.get(f"/campaigns/{cid}/stats", headers={"Accept": "text/csv"}).text)
        )
    )
    assert [(r["variant_id"], r["lift_reference"]) for r in rows] == [("a", ""), ("b", "a")]
    assert float(rows[1]["lift"]) == pytest.approx(b["lift"]["relative"], abs=1e-6)
    override = http.get(f"/campaigns/{cid}/stats", params={"control": "b"}).json()
    assert override["control_variant_id"] == "b"
    assert override["variants"][0]["lift"]["reference_variant_id"] == "b"

    out = tmp_path / "control.html"
    assert report(server, key, cid, "--out", str(out)).returncode == 0
    page = out.read_text()
    assert "with the control, a “Plain”" in page and "vs a (" in page

    etag = campaign.headers["ETag"]
    patch = {"If-Match": etag}
    refused = http.patch(f"/campaigns/{cid}", json={"control_variant_id": "zz"}, headers=patch)
    assert refused.status_code == 422 and "'zz'" in refused.json()["detail"]
    assert http.get(f"/campaigns/{cid}").headers["ETag"] == etag  # unchanged
    moved = http.patch(f"/campaigns/{cid}", json={"control_variant_id": "b"}, headers=patch)
    assert moved.status_code == 200 and moved.json()["control_variant_id"] == "b"
    assert http.get(f"/campaigns/{cid}/stats").json()["variants"][1]["lift"] is None
    cleared = http.patch(
        f"/campaigns/{cid}", json={"control_variant_id": ""}, headers={"If-Match": "*"}
    )
    assert cleared.status_code == 200 and cleared.json()["control_variant_id"] is None
    by_leader = http.get(f"/campaigns/{cid}/stats").json()
    assert by_leader["control_variant_id"] is None
    assert by_leader["variants"][0]["lift"]["reference_variant_id"] == "b"  # the leader


def test_the_page_reads_in_words_from_the_contracts_example() -> None:
    """The page from the spec's own CampaignStats example: the winner rule's conditions in
    words with their units, its error bound from the P(best) it needs, and the window."""
    example = spec()["components"]["examples"]["CampaignStats"]["value"]
    page = render("Example", example, [], [])
    assert "at least 95.0%" in page and "at most 0.100%" in page and "at least 3.40" in page
    assert "93.0%" in page and "1,800" in page  # P(best) and sends, as people write them
    assert "below 5%" in page and "up to 24 hours after a send" in page
    assert "with the current leader, b" in page
    meaning = html.escape(example["decision"]["goal_meaning"])
    assert f"Goal: <b>outcomes and a proven winner, balanced</b> (balanced). {meaning}</p>" in page
    winner = {**example["decision"], "goal": "winner", "goal_meaning": "Proves & pays."}
    page = render("Example", {**example, "decision": winner}, [], [])
    assert "Goal: <b>a proven winner</b> (winner). Proves &amp; pays." in page
    stricter = {
        **example,
        "attribution_window_seconds": 0,
        "control_variant_id": "a",
        "decision": {
            **example["decision"],
            "conditions": [
                {**c, "threshold": 0.99} if c["name"] == "prob_best" else c
                for c in example["decision"]["conditions"]
            ],
        },
    }
    page = render("Example", stricter, [], [])
    assert "below 1%" in page and "Every outcome counts" in page
    assert "with the control, a “Our biggest sale starts now”" in page


def test_no_service_to_reach_is_one_line_and_the_loaders_exit_code(tmp_path: Path) -> None:
    """`burt report` ended in an httpx.ConnectError traceback where the loaders said one line."""
    nobody = f"http://127.0.0.1:{free_port()}"  # a free port: nothing listens there
    contacts = tmp_path / "c.csv"
    contacts.write_text("id\nc1\n")
    commands = {
        "report": ["report", "cmp_x", "--out", str(tmp_path / "r.html")],
        "contacts load": ["contacts", "load", "cmp_x", str(contacts), "--retries", "0"],
    }
    codes = {}
    for name, argv in commands.items():
        done = subprocess.run(
            [*BURT, *argv, "--url", nobody, "--api-key", "k"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"cannot reach the service at {nobody}" in done.stderr
        codes[name] = done.returncode
    assert codes == {"report": 1, "contacts load": 1}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--url", "127.0.0.1:8000"],
            "--url '127.0.0.1:8000' is not an http:// or https:// URL with a host",
        ),
        (["--out", "nowhere/r.html"], "--out nowhere/r.html: there is no folder nowhere"),
    ],
)
def test_report_refuses_arguments_that_cannot_work_before_asking(
    tmp_path: Path, argv: list[str], says: str
) -> None:
    command = [*BURT, "report", "cmp_x", "--out", "r.html", "--api-key", "k", *argv]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == f"burt report: error: {says}"
