"""Bearer API-key authentication, referenced from the spec by `x-bearerInfoFunc`."""

from __future__ import annotations

from functools import cache
from typing import Any

from connexion.security import AbstractSecurityHandler, BasicSecurityHandler, BearerSecurityHandler
from starlette.requests import HTTPConnection

from burt.service.edge.gate import ADMITTED_KEY
from burt.service.runtime import runtime_of


async def bearer_info(token: str, request: HTTPConnection) -> dict[str, Any] | None:
    """The tenant of a usable key as `sub` and its scope, or None (connexion answers 401).

    The request gate looked the same token up moments ago (before the body); its answer is
    taken as it is rather than asked again."""
    admitted = request.scope.get("extensions", {}).get(ADMITTED_KEY)
    if admitted is not None and admitted[0] == token:
        key = admitted[1]
    else:
        runtime = runtime_of(request)
        key = await runtime.keys.key_for(runtime.store, token)
    return None if key is None else {"sub": key.tenant, "scope": [key.scope]}


# connexion asks, on every request, whether the info function takes `request` and
# `required_scopes`, by building the function's `inspect.signature` twice: about a sixth of an
# authenticated GET's CPU. The answer never changes for a function, so it is asked once.
_accepts_kwarg = staticmethod(cache(AbstractSecurityHandler._accepts_kwarg))


class BearerHandler(BearerSecurityHandler):  # type: ignore[misc]  # connexion ships no types
    """connexion's bearer handler; the info function's signature is read once."""

    _accepts_kwarg = _accepts_kwarg


class BasicHandler(BasicSecurityHandler):  # type: ignore[misc]
    """connexion's basic handler; the info function's signature is read once."""

    _accepts_kwarg = _accepts_kwarg


SECURITY_MAP = {"bearer": BearerHandler, "basic": BasicHandler}
"""The handlers for the spec's security schemes (`security_map` of connexion's `add_api`)."""
