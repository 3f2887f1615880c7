"""The `burt` command: its version, subcommand registration, and `serve`'s flags."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from burt.service.cli.main import COMMANDS, EXIT_FAILED, EXIT_USAGE, Commands, build
from burt.service.config import Config, ConfigError
from testing_support.live import BURT, free_port, live_server


def register(cli: Commands) -> None:
    """A module of the test suite adding commands the way another burt module would."""
    cli.add("keys demo", help="added to the keys group from another module", run=lambda a: 7)
    cli.group("things", help="a group described before its commands")
    cli.add("things count", help="nested", run=lambda a: a.n).add_argument("--n", type=int)


def test_version_is_the_installed_distributions() -> None:
    done = subprocess.run([*BURT, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"burt {version('burt')}"


def test_modules_add_commands_and_share_groups() -> None:
    parser, _cli = build((*COMMANDS, "tests.test_cli"))
    assert parser.parse_args(["keys", "demo"]).run(argparse.Namespace()) == 7
    args = parser.parse_args(["things", "count", "--n", "3"])
    assert args.run(args) == 3
    create = parser.parse_args(["keys", "create", "--tenant", "t"])
    assert create.tenant == "t" and callable(create.run)
    with pytest.raises(SystemExit):
        parser.parse_args(["things"])  # a group alone is not a command


def test_passthrough_command_gets_its_own_arguments() -> None:
    done = subprocess.run([*BURT, "simulate", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--policy" in done.stdout
    assert "simulate" in subprocess.run([*BURT, "--help"], capture_output=True, text=True).stdout


def test_empty_tenant_is_refused() -> None:
    done = subprocess.run(
        [*BURT, "keys", "create", "--tenant", " "], capture_output=True, text=True
    )
    assert done.returncode == 2 and "--tenant must not be empty" in done.stderr


def test_serve_flags_win_over_the_environment(tmp_path: Path) -> None:
    flagged, from_env = tmp_path / "flagged", tmp_path / "from-env"
    log = (tmp_path / "stderr.log").open("wb")
    with live_server(
        flagged,
        extra_env={
            "BURT_PORT": str(free_port()),  # the server must listen on --port instead
            "BURT_DATA_DIR": str(from_env),
            "BURT_LOG_LEVEL": "info",
            "PYTHONWARNINGS": "",
        },
        command=lambda port: [*BURT, "serve", "--port", str(port), "--data-dir", str(flagged)],
        cwd=tmp_path,
        stderr=log,
    ) as server:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
    log.close()
    assert (flagged / "burt.sqlite3").exists() and not from_env.exists()
    started = (tmp_path / "stderr.log").read_text()
    assert "Application startup complete" in started
    assert "Warning" not in started, started


@pytest.mark.parametrize("command", [["serve"], ["keys", "create", "--tenant", "t"]])
def test_a_store_from_a_newer_burt_is_refused_with_a_message(
    tmp_path: Path, command: list[str]
) -> None:
    with sqlite3.connect(tmp_path / "burt.sqlite3") as db:
        db.execute("CREATE TABLE campaigns (num INTEGER PRIMARY KEY)")
        db.execute("PRAGMA user_version = 999")
    db.close()
    done = subprocess.run(
        [*BURT, *command],
        capture_output=True,
        text=True,
        env={**os.environ, "BURT_DATA_DIR": str(tmp_path), "BURT_PORT": str(free_port())},
        timeout=60,
    )
    assert done.returncode == EXIT_FAILED, done.stderr
    assert (
        done.stderr.startswith("burt: ")
        and "schema version 999, written by a newer burt" in done.stderr
    )
    assert "Traceback" not in done.stderr


def _refused(command: list[str], cwd: Path, **env: str) -> str:
    """The one line `burt` refuses `command` with, exit code 2, having done nothing in `cwd`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BURT_")}
    done = subprocess.run(
        [*BURT, *command], capture_output=True, text=True, cwd=cwd, env={**clean, **env}, timeout=60
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and not any(cwd.iterdir()), done.stderr
    return done.stderr


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        (["--port", "99999"], {}, "--port"),
        (["--port", "0"], {}, "--port"),
        (["--port", "http"], {}, "--port"),
        ([], {"BURT_PORT": "-5"}, "BURT_PORT"),
        ([], {"BURT_PORT": "65536"}, "BURT_PORT"),
    ],
)
def test_serve_refuses_a_port_out_of_range_before_it_starts(
    tmp_path: Path, argv: list[str], env: dict[str, str], named: str
) -> None:
    line = _refused(["serve", *argv], tmp_path, **env)
    assert line.startswith(f"burt: {named} must be an integer from 1 to 65535, got "), line


@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "1e9", "0", "-1", "soon"])
def test_keys_create_refuses_an_expiry_that_is_not_a_number_of_days(
    tmp_path: Path, days: str
) -> None:
    line = _refused(
        ["keys", "create", "--tenant", "t", "--create-store", f"--expires-in={days}"], tmp_path
    )
    assert "--expires-in: must be a number of days above 0 and at most 36500" in line, line


def test_every_command_on_the_store_takes_the_flags_of_serve(tmp_path: Path) -> None:
    parser, _cli = build()
    flags = ["--data-dir", "d", "--mongodb-uri", "mongodb://h", "--mongodb-db", "x"]
    for command in (["serve"], ["keys", "create", "--tenant", "t"], ["keys", "list"]):
        args = parser.parse_args([*command, *flags])
        assert (args.data_dir, args.mongodb_uri, args.mongodb_db) == ("d", "mongodb://h", "x")
    data = tmp_path / "data"
    done = subprocess.run(
        [*BURT, "keys", "create", "--tenant", "acme", "--data-dir", str(data), "--create-store"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (data / "burt.sqlite3").exists() and not (tmp_path / "var").exists()
    listed = subprocess.run(
        [*BURT, "keys", "list", "--data-dir", str(data)], capture_output=True, text=True
    )
    assert listed.returncode == 0 and "acme" in listed.stdout, listed.stderr


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("no", False),
        ("on", True),
        (" Off ", False),
        ("", True),
    ],
)
def test_boolean_variables_take_the_usual_spellings(raw: str, value: bool) -> None:
    config = Config.from_env({"BURT_SNS_AUTO_CONFIRM": raw, "BURT_METRICS": raw})
    assert config.sns_auto_confirm is value and config.metrics is value


def test_a_boolean_variable_burt_cannot_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BURT_METRICS must be true or false"):
        Config.from_env({"BURT_METRICS": "maybe"})
    line = _refused(["serve"], tmp_path, BURT_SNS_AUTO_CONFIRM="enabled")
    assert line.startswith("burt: BURT_SNS_AUTO_CONFIRM must be true or false"), line


def test_with_several_workers_every_line_is_json(tmp_path: Path) -> None:
    """Issue 22 (10): uvicorn's supervisor wrote its lines as plain text."""
    log = (tmp_path / "stderr.log").open("wb")
    with live_server(
        tmp_path / "data",
        extra_env={"BURT_LOG_FORMAT": "json", "BURT_LOG_LEVEL": "info"},
        command=lambda port: [*BURT, "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        stderr=log,
    ) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    log.close()
    lines = (tmp_path / "stderr.log").read_text().splitlines()
    assert any("Started parent process" in line for line in lines), lines
    for line in lines:
        assert isinstance(json.loads(line), dict), line


@pytest.mark.parametrize(
    ("command", "env", "says"),
    [
        (["serve"], {"BURT_LOG_LEVEL": "loud"}, "BURT_LOG_LEVEL must be one of critical, "),
        (["keys", "list", "--mongodb-uri", "db.example"], {}, "--mongodb-uri must be a mongodb://"),
        (["docs", "--output", "."], {}, "--output . is a folder: name the file to write"),
        (["keys", "revoke"], {}, "the following arguments are required: KEY_ID"),
    ],
)
def test_a_wrong_option_is_one_line_and_exit_code_2(
    tmp_path: Path, command: list[str], env: dict[str, str], says: str
) -> None:
    assert says in _refused(command, tmp_path, **env)


def test_a_data_dir_that_cannot_be_made_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    done = subprocess.run(
        [*BURT, "serve", "--data-dir", str(tmp_path / "a-file" / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_FAILED, done.stderr
    assert done.stderr.startswith("burt: [Errno 20] Not a directory") and "Traceback" not in (
        done.stderr
    )
