"""The API-key lifecycle with the real `burt keys` commands against real service processes."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from testing_support.live import BURT, live_server, server_env

CAMPAIGN = {
    "name": "Launch",
    "optimize": "clicked",
    "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
}


def burt_keys(
    env: Mapping[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BURT, "keys", *args], env=dict(env), cwd=cwd, capture_output=True, text=True
    )


def made_key(env: Mapping[str, str], *args: str) -> str:
    done = burt_keys(env, "create", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_keys_create_refuses_to_make_a_second_empty_store(tmp_path: Path) -> None:
    elsewhere = tmp_path / "another-folder"
    elsewhere.mkdir()
    env = server_env(Path("var"), 8000)  # the default, relative data dir: another folder's var/
    refused = burt_keys(env, "create", "--tenant", "acme", cwd=elsewhere)
    assert refused.returncode == 1 and refused.stdout == ""
    assert str(elsewhere / "var" / "burt.sqlite3") in refused.stderr
    assert "--create-store" in refused.stderr
    assert not (elsewhere / "var").exists()
    made = burt_keys(env, "create", "--tenant", "acme", "--create-store", cwd=elsewhere)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("burt_") and (elsewhere / "var" / "burt.sqlite3").exists()
    assert burt_keys(env, "list", cwd=elsewhere).returncode == 0
    assert burt_keys(env, "list", cwd=tmp_path).returncode == 1  # no store there either


def test_key_lifecycle_across_two_service_processes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with live_server(data) as one, live_server(data) as two:
        writer = made_key(one.env, "--tenant", "acme", "--name", "ci deploys")
        reader = made_key(one.env, "--tenant", "acme", "--read-only", "--expires-in", "30")
        for server in (one, two):
            created = httpx.post(f"{server.url}/campaigns", json=CAMPAIGN, headers=bearer(writer))
            assert created.status_code == 201, created.text
            assert httpx.get(f"{server.url}/campaigns", headers=bearer(reader)).status_code == 200
            refused = httpx.post(f"{server.url}/campaigns", json=CAMPAIGN, headers=bearer(reader))
            assert refused.status_code == 403, refused.text
            assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
            assert "read-only" in refused.json()["detail"]

        listed = burt_keys(one.env, "list")
        assert listed.returncode == 0, listed.stderr
        assert writer not in listed.stdout and reader not in listed.stdout
        lines = listed.stdout.splitlines()
        assert lines[0].split() == [
            "KEY_ID", "TENANT", "NAME", "SCOPE", "CREATED", "LAST_USED", "EXPIRES", "STATUS"
        ]  # fmt: skip
        writer_line = next(line for line in lines if "ci deploys" in line)
        reader_line = next(line for line in lines if " read " in line)
        assert " write " in writer_line and writer_line.endswith("active")
        assert writer_line.split()[5] != "-"  # last used: just now
        assert reader_line.split()[6] != "-"  # it expires

        key_id = writer_line.split()[0]
        revoked = burt_keys(one.env, "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr
        started = time.monotonic()
        waiting = {one.url, two.url}
        while waiting and time.monotonic() - started < 15:
            for url in list(waiting):
                if httpx.get(f"{url}/campaigns", headers=bearer(writer)).status_code == 401:
                    waiting.discard(url)
            time.sleep(0.1)
        refused_after = time.monotonic() - started
        assert not waiting, f"still accepted by {waiting} after {refused_after:.1f} s"
        assert refused_after < 10  # BURT_KEY_CACHE_SECONDS is 2
        assert burt_keys(one.env, "list").stdout.count("revoked") == 1
        assert httpx.get(f"{two.url}/campaigns", headers=bearer(reader)).status_code == 200
        assert burt_keys(one.env, "revoke", "key_000000000000").returncode == 1


def test_an_expired_key_is_refused(tmp_path: Path) -> None:
    with live_server(tmp_path / "data") as server:
        key = made_key(server.env, "--tenant", "acme", "--expires-in", "0.00001")  # days: 0.86 s
        time.sleep(1.0)
        refused = httpx.get(f"{server.url}/campaigns", headers=bearer(key))
        assert refused.status_code == 401
        assert "revoked or expired" in refused.json()["detail"]
        assert burt_keys(server.env, "list").stdout.splitlines()[1].endswith("expired")
