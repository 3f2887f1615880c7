"""The README's curl walkthrough runs as written against a real server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from testing_support.live import live_server

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1, "the README has one shell walkthrough"
    return blocks[0]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough uses curl")
def test_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    script = walkthrough()
    assert "API=http://127.0.0.1:8000" in script
    with live_server(tmp_path / "var") as server:
        # The one change: the server under test listens on a free port, not 8000.
        runnable = script.replace("API=http://127.0.0.1:8000", f"API={server.url}")
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", runnable],
            cwd=README.parent,
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
