"""Bearer API keys: who is calling, and whether the key may call the operation.

`BearerKeys` is the security handler connexion's `security_map` takes for the spec's `bearer`
scheme: its `get_fn` returns the check connexion's security middleware runs for every secured
operation, after routing and before anything reads the body. The check reads the key from the
`Authorization` header, asks the spec's `x-bearerInfoFunc` (`bearer_info`) who it is, and
holds the key's scope against the operation's `x-burt-scope` (connexion names the operation
it routed to in the request's routing context), then spends one of the key's rate-limit tokens
(`auth.ratelimit`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from typing import Any

from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.utils import get_function_from_name
from starlette.requests import HTTPConnection

from burt.service.contract import operations
from burt.service.runtime import runtime_of

HOW_TO_GET_A_KEY = (
    "make one with `burt keys create --tenant NAME` and send it as `Authorization: Bearer KEY`"
)
MISSING_KEY = f"no bearer API key given: {HOW_TO_GET_A_KEY}"
UNUSABLE_KEY = f"the API key is unknown, revoked or expired: {HOW_TO_GET_A_KEY}"
CHALLENGE = 'Bearer realm="burt"'
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([\x21-\x7e]+) *")

TokenInfo = dict[str, Any]


class KeyRefused(Exception):
    """A request whose key may not call its operation: 401 (no usable key) or 403 (read-only).

    `status_code` is where connexion's security looks for the status of a refusal."""

    def __init__(self, status_code: int, detail: str, challenge: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.challenge = challenge


async def bearer_info(token: str, request: HTTPConnection) -> TokenInfo | None:
    """The tenant of a usable key as `sub`, its scope and its id, or None."""
    key = await runtime_of(request).keys.key_for(token)
    return None if key is None else {"sub": key.tenant, "scope": key.scope, "key_id": key.key_id}


@cache
def _write_operations() -> frozenset[str]:
    """The operations a read-only key may not call (`x-burt-scope: write`, the default)."""
    return frozenset(
        operation_id
        for operation_id, operation in operations().items()
        if operation.get("x-burt-scope", "write") == "write"
    )


def refusal(headers: list[str], info: TokenInfo | None, operation_id: str) -> KeyRefused | None:
    """Why the request may not call `operation_id`, or None when it may."""
    if info is None:
        if not headers:
            return KeyRefused(401, MISSING_KEY, CHALLENGE)
        return KeyRefused(401, UNUSABLE_KEY, CHALLENGE + ', error="invalid_token"')
    if info["scope"] != "write" and operation_id in _write_operations():
        return KeyRefused(
            403,
            f"this API key is read-only; {operation_id} needs a key with write scope",
            CHALLENGE + ', error="insufficient_scope", scope="write"',
        )
    return None


class BearerKeys:
    """connexion's security-handler interface for the `bearer` scheme (see the module doc)."""

    def get_fn(
        self, security_scheme: Mapping[str, Any], required_scopes: list[str]
    ) -> Callable[[ConnexionRequest], Awaitable[TokenInfo]]:
        info_function = get_function_from_name(security_scheme["x-bearerInfoFunc"])

        async def verify(request: ConnexionRequest) -> TokenInfo:
            headers = request.headers.getlist("authorization")
            match = _BEARER.fullmatch(headers[0]) if len(headers) == 1 else None
            info: TokenInfo | None = (
                None if match is None else await info_function(match.group(1), request)
            )
            operation_id = request.scope["extensions"][ROUTING_CONTEXT]["operation_id"]
            refused = refusal(headers, info, operation_id)
            if refused is not None:
                raise refused
            assert info is not None
            runtime_of(request).limiter.take(info["key_id"])
            return info

        return verify
