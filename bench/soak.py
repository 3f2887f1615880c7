"""A soak: minutes of mixed load on a two-worker service, with workers killed, then an audit.

    python -m bench.soak --store sqlite --minutes 10     (`make soak` runs both stores)

The service runs as `burt serve --workers 2` on 127.0.0.1, on a SQLite file or on an nx-27017
MongoDB-wire server the soak starts. Three tenants draw batches from two campaigns each (a
draw is retried with its Idempotency-Key until it is answered; some are replayed on purpose),
post the outcomes of what they drew (every chunk twice), deliver signed SendGrid webhooks,
and read stats, batches and allocations. A key is made, used, revoked and checked refused, again
and again. A runaway tenant hammers the service in the middle of the run to hit its rate limit;
the others' latency is compared between a window without it and a window with it (no worker is
killed in either). Outside those windows a worker is SIGKILLed at random moments and its
supervisor starts another (one of the first two is spared, so its RSS over the whole run shows
a leak). On SQLite, `burt backup` copies the store while the load runs and the
copy is audited.

At the end the audit recounts from the stored records and checks DESIGN.md's invariants; the
report gives requests served, errors by status, p50/p99 per operation, the other tenants' p99
with and without the runaway, RSS per worker at start and end, and PASS/FAIL per invariant.
Traffic goes to 127.0.0.1 only; every loop ends at the deadline or its request budget.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from burt.engine.apikeys import hash_api_key, key_id_of
from burt.engine.store import SQLITE_FILENAME, SQLiteStore, store_from_config
from burt.engine.store.base import Store
from burt.engine.timefmt import parse_rfc3339
from testing_support.audit import Audit, audit_campaign
from testing_support.live import BURT, LiveServer, create_key, live_server
from testing_support.mongo_servers import MongoServer
from testing_support.signing import SendGridSigner

TENANTS = ("north", "south", "west")
CAMPAIGNS_PER_TENANT = 2
CONTACTS_PER_LOAD = 2_000
BATCH = 40
RATE_LIMIT, RATE_BURST = 60, 120
"""Per key and worker: far above what a well-behaved tenant here sends, far below the runaway."""
RUNAWAY_TASKS = 16
KEY_CACHE_SECONDS = 1
MAX_REQUESTS_PER_ACTOR = 200_000
RETRY_LIMIT = 100
"""Tries of a request that must be answered (a killed worker's requests fail in flight)."""

BASELINE, RUNAWAY = (0.25, 0.45), (0.45, 0.65)
"""Fractions of the run: the quiet window, then the runaway's; no worker is killed in either."""
BACKUP_AT = 0.75

DUPLICATES = "a duplicate event id counts once"
UNCHANGED = "GETs change nothing (store digest before and after every GET, twice alike)"
REPORTED = "the stats the API reports equal what was drawn"


# measurements -----------------------------------------------------------------------------------
@dataclass
class Record:
    started: float
    operation: str
    tenant: str
    status: int | str
    seconds: float


@dataclass
class Soak:
    """What the load saw, shared by every actor (one event loop, no locks needed)."""

    start: float
    deadline: float
    records: list[Record] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    loaded: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    assigned: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    outcomes: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    """campaign -> (contact, type) of every event the service answered for."""
    replays: int = 0
    kills: list[tuple[float, int]] = field(default_factory=list)
    revocations: int = 0
    backup_audit: Audit | None = None

    def phase(self, fraction: tuple[float, float]) -> tuple[float, float]:
        span = self.deadline - self.start
        return self.start + fraction[0] * span, self.start + fraction[1] * span

    def in_phase(self, fraction: tuple[float, float], at: float | None = None) -> bool:
        low, high = self.phase(fraction)
        return low <= (time.monotonic() if at is None else at) < high

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def fail(self, check: str, problem: str) -> None:
        self.problems[check].append(problem)


async def call(
    soak: Soak,
    client: httpx.AsyncClient,
    operation: str,
    tenant: str,
    method: str,
    url: str,
    **kwargs: Any,
) -> httpx.Response | None:
    """One request, timed and counted; None when the connection failed (a killed worker)."""
    started = time.monotonic()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        soak.records.append(
            Record(started, operation, tenant, type(exc).__name__, time.monotonic() - started)
        )
        return None
    soak.records.append(
        Record(started, operation, tenant, response.status_code, time.monotonic() - started)
    )
    return response


async def answered(
    soak: Soak,
    client: httpx.AsyncClient,
    operation: str,
    tenant: str,
    method: str,
    url: str,
    **kwargs: Any,
) -> httpx.Response:
    """The request, retried until a worker answers it (idempotent requests only)."""
    for _ in range(RETRY_LIMIT):
        response = await call(soak, client, operation, tenant, method, url, **kwargs)
        if response is not None and response.status_code not in (429, 503):
            return response
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{operation} {url} was not answered in {RETRY_LIMIT} tries")


# the tenants' work --------------------------------------------------------------------------------
@dataclass
class Tenant:
    name: str
    client: httpx.AsyncClient
    campaigns: list[str]
    webhook_url: str | None = None
    signer: SendGridSigner | None = None


def new_client(url: str, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60.0)


async def load_more(soak: Soak, tenant: Tenant, campaign: str) -> None:
    start = len(soak.loaded[campaign])
    ids = [f"{campaign[-6:]}-{start + i}" for i in range(CONTACTS_PER_LOAD)]
    body = {"contacts": [{"id": i} for i in ids]}
    url = f"/campaigns/{campaign}/contacts"
    response = await answered(
        soak, tenant.client, "loadContacts", tenant.name, "POST", url, json=body
    )
    if response.status_code != 200:
        soak.fail("loads answered", f"{campaign}: {response.status_code} {response.text[:200]}")
        return
    soak.loaded[campaign].update(ids)


def note_batch(soak: Soak, campaign: str, batch: Mapping[str, Any]) -> None:
    """Client-side: no contact may come back in two batches."""
    assigned = soak.assigned[campaign]
    for assignment in batch["assignments"]:
        contact = assignment["contact_id"]
        if contact in assigned:
            soak.fail("no contact drawn twice (client side)", f"{campaign}: {contact}")
        assigned[contact] = assignment["variant_id"]


async def drawer(soak: Soak, tenant: Tenant, campaign: str, rng: random.Random) -> None:
    """Draw, replay now and then, post the outcomes of what was drawn (each chunk twice)."""
    url = f"/campaigns/{campaign}/batches"
    for n in range(MAX_REQUESTS_PER_ACTOR):
        if soak.over():
            return
        key = {"Idempotency-Key": f"{campaign}-{n}"}
        drawn = await answered(
            soak,
            tenant.client,
            "createExperimentBatch",
            tenant.name,
            "POST",
            url,
            json={"size": BATCH},
            headers=key,
        )
        if drawn.status_code == 409:
            await load_more(soak, tenant, campaign)
            continue
        if drawn.status_code != 201:
            soak.fail("draws answered", f"{campaign}: {drawn.status_code} {drawn.text[:200]}")
            continue
        batch = drawn.json()
        note_batch(soak, campaign, batch)
        if rng.random() < 0.2:
            again = await answered(
                soak,
                tenant.client,
                "replayBatch",
                tenant.name,
                "POST",
                url,
                json={"size": BATCH},
                headers=key,
            )
            soak.replays += 1
            if again.json() != batch or again.headers.get("Idempotent-Replayed") != "true":
                soak.fail("idempotency replays identical", f"{campaign} draw {n}")
        await post_outcomes(soak, tenant, campaign, batch, rng)
        await asyncio.sleep(rng.uniform(0.05, 0.2))


async def post_outcomes(
    soak: Soak, tenant: Tenant, campaign: str, batch: Mapping[str, Any], rng: random.Random
) -> None:
    when = parse_rfc3339(batch["created_at"]) + timedelta(minutes=rng.randint(1, 120))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [
        {
            "id": f"{a['contact_id']}:{kind}",
            "contact_id": a["contact_id"],
            "type": kind,
            "occurred_at": stamp,
        }
        for a in batch["assignments"]
        for kind, share in (("opened", 0.3), ("clicked", 0.08))
        if rng.random() < share
    ]
    if not events:
        return
    if tenant.webhook_url is not None and rng.random() < 0.5:
        await deliver(soak, tenant, campaign, events, when)
        return
    url = f"/campaigns/{campaign}/events"
    for attempt in range(2):  # the second post is all duplicates
        posted = await answered(
            soak, tenant.client, "recordOutcomes", tenant.name, "POST", url, json={"events": events}
        )
        if posted.status_code != 200:
            soak.fail("outcome posts answered", f"{campaign}: {posted.status_code}")
            return
        tally = posted.json()
        if attempt == 1 and (tally["recorded"], tally["duplicates"]) != (0, len(events)):
            soak.fail(DUPLICATES, f"{campaign}: a repeated post recorded {tally['recorded']}")
    soak.outcomes[campaign].update((e["contact_id"], e["type"]) for e in events)


async def deliver(
    soak: Soak, tenant: Tenant, campaign: str, events: list[dict[str, str]], when: datetime
) -> None:
    """The same outcomes as SendGrid delivers them, signed; every delivery sent twice."""
    assert tenant.webhook_url is not None and tenant.signer is not None
    kinds = {"opened": "open", "clicked": "click"}
    body = json.dumps(
        [
            {
                "sg_event_id": e["id"],
                "event": kinds[e["type"]],
                "timestamp": int(when.timestamp()),
                "email": "someone@example.com",
                "burt_campaign_id": campaign,
                "burt_contact_id": e["contact_id"],
            }
            for e in events
        ]
    ).encode()
    for attempt in range(2):
        delivered = await answered(
            soak,
            tenant.client,
            "sendgridWebhook",
            tenant.name,
            "POST",
            tenant.webhook_url,
            content=body,
            headers=tenant.signer.headers(body),
        )
        if delivered.status_code >= 300:
            soak.fail("webhook deliveries answered", f"{delivered.status_code} {delivered.text}")
            return
        tally = delivered.json()
        if attempt == 1 and (tally["recorded"], tally["duplicates"]) != (0, len(events)):
            soak.fail(DUPLICATES, f"{campaign}: a repeated delivery recorded {tally['recorded']}")
    soak.outcomes[campaign].update((e["contact_id"], e["type"]) for e in events)


async def reader(soak: Soak, tenant: Tenant, others: list[str], rng: random.Random) -> None:
    """Stats, batches and allocations; another tenant's campaign is a 404."""
    for _ in range(MAX_REQUESTS_PER_ACTOR):
        if soak.over():
            return
        campaign = rng.choice(tenant.campaigns)
        await call(
            soak,
            tenant.client,
            "getCampaignStats",
            tenant.name,
            "GET",
            f"/campaigns/{campaign}/stats",
        )
        await call(
            soak,
            tenant.client,
            "previewAllocation",
            tenant.name,
            "GET",
            f"/campaigns/{campaign}/allocation",
        )
        listed = await call(
            soak,
            tenant.client,
            "listExperimentBatches",
            tenant.name,
            "GET",
            f"/campaigns/{campaign}/batches",
            params={"limit": 5},
        )
        if listed is not None and listed.status_code == 200 and listed.json()["items"]:
            batch_id = rng.choice(listed.json()["items"])["id"]
            await call(
                soak,
                tenant.client,
                "getExperimentBatch",
                tenant.name,
                "GET",
                f"/campaigns/{campaign}/batches/{batch_id}",
            )
        foreign = await call(
            soak,
            tenant.client,
            "getCampaign",
            tenant.name,
            "GET",
            f"/campaigns/{rng.choice(others)}",
        )
        if foreign is not None and foreign.status_code != 404:
            soak.fail("another tenant's campaign is a 404", f"{tenant.name}: {foreign.status_code}")
        await asyncio.sleep(rng.uniform(0.1, 0.4))


async def runaway(soak: Soak, url: str, key: str) -> None:
    """A tenant in a tight loop, during its window only."""
    low, high = soak.phase(RUNAWAY)
    await asyncio.sleep(max(0.0, low - time.monotonic()))
    async with new_client(url, key) as client:

        async def hammer() -> None:
            for _ in range(MAX_REQUESTS_PER_ACTOR):
                if time.monotonic() >= high:
                    return
                response = await call(soak, client, "runaway", "runaway", "GET", "/campaigns")
                if response is None or response.status_code != 429:
                    continue
                retry_after = response.headers.get("Retry-After", "")
                if not (retry_after.isascii() and retry_after.isdigit()):
                    soak.fail("429 carries Retry-After", repr(retry_after))

        await asyncio.gather(*(hammer() for _ in range(RUNAWAY_TASKS)))


async def key_churn(soak: Soak, server: LiveServer) -> None:
    """Make a key, use it, revoke it: refused within the key cache's age."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as client:
        for n in range(MAX_REQUESTS_PER_ACTOR):
            if soak.over():
                return
            key = await asyncio.to_thread(create_key, server.env, "churn")
            headers = {"Authorization": f"Bearer {key}"}
            used = await answered(
                soak, client, "keyCheck", "churn", "GET", "/campaigns", headers=headers
            )
            if used.status_code != 200:
                soak.fail("a new key works", f"key {n}: {used.status_code}")
            revoke = [*BURT, "keys", "revoke", key_id_of(hash_api_key(key))]
            done = await asyncio.to_thread(
                subprocess.run, revoke, env=server.env, capture_output=True, text=True
            )
            if done.returncode != 0:
                soak.fail("keys revoke", done.stderr)
                continue
            soak.revocations += 1
            await asyncio.sleep(KEY_CACHE_SECONDS + 0.5)
            for _ in range(4):  # each worker, whichever answers
                refused = await answered(
                    soak, client, "keyCheck", "churn", "GET", "/campaigns", headers=headers
                )
                if refused.status_code != 401:
                    soak.fail("a revoked key is refused", f"key {n}: {refused.status_code}")
            await asyncio.sleep(5)


# workers --------------------------------------------------------------------------------------
def workers(supervisor: int) -> list[int]:
    """The uvicorn worker processes: the supervisor's children that serve (not its helpers)."""
    found = []
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    for child in map(int, children):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in command:
            found.append(child)
    return sorted(found)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return None


async def killer(soak: Soak, supervisor: int, spared: int, rng: random.Random) -> None:
    """SIGKILL a worker at random moments outside the latency windows. `spared`, one of the
    first workers, lives through the run, so its RSS from start to end shows a leak."""
    for _ in range(MAX_REQUESTS_PER_ACTOR):
        span = soak.deadline - soak.start
        pause = rng.uniform(span / 40, span / 13)
        await asyncio.sleep(min(pause, max(0.0, soak.deadline - time.monotonic())))
        if soak.over():
            return
        if soak.in_phase((BASELINE[0], RUNAWAY[1])):
            continue
        alive = workers(supervisor)
        if len(alive) < 2:  # the supervisor has not restarted the last one yet
            continue
        victim = rng.choice([pid for pid in alive if pid != spared])
        os.kill(victim, signal.SIGKILL)
        soak.kills.append((time.monotonic() - soak.start, victim))


async def backup_during_load(
    soak: Soak, server: LiveServer, dest: Path, tenants: list[Tenant]
) -> None:
    low, _ = soak.phase((BACKUP_AT, 1.0))
    await asyncio.sleep(max(0.0, low - time.monotonic()))
    done = await asyncio.to_thread(
        subprocess.run,
        [*BURT, "backup", str(dest)],
        env=server.env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        soak.fail("burt backup", done.stderr)
        return
    copy = SQLiteStore(dest)
    await copy.open()
    try:
        audit = Audit()
        for tenant in tenants:
            for campaign in tenant.campaigns:
                await audit_campaign(copy, tenant.name, campaign, audit)
        soak.backup_audit = audit
    finally:
        await copy.close()


# set-up, run, audit, report ----------------------------------------------------------------------
async def set_up(server: LiveServer) -> list[Tenant]:
    tenants = []
    for name in TENANTS:
        client = new_client(server.url, await asyncio.to_thread(create_key, server.env, name))
        campaigns = []
        for c in range(CAMPAIGNS_PER_TENANT):
            created = await client.post(
                "/campaigns",
                json={
                    "name": f"{name} {c}",
                    "optimize": "opened",
                    "variants": [{"id": v, "label": v.upper()} for v in "abc"[: 2 + c]],
                },
            )
            created.raise_for_status()
            campaigns.append(created.json()["id"])
        tenant = Tenant(name, client, campaigns)
        if name == TENANTS[0]:
            tenant.signer = SendGridSigner()
            made = await client.post(
                "/webhooks",
                json={
                    "provider": "sendgrid",
                    "verification_key": tenant.signer.verification_key,
                },
            )
            made.raise_for_status()
            tenant.webhook_url = "/webhooks/sendgrid/" + made.json()["id"]
        tenants.append(tenant)
    return tenants


async def run_load(
    soak: Soak,
    server: LiveServer,
    open_store: Callable[[], Store],
    backup: Path | None,
    seed: int,
) -> tuple[list[Tenant], dict[int, float | None], dict[int, float | None]]:
    """Set up, run every actor to the deadline, check the quiet service; the tenants and the
    workers' RSS at start and end."""
    supervisor = server.process.pid
    rng = random.Random(seed)
    tenants = await set_up(server)
    for tenant in tenants:
        for campaign in tenant.campaigns:
            await load_more(soak, tenant, campaign)
    rss_start = {pid: rss_mib(pid) for pid in workers(supervisor)}
    every = [c for t in tenants for c in t.campaigns]
    runaway_key = await asyncio.to_thread(create_key, server.env, "runaway")
    actors: list[Awaitable[None]] = [
        drawer(soak, tenant, campaign, random.Random(rng.random()))
        for tenant in tenants
        for campaign in tenant.campaigns
    ]
    actors += [
        reader(soak, t, [c for c in every if c not in t.campaigns], random.Random(rng.random()))
        for t in tenants
    ]
    actors += [
        runaway(soak, server.url, runaway_key),
        key_churn(soak, server),
        killer(soak, supervisor, min(rss_start), random.Random(rng.random())),
    ]
    if backup is not None:
        actors.append(backup_during_load(soak, server, backup, tenants))
    await asyncio.gather(*actors)
    rss_end = {pid: rss_mib(pid) for pid in workers(supervisor)}
    await quiet_checks(soak, tenants, open_store)
    for tenant in tenants:
        await tenant.client.aclose()
    return tenants, rss_start, rss_end


async def quiet_checks(soak: Soak, tenants: list[Tenant], open_store: Callable[[], Store]) -> None:
    """With the load stopped and the service up: every GET twice at one `as_of` answers alike
    and leaves each tenant's stored digest as it was; the stats' sends per variant equal the
    assignments the draws answered."""
    store = open_store()
    await store.open()
    try:
        before = [await store.tenant_digest(t.name) for t in tenants]
        as_of = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for tenant in tenants:
            for campaign in tenant.campaigns:
                for path, params in (
                    (f"/campaigns/{campaign}/stats", {"as_of": as_of}),
                    (f"/campaigns/{campaign}", {}),
                    (f"/campaigns/{campaign}/allocation", {}),
                    (f"/campaigns/{campaign}/batches", {"limit": 500}),
                ):
                    answers = [
                        await answered(
                            soak, tenant.client, "finalGet", tenant.name, "GET", path, params=params
                        )
                        for _ in range(2)
                    ]
                    if answers[0].json() != answers[1].json():
                        soak.fail(UNCHANGED, f"{path}: two answers differ")
                stats = (
                    await answered(
                        soak,
                        tenant.client,
                        "finalGet",
                        tenant.name,
                        "GET",
                        f"/campaigns/{campaign}/stats",
                        params={"as_of": as_of},
                    )
                ).json()
                drawn = Counter(soak.assigned[campaign].values())
                reported = {v["variant_id"]: v["sends"] for v in stats["variants"]}
                if reported != {v: drawn[v] for v in reported}:
                    soak.fail(REPORTED, f"{campaign}: stats {reported}, drawn {dict(drawn)}")
        after = [await store.tenant_digest(t.name) for t in tenants]
        if before != after:
            soak.fail(UNCHANGED, "a tenant's stored digest changed across GETs")
    finally:
        await store.close()


async def final_audit(soak: Soak, store: Store, tenants: list[Tenant]) -> Audit:
    """The stored records against the invariants, and against what the load was answered."""
    audit = Audit()
    await store.open()
    try:
        for tenant in tenants:
            for campaign in tenant.campaigns:
                stored = await audit_campaign(
                    store, tenant.name, campaign, audit, loaded=soak.loaded[campaign]
                )
                found = await store.get_campaign(tenant.name, campaign)
                assert found is not None
                names = [v.id for v in found.variants]
                audit.check(
                    "every draw stored as it was answered, and only those",
                    {c: names[v] for c, v in stored.items()} == soak.assigned[campaign],
                    f"{campaign}: {len(stored)} contacts stored as assigned,"
                    f" {len(soak.assigned[campaign])} answered",
                )
                counted = sum(sum(r.outcomes.values()) for r in await store.recount(campaign))
                audit.check(
                    "an outcome counts once per contact and type",
                    counted == len(soak.outcomes[campaign]),
                    f"{campaign}: {counted} recounted, {len(soak.outcomes[campaign])} sent",
                )
    finally:
        await store.close()
    for check in (
        "no contact drawn twice (client side)",
        "idempotency replays identical",
        DUPLICATES,
        UNCHANGED,
        REPORTED,
        "another tenant's campaign is a 404",
        "a revoked key is refused",
        "429 carries Retry-After",
    ):
        audit.check(check, True, "")
        for problem in soak.problems.pop(check, []):
            audit.check(check, False, problem)
    audit.check("no 5xx answer", True, "")
    for record in soak.records:
        if isinstance(record.status, int) and record.status >= 500:
            audit.check("no 5xx answer", False, f"{record.operation}: {record.status}")
    for check, problems in soak.problems.items():
        for problem in problems:
            audit.check(check, False, problem)
    return audit


def percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    p50, p99 = np.percentile(np.array(seconds) * 1000, [50, 99])
    return f"{p50:7.1f} {p99:8.1f}"


def report(
    soak: Soak,
    label: str,
    tenants: list[Tenant],
    rss: tuple[dict[int, float | None], ...],
    audit: Audit,
) -> list[str]:
    span = soak.deadline - soak.start
    out = [
        f"== soak on {label}: {span / 60:.1f} min, 2 workers, {len(soak.kills)} workers"
        f" SIGKILLed (at {', '.join(f'{at:.0f}' for at, _ in soak.kills)} s),"
        f" {soak.revocations} keys revoked, {soak.replays} draws replayed",
        f"rate limit {RATE_LIMIT}/s, burst {RATE_BURST}, per key and worker; runaway:"
        f" {RUNAWAY_TASKS} tasks from {RUNAWAY[0] * span:.0f} to {RUNAWAY[1] * span:.0f} s;"
        f" quiet window from {BASELINE[0] * span:.0f} s; no kills in either",
    ]
    statuses = Counter(r.status for r in soak.records)
    out.append(
        f"requests: {len(soak.records)}  by status: "
        + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str))
    )
    out.append(f"{'operation':24} {'n':>7} {'p50 ms':>7} {'p99 ms':>8}  errors")
    by_operation: dict[str, list[Record]] = defaultdict(list)
    for record in soak.records:
        by_operation[record.operation].append(record)
    for operation, records in sorted(by_operation.items()):
        errors = Counter(
            r.status for r in records if not (isinstance(r.status, int) and r.status < 400)
        )
        out.append(
            f"{operation:24} {len(records):7} {percentiles([r.seconds for r in records])}  "
            + (", ".join(f"{s}: {n}" for s, n in sorted(errors.items(), key=str)) or "-")
        )
    others = [r for r in soak.records if r.tenant in TENANTS]
    for name, window in (("without the runaway", BASELINE), ("with the runaway", RUNAWAY)):
        inside = [r.seconds for r in others if soak.in_phase(window, r.started)]
        out.append(f"other tenants {name:20} n={len(inside):6}  p50/p99 ms {percentiles(inside)}")
    hammered = [r for r in soak.records if r.tenant == "runaway"]
    refused = sum(1 for r in hammered if r.status == 429)
    out.append(f"runaway tenant: {len(hammered)} requests, {refused} answered 429")
    start, end = rss
    out.append("RSS MiB at start: " + ", ".join(f"pid {p} {v:.0f}" for p, v in start.items() if v))
    out.append(
        "RSS MiB at end:   "
        + ", ".join(
            f"pid {p} {v:.0f}" + ("" if p in start else " (restarted)") for p, v in end.items() if v
        )
    )
    if soak.backup_audit is not None:
        out.append("backup taken during the load, audited:")
        out += ["  " + line for line in soak.backup_audit.lines()]
    out.append(
        f"audit of the store ({audit.counted['contacts']} contacts, "
        f"{audit.counted['assigned']} assigned, {audit.counted['batches']} batches, "
        f"{audit.counted['outcomes']} outcomes):"
    )
    out += ["  " + line for line in audit.lines()]
    passed = audit.passed and (soak.backup_audit is None or soak.backup_audit.passed)
    out.append(f"RESULT: {'PASS' if passed else 'FAIL'}")
    return out


@contextmanager
def target(kind: str, tmp: Path) -> Iterator[tuple[dict[str, str], Callable[[], Store]]]:
    """Server settings for the store kind, and how to open that store for the audit."""
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    env = {
        "BURT_RATE_LIMIT": str(RATE_LIMIT),
        "BURT_RATE_BURST": str(RATE_BURST),
        "BURT_KEY_CACHE_SECONDS": str(KEY_CACHE_SECONDS),
        "BURT_SECRET_KEY": secret,
        "BURT_WORKERS": "2",
        "BURT_METRICS": "off",
    }
    if kind == "sqlite":
        yield env, lambda: SQLiteStore(tmp / "data" / SQLITE_FILENAME)
        return
    server = MongoServer("nx", tmp / "nx").start()
    try:
        env |= {"BURT_MONGODB_URI": server.uri, "BURT_MONGODB_DB": "soak"}
        yield env, lambda: store_from_config(tmp, server.uri, "soak")
    finally:
        server.stop()


def soak_store(kind: str, minutes: float, seed: int) -> bool:
    label = {"sqlite": "SQLite", "nx": "nx-27017 (MongoDB wire)"}[kind]
    with tempfile.TemporaryDirectory(prefix="burt-soak-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        env, open_store = stack.enter_context(target(kind, tmp))
        serve = lambda _port: [*BURT, "serve", "--workers", "2"]  # noqa: E731
        server = stack.enter_context(live_server(tmp / "data", extra_env=env, command=serve))
        time.sleep(2.0)  # both workers up
        start = time.monotonic()
        soak = Soak(start=start, deadline=start + minutes * 60)
        backup = tmp / "backup.sqlite3" if kind == "sqlite" else None
        tenants, *rss = asyncio.run(run_load(soak, server, open_store, backup, seed))
        server.process.terminate()
        server.process.wait(timeout=30)
        audit = asyncio.run(final_audit(soak, open_store(), tenants))
        lines = report(soak, label, tenants, (rss[0], rss[1]), audit)
    print("\n".join(lines), flush=True)
    return "RESULT: PASS" in lines[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per store (default 10)")
    parser.add_argument("--store", choices=("sqlite", "nx", "both"), default="both")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)
    if not 0.5 <= args.minutes <= 120:
        parser.error("--minutes must be between 0.5 and 120")
    kinds = ("sqlite", "nx") if args.store == "both" else (args.store,)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers it started too
    results = [soak_store(kind, args.minutes, args.seed) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
