"""HTTP Basic for Postmark receivers: the spec's `basic` scheme, `x-basicInfoFunc`.

`PostmarkBasic` is the security handler connexion's `security_map` takes for that scheme; its
check runs after the receiver gate (an unknown receiver is a 404 there, as for the other
platforms) and before the body is read. Missing or wrong credentials are a refused delivery
(401, problem type `webhook-refused`), wrong ones counted on the receiver. A receiver an
earlier release stored with a scrypt hash moves to the fast check at its first verified
delivery.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connexion.lifecycle import ConnexionRequest
from connexion.utils import get_function_from_name
from starlette.requests import HTTPConnection

from burt.engine.errors import Conflict
from burt.engine.model import Webhook
from burt.engine.timefmt import utcnow
from burt.service.runtime import Runtime, runtime_of
from burt.service.webhooks.common import unverified
from burt.service.webhooks.gate import receiver_of
from burt.service.webhooks.sealing import (
    hash_password,
    is_scrypt,
    password_matches,
    scrypt_password_matches,
    server_key,
)

WRONG_CREDENTIALS = "the Basic credentials are not the ones registered for this Postmark receiver"


async def postmark_basic_info(
    username: str, password: str, request: HTTPConnection
) -> dict[str, Any]:
    """The receiver's tenant as `sub` when the credentials are its own.

    The receiver gate found the receiver (or answered 404) before this runs; wrong credentials
    are a refusal, counted on the receiver. The check is one HMAC (see service.webhooks.sealing)
    unless the receiver keeps an earlier release's scrypt hash."""
    runtime = runtime_of(request)
    webhook = receiver_of(request.scope)
    stored = webhook.credential
    same_user = hmac.compare_digest(username.encode(), stored["username"].encode())
    if is_scrypt(stored["password_hash"]):
        same_password = await asyncio.to_thread(
            scrypt_password_matches, stored["password_hash"], password, webhook.id
        )
        if same_user and same_password:
            await _to_fast_check(runtime, webhook, password)
    else:
        key = server_key(runtime.config)
        same_password = password_matches(key, stored["password_hash"], password, webhook.tenant)
    if same_user and same_password:
        return {"sub": webhook.tenant}
    refused = unverified(WRONG_CREDENTIALS, "bad_credentials")
    await runtime.receivers.count_refusal(webhook, refused.reason, utcnow())
    raise refused


async def _to_fast_check(runtime: Runtime, webhook: Webhook, password: str) -> None:
    """Store the HMAC of a password an earlier release's scrypt hash just verified, so wrong
    passwords for the receiver cost one HMAC from now on (kept as it is with MongoDB and no
    BURT_SECRET_KEY, where nothing can be sealed)."""
    try:
        key = server_key(runtime.config)
    except Conflict:
        return
    password_hash = hash_password(key, password, webhook.tenant)
    await runtime.receivers.replace_credential(
        webhook, {**webhook.credential, "password_hash": password_hash}
    )


def _credentials(request: ConnexionRequest) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        raise unverified(
            "no Basic credentials given: put them in the webhook URL", "no_credentials"
        )
    try:
        username, separator, password = (
            base64.b64decode(encoded, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise unverified(
            "the Basic credentials are not base64 of user:password", "no_credentials"
        ) from None
    if not separator:
        raise unverified("the Basic credentials are not base64 of user:password", "no_credentials")
    return username, password


class PostmarkBasic:
    """connexion's security-handler interface for the `basic` scheme (see the module doc)."""

    def get_fn(
        self, security_scheme: Mapping[str, Any], required_scopes: list[str]
    ) -> Callable[[ConnexionRequest], Awaitable[dict[str, Any]]]:
        info_function = get_function_from_name(security_scheme["x-basicInfoFunc"])

        async def verify(request: ConnexionRequest) -> dict[str, Any]:
            username, password = _credentials(request)
            info: dict[str, Any] = await info_function(username, password, request)
            return info

        return verify
