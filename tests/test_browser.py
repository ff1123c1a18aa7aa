"""The real app in a real browser: `streamlit run dashboard.py` driven by Debian's Chromium via Playwright.

AppTest (tests/test_pages.py) runs the scripts but not the frontend; these tests catch what only a
browser shows: the cards' DOM, and deep links straight to a KPI page's URL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cxkpi.registry import Kpi, load_registry
from tests.support import GOLDEN_DIR, PROJECT_ROOT, build_warehouse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_SECONDS = 30
WAIT_MS = 20_000
# URL path of each KPI page: Streamlit derives it from the file name in pages/ (number prefix dropped).
KPI_URLS = {
    "nps": "NPS",
    "complaint_response_hours": "Complaint_response",
    "repeat_purchase_rate": "Repeat_purchase",
    "brand_trust": "Brand_trust",
}
GOLDEN_VALUES = {"nps": "+16.7 pts", "complaint_response_hours": "7.0 h", "repeat_purchase_rate": "50.0%",
                 "brand_trust": "66.7%"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)  # polling a port that is not open yet; nothing in the browser to wait on
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `streamlit run` for the module, on a free port, against a golden warehouse file; always stopped."""
    workdir = tmp_path_factory.mktemp("browser")
    db = build_warehouse(workdir / "golden.duckdb", GOLDEN_DIR)
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "CXKPI_REGISTRY"}
    env["CXKPI_DB"] = str(db)
    log = workdir / "streamlit.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own context: no session state carried over) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def registry() -> dict[str, Kpi]:
    return {kpi.id: kpi for kpi in load_registry()}


def expect_no_error(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)


def test_overview_shows_four_cards_with_owners_and_values(
    app_url: str, page: Page, registry: dict[str, Kpi]
) -> None:
    page.goto(app_url)
    expect(page.locator("h1")).to_have_text("Customer experience KPIs")
    for kpi_id, value in GOLDEN_VALUES.items():
        card = page.locator(f".st-key-card-{kpi_id}")
        expect(card).to_be_visible()
        expect(card).to_contain_text(registry[kpi_id].title)
        expect(card.locator("[data-testid='stMetricValue']")).to_have_text(value)
        expect(card).to_contain_text(f"Owner: {registry[kpi_id].owner.name}")
        expect(card.locator(".cxkpi-sparkline svg polyline")).to_have_count(1)  # the sparkline
    expect(page.locator("[class*='st-key-card-']")).to_have_count(len(registry))
    expect_no_error(page)


@pytest.mark.parametrize("kpi_id", list(KPI_URLS))
def test_deep_link_to_a_kpi_page_renders_it_with_sidebar_and_filters(
    app_url: str, page: Page, registry: dict[str, Kpi], kpi_id: str
) -> None:
    page.goto(f"{app_url}/{KPI_URLS[kpi_id]}")
    expect(page.locator("h1")).to_have_text(registry[kpi_id].title)
    expect(page.locator(f".st-key-card-{kpi_id} [data-testid='stMetricValue']")).to_have_text(GOLDEN_VALUES[kpi_id])
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("Overview", exact=True)).to_be_visible()
    for kpi in registry.values():
        expect(sidebar.get_by_text(kpi.title, exact=True)).to_be_visible()
    for label in ("From", "To (inclusive)", "Region", "Segment", "Channel"):
        expect(sidebar.get_by_text(label, exact=True)).to_be_visible()
    expect(sidebar.locator(".st-key-filter_start input")).to_have_value("2026-04-01")
    expect(page.locator(f".st-key-trend-{kpi_id} [data-testid='stVegaLiteChart']")).to_have_count(1)
    expect_no_error(page)
