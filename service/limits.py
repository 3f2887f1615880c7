"""Refuse request bodies over the configured size with 413 before anything buffers them.

A body sent without Content-Length (chunked) is read here up to the limit and passed on with
its length declared: connexion treats a request without Content-Length as having no body.
"""

from __future__ import annotations

from connexion.lifecycle import ConnexionResponse
from connexion.problem import problem
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised from `receive` once a streamed body passes the limit."""


def payload_too_large(detail: str, instance: str, close: bool = False) -> ConnexionResponse:
    """The one 413 problem: sent here before the app runs, and by the app's error handler."""
    headers = {"Connection": "close"} if close else None
    return problem(413, "Payload Too Large", detail, instance=instance, headers=headers)


class BodySizeLimit:
    """ASGI middleware: 413 problem+json once Content-Length or the streamed body is too large."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH"):
            body = await self._read_within_limit(receive)
            if body is None:
                await self._refuse(scope, send)
                return
            scope = {
                **scope,
                "headers": [*scope["headers"], (b"content-length", b"%d" % len(body))],
            }
            receive = _replay(body, receive)
        elif declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(f"request body exceeds {self.max_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _read_within_limit(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = payload_too_large(
            f"request body exceeds {self.max_bytes} bytes", scope.get("path", ""), close=True
        )
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
