"""Refuse request bodies over the configured size (413) or too slow to arrive (408), before
anything buffers them. The size limit is one for every operation, except those given their own
(the webhook receivers take what the platforms send, far less).

A body sent without Content-Length (chunked) is read here up to the limit and passed on with
its length declared: connexion treats a request without Content-Length as having no body.
Every wait for a chunk of a body is bounded by `read_timeout` seconds, so a client that opens
an upload and then sends nothing (or trickles) cannot hold a connection and its buffer forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from connexion.lifecycle import ConnexionResponse
from connexion.problem import problem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from burt.service.contract import operation_of


class BodyTooLarge(Exception):
    """Raised from `receive` once a streamed body passes the limit."""


class BodyReadTimeout(Exception):
    """Raised from `receive` when the next chunk of a body does not arrive in time."""


def payload_too_large(detail: str, instance: str, close: bool = False) -> ConnexionResponse:
    """The one 413 problem: sent here before the app runs, and by the app's error handler."""
    headers = {"Connection": "close"} if close else None
    return problem(413, "Payload Too Large", detail, instance=instance, headers=headers)


def request_timeout(detail: str, instance: str) -> ConnexionResponse:
    """The one 408 problem (the connection closes: the rest of the body is never read)."""
    return problem(
        408, "Request Timeout", detail, instance=instance, headers={"Connection": "close"}
    )


async def send_response(send: Send, response: ConnexionResponse) -> None:
    """Write a connexion (problem) response straight to the ASGI channel, before the app runs."""
    body = response.body.encode() if isinstance(response.body, str) else response.body
    headers = response.headers or {}
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [
                *((k.lower().encode(), str(v).encode()) for k, v in headers.items()),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """ASGI middleware: 413 problem+json once Content-Length or the streamed body is too large,
    408 once a body chunk takes longer than `read_timeout` seconds.

    `operation_limits` maps an operationId to its own limit, in place of `max_bytes`."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        read_timeout: float = 30.0,
        operation_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout
        self.operation_limits = dict(operation_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = operation_of(scope)
        if operation_id is None:  # nothing will read the body
            await self.app(scope, receive, send)
            return
        limit = self.operation_limits.get(operation_id, self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        try:
            if declared is None and scope["method"] in ("POST", "PUT", "PATCH"):
                body = await self._read_within_limit(receive, limit)
                if body is None:
                    await self._too_large(scope, send, limit)
                    return
                scope = {
                    **scope,
                    "headers": [*scope["headers"], (b"content-length", b"%d" % len(body))],
                }
                receive = _replay(body, receive)
            elif declared is not None and declared.isdigit() and int(declared) > limit:
                await self._too_large(scope, send, limit)
                return
        except BodyReadTimeout as exc:
            await send_response(send, request_timeout(str(exc), scope.get("path", "")))
            return
        await self._pass_on(scope, receive, send, limit)

    async def _pass_on(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False
        body_done = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # e.g. a streaming response listening for a disconnect: no limit
                return await receive()
            message = await self._next(receive)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > limit:
                    raise BodyTooLarge(f"request body exceeds {limit} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, send, limit)
        except BodyReadTimeout as exc:
            if not started:
                await send_response(send, request_timeout(str(exc), scope.get("path", "")))

    async def _next(self, receive: Receive) -> Message:
        try:
            async with asyncio.timeout(self.read_timeout):
                return await receive()
        except TimeoutError:
            raise BodyReadTimeout(
                f"no part of the request body arrived for {self.read_timeout:g} seconds"
            ) from None

    async def _read_within_limit(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._next(receive)
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        detail = f"request body exceeds {limit} bytes"
        await send_response(send, payload_too_large(detail, scope.get("path", ""), close=True))


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields `body` once, then defers to the original channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
