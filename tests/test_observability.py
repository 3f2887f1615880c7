"""Request logs and Prometheus metrics, as an operator sees them from a running service."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.store import SQLiteStore
from burt.service.app import create_app
from burt.service.config import Config
from burt.service.edge.logs import JsonFormatter, TextFormatter, formatter_for
from testing_support.live import BURT, live_server

NOW = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Event times: after every batch a test draws (an event dated before its batch is refused)."""


def scrape(url: str, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `/metrics`, by name and sorted labels."""
    response = httpx.get(f"{url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_request_lines_and_metrics_of_a_campaign(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    with (
        log_path.open("wb") as log,
        live_server(
            tmp_path / "var",
            extra_env={"BURT_LOG_FORMAT": "json", "BURT_LOG_LEVEL": "info"},
            command=lambda port: [*BURT, "serve", "--port", str(port)],
            stderr=log,
        ) as server,
    ):
        key = server.create_key("acme")
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
        cid = api.post(
            "/campaigns",
            json={
                "name": "n",
                "optimize": "clicked",
                "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            },
        ).json()["id"]
        api.post(
            f"/campaigns/{cid}/contacts", json={"contacts": [{"id": f"c{i}"} for i in range(4)]}
        )
        drawn = api.post(
            f"/campaigns/{cid}/batches",
            json={"size": 3},
            headers={"Idempotency-Key": "k1", "X-Request-ID": "walk-1"},
        )
        assert drawn.status_code == 201 and drawn.headers["x-request-id"] == "walk-1"
        assert (
            api.post(  # a replay draws nothing
                f"/campaigns/{cid}/batches", json={"size": 3}, headers={"Idempotency-Key": "k1"}
            ).status_code
            == 201
        )
        sent = drawn.json()["assignments"][0]["contact_id"]
        events = [
            {"id": "e1", "contact_id": sent, "type": "clicked", "occurred_at": NOW},
            {"id": "e2", "contact_id": "nobody", "type": "clicked", "occurred_at": NOW},
        ]
        api.post(f"/campaigns/{cid}/events", json={"events": events})
        api.post(f"/campaigns/{cid}/events", json={"events": events[:1]})
        odd = api.get("/campaigns", headers={"X-Request-ID": "has spaces\tand a tab"})
        assert re.fullmatch(r"[0-9a-f]{24}", odd.headers["x-request-id"])
        assert httpx.get(f"{server.url}/campaigns").status_code == 401
        metrics = scrape(server.url)
    requests = {
        (dict(labels)["operation"], dict(labels)["status"]): value
        for (name, labels), value in metrics.items()
        if name == "burt_requests_total"
    }
    assert requests[("createExperimentBatch", "201")] == 2
    assert requests[("recordOutcomes", "200")] == 2
    assert requests[("listCampaigns", "401")] == 1
    latency = ("burt_request_duration_seconds_count", (("operation", "createExperimentBatch"),))
    assert metrics[latency] == 2
    assert metrics[("burt_batches_drawn_total", ())] == 1
    assert metrics[("burt_contacts_assigned_total", (("group", "variant"),))] == 3
    assert metrics[("burt_events_total", (("result", "recorded"),))] == 1
    assert metrics[("burt_events_total", (("result", "duplicate"),))] == 1
    assert metrics[("burt_events_rejected_total", (("reason", "unknown_contact"),))] == 1

    text = log_path.read_text()
    assert key not in text  # nor any other secret: headers are never logged
    lines = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    access = [line for line in lines if line["logger"] == "burt.access"]
    (walk,) = [line for line in access if line["request_id"] == "walk-1"]
    assert walk["operation"] == "createExperimentBatch" and walk["tenant"] == "acme"
    assert walk["status"] == 201 and walk["duration_ms"] > 0
    assert walk["path"] == f"/campaigns/{cid}/batches" and walk["method"] == "POST"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", walk["time"])
    assert [line["status"] for line in access if line["tenant"] is None][-2:] == [401, 200]
    assert not [line for line in lines if line["level"] == "warning"]


class FailingStore(SQLiteStore):
    """A real SQLite store whose listing fails the way a broken disk would."""

    async def list_campaigns(self, tenant: str, after_id: str | None, limit: int) -> list:
        raise sqlite3.OperationalError("disk I/O error")


@contextmanager
def captured_logs(stream: io.StringIO) -> Iterator[None]:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    burt = logging.getLogger("burt")
    level = burt.level
    burt.addHandler(handler)
    burt.setLevel(logging.INFO)
    try:
        yield
    finally:
        burt.removeHandler(handler)
        burt.setLevel(level)


def _app_with_key(tmp_path: Path, store: SQLiteStore | None = None, **config: object):
    key = new_api_key()
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "burt.sqlite3"
    store = store or SQLiteStore(path)

    async def add_key() -> None:
        own = SQLiteStore(path)
        await own.open()
        await own.add_api_key(ApiKey(hash_api_key(key), "acme"))
        await own.close()

    asyncio.run(add_key())
    return create_app(Config(data_dir=tmp_path, **config), store=store), key


def test_an_error_leaves_its_traceback_under_the_request_id(tmp_path: Path) -> None:
    app, key = _app_with_key(tmp_path, FailingStore(tmp_path / "burt.sqlite3"))
    errors = ("burt_store_errors_total", {"method": "list_campaigns", "error": "OperationalError"})
    before = REGISTRY.get_sample_value(*errors) or 0
    out = io.StringIO()
    with captured_logs(out), TestClient(app) as client:
        response = client.get("/campaigns", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert REGISTRY.get_sample_value(*errors) == before + 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    request_id = response.headers["x-request-id"]
    (error,) = [line for line in lines if "traceback" in line]
    assert error["request_id"] == request_id and error["level"] == "error"
    assert "disk I/O error" in error["traceback"] and "list_campaigns" in error["traceback"]
    (access,) = [line for line in lines if line["logger"] == "burt.access"]
    assert (access["status"], access["level"], access["request_id"]) == (500, "error", request_id)
    assert key not in out.getvalue()


def test_metrics_can_be_switched_off_or_need_a_token(tmp_path: Path) -> None:
    off, _ = _app_with_key(tmp_path / "off", metrics=False)
    with TestClient(off) as client:
        assert client.get("/metrics").status_code == 404
    guarded, _ = _app_with_key(tmp_path / "token", metrics_token="s3cret")
    with TestClient(guarded) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert answer.status_code == 200 and "burt_requests_total" in answer.text


def test_workers_add_up_their_counts(tmp_path: Path) -> None:
    with live_server(
        tmp_path / "var",
        command=lambda port: [*BURT, "serve", "--port", str(port), "--workers", "2"],
    ) as server:
        with httpx.Client() as client:
            for _ in range(20):  # new connections, so both workers answer some
                assert client.get(f"{server.url}/healthz", headers={"Connection": "close"})
        metrics = scrape(server.url)
    health = ("burt_requests_total", (("operation", "getHealth"), ("status", "200")))
    assert metrics[health] == 20


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_on_a_terminal_json_elsewhere_or_as_set() -> None:
    assert isinstance(formatter_for("auto", Terminal()), TextFormatter)
    assert isinstance(formatter_for("auto", io.StringIO()), JsonFormatter)
    assert isinstance(formatter_for("json", Terminal()), JsonFormatter)
    record = logging.makeLogRecord(
        {
            "msg": "GET /campaigns 200 1.5ms",
            "levelname": "INFO",
            "operation": "listCampaigns",
            "tenant": "acme",
            "request_id": "r1",
            "status": 200,
        }
    )
    line = TextFormatter().format(record)
    assert line.endswith(
        "INFO    GET /campaigns 200 1.5ms operation=listCampaigns tenant=acme request_id=r1"
    )


def test_text_lines_escape_control_characters_in_every_field() -> None:
    """Issue 20, item 8: a path with `%0A` wrote a forged second line in text format."""
    forged = "/x\n2026-01-01T00:00:00.000Z INFO    GET /admin 200 0.1ms tenant=root"
    record = logging.makeLogRecord(
        {
            "msg": "%s %s %d %.1fms",
            "args": ("GET", forged, 404, 1.0),
            "levelname": "INFO",
            "fields": {
                "method": "GET",
                "path": forged,
                "status": 404,
                "duration_ms": 1.0,
                "operation": "getCampaign\r",
                "tenant": "acme\x1b[31m",
                "request_id": "r1\u2028",
            },
        }
    )
    line = TextFormatter().format(record)
    assert line.splitlines() == [line]
    assert "/x\\n2026" in line
    assert line.endswith("operation=getCampaign\\r tenant=acme\\x1b[31m request_id=r1\\u2028")


def test_bad_settings_are_refused_by_name() -> None:
    for variable, value in (("BURT_LOG_FORMAT", "xml"), ("BURT_METRICS", "maybe")):
        done = subprocess.run(
            [*BURT, "keys", "create", "--tenant", "t"],
            env={variable: value},
            capture_output=True,
            text=True,
        )
        assert done.returncode != 0 and variable in done.stderr
