"""`burt contacts load` and `burt events load` against a real uvicorn process, through the SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import msgspec
import pytest

from burt.service.cli.files import Row, check_event, chunks, rows
from burt.service.cli.main import main
from testing_support.live import LiveServer, free_port, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("import")) as live:
        yield live


@pytest.fixture
def campaign(server: LiveServer) -> tuple[str, str]:
    key = server.create_key("acme")
    body = {
        "name": "file",
        "optimize": "opened",
        "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    }
    response = httpx.post(
        f"{server.url}/campaigns", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201
    return response.json()["id"], key


def _load(server: LiveServer, key: str, *argv: str) -> int:
    return main([*argv[:3], *argv[3:], "--url", server.url, "--api-key", key, "--quiet"])


def _campaign(server: LiveServer, key: str, cid: str) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{server.url}/campaigns/{cid}", headers=auth).json()


def _summary(out: str) -> dict[str, int]:
    last = out.strip().splitlines()[-1]
    return {k: int(v) for k, v in (item.split("=") for item in last.split())}


def test_a_csv_loads_in_chunks_reports_bad_lines_and_reruns_safely(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid, key = campaign
    path = tmp_path / "contacts.csv"
    lines = ["email,segment,time_zone"]
    lines += [
        f"user{i}@example.com,{'vip' if i % 3 == 0 else ''},Europe/Berlin" for i in range(2500)
    ]
    lines.insert(101, ",vip,UTC")  # no id: line 102 of the file
    lines.insert(2002, f"{'x' * 201},,UTC")  # an id the API would refuse: line 2003
    path.write_text("\n".join(lines) + "\n")
    argv = ("contacts", "load", cid, str(path), "--id-column", "email", "--chunk-size", "1000")
    assert _load(server, key, *argv) == 1  # bad rows were skipped
    out, err = capsys.readouterr()
    assert "line 102: a contact needs an id" in err and "line 2003:" in err
    assert _summary(out) == {"received": 2500, "created": 2500, "existing": 0, "bad_rows": 2}
    assert _campaign(server, key, cid)["contacts_total"] == 2500

    assert _load(server, key, *argv) == 1  # a rerun: everything is there already
    assert _summary(capsys.readouterr().out)["existing"] == 2500
    auth = {"Authorization": f"Bearer {key}", "Idempotency-Key": "one"}
    batch = httpx.post(f"{server.url}/campaigns/{cid}/batches", json={"size": 3}, headers=auth)
    assert batch.json()["assignments"][0]["contact_id"] == "user0@example.com"


def test_strict_sends_nothing_when_a_row_is_bad(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid, key = campaign
    path = tmp_path / "contacts.jsonl"
    rows_ = [json.dumps({"id": f"c{i}", "attributes": {"segment": "a"}}) for i in range(10)]
    rows_[6] = '{"id": "c6", "attributes": {"segment": 7}}'
    path.write_text("\n".join(rows_) + "\n")
    assert _load(server, key, "contacts", "load", cid, str(path), "--strict") == 2
    assert "line 7: attribute 'segment'" in capsys.readouterr().err
    assert _campaign(server, key, cid)["contacts_total"] == 0


def test_events_load_reports_rejections_by_line(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid, key = campaign
    auth = {"Authorization": f"Bearer {key}"}
    contacts = {"contacts": [{"id": f"c{i}"} for i in range(5)]}
    httpx.post(f"{server.url}/campaigns/{cid}/contacts", json=contacts, headers=auth)
    draw = {**auth, "Idempotency-Key": "k"}
    httpx.post(f"{server.url}/campaigns/{cid}/batches", json={"size": 4}, headers=draw)
    path = tmp_path / "events.csv"
    soon = (datetime.now(UTC) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M")  # after the draw
    path.write_text(
        "id,contact_id,type,occurred_at\n"
        f"e1,c0,opened,{soon}:00Z\n"
        f"e2,c1,clicked,{soon}:01Z\n"
        f"e3,c4,opened,{soon}:02Z\n"  # c4 is still pending
        f"e4,nobody,opened,{soon}:03Z\n"
        f"e5,c2,bought,{soon}:04Z\n"  # not an outcome type
        f"e1,c0,opened,{soon}:00Z\n"  # the same event again
    )
    assert _load(server, key, "events", "load", cid, str(path), "--chunk-size", "2") == 1
    out, err = capsys.readouterr()
    assert "line 4: rejected by the service: contact_not_assigned" in err
    assert "line 5: rejected by the service: unknown_contact" in err
    assert "line 6: type 'bought'" in err
    assert _summary(out) == {
        "received": 5,
        "recorded": 2,
        "repeated": 0,
        "late": 0,
        "duplicates": 1,
        "rejected:contact_not_assigned": 1,
        "rejected:unknown_contact": 1,
        "bad_rows": 1,
    }


def test_a_stopped_service_fails_the_load_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id\nc1\n")
    nobody = f"http://127.0.0.1:{free_port()}"  # a free port: nothing listens there
    argv = ["contacts", "load", "cmp_x", str(path), "--url", nobody, "--api-key", "k"]
    assert main([*argv, "--quiet", "--retries", "0"]) == 2
    assert "cannot reach the service" in capsys.readouterr().err


def test_rows_stream_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id,note\n" + "".join(f"c{i},{'n' * 150}\n" for i in range(1000)))
    parts = list(chunks(rows(path, "contacts", "csv"), size=400, max_bytes=50_000))
    sizes = [len(batch) for batch, _ in parts]
    assert sum(sizes) == 1000 and max(sizes) <= 400
    assert all(len(msgspec.json.encode([r.record for r in batch])) <= 50_000 for batch, _ in parts)
    first = next(rows(path, "contacts", "csv"))
    assert isinstance(first, Row) and first.line == 2
    with pytest.raises(ValueError, match="no column contact_id, type, occurred_at"):
        next(rows(path, "events", "csv"))
    (tmp_path / "torn.csv").write_text("id,note\nc1,a,extra\nc2\nc3,b\n")
    read = list(rows(tmp_path / "torn.csv", "contacts", "csv"))
    assert [(type(r).__name__, r.line) for r in read] == [("BadRow", 2), ("BadRow", 3), ("Row", 4)]


def test_an_event_with_a_bad_time_is_a_bad_row_before_anything_is_sent() -> None:
    """`first_invalid_rfc3339` answers the index 0 for a single bad value; read as "no problem",
    it would let a bad time reach the API instead of being reported by line."""
    good = {"id": "e1", "contact_id": "c1", "type": "opened", "occurred_at": "2026-11-27T10:00:00Z"}
    assert check_event(good) is None
    for bad_time in ("yesterday", "2026-11-27T10:00:00", "2026-13-01T00:00:00Z"):
        problem = check_event({**good, "occurred_at": bad_time})
        assert problem is not None and "RFC 3339" in problem, bad_time
