"""Bearer API-key authentication, referenced from the spec by `x-bearerInfoFunc`."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from burt.service.runtime import runtime_of


async def bearer_info(token: str, request: HTTPConnection) -> dict[str, Any] | None:
    """The tenant of a usable key as `sub` and its scope, or None (connexion answers 401)."""
    runtime = runtime_of(request)
    key = await runtime.keys.key_for(runtime.store, token)
    return None if key is None else {"sub": key.tenant, "scope": [key.scope]}
