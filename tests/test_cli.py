"""The `burt` command: its version, subcommand registration, and `serve`'s flags."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from burt.service.cli.main import COMMANDS, Commands, build
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
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.startswith("burt: ")
        and "schema version 999, written by a newer burt" in done.stderr
    )
    assert "Traceback" not in done.stderr
