"""ASGI middleware that times every request, tags it with a request id, and reports it.

The request id is the client's `X-Request-ID` when it is a plausible id (1 to 128 visible ASCII
characters), else a new one; either way it is echoed in the response's `X-Request-ID` and set in
`logs.REQUEST_ID` while the request runs. The operationId and the tenant are read, after the
response, from what connexion's routing and security middleware left in the scope.

Pure ASGI (no BaseHTTPMiddleware): per request one wrapped `send`, one clock pair, one log
record and two metric updates.
"""

from __future__ import annotations

import random
import re
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from burt.service.edge import logs, metrics

_PLAUSIBLE_ID = re.compile(rb"[\x21-\x7e]{1,128}")


def _request_id(headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        if name == b"x-request-id" and _PLAUSIBLE_ID.fullmatch(value):
            return value
    # 96 random bits from the process's Mersenne Twister (seeded from the OS, reseeded in a
    # forked child), not os.urandom: a request id names a request, it guards nothing, and
    # urandom's system call lets the store's worker thread take the GIL from the event loop.
    return b"%024x" % random.getrandbits(96)


class ObserveRequests:
    def __init__(self, app: ASGIApp, count: bool = True) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = _request_id(scope["headers"])
        token = logs.REQUEST_ID.set(request_id.decode())
        # connexion's routing and security write into this dict; it is shared even when an inner
        # middleware passes on a copy of the scope.
        extensions: dict[str, Any] = scope.setdefault("extensions", {})
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", request_id)]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            operation = extensions.get("connexion_routing", {}).get("operation_id")
            tenant = extensions.get("connexion_context", {}).get("user")
            if self.count:
                metrics.request_done(operation, status, seconds)
            logs.request_line(
                scope["method"], scope["path"], status, seconds, operation, tenant, request_id
            )
            logs.REQUEST_ID.reset(token)
