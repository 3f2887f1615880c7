"""The wheels, as users get them: built, installed into a fresh virtualenv, used from elsewhere.

burt's wheel and the SDK's (`burt-client`) are built with build isolation from a copy of the
working tree (`uv build`, the uv pinned in the dev extra: it caches what it downloads, so the
second run installs numpy and scipy in seconds). The virtualenv has nothing but the two wheels
and their dependencies, at the versions of requirements.lock; every command runs in a folder
outside the repository, so nothing can come from the source tree.
"""

from __future__ import annotations

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
    bin: Path
    elsewhere: Path  # a folder with no source in it, to run commands from

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            cwd=self.elsewhere,
            capture_output=True,
            text=True,
            timeout=120,
        )


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


def _build(source: Path, dist: Path) -> Path:
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "--out-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    work = tmp_path_factory.mktemp("wheel")
    source = _copy_of_tree(work / "source")
    wheel = _build(source, work / "dist")
    client_wheel = _build(source / "clients" / "python", work / "client-dist")
    venv = work / "venv"
    subprocess.run([str(UV), "venv", "--quiet", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    lock = str(ROOT / "requirements.lock")
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", python, "-c", lock, wheel, client_wheel],
        check=True,
        capture_output=True,
    )
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    yield Install(wheel, client_wheel, venv / "bin", elsewhere)


def _top_level_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        rows = archive.read(record).decode().splitlines()
    return {row.split(",")[0].split("/")[0] for row in rows if row}


def test_only_burt_lands_in_site_packages(install: Install) -> None:
    assert _top_level_names(install.wheel) == {"burt", "burt-0.1.0.dist-info"}
    assert _top_level_names(install.client_wheel) == {
        "burt_client",
        "burt_client-0.1.0.dist-info",
    }


def test_wheel_carries_every_module_and_the_contract_as_written(install: Install) -> None:
    with zipfile.ZipFile(install.wheel) as archive:
        names = set(archive.namelist())
        packaged_spec = archive.read("burt/service/openapi.yaml")
    for folder, package in (("engine", "burt/engine"), ("service", "burt/service")):
        for module in (ROOT / folder).rglob("*.py"):
            assert f"{package}/{module.relative_to(ROOT / folder)}" in names, module
    assert packaged_spec == (ROOT / "openapi.yaml").read_bytes()
    for data in (ROOT / "service" / "static").iterdir():
        assert f"burt/service/static/{data.name}" in names, data


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
        # The SDK from its own wheel, in the same clean environment, against the same server.
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
