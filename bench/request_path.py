"""The request path against its yardstick: an authenticated GET on burt and on its bare twin.

`wrk` (2 threads, 32 connections) loads `GET /campaigns/{id}` on the service and on
`bench.twin` (the same engine call, view and key check on bare Starlette), in alternating
rounds over the same SQLite file under the same uvicorn settings. The ratio of requests per
second is the figure to watch; absolute numbers depend on what else the machine runs. Each
server's CPU time per request is measured too: it moves much less with the machine's load.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from testing_support.live import LiveServer, create_key, live_server, uvicorn_command

TWIN_APP = "bench.twin:app"


def twin_command(port: int) -> list[str]:
    """The twin under exactly the uvicorn settings of the service."""
    command = uvicorn_command(port)
    return [TWIN_APP if part == "burt.service.asgi:app" else part for part in command]


@dataclass(frozen=True)
class WrkRun:
    requests_per_s: float
    p99_ms: float
    cpu_us: float
    """The server process's CPU time per request (both its threads): unlike requests per second,
    it hardly moves with what else the machine runs."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk(
    server: LiveServer, path: str, headers: dict[str, str], seconds: int, connections: int = 32
) -> WrkRun:
    """One wrk run; fails loudly on any non-2xx answer (a benchmark of errors measures nothing)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", server.url + path]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = cpu_seconds(server.process.pid)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(server.process.pid) - cpu_before
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw error responses:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return WrkRun(rate, _ms(p99), cpu / requests * 1e6)


def _campaign(server: LiveServer, key: str) -> str:
    response = httpx.post(
        f"{server.url}/campaigns",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "name": "bench",
            "optimize": "clicked",
            "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        },
    )
    response.raise_for_status()
    return str(response.json()["id"])


def compare_get(data_dir: Path, rounds: int = 3, seconds: int = 5) -> dict[str, float]:
    """Median requests/s and p99 of both apps over `rounds` alternating rounds, and the ratio."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    service: list[WrkRun] = []
    twin: list[WrkRun] = []
    with live_server(data_dir) as burt:
        key = create_key(burt.env, "bench")
        path = f"/campaigns/{_campaign(burt, key)}"
        headers = {"Authorization": f"Bearer {key}"}
        with live_server(data_dir, command=twin_command) as bare:
            for server in (burt, bare):  # warm both up, and check they answer alike
                response = httpx.get(server.url + path, headers=headers)
                response.raise_for_status()
                wrk(server, path, headers, 1)
            for _ in range(rounds):
                service.append(wrk(burt, path, headers, seconds))
                twin.append(wrk(bare, path, headers, seconds))
    ratios = [s.requests_per_s / t.requests_per_s for s, t in zip(service, twin, strict=True)]
    return {
        "service_rps": statistics.median(r.requests_per_s for r in service),
        "service_p99_ms": statistics.median(r.p99_ms for r in service),
        "twin_rps": statistics.median(r.requests_per_s for r in twin),
        "twin_p99_ms": statistics.median(r.p99_ms for r in twin),
        "service_cpu_us": statistics.median(r.cpu_us for r in service),
        "twin_cpu_us": statistics.median(r.cpu_us for r in twin),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(compare_get(Path(tmp)))
