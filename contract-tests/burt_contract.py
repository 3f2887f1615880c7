"""What the contract tests share: the app under test on a real store, and burt's own checks.

The app runs in-process (schemathesis' ASGI transport, which also runs the app's lifespan) on a
SQLite file in a temporary directory. It is wrapped in `StoreProbe`, a test-only ASGI layer that
asks the *store* (never the API) for every tenant's digest right before and right after each
request the checks care about, and hands the two digests to the checks as response headers.

The four checks below state promises of this project that schemathesis cannot know about. They
are registered globally with `@schemathesis.check`, so every `call_and_validate()` and every
stateful step runs them next to the built-in checks. They only send requests that change nothing
on a correct service, so they can safely run again while Hypothesis shrinks a failure.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.core.parameters import ParameterLocation
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from burt.engine import Burt
from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.model import EventIn
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.service.app import create_app
from burt.service.config import Config

TENANT = "acme"
"""The tenant whose key the generated requests carry."""
OTHER_TENANT = "globex"
"""A second tenant: its valid key must find none of TENANT's campaigns."""
WRONG_KEY = "burt_" + "x" * 43
"""Shaped like a key, belongs to nobody."""

DIGEST_BEFORE = "x-contract-digest-before"
DIGEST_AFTER = "x-contract-digest-after"
PROBE = "x-contract-probe"
"""A request header asking StoreProbe to digest a request that is not a GET."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def bearer_secured(case: Case) -> bool:
    """The operation takes the API key: the spec's default, unless it declares its own security
    (the probes take none; the webhook receivers are authenticated by the platforms' schemes)."""
    security = case.operation.definition.raw.get("security")
    return security is None or any("bearerAuth" in requirement for requirement in security)


SHAPE_ERRORS = frozenset({400, 413, 415})
"""Refusals about the request itself, answered before any campaign is looked up."""
DRAW = "POST /campaigns/{campaignId}/batches"


class StoreProbe:
    """Test-only ASGI wrapper: the store's digests of all tenants around a request.

    Safe-method requests (and requests carrying the PROBE header) are answered only once the app
    has finished, with DIGEST_BEFORE and DIGEST_AFTER added to the response headers. Everything
    else (lifespan included) passes straight through.
    """

    def __init__(self, app: ASGIApp, store: SQLiteStore, keys: dict[str, str]) -> None:
        self.app = app
        self.store = store
        self.keys = keys
        """tenant -> its API key"""
        self.auth_enforced: set[str] = set()
        """Operations the sealed-tenants check saw refuse no key and a wrong key with 401."""

    async def digest(self) -> str:
        return "/".join([await self.store.tenant_digest(tenant) for tenant in sorted(self.keys)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._probed(scope):
            await self.app(scope, receive, send)
            return
        before = await self.digest()
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, hold)
        after = await self.digest()
        for message in messages:
            if message["type"] == "http.response.start":
                digests = [(DIGEST_BEFORE, before), (DIGEST_AFTER, after)]
                extra = [(name.encode(), value.encode()) for name, value in digests]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

    @staticmethod
    def _probed(scope: Scope) -> bool:
        return scope["method"] in SAFE_METHODS or any(
            name == PROBE.encode() for name, _ in scope["headers"]
        )


# --- the app under test -------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """A campaign of TENANT with contacts, two batches and outcomes, made through the engine."""

    campaign_id: str
    batch_id: str


def deploy(data_dir: Path, seeded_campaigns: int = 0) -> tuple[StoreProbe, list[Seeded]]:
    """A fresh burt on a SQLite file in `data_dir`, with a key per tenant and seeded campaigns.

    The app is not started here: schemathesis' ASGI transport runs its lifespan (which opens
    the store) on the first request, e.g. when the schema is loaded with `from_asgi`. It runs
    without the per-key rate limit: schemathesis sends as fast as it can with one key, and a
    429 would answer in place of the operation under test (tests/test_rate_limits.py covers it).
    """
    path = data_dir / SQLITE_FILENAME
    keys, seeded = asyncio.run(_provision(path, seeded_campaigns))
    store = SQLiteStore(path)
    app = create_app(Config(data_dir=data_dir, rate_limit=0), store=store)
    return StoreProbe(app, store, keys), seeded


async def _provision(path: Path, campaigns: int) -> tuple[dict[str, str], list[Seeded]]:
    store = SQLiteStore(path)
    await store.open()
    try:
        keys = {tenant: new_api_key() for tenant in (TENANT, OTHER_TENANT)}
        for tenant, key in keys.items():
            await store.add_api_key(ApiKey(hash_api_key(key), tenant))
        return keys, [await _seed(Burt(store, tenant=TENANT)) for _ in range(campaigns)]
    finally:
        await store.close()


async def _seed(burt: Burt) -> Seeded:
    campaign = await burt.initialize_campaign(
        "seeded", [("a", "Subject A"), ("b", "Subject B")], "clicked", {"holdout_fraction": 0.1}
    )
    await burt.load_contacts(campaign.id, [f"c-{i}" for i in range(200)])
    batch, _ = await burt.create_experiment_batch(campaign.id, size=40, idempotency_key="seed-1")
    await burt.create_experiment_batch(campaign.id, size=40, idempotency_key="seed-2")
    events = [
        EventIn(f"e-{contact}-{kind}", contact, kind, batch.created_at)
        for contact, _ in (batch.assignments or ())[:20]
        for kind in ("delivered", "opened", "clicked")
    ]
    await burt.record_outcomes(campaign.id, events)
    return Seeded(campaign.id, batch.id)


def auth_header(app: Any, tenant: str = TENANT) -> dict[str, str]:
    return {"Authorization": f"Bearer {probe_of(app).keys[tenant]}"}


def probe_of(app: Any) -> StoreProbe:
    assert isinstance(app, StoreProbe), "the app under test must be wrapped in StoreProbe"
    return app


# --- burt's own checks --------------------------------------------------------------------


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def _digests(response: Response) -> tuple[str, str]:
    before, after = _header(response, DIGEST_BEFORE), _header(response, DIGEST_AFTER)
    assert before is not None and after is not None, "StoreProbe did not digest this request"
    return before, after


def _replay(case: Case, **headers: str | None) -> Response:
    """The case sent again with some headers replaced (None removes one), digested."""
    return case.call(headers={PROBE: "1", **headers})


def _routed_as_declared(case: Case, response: Response) -> bool:
    """Whether the path sent can reach the operation. It may not, and then the router answers
    404 before any authentication: an invalid path parameter, an id holding `/` or a line break
    (the router matches neither inside a segment), or one the HTTP client rewrote (it drops
    some control characters and resolves `.` segments)."""
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return False
    segments = ("[^/\r\n]+" if s.startswith("{") else re.escape(s) for s in case.path.split("/"))
    sent = unquote(urlsplit(response.request.url or "").path)
    return re.fullmatch("/".join(segments), sent) is not None


def _label(case: Case) -> str:
    return f"{case.method.upper()} {case.formatted_path}"


@schemathesis.check
def safe_get(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every GET leaves everything the store holds for every tenant exactly as it was."""
    if case.method.upper() != "GET":
        return None
    before, after = _digests(response)
    assert before == after, f"{_label(case)} changed stored state (store digest differs)"
    return True


@schemathesis.check
def idempotent_draw(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A draw replayed with the same Idempotency-Key and body: the same batch, nothing claimed."""
    if case.operation.label != DRAW or response.status_code != 201:
        return None
    replay = _replay(case)
    assert replay.status_code == 201, f"replayed draw answered {replay.status_code}, not 201"
    assert replay.json() == response.json(), "replayed draw returned a different batch"
    assert _header(replay, "Idempotent-Replayed") == "true", "replay not marked Idempotent-Replayed"
    before, after = _digests(replay)
    assert before == after, "replayed draw changed stored state (store digest differs)"
    return True


@schemathesis.check
def sealed_tenants(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """No key or a wrong key: 401. Another tenant's valid key: 404 on every campaign-scoped call."""
    if not bearer_secured(case) or case.method.upper() != case.operation.method.upper():
        return None  # no API key, or a method the path does not have (405 comes first)
    if not _routed_as_declared(case, response):
        return None  # the path matched no route (404 before any auth): replays prove nothing
    owner = auth_header(case.operation.app)["Authorization"]
    if response.request.headers.get("Authorization") != owner:
        return None  # a generated case without the owner's key: replays would prove nothing
    assert response.status_code != 401, f"{_label(case)} refused the owner's valid key"
    probe = probe_of(case.operation.app)
    if case.operation.label not in probe.auth_enforced:
        # Authentication comes before everything else, so once per operation is enough (as in
        # schemathesis' own `ignored_auth`, which accepts 403 too and only looks at 2xx answers).
        for authorization in (None, f"Bearer {WRONG_KEY}"):
            refused = _replay(case, Authorization=authorization)
            assert refused.status_code == 401, (
                f"{_label(case)} with {'a wrong key' if authorization else 'no key'} "
                f"answered {refused.status_code}, not 401"
            )
            _assert_unchanged(refused, "refused request")
        probe.auth_enforced.add(case.operation.label)
    if "{campaignId}" in case.operation.path:
        other = _replay(case, **auth_header(case.operation.app, OTHER_TENANT))
        allowed = {404} | ({response.status_code} & SHAPE_ERRORS)
        assert other.status_code in allowed, (
            f"{_label(case)} with another tenant's key answered {other.status_code}, "
            f"expected 404 (the owner got {response.status_code})"
        )
        _assert_unchanged(other, "another tenant's request")
    elif case.operation.label == "GET /campaigns" and response.status_code == 200:
        other = _replay(case, **auth_header(case.operation.app, OTHER_TENANT))
        mine = {item["id"] for item in response.json()["items"]}
        assert other.status_code == 200, f"another tenant's listing answered {other.status_code}"
        theirs = {item["id"] for item in other.json()["items"]}
        assert not mine & theirs, f"another tenant lists campaigns of {TENANT}: {mine & theirs}"
    return True


def _assert_unchanged(response: Response, what: str) -> None:
    before, after = _digests(response)
    assert before == after, f"{what} changed stored state (store digest differs)"


@schemathesis.check
def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx answer is application/problem+json with status, title and detail."""
    if response.status_code < 400:
        return None
    assert_problem(response)
    return True


def assert_problem(response: Response) -> None:
    media_type = (_header(response, "Content-Type") or "").split(";")[0].strip()
    assert media_type == "application/problem+json", (
        f"{response.status_code} answered with Content-Type {media_type!r}, "
        "not application/problem+json"
    )
    body = response.json()
    assert isinstance(body, dict), "problem body is not a JSON object"
    assert body.get("status") == response.status_code, "problem `status` differs from the response"
    assert isinstance(body.get("title"), str) and body["title"], "problem has no `title`"
    assert isinstance(body.get("detail"), str) and body["detail"], "problem has no `detail`"
