"""The README's curl walkthrough runs as written against a real server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from testing_support.live import LiveServer, live_server

README = Path(__file__).resolve().parent.parent / "README.md"
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough uses curl")


def walkthrough() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1, "the README has one shell walkthrough"
    return blocks[0]


def run_walkthrough(
    server: LiveServer, burt: str = ".venv/bin/burt", cwd: Path = README.parent
) -> None:
    """Run the walkthrough against `server`, with `burt` as the command it calls; check answers.

    The only changes: the server listens on a free port, not 8000, and `burt` may be another
    install's command (the wheel test runs it from a fresh virtualenv in another folder).
    """
    script = walkthrough()
    assert "API=http://127.0.0.1:8000" in script and ".venv/bin/burt " in script
    runnable = script.replace("API=http://127.0.0.1:8000", f"API={server.url}")
    runnable = runnable.replace(".venv/bin/burt ", f"{burt} ")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", runnable],
        cwd=cwd,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("cmp_")
    answers = [json.loads(line) for line in lines[1:]]
    loaded, batch, tally, stats, allocation, batches = answers
    assert loaded["created"] == 4
    assert batch["size"] == 2 and len(batch["assignments"]) == 2
    assert tally["recorded"] == 2 and tally["rejected"][0]["reason"] == "unknown_contact"
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 1
    assert allocation["contacts_pending"] == 2
    assert [b["id"] for b in batches["items"]] == [batch["id"]]


@needs_curl
def test_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    with live_server(tmp_path / "var") as server:
        run_walkthrough(server)
