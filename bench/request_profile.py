"""Where an authenticated GET /campaigns/{id} spends its CPU, without a network in between.

Drives the service's ASGI app and its bare twin (bench/twin.py) in this process, one request
after another, and prints the CPU time per request of each (best of seven runs: CPU time moves
far less with the machine's load than wall time). With `--profile FILE` it also runs the
service under cProfile, writes the profile and prints each layer's own time: the layers run
nested, so a layer's own time is its cumulative time less the next layer's.

    python -m bench.request_profile [--requests 2000] [--profile get.prof]

cProfile inflates Python-heavy layers about twofold; read the layers against each other.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from burt.engine import Burt
from burt.engine.store import store_from_config
from testing_support.live import create_key, server_env

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
LAYERS = (  # (file, function, which of the file's functions of that name by line, label)
    ("connexion/middleware/main.py", "__call__", -1, "connexion entry, ServerErrorMiddleware"),
    ("service/edge/observe.py", "__call__", 0, "ObserveRequests (request id, log line, metrics)"),
    ("service/edge/docs_portal.py", "__call__", 0, "DocsPortal"),
    ("connexion/middleware/exceptions.py", "__call__", -1, "ExceptionMiddleware"),
    ("connexion/middleware/routing.py", "__call__", -1, "routing (spec paths)"),
    ("connexion/middleware/security.py", "__call__", 0, "security (BearerKeys)"),
    ("service/edge/gate.py", "__call__", 0, "HeaderGate"),
    ("service/edge/limits.py", "__call__", 0, "BodySizeLimit"),
    ("connexion/middleware/request_validation.py", "__call__", -1, "request validation"),
    ("connexion/middleware/lifespan.py", "__call__", 0, "lifespan, response validation"),
    ("connexion/middleware/context.py", "__call__", 0, "context"),
    ("service/api/operations.py", "__call__", 0, "operations, response sending"),
    (
        "service/api/handlers.py",
        "get_campaign",
        0,
        "handler: engine call, view, JSON (and waits for the store thread)",
    ),
)


async def _serve(app: ASGI, path: str, key: str, requests: int, runs: int) -> list[float]:
    """CPU seconds per request of `runs` runs of `requests` sequential GETs (lifespan around)."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    started = asyncio.Event()

    async def lifespan_send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()
        elif message["type"] == "lifespan.startup.failed":
            raise RuntimeError(message.get("message"))

    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    lifespan = asyncio.create_task(app(scope, inbox.get, lifespan_send))
    await started.wait()
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    async def one() -> None:
        await app(
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8000),
                "state": state.copy(),
            },
            receive,
            send,
        )

    for _ in range(300):  # warm caches
        await one()
    per_request = []
    for _ in range(runs):
        start = time.process_time()
        for _ in range(requests):
            await one()
        per_request.append((time.process_time() - start) / requests)
    await inbox.put({"type": "lifespan.shutdown"})
    await lifespan
    if statuses != {200}:
        raise RuntimeError(f"answers other than 200: {statuses}")
    return per_request


def _layer_times(profile: pstats.Stats, requests: int) -> list[tuple[str, float]]:
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = profile.stats  # type: ignore[attr-defined]

    def cumulative(file: str, function: str, which: int) -> float:
        found = sorted(
            (line, v[3])
            for (f, line, fn), v in stats.items()
            if f.endswith(file) and fn == function
        )
        return found[which][1]

    values = [cumulative(f, fn, which) for f, fn, which, _ in LAYERS] + [0.0]
    return [(label, (values[i] - values[i + 1]) / requests) for i, (*_, label) in enumerate(LAYERS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", type=Path, help="also profile the service into this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp), None, {"BURT_LOG_LEVEL": "warning"})
        os.environ.update(env)

        async def campaign() -> str:
            store = store_from_config(tmp)
            await store.open()
            made = await Burt(store, tenant="bench").initialize_campaign(
                "bench", [("a", "A"), ("b", "B")], "clicked"
            )
            await store.close()
            return made.id

        path = f"/campaigns/{asyncio.run(campaign())}"  # the store exists from here on
        key = create_key(env, "bench")
        from bench.twin import app as twin
        from burt.service.asgi import app as service

        logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
        best = {}
        for name, app in (("burt", service), ("bare Starlette", twin)):
            best[name] = min(asyncio.run(_serve(app, path, key, args.requests, 7)))
            print(f"{name:>15}: {best[name] * 1e6:6.0f} us CPU per GET (best of 7)")
        print(f"     twin / burt: {best['bare Starlette'] / best['burt']:.2f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(_serve(service, path, key, args.requests, 1))
            profiler.disable()
            profiler.dump_stats(args.profile)
            print(f"each layer's own time under cProfile (written to {args.profile}):")
            requests = args.requests + 300
            for label, seconds in _layer_times(pstats.Stats(str(args.profile)), requests):
                print(f"   {seconds * 1e6:6.1f} us  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
