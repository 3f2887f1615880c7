"""The wheel, as users get it: built, installed into a fresh virtualenv, used from elsewhere.

burt's wheel and the SDK's (`burt-client`, for services that want only the SDK) are built with
build isolation from a copy of the working tree (`uv build`, the uv pinned in the dev extra: it
caches what it downloads, so the second run installs numpy and scipy in seconds). The virtualenv
has nothing but burt's wheel and its dependencies, at the versions of requirements.lock: the
wheel carries the SDK its commands use. Every command the docs show runs in a folder outside
the repository, so nothing can come from the source tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from testing_support.live import live_server
from tests.test_readme import needs_curl, run_walkthrough

pytestmark = pytest.mark.slow  # builds a wheel into a fresh virtualenv; `make test` runs it

VARIANTS = [{"id": "a", "label": "Subject A"}, {"id": "b", "label": "Subject B"}]
ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"


@dataclass(frozen=True)
class Install:
    wheel: Path
    client_wheel: Path
    build_log: str
    bin: Path
    elsewhere: Path  # a folder with no source in it, to run commands from

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            cwd=self.elsewhere,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *argv: str) -> str:
        """Run `burt ARGV...`; its stdout, after checking that it succeeded."""
        done = self.run("burt", *argv)
        assert done.returncode == 0, (argv, done.stderr)
        return done.stdout


def _copy_of_tree(destination: Path) -> Path:
    """The tracked and new (not ignored) files, so no build residue or venv goes in."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    archive = destination.with_suffix(".tar")
    with tarfile.open(archive, "w") as tar:
        for name in filter(None, files.decode().split("\0")):
            if (ROOT / name).exists() or (ROOT / name).is_symlink():
                tar.add(ROOT / name, arcname=name, recursive=False)
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="tar")
    return destination


def _build(source: Path, dist: Path) -> tuple[Path, str]:
    """The wheel, and what the build backend said while building it."""
    built = subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("*.whl")
    return wheel, built.stderr


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_of_tree(work / "source")
    wheel, build_log = _build(source, work / "dist")
    client_wheel, _ = _build(source / "clients" / "python", work / "client-dist")
    venv = work / "venv"
    subprocess.run([str(UV), "venv", "--quiet", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    lock = str(ROOT / "requirements.lock")
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", python, "-c", lock, wheel],
        check=True,
        capture_output=True,
    )
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    yield Install(wheel, client_wheel, build_log, venv / "bin", elsewhere)


def _top_level_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        rows = archive.read(record).decode().splitlines()
    return {row.split(",")[0].split("/")[0] for row in rows if row}


def _sdk_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("burt_client/")}


def test_only_burt_and_its_sdk_land_in_site_packages(install: Install) -> None:
    assert _top_level_names(install.wheel) == {"burt", "burt_client", "burt-0.1.0.dist-info"}
    assert _top_level_names(install.client_wheel) == {
        "burt_client",
        "burt_client-0.1.0.dist-info",
    }
    assert _sdk_files(install.wheel) == _sdk_files(install.client_wheel)  # the same SDK


def test_wheel_carries_every_module_and_the_contract_as_written(install: Install) -> None:
    with zipfile.ZipFile(install.wheel) as archive:
        names = set(archive.namelist())
        packaged_spec = archive.read("burt/service/openapi.yaml")
    folders = {"engine": "burt/engine", "service": "burt/service"}
    folders["clients/python/burt_client"] = "burt_client"
    for folder, package in folders.items():
        for module in (ROOT / folder).rglob("*.py"):
            assert f"{package}/{module.relative_to(ROOT / folder)}" in names, module
    assert packaged_spec == (ROOT / "openapi.yaml").read_bytes()
    for data in (ROOT / "service" / "static").iterdir():
        assert f"burt/service/static/{data.name}" in names, data


def test_the_build_warns_of_nothing(install: Install) -> None:
    """Issue 22 (8): setuptools warned that `project.license` as a table is deprecated and that
    `burt.service.static` would be ignored as a package, on every install."""
    assert "Building wheel" in install.build_log or "Successfully built" in install.build_log
    warnings = [line for line in install.build_log.splitlines() if "Warning" in line]
    assert warnings == []


def test_import_burt_gives_the_engine_api(install: Install) -> None:
    script = """
import asyncio, burt
assert burt.__version__ == "0.1.0", burt.__version__
assert all(hasattr(burt, name) for name in burt.__all__)

async def main():
    store = burt.SQLiteStore("notebook.sqlite3")
    await store.open()
    try:
        b = burt.Burt(store)
        campaign = await b.initialize_campaign(
            "Launch", [("a", "A"), ("b", "B")], optimize="clicked"
        )
        await b.load_contacts(campaign.id, [f"c{i}" for i in range(10)])
        batch, _ = await b.create_experiment_batch(campaign.id, size=4, idempotency_key="k")
        print(len(batch.assignments))
    finally:
        await store.close()

asyncio.run(main())
"""
    done = install.run("python", "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4"


def test_commands_work_from_any_folder(install: Install) -> None:
    assert install.run("burt", "--version").stdout.strip() == "burt 0.1.0"
    refused = install.run("burt", "keys", "create", "--tenant", "acme")
    assert refused.returncode != 0 and "--create-store" in refused.stderr  # no silent new store
    done = install.run("burt", "keys", "create", "--tenant", "acme", "--create-store")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("burt_") and (install.elsewhere / "var").is_dir()


@needs_curl
def test_installed_wheel_serves_the_readme_walkthrough(install: Install) -> None:
    burt = str(install.bin / "burt")
    with live_server(
        install.elsewhere / "served",
        command=lambda port: [burt, "serve", "--port", str(port)],
        burt=[burt],
        cwd=install.elsewhere,
    ) as server:
        run_walkthrough(server, burt=burt, cwd=install.elsewhere)
        portal = {path: httpx.get(f"{server.url}{path}") for path in ("/docs", "/openapi.yaml")}
        # The SDK burt's wheel carries, in the same clean environment, against the same server.
        key = server.create_key("sdk")
        created = httpx.post(
            f"{server.url}/campaigns",
            headers={"Authorization": f"Bearer {key}"},
            json={"name": "From the wheel", "optimize": "clicked", "variants": VARIANTS},
        ).json()
        sdk = f"""
from burt_client import AuthenticatedClient
from burt_client.api.campaigns import list_campaigns
client = AuthenticatedClient(base_url="{server.url}", token="{key}")
print([c.id for c in list_campaigns.sync(client=client).items])
"""
        done = install.run("python", "-c", sdk)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([created["id"]])
    assert portal["/openapi.yaml"].content == (ROOT / "openapi.yaml").read_bytes()
    assert "Redoc.init(" in portal["/docs"].text


SCENARIO = {"name": "tiny", "rates": [0.05, 0.1], "contacts": 400, "batches": 4, "delay": 0}


def test_every_command_the_docs_show_runs_from_the_wheel(install: Install) -> None:
    """serve, keys create | list | revoke, contacts load, events load, report, simulate, docs,
    --version: each the way the README and docs/ show it, with the store flags of serve."""
    burt, data = str(install.bin / "burt"), "documented"
    files = install.elsewhere
    assert install.ok("--version").strip() == "burt 0.1.0"
    with live_server(
        files / data,
        command=lambda port: [burt, "serve", "--port", str(port), "--data-dir", data],
        burt=[burt],
        cwd=files,
    ) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        key = install.ok("keys", "create", "--tenant", "acme", "--data-dir", data).strip()
        reach = ("--url", server.url, "--api-key", key)
        assert "acme" in install.ok("keys", "list", "--data-dir", data)
        auth = {"Authorization": f"Bearer {key}"}
        campaign = httpx.post(
            f"{server.url}/campaigns",
            headers=auth,
            json={"name": "Files", "optimize": "clicked", "variants": VARIANTS},
        ).json()["id"]
        emails = [f"c{i}@example.com" for i in range(6)]
        (files / "tiny.csv").write_text("email,segment\n" + "".join(f"{e},vip\n" for e in emails))
        install.ok("contacts", "load", campaign, "tiny.csv", "--id-column", "email", *reach)
        batch = httpx.post(
            f"{server.url}/campaigns/{campaign}/batches",
            headers={**auth, "Idempotency-Key": "wheel"},
            json={"size": 4},
        ).json()
        events = [
            {"id": f"e{i}", "contact_id": a["contact_id"], "type": "clicked"}
            | {"occurred_at": batch["created_at"]}
            for i, a in enumerate(batch["assignments"])
        ]
        (files / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
        install.ok("events", "load", campaign, "events.jsonl", *reach)
        install.ok("report", campaign, "--out", "report.html", *reach)
        stats = httpx.get(f"{server.url}/campaigns/{campaign}/stats", headers=auth).json()
        rows = [row.split() for row in install.ok("keys", "list", "--data-dir", data).splitlines()]
        (key_id,) = (row[0] for row in rows if row[1] == "acme")
        install.ok("keys", "revoke", key_id, "--data-dir", data)
        listed = install.ok("keys", "list", "--data-dir", data).splitlines()
    assert sum(v["sends"] for v in stats["variants"]) == 4
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 4
    assert "<html" in (files / "report.html").read_text().lower()
    assert next(r for r in listed if r.startswith(key_id)).endswith("revoked"), listed
    (files / "tiny.json").write_text(json.dumps(SCENARIO))
    assert "burt" in install.ok("simulate", "tiny.json", "--replications", "2", "--seed", "1")
    install.ok("docs", "--output", "api.html")
    assert "Redoc.init(" in (files / "api.html").read_text()
