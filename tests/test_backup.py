"""`burt backup`: a copy taken while another process writes is consistent, and MongoDB is
refused with a pointer to its own tools."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from burt.engine import Burt
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from testing_support.audit import COUNTS_RECOUNT, NEVER_LOST, Audit, audit_campaign
from testing_support.live import BURT, server_env
from tests.stores import new_db_name


def burt_backup(data_dir: Path, dest: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BURT, "backup", str(dest)],
        env=server_env(data_dir, None, env),
        capture_output=True,
        text=True,
    )


async def _audit(path: Path, tenant: str, campaign_id: str) -> Audit:
    store = SQLiteStore(path)
    await store.open()
    try:
        audit = Audit()
        await audit_campaign(store, tenant, campaign_id, audit)
        return audit
    finally:
        await store.close()


def test_a_backup_taken_while_a_process_writes_is_consistent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    writer = subprocess.Popen(
        [sys.executable, "-m", "testing_support.writer", str(data / SQLITE_FILENAME), "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        tenant, campaign_id = writer.stdout.readline().split()
        time.sleep(1.0)  # some batches and outcomes first
        copies = [tmp_path / "one.sqlite3", tmp_path / "two"]
        copies[1].mkdir()
        for dest in copies:
            done = burt_backup(data, dest)
            assert done.returncode == 0, done.stderr
            assert writer.poll() is None, "the writer stopped before the copy was taken"
            time.sleep(0.5)
        again = burt_backup(data, copies[0])
        assert again.returncode == 1 and "exists already" in again.stderr
    finally:
        writer.kill()
        writer.wait()

    audits = [
        asyncio.run(_audit(path, tenant, campaign_id))
        for path in (copies[0], copies[1] / SQLITE_FILENAME)
    ]
    for audit in audits:
        assert audit.passed, "\n".join(audit.lines())
        assert audit.counted["batches"] > 0 and audit.counted["outcomes"] > 0
    assert audits[1].counted["batches"] > audits[0].counted["batches"]  # written in between


def test_backup_refuses_a_mongodb_store_with_a_pointer_to_mongodump(
    nx_uri: str, tmp_path: Path
) -> None:
    mongo = {"BURT_MONGODB_URI": nx_uri, "BURT_MONGODB_DB": new_db_name()}
    made = subprocess.run(
        [*BURT, "keys", "create", "--tenant", "acme", "--create-store"],
        env=server_env(tmp_path, None, mongo),
        capture_output=True,
    )
    assert made.returncode == 0, made.stderr
    done = burt_backup(tmp_path, tmp_path / "copy", **mongo)
    assert done.returncode == 2
    assert "mongodump" in done.stderr, done.stderr
    assert not (tmp_path / "copy").exists()


@pytest.mark.parametrize(
    ("tamper", "invariant"),
    [
        ("UPDATE period_counts SET sends = sends + 1 WHERE sequence = 1", COUNTS_RECOUNT),
        ("UPDATE campaigns SET contacts_pending = contacts_pending + 1", NEVER_LOST),
        (
            "UPDATE contacts SET batch_seq = NULL WHERE id = (SELECT MIN(id) FROM contacts"
            " WHERE batch_seq IS NOT NULL)",
            NEVER_LOST,
        ),
    ],
)
def test_the_audit_finds_a_broken_store(tmp_path: Path, tamper: str, invariant: str) -> None:
    path = tmp_path / SQLITE_FILENAME

    async def made() -> str:
        store = SQLiteStore(path)
        await store.open()
        try:
            burt = Burt(store, tenant="acme")
            campaign = await burt.initialize_campaign("A", [("a", "A"), ("b", "B")], "opened")
            await burt.load_contacts(campaign.id, [f"c{i}" for i in range(20)])
            await burt.create_experiment_batch(campaign.id, 8, "one")
            return campaign.id
        finally:
            await store.close()

    campaign_id = asyncio.run(made())
    assert asyncio.run(_audit(path, "acme", campaign_id)).passed
    with sqlite3.connect(path) as db:
        db.execute(tamper)
    audit = asyncio.run(_audit(path, "acme", campaign_id))
    assert audit.problems[invariant], "\n".join(audit.lines())
