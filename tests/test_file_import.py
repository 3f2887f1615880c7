"""`burt contacts load` and `burt events load` against a real uvicorn process, through the SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import msgspec
import pytest

from burt.engine import timefmt
from burt.service.cli.files import CSV_FIELD_LIMIT, BadRow, Columns, Source, chunks
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
    assert "line 102: Expected `str` of length >= 1 - at column `email`" in err
    assert "line 2003: Expected `str` of length <= 200 - at column `email`" in err
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
    assert _load(server, key, "contacts", "load", cid, str(path), "--strict") == 1
    assert "line 7: Expected `str`, got `int` - at `$.attributes[...]`" in capsys.readouterr().err
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
    assert "line 6: Invalid enum value 'bought' - at column `type`" in err
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


def test_a_stopped_service_fails_the_load_before_reading_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id\n\nc1\n")  # line 2 is a bad row: it is never reached
    nobody = f"http://127.0.0.1:{free_port()}"  # a free port: nothing listens there
    argv = ["contacts", "load", "cmp_x", str(path), "--url", nobody, "--api-key", "k"]
    assert main([*argv, "--quiet", "--retries", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"burt: cannot reach the service at {nobody}") and err.count("\n") == 1


def _events(count: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {
            "id": f"e{i}",
            "contact_id": f"c{i % 50}",
            "type": ("delivered", "opened", "clicked")[i % 3],
            "occurred_at": f"2030-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
        }
        for i in range(start, start + count)
    ]


@pytest.fixture
def drawn(server: LiveServer, campaign: tuple[str, str]) -> tuple[str, str]:
    """A campaign with 50 contacts c0..c49, all drawn."""
    cid, key = campaign
    auth = {"Authorization": f"Bearer {key}"}
    contacts = {"contacts": [{"id": f"c{i}"} for i in range(50)]}
    httpx.post(f"{server.url}/campaigns/{cid}/contacts", json=contacts, headers=auth)
    draw = {**auth, "Idempotency-Key": "all"}
    httpx.post(f"{server.url}/campaigns/{cid}/batches", json={"size": 50}, headers=draw)
    return cid, key


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_events_load_reads_times_a_chunk_at_a_time_and_reruns_record_nothing(
    server: LiveServer,
    drawn: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    """The bulk time reader runs once per chunk: once per row, it made loads crawl."""
    cid, key = drawn
    events = _events(3000)
    path = tmp_path / f"events.{fmt}"
    if fmt == "csv":
        path.write_text(
            "id,contact_id,type,occurred_at\n"
            + "".join(",".join(event.values()) + "\n" for event in events)
        )
    else:
        path.write_text("".join(json.dumps(event) + "\n" for event in events))
    reads: list[int] = []
    bulk = timefmt._canonical_epochs

    def counted(values: list[str]) -> object:
        reads.append(len(values))
        return bulk(values)

    monkeypatch.setattr(timefmt, "_canonical_epochs", counted)
    argv = ("events", "load", cid, str(path), "--chunk-size", "1000")
    assert _load(server, key, *argv) == 0
    assert reads == [1000, 1000, 1000]
    assert _summary(capsys.readouterr().out)["recorded"] == 3000
    assert _load(server, key, *argv) == 0
    again = _summary(capsys.readouterr().out)
    assert again["recorded"] == 0 and again["duplicates"] == 3000


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("id\nc1\n", 1),
        ("id\nc1", 1),  # no newline at the end
        ("id\r\nc1\r\nc2\r\n\r\n", 2),
        ('id,note\nc1,"two\nlines"\nc2,x\n', 2),  # a quoted field across lines is one row
    ],
)
def test_progress_counts_data_rows_exactly(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    rows: int,
) -> None:
    cid, key = campaign
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode())
    argv = ["contacts", "load", cid, str(path), "--url", server.url, "--api-key", key]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert f" {rows}/{rows} " in captured.err, captured.err
    assert _summary(captured.out)["received"] == rows


def test_bad_rows_are_lines_of_their_own_above_the_progress_bar(
    server: LiveServer,
    drawn: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid, key = drawn
    lines = [json.dumps(event) for event in _events(30)]
    lines[9] = lines[9][:-12]  # line 10: cut short
    lines[20] = '{"id": "e20", "contact_id": "c1", "type": "opened"}'
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    argv = ["events", "load", cid, str(path), "--url", server.url, "--api-key", key]
    assert main([*argv, "--chunk-size", "5"]) == 1
    err = capsys.readouterr().err
    pieces = [piece.strip() for piece in err.replace("\r", "\n").split("\n")]
    messages = [piece for piece in pieces if "line " in piece]
    assert len(messages) == 2
    assert messages[0].startswith("line 10: JSON ends early: '…")
    assert messages[0].endswith('"occurred_at": "2030-01-01\'')
    assert messages[1] == "line 21: Object missing required field `occurred_at`"
    assert " 30/30 " in err


def _read(path: Path, kind: str = "contacts") -> list[tuple[int, object]]:
    source = Source(path, kind, None, Columns())  # type: ignore[arg-type]
    return [
        (line, row if isinstance(row, str) else type(row).__name__) for line, row in source.rows()
    ]


def test_a_row_the_reader_cannot_use_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "torn.csv").write_text("id,a,b\nc1,x,y\nc2,x\nc3,x,y,z\nc4,,\n")
    assert _read(tmp_path / "torn.csv") == [
        (2, "ContactIn"),
        (3, "2 fields, the header has 3"),
        (4, "4 fields, the header has 3"),
        (5, "ContactIn"),
    ]
    (tmp_path / "torn.jsonl").write_bytes(
        b'{"id": "c1"}\n{"id": "c2", "attri\n{"id": "c3"} x\n{"id": "\xff"}\n\n{"id": "c6"}\n'
    )
    assert _read(tmp_path / "torn.jsonl") == [
        (1, "ContactIn"),
        (2, "JSON ends early: " + repr('{"id": "c2", "attri')),
        (3, "not JSON: JSON is malformed: trailing characters (byte 14)"),
        (4, "not UTF-8 text: invalid start byte at byte 0"),
        (6, "ContactIn"),
    ]


def test_inputs_that_crashed_the_loader_are_bad_rows(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A CSV field over the csv module's limit and deeply nested JSON ended in tracebacks."""
    cid, key = campaign
    huge = tmp_path / "huge.csv"
    huge.write_text(f"id,note\nc1,a\nc2,{'n' * (CSV_FIELD_LIMIT + 1)}\nc3,b\n")
    nested = tmp_path / "nested.jsonl"
    nested.write_text('{"id": "c4"}\n' + "[" * 100_000 + "]" * 100_000 + '\n{"id": "c5"}\n')
    for path in (huge, nested):
        assert _load(server, key, "contacts", "load", cid, str(path)) == 1
    captured = capsys.readouterr()
    assert "line 3: not CSV: a field longer than 131,072 characters" in captured.err
    assert "line 2: Expected `object`, got `array`" in captured.err
    assert [_summary(out)["created"] for out in captured.out.splitlines()] == [2, 2]


def test_a_csv_with_a_byte_order_mark_reads_as_the_user_meant(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cid, key = campaign
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffid,segment\r\nc1,vip\r\nc2,std\r\n".encode())
    assert _load(server, key, "contacts", "load", cid, str(path)) == 0
    assert _summary(capsys.readouterr().out)["created"] == 2


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--chunk-size", "0"], "argument --chunk-size: 0 is not 1 to 50000"),
        (["--max-bytes", "-1"], "argument --max-bytes: -1 is not at least 1"),
        (["--retries", "x"], "argument --retries: 'x' is not a whole number"),
        (["--url", "localhost:8000"], "burt: --url 'localhost:8000' is not an http:// or https://"),
        (["--id-column", "email"], "burt: the CSV header of c.csv has no column email"),
        (["--format", "jsonl", "--api-key", ""], "burt: --url and --api-key (or BURT_URL"),
    ],
)
def test_arguments_that_cannot_work_are_refused_in_one_line(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    says: str,
) -> None:
    cid, key = campaign
    monkeypatch.delenv("BURT_API_KEY", raising=False)
    path = tmp_path / "c.csv"
    path.write_text("id\nc1\n")
    command = ["contacts", "load", cid, str(path), "--url", server.url, "--api-key", key, *argv]
    with pytest.raises(SystemExit) as stopped:
        raise SystemExit(main(command))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "choose from" not in err
    assert err.strip().splitlines()[-1].startswith(("burt: ", "burt contacts load: "))
    assert _campaign(server, key, cid)["contacts_total"] == 0


def test_a_missing_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    argv = [
        "contacts",
        "load",
        "cmp_x",
        str(missing),
        "--url",
        "http://127.0.0.1:9",
        "--api-key",
        "k",
    ]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"burt: cannot read {missing}: No such file or directory\n"


def test_an_unknown_campaign_is_refused_before_any_row_is_read(
    server: LiveServer,
    campaign: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, key = campaign
    path = tmp_path / "c.csv"
    path.write_text("id\n\nc1\n")
    assert _load(server, key, "contacts", "load", "cmp_nobody", str(path)) == 1
    err = capsys.readouterr().err
    assert err.startswith("burt: the service answered 404:") and "line " not in err


def test_rows_stream_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id,note\n" + "".join(f"c{i},{'n' * 150}\n" for i in range(1000)))
    source = Source(path, "contacts", None, Columns())
    parts = list(chunks(source, size=400, max_bytes=50_000))
    sizes = [len(chunk.lines) for chunk in parts]
    assert sum(sizes) == 1000 and max(sizes) <= 400
    assert all(len(chunk.rows) <= 50_000 for chunk in parts)
    assert parts[0].lines[0] == 2
    with pytest.raises(ValueError, match="no column contact_id, type, occurred_at"):
        Source(path, "events", None, Columns())


def test_an_event_with_a_bad_time_or_a_nul_is_a_bad_row_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    events = _events(6)
    events[1]["occurred_at"] = "yesterday"
    events[2]["occurred_at"] = "2026-11-27T10:00:00"
    events[3]["occurred_at"] = "2026-13-01T00:00:00Z"
    events[4]["contact_id"] = "c\x004"
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    (chunk,) = chunks(Source(path, "events", None, Columns()), 100, 1 << 20)
    assert chunk.lines == [1, 6]
    assert [(row.line, row.reason) for row in chunk.bad] == [
        (2, "occurred_at 'yesterday' is not an RFC 3339 time with an offset"),
        (3, "occurred_at '2026-11-27T10:00:00' is not an RFC 3339 time with an offset"),
        (4, "occurred_at '2026-13-01T00:00:00Z' is not an RFC 3339 time with an offset"),
        (5, "Expected `str` matching regex '^[^\\\\x00]+$' - at `$.contact_id`"),
    ]
    assert [event["id"] for event in msgspec.json.decode(chunk.rows)] == ["e0", "e5"]


def test_a_csv_row_that_is_not_utf8_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,city\nc1,Berlin\nc2,M\xfcnchen\nc3,Wien\n")
    (chunk,) = chunks(Source(path, "contacts", None, Columns()), 100, 1 << 20)
    assert chunk.lines == [2, 4]
    assert chunk.bad == [BadRow(3, "not UTF-8 text: the bytes b'\\xfc'")]
