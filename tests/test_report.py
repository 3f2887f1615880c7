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

from testing_support.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("report-store")) as live:
        yield live


@pytest.fixture(scope="module")
def campaign(server: LiveServer) -> tuple[httpx.Client, str, str]:
    """Three batches; variant b clicks far more often; events dated after their batch's draw."""
    key = server.create_key("reports")
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
    body = {
        "name": "Report me",
        "optimize": "clicked",
        "variants": [{"id": "a", "label": "Plain"}, {"id": "b", "label": "Bold & <loud>"}],
        "settings": {"warmup_sends": 20, "attribution_window_seconds": 0},  # no clock to wait on
    }
    cid = http.post("/campaigns", json=body).json()["id"]
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
    return http, cid, key


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
    assert bad.status_code == 404 and "control" in bad.json()["detail"]
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
    env = {**server.env, "BURT_URL": server.url, "BURT_API_KEY": key}
    done = subprocess.run(
        [sys.executable, "-m", "burt.service.cli", "report", cid, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
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
    bad = subprocess.run(
        [sys.executable, "-m", "burt.service.cli", "report", "cmp_nope", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "404" in bad.stderr
