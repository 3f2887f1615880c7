"""Bearer API-key authentication, referenced from the spec by `x-bearerInfoFunc`."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from burt.service.keys import hash_api_key
from burt.service.runtime import runtime_of


async def bearer_info(token: str, request: HTTPConnection) -> dict[str, Any] | None:
    """The tenant of a valid key as `sub`, or None (connexion answers 401)."""
    tenant = await runtime_of(request).store.tenant_for_key(hash_api_key(token))
    return None if tenant is None else {"sub": tenant}
