"""The receiver gate: a delivery to an unknown receiver is refused before its body is read.

Pure ASGI middleware between connexion's routing and its security (connexion has no hook that
runs a lookup per operation before the body is buffered). For a request routed to one of the
receiving operations (`/webhooks/{provider}/{webhookId}`), the gate finds the receiver through
the engine's `Receivers`: an unknown id, or another provider's receiver, answers 404 with
`Connection: close` at once (the body is never read); a known one is put into the scope for the
Basic check and the handler (`receiver_of`). Anything else passes untouched.
"""

from __future__ import annotations

import re
from functools import cache

from starlette.types import ASGIApp, Receive, Scope, Send

from burt.engine.errors import NotFound
from burt.engine.model import Webhook
from burt.service.contract import operation_of, operations
from burt.service.edge.gate import refuse
from burt.service.runtime import STATE_KEY, Runtime

RECEIVER_KEY = "burt.receiver"
"""Where in `scope["extensions"]` the gate puts the receiver it found."""
_RECEIVER_PATH = re.compile(r"/webhooks/(\w+)/\{webhookId\}")


@cache
def receiving_operations() -> dict[str, str]:
    """operationId -> provider, for every operation that receives a platform's deliveries."""
    found: dict[str, str] = {}
    for operation_id, operation in operations().items():
        match = _RECEIVER_PATH.fullmatch(operation.path)
        if match is not None and operation.method == "POST":
            found[operation_id] = match.group(1)
    return found


def receiver_of(scope: Scope) -> Webhook:
    """The receiver the gate found for this request."""
    webhook: Webhook = scope["extensions"][RECEIVER_KEY]
    return webhook


class ReceiverGate:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        provider = receiving_operations().get(operation_of(scope) or "")
        if provider is None:
            await self.app(scope, receive, send)
            return
        runtime: Runtime = scope["state"][STATE_KEY]
        try:
            webhook = await runtime.receivers.find(scope["path_params"]["webhookId"], provider)
        except NotFound as exc:
            await refuse(send, scope, 404, "Not Found", exc.detail)
            return
        scope["extensions"][RECEIVER_KEY] = webhook
        await self.app(scope, receive, send)
