"""HTTP Basic for Postmark receivers, referenced from the spec by `x-basicInfoFunc`."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from starlette.requests import HTTPConnection

from burt.engine.model import ActivityUpdate
from burt.engine.timefmt import utcnow
from burt.service.runtime import runtime_of
from burt.service.webhooks.sealing import password_matches


async def postmark_basic_info(
    username: str, password: str, request: HTTPConnection
) -> dict[str, Any] | None:
    """The receiver's tenant as `sub` when the credentials are its own, else None (401).

    An unknown receiver answers the same 401 as wrong credentials; wrong credentials for a
    known receiver are counted on it (`refused:bad_credentials`).
    """
    store = runtime_of(request).store
    webhook = await store.get_webhook(str(request.path_params.get("webhookId", "")))
    if webhook is None or webhook.provider != "postmark":
        return None
    stored = webhook.credential
    same_user = hmac.compare_digest(username.encode(), stored["username"].encode())
    same_password = await asyncio.to_thread(
        password_matches, stored["password_hash"], password, webhook.id
    )
    if same_user and same_password:
        return {"sub": webhook.tenant}
    detail = "the Basic credentials are not the ones registered for this Postmark receiver"
    refused = ActivityUpdate(at=utcnow(), counts={"refused:bad_credentials": 1}, error=detail)
    await store.note_webhook_activity(webhook.id, refused)
    return None
