"""The docs pages in a real headless browser: every operation renders, nothing leaves the machine.

Checked on the reference page served at `/docs`, on the same page opened as a file (as a docs
portal would host it), and on Swagger UI at `/ui/` (whose server list must not be blank).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from burt.service.contract import spec
from testing_support.browser import chromium, console_errors, requested_urls
from testing_support.live import BURT, LiveServer, live_server

OPERATIONS = {
    operation["operationId"]
    for item in spec()["paths"].values()
    for method, operation in item.items()
    if isinstance(operation, dict) and "operationId" in operation
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("docs-store")) as live:
        yield live


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def rendered_operations(driver: object, selector: str, pattern: str) -> set[str]:
    """The operationIds in the ids of the elements `selector` finds, once all have rendered."""

    def found(d: object) -> set[str] | None:
        ids = {
            m.group(1)
            for e in d.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
            if (m := re.search(pattern, e.get_attribute("id") or ""))
        }
        return ids if ids >= OPERATIONS else None

    try:
        return WebDriverWait(driver, 60, poll_frequency=0.25).until(found)
    except Exception:
        ids = {
            m.group(1)
            for e in driver.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
            if (m := re.search(pattern, e.get_attribute("id") or ""))
        }
        pytest.fail(f"operations never rendered: {sorted(OPERATIONS - ids)}")


# Schemes that never touch the network (chrome: is the browser's own new-tab page at start).
LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome:")


def assert_stays_local(urls: list[str], page: str, origin: str) -> None:
    assert page in urls, f"the page itself was not recorded: the recorder is not working {urls}"
    elsewhere = [u for u in urls if not u.startswith((origin, *LOCAL_SCHEMES))]
    assert not elsewhere, f"requests left the page's origin {origin}: {elsewhere}"


def test_reference_page_served_renders_every_operation(server: LiveServer, browser) -> None:
    requested_urls(browser)  # start from a clean record
    browser.get(f"{server.url}/docs")
    assert rendered_operations(browser, "[id*='operation/']", r"operation/(\w+)$") == OPERATIONS
    assert "burt" in browser.title
    assert_stays_local(requested_urls(browser), f"{server.url}/docs", f"{server.url}/")
    assert [e for e in console_errors(browser) if "favicon.ico" not in e] == []


def test_reference_page_as_a_file_renders_offline(tmp_path: Path, browser) -> None:
    page = tmp_path / "api.html"
    subprocess.run([*BURT, "docs", "--output", str(page)], check=True)
    requested_urls(browser)
    browser.get(page.as_uri())
    assert rendered_operations(browser, "[id*='operation/']", r"operation/(\w+)$") == OPERATIONS
    assert_stays_local(requested_urls(browser), page.as_uri(), page.as_uri())
    assert console_errors(browser) == []


def test_swagger_ui_renders_every_operation_with_a_server(server: LiveServer, browser) -> None:
    requested_urls(browser)
    browser.get(f"{server.url}/ui/")
    assert rendered_operations(browser, ".opblock", r"^operations-\w+-(\w+)$") == OPERATIONS
    servers = Select(browser.find_element(By.CSS_SELECTOR, ".servers select"))
    assert [o.get_attribute("value") for o in servers.options] == ["/"]
    assert_stays_local(requested_urls(browser), f"{server.url}/ui/", f"{server.url}/")
