"""The header gate: what the headers alone condemn is refused before the body is read.

Pure ASGI middleware between connexion's security and its validation. For the operation connexion
routed the request to (its routing context names it; a request no operation matches passes
untouched, and connexion answers it), the gate

- refuses a header the operation takes once (its header parameters, `Authorization` when it is
  secured, `Content-Type` when it has a body) sent several times (400);
- refuses a body operation without `Content-Type` (415);
- refuses an `Accept` header that allows none of the media types the operation answers with
  (406; no `Accept`, `*/*` and `application/*` are JSON);
- lower-cases the media type (RFC 9110: it is case-insensitive), so `APPLICATION/JSON` is
  validated like `application/json`.

A refusal carries `Connection: close` when a body may follow: the body is never read, so the
connection cannot carry another request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from connexion.problem import problem
from starlette.types import ASGIApp, Receive, Scope, Send

from burt.service.contract import SpecOperation, operation_of, operations, spec
from burt.service.edge.accept import allows
from burt.service.edge.limits import send_response

_BODY_HEADERS = (b"content-length", b"transfer-encoding")


@dataclass(frozen=True)
class HeaderRule:
    """What the gate checks of one operation's headers."""

    has_body: bool
    single_headers: dict[bytes, str]
    """The headers it takes one value of: lower-case name -> name as the spec spells it."""
    produces: tuple[str, ...]
    """The media types of its success answers (none when they have no body)."""


def header_rule(operation: SpecOperation) -> HeaderRule:
    requirements = operation.get("security", spec().get("security", []))
    secured = any(requirement for requirement in requirements)
    names = [p["name"] for p in operation.parameters if p.get("in") == "header"]
    has_body = "requestBody" in operation.definition
    names += ["Authorization"] if secured else []
    names += ["Content-Type"] if has_body else []
    answers = operation.get("responses", {})
    produces = tuple(
        dict.fromkeys(
            media
            for status, answer in answers.items()
            if str(status).startswith("2")
            for media in answer.get("content", {})
        )
    )
    return HeaderRule(has_body, {name.lower().encode(): name for name in names}, produces)


@cache
def header_rules() -> dict[str, HeaderRule]:
    """operationId -> its rule."""
    return {operation_id: header_rule(op) for operation_id, op in operations().items()}


class HeaderGate:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = operation_of(scope)
        if operation_id is None:
            await self.app(scope, receive, send)
            return
        rule = header_rules()[operation_id]
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        repeated = _repeated(headers, rule.single_headers)
        if repeated is not None:
            detail = f"the {repeated} header is sent more than once; it takes one value"
            await refuse(send, scope, 400, "Bad Request", detail)
            return
        accept = ", ".join(value.decode("latin-1") for name, value in headers if name == b"accept")
        if rule.produces and not allows(accept, rule.produces):
            detail = (
                f"this operation answers with {' or '.join(rule.produces)}, which the Accept"
                f" header ({accept}) does not allow"
            )
            await refuse(send, scope, 406, "Not Acceptable", detail)
            return
        if rule.has_body:
            normalized = _normalized_media_type(headers)
            if normalized is None:
                detail = "a request body needs a Content-Type header (application/json)"
                await refuse(send, scope, 415, "Unsupported Media Type", detail)
                return
            if normalized is not headers:
                scope["headers"] = normalized
        await self.app(scope, receive, send)


def _repeated(headers: Iterable[tuple[bytes, bytes]], single: dict[bytes, str]) -> str | None:
    seen: set[bytes] = set()
    for name, _ in headers:
        if name in single:
            if name in seen:
                return single[name]
            seen.add(name)
    return None


def _normalized_media_type(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]] | None:
    """The headers with the media type lower-cased (the same list when it already is), or None
    when there is no Content-Type."""
    for index, (name, value) in enumerate(headers):
        if name == b"content-type":
            media_type, separator, parameters = value.partition(b";")
            lowered = media_type.strip().lower()
            if lowered == media_type:
                return headers
            normalized = list(headers)
            normalized[index] = (name, lowered + separator + parameters)
            return normalized
    return None


def closing(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """`Connection: close` when a body may follow that will not be read."""
    has_body = any(name in _BODY_HEADERS and value != b"0" for name, value in headers)
    return {"Connection": "close"} if has_body else {}


async def refuse(send: Send, scope: Scope, status: int, title: str, detail: str) -> None:
    headers = closing(scope["headers"])
    await send_response(
        send, problem(status, title, detail, instance=scope["path"], headers=headers)
    )
