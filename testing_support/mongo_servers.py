"""MongoDB-wire emulators (nx-27017, secantusdb) on a free port, for tests and benchmarks.

No real mongod can be installed here; see NOTES.md for how the two emulators differ from MongoDB.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from testing_support.live import free_port


def _server_command(kind: str, port: int, data_dir: Path) -> list[str]:
    bin_dir = Path(sys.executable).parent
    if kind == "nx":
        return [
            str(bin_dir / "nx-27017"),
            "--host",
            "127.0.0.1",
            "-p",
            str(port),
            "--data-dir",
            str(data_dir),
            "--log-file",
            str(data_dir / "nx.log"),
            "--pid-file",
            str(data_dir / "nx.pid"),
        ]
    if kind == "secantus":
        return [
            str(bin_dir / "secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data_dir / "wt"),
            "--log-level",
            "WARNING",
        ]
    raise ValueError(f"unknown server kind {kind!r}")


@dataclass
class MongoServer:
    """An emulator process on a fixed port and data directory; restartable on both."""

    kind: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        # secantusdb presents itself as a replica set member: connect to it directly.
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 60.0) -> MongoServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "server.out").open("ab")
        self.process = subprocess.Popen(
            _server_command(self.kind, self.port, self.data_dir), stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} did not answer a ping on port {self.port}")
            time.sleep(0.1)
        return self

    def answers(self) -> bool:
        try:
            with MongoClient(self.uri, serverSelectionTimeoutMS=500) as client:
                client.admin.command("ping")
            return True
        except PyMongoError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
