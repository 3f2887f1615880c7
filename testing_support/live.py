"""A real uvicorn process serving burt on a free port, for tests that talk HTTP over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The `burt` command of the environment running the tests.
BURT = (sys.executable, "-m", "burt")


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    burt: Sequence[str] = BURT

    def create_key(self, tenant: str) -> str:
        """A new API key for `tenant`, made with the real `burt keys create` command."""
        return create_key(self.env, tenant, self.burt)


def create_key(env: Mapping[str, str], tenant: str, burt: Sequence[str] = BURT) -> str:
    out = subprocess.run(
        [*burt, "keys", "create", "--tenant", tenant],
        env=dict(env),
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def server_env(
    data_dir: Path, port: int | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's settings: quiet, and without the per-key rate limit (tests and benchmarks
    drive a server hard with one key) unless `extra` sets one; `port` None for a command that
    serves nothing."""
    env = dict(os.environ)
    env.update(
        {
            "BURT_DATA_DIR": str(data_dir),
            "BURT_HOST": "127.0.0.1",
            "BURT_LOG_LEVEL": "warning",
            "BURT_RATE_LIMIT": "0",
        }
    )
    if port is not None:
        env["BURT_PORT"] = str(port)
    env.update(extra or {})
    return env


def uvicorn_command(port: int) -> list[str]:
    """The default server process: uvicorn on the app, configured by the environment."""
    return [
        *(sys.executable, "-m", "uvicorn", "burt.service.asgi:app", "--host", "127.0.0.1"),
        *("--port", str(port), "--log-level", "warning"),
    ]


@contextmanager
def live_server(
    data_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
    command: Callable[[int], Sequence[str]] = uvicorn_command,
    burt: Sequence[str] = BURT,
    cwd: Path | None = None,
    stderr: int | IO[bytes] | None = None,
) -> Iterator[LiveServer]:
    """Start `command(port)` (uvicorn by default) in its own process; stop it on exit.

    `burt` is the command that `LiveServer.create_key` runs, for servers of another install.
    """
    port = free_port()
    env = server_env(data_dir, port, extra_env)
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(list(command(port)), env=env, cwd=cwd, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode} during start-up")
            try:
                if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not become ready on {url}")
            time.sleep(0.1)
        yield LiveServer(url=url, env=env, process=process, burt=burt)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
