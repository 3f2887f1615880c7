"""What a docs portal needs from a running burt: the contract as written, and a reference page.

- `/openapi.yaml`: the contract byte for byte, `$ref`s intact (connexion would serve it
  dereferenced, with `servers: [{url: ""}]`, which leaves Swagger UI's server list blank).
- `/openapi.json`: the same document as JSON, `$ref`s intact, its `servers` entry the path the
  service is mounted on (`/`, or the ASGI root path behind a path-prefixing proxy). Swagger UI
  (`/ui/`) reads this one.
- `/docs`: a self-contained API reference page, Redoc's standalone bundle (vendored under
  `static/`, see `REDOC_VERSION`) with the contract inlined. It makes no request at all: its
  Content-Security-Policy allows nothing but itself, so it works as a file on any host
  (`burt docs --output api.html`, `make docs`).

A portal on another origin that calls the API ("try it out") needs CORS: `BURT_CORS_ORIGINS`.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.spec import Specification
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from burt.service.contract import SPEC_PATH, route_path, spec

STATIC = Path(__file__).resolve().parent.parent / "static"
SWAGGER_UI = "/ui"
"""Where connexion's Swagger UI serves (its default path)."""
# The npm package `redoc`, file bundles/redoc.standalone.js; refresh with `make vendor-redoc`.
REDOC_VERSION = "2.5.4"
REDOC_OPTIONS = {
    "hideDownloadButton": False,
    "expandResponses": "200,201",
    "jsonSampleExpandLevel": 3,
}

# Redoc 2 shows its maker's logo from a CDN in the side menu, with no option to turn it off.
# The page loads nothing from anywhere: the image gets an empty data: URL instead, fails to
# decode, and Redoc's own onError hides it. Exactly one occurrence, or a bundle upgrade
# changed it and this must be looked at again.
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

# Inline scripts and styles, and the bundle's search worker (a blob:), nothing from anywhere.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' blob:; worker-src blob:; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)

# Headers a browser page may send to the API, and read from its answers, under CORS.
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Request-ID",
]
CORS_RESPONSE_HEADERS = ["ETag", "Location", "Idempotent-Replayed", "Allow", "X-Request-ID"]


def _json_default(value: Any) -> str:
    """YAML reads unquoted dates as date objects; JSON gets them back as RFC 3339 text."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def contract_json(root_path: str = "") -> bytes:
    """The contract as JSON, `$ref`s intact, served from `root_path` (a proxy's path prefix)."""
    return _contract_json(root_path.rstrip("/"))


@cache
def _contract_json(root_path: str) -> bytes:
    document = {**spec(), "servers": [{"url": root_path or "/"}]}
    return json.dumps(document, default=_json_default, ensure_ascii=False).encode()


@cache
def reference_page() -> str:
    """The self-contained HTML reference page (Redoc with the contract inlined)."""
    info = spec()["info"]
    document = contract_json().decode()
    # Inside <script>, "</" could end the element early; "<\/" means the same to JSON and JS.
    inline_spec = document.replace("</", "<\\/")
    bundle = (STATIC / "redoc.standalone.js").read_text(encoding="utf-8")
    if bundle.count(REDOC_CDN_LOGO) != 1:
        raise RuntimeError(f"the Redoc bundle no longer has one {REDOC_CDN_LOGO}: check it")
    bundle = bundle.replace(REDOC_CDN_LOGO, "data:,")
    title = escape(f"{info['title']} {info['version']} API reference")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{PAGE_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="burt docs, Redoc {REDOC_VERSION}">
<title>{title}</title>
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<div id="redoc"></div>
<script id="contract" type="application/json">{inline_spec}</script>
<script>{bundle}</script>
<script>
Redoc.init(JSON.parse(document.getElementById("contract").textContent),
           {json.dumps(REDOC_OPTIONS)}, document.getElementById("redoc"));
</script>
</body>
</html>
"""


class DocsPortal:
    """ASGI middleware answering GET on the portal's paths (and `extra` ones), and handing
    `/ui` to connexion's Swagger UI; the rest goes on.

    Swagger UI is connexion's own middleware, placed here rather than in connexion's stack so
    that API requests do not pass its router: one dict lookup and one prefix test per request
    when the path is none of the portal's.
    """

    def __init__(self, app: ASGIApp, extra: dict[str, ASGIApp] | None = None) -> None:
        self.app = app
        self.swagger_ui = SwaggerUIMiddleware(app)
        self.swagger_ui.add_api(Specification.load(SPEC_PATH))
        self.routes: dict[str, ASGIApp] = {
            "/openapi.yaml": _serve_yaml,
            "/openapi.json": _serve_json,
            "/docs": _serve_page,
            **(extra or {}),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        endpoint = self.routes.get(path)
        if endpoint is None:
            if path == SWAGGER_UI or path.startswith(SWAGGER_UI + "/"):
                await self.swagger_ui(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        elif scope["method"] not in ("GET", "HEAD"):
            await Response(status_code=405, headers={"Allow": "GET, HEAD"})(scope, receive, send)
        else:
            await endpoint(scope, receive, send)


async def _serve_yaml(scope: Scope, receive: Receive, send: Send) -> None:
    body = _contract_yaml()
    await Response(body, media_type="application/yaml")(scope, receive, send)


@cache
def _contract_yaml() -> bytes:
    return SPEC_PATH.read_bytes()


async def _serve_json(scope: Scope, receive: Receive, send: Send) -> None:
    body = contract_json(scope.get("root_path", ""))
    await Response(body, media_type="application/json")(scope, receive, send)


async def _serve_page(scope: Scope, receive: Receive, send: Send) -> None:
    headers = {"Content-Security-Policy": PAGE_POLICY}
    await Response(reference_page(), media_type="text/html", headers=headers)(scope, receive, send)


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """Options for Starlette's CORSMiddleware: the configured origins ("*" for any)."""
    return {
        "allow_origins": list(origins),
        "allow_methods": ["GET", "POST", "PATCH", "PUT", "DELETE"],
        "allow_headers": CORS_REQUEST_HEADERS,
        "expose_headers": CORS_RESPONSE_HEADERS,
        "max_age": 600,
    }
