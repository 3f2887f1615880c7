"""Prometheus metrics: traffic, latency and errors per operation, and what the store did.

With several uvicorn workers every process keeps its own counters; prometheus_client's
multiprocess mode adds them up on a scrape. It is on when `PROMETHEUS_MULTIPROC_DIR` is set
before this module is imported: `burt serve --workers N` (N > 1) sets it to a fresh folder, so
an operator need not (see `multiprocess_dir`).

The store's work is counted by wrapping the store (`MeteredStore`), so every path that draws a
batch or records events is counted the same, whatever the entry point (API, webhook, CLI).
"""

from __future__ import annotations

import hmac
import inspect
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.types import Receive, Scope, Send

from burt.engine.errors import BurtError, StoreUnavailable
from burt.engine.model import Batch, EventTally

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "burt_requests",
    "HTTP requests answered, by operationId (`none` outside the spec) and status.",
    ["operation", "status"],
)
LATENCY = Histogram(
    "burt_request_duration_seconds",
    "Time from request to the end of the response, by operationId.",
    ["operation"],
)
BATCHES = Counter("burt_batches_drawn", "Experiment batches drawn (replays excluded).")
CONTACTS = Counter(
    "burt_contacts_assigned",
    "Contacts claimed by drawn batches: `variant` were sent a variant, `holdout` held out.",
    ["group"],
)
EVENTS = Counter(
    "burt_events",
    "Outcome events received: recorded, duplicate (event id seen before), repeated (a binary"
    " outcome the contact already had) or rejected.",
    ["result"],
)
REJECTED = Counter("burt_events_rejected", "Outcome events rejected, by reason.", ["reason"])
STORE_ERRORS = Counter(
    "burt_store_errors",
    "Store calls that failed (unavailable, or an unexpected error), by store method.",
    ["method", "error"],
)

# `labels()` costs a lock and a dict lookup per call; the children are few, so keep them.
_request_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def request_done(operation: str | None, status: int, seconds: float) -> None:
    key = (operation or "none", str(status))
    children = _request_children.get(key)
    if children is None:
        children = (REQUESTS.labels(*key), LATENCY.labels(key[0]))
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def _batch_drawn(batch: Batch) -> None:
    BATCHES.inc()
    CONTACTS.labels("variant").inc(sum(batch.counts))
    CONTACTS.labels("holdout").inc(batch.holdout_count)


def _events_recorded(tally: EventTally) -> None:
    EVENTS.labels("recorded").inc(tally.recorded)
    EVENTS.labels("duplicate").inc(tally.duplicates)
    EVENTS.labels("repeated").inc(tally.repeated)
    EVENTS.labels("rejected").inc(len(tally.rejected))
    for rejection in tally.rejected:
        REJECTED.labels(rejection.reason).inc()


_OBSERVERS: dict[str, Callable[[Any], None]] = {
    "draw_batch": _batch_drawn,
    "record_events": _events_recorded,
}


class MeteredStore:
    """A store that counts drawn batches, recorded events and failed calls, else the same.

    Domain errors (not found, conflicts) are answers, not failures: only `StoreUnavailable` and
    exceptions that are not `BurtError`s count as store errors.
    """

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        observe = _OBSERVERS.get(name)

        async def metered(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await attribute(*args, **kwargs)
            except StoreUnavailable:
                STORE_ERRORS.labels(name, "unavailable").inc()
                raise
            except BurtError:
                raise
            except Exception as error:
                STORE_ERRORS.labels(name, type(error).__name__).inc()
                raise
            if observe is not None:
                observe(result)
            return result

        setattr(self, name, metered)  # found directly from now on
        return metered


def exposition() -> bytes:
    """The metrics in the Prometheus text format, summed over workers in multiprocess mode."""
    if os.environ.get(MULTIPROC_VARIABLE):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class MetricsEndpoint:
    """ASGI app for `GET /metrics`; with a token set, only `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None) -> None:
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, content_type, body = 200, CONTENT_TYPE_LATEST, b""
        if self.token is not None and not self._authorized(scope):
            status, content_type = 401, "text/plain; charset=utf-8"
            body = b"metrics need the metrics token (BURT_METRICS_TOKEN) as a bearer token\n"
        elif scope["method"] not in ("GET", "HEAD"):
            status, content_type, body = 405, "text/plain; charset=utf-8", b"GET only\n"
        else:
            body = exposition()
        headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-store")]
        if status == 405:
            headers.append((b"allow", b"GET, HEAD"))
        headers.append((b"content-length", b"%d" % len(body)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    def _authorized(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope["headers"]:
            if name == b"authorization":
                return hmac.compare_digest(value, b"Bearer " + self.token)
        return False


@contextmanager
def multiprocess_dir(workers: int) -> Iterator[None]:
    """Around `uvicorn.run`: give several workers a shared, empty folder for their metrics.

    An operator's own `PROMETHEUS_MULTIPROC_DIR` is used and emptied of the previous run's
    files (prometheus_client requires that); otherwise a temporary folder is made and removed.
    """
    if workers <= 1 and not os.environ.get(MULTIPROC_VARIABLE):
        yield
        return
    given = os.environ.get(MULTIPROC_VARIABLE)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="burt-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_VARIABLE] = str(folder)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)
