"""The docs portal over HTTP: the contract as written, its JSON twin, the reference page, CORS."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from burt.service.app import create_app
from burt.service.config import Config
from burt.service.contract import SPEC_PATH
from burt.service.edge.docs_portal import CORS_REQUEST_HEADERS, REDOC_VERSION, STATIC
from testing_support.live import BURT

PORTAL = "https://portal.example.com"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Config(data_dir=tmp_path))) as client:
        yield client


def refs(node: Any) -> int:
    if isinstance(node, dict):
        return ("$ref" in node) + sum(refs(v) for v in node.values())
    if isinstance(node, list):
        return sum(refs(v) for v in node)
    return 0


def test_the_contract_as_written(client: TestClient) -> None:
    answer = client.get("/openapi.yaml")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/yaml"
    assert answer.content == SPEC_PATH.read_bytes()
    assert client.post("/openapi.yaml").status_code == 405


def test_json_keeps_the_refs_and_names_a_server(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    written = json.loads(json.dumps(yaml.safe_load(SPEC_PATH.read_text()), default=str))
    assert refs(served) == refs(written) > 50
    assert served["servers"] == [{"url": "/"}]
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in written.items() if k != "servers"
    }


def test_the_portal_answers_behind_a_proxy(tmp_path: Path) -> None:
    """Under uvicorn's `--root-path` the scope's path starts with the root path."""
    app = create_app(Config(data_dir=tmp_path))
    with TestClient(app, base_url="http://testserver/burt", root_path="/burt") as client:
        assert client.get("/openapi.json").json()["servers"] == [{"url": "/burt"}]
        assert client.get("/openapi.yaml").status_code == 200
        assert client.get("/docs").headers["content-type"].startswith("text/html")
        ui = client.get("/ui/")
        assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_reference_page_is_self_contained(client: TestClient) -> None:
    answer = client.get("/docs")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    page = answer.text
    assert f"Redoc {REDOC_VERSION}" in page and "Redoc.init(" in page
    bundle = (STATIC / "redoc.standalone.js").read_text()
    assert bundle.replace("https://cdn.redoc.ly/redoc/logo-mini.svg", "data:,") in page
    assert "<script src" not in page and "<link" not in page  # nothing loaded from elsewhere


def test_burt_docs_writes_the_served_page(client: TestClient, tmp_path: Path) -> None:
    target = tmp_path / "portal" / "api.html"
    subprocess.run([*BURT, "docs", "--output", str(target)], check=True)
    assert target.read_text() == client.get("/docs").text


def test_no_cors_unless_configured(client: TestClient) -> None:
    preflight = client.options(
        "/campaigns", headers={"Origin": PORTAL, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    plain = client.get("/healthz", headers={"Origin": PORTAL})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_for_the_configured_origins(tmp_path: Path) -> None:
    app = create_app(Config(data_dir=tmp_path, cors_origins=(PORTAL,)))
    with TestClient(app) as client:
        preflight = client.options(
            "/campaigns",
            headers={
                "Origin": PORTAL,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == PORTAL
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert all(h.lower() in allowed for h in CORS_REQUEST_HEADERS)
        answer = client.get("/campaigns", headers={"Origin": PORTAL})
        assert answer.status_code == 401  # CORS opens the door to the browser, not to the API
        assert answer.headers["access-control-allow-origin"] == PORTAL
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
        other = client.options(
            "/campaigns",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers


def test_cors_origins_setting_is_a_list() -> None:
    config = Config.from_env({"BURT_CORS_ORIGINS": f" {PORTAL}/ , http://localhost:3000"})
    assert config.cors_origins == (PORTAL, "http://localhost:3000")
    assert Config.from_env({}).cors_origins == ()
