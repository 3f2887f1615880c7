"""The schemathesis CLI, configured by the committed schemathesis.toml, against a real uvicorn.

The in-process suite cannot see what only a real server shows (HTTP parsing, the socket, the
process's own configuration); this run does, with schemathesis' full CLI engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from burt_contract import TENANT

from testing_support.live import live_server

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
JUNIT = ROOT / "reports" / "schemathesis" / "junit.xml"


def test_schemathesis_cli_against_a_live_server(tmp_path: Path) -> None:
    with live_server(tmp_path / "data") as server:
        env = {**os.environ, "BURT_CONTRACT_API_KEY": server.create_key(TENANT)}
        command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run"]
        result = subprocess.run(
            [*command, f"{server.url}/openapi.json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert JUNIT.is_file(), "the junit report was not written"
