"""What the real-browser tests share: a `streamlit run` server on a free port and Debian's Chromium
driven by Playwright (never `playwright install`: browsers cannot be downloaded here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# Without the networking switches Chromium keeps trying hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_SECONDS = 30
# A page of nine cards can take more than Playwright's default 5 s on a busy 2-core machine.
WAIT_MS = 20_000
PLAYWRIGHT_DEFAULT_MS = 5_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(
    db: Path, workdir: Path, drop_env: tuple[str, ...] = ("CXKPI_REGISTRY",), script: str = "serve.py",
    options: tuple[str, ...] = (), port: int | None = None, extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`streamlit run serve.py` (the app as `make run` serves it; or another script of the project) against
    `db`, with more Streamlit `options` if given, on `port` (else a free one), yielding its URL once it
    answers; always stopped."""
    port = port or free_port()
    env = {key: value for key, value in os.environ.items() if key not in drop_env}
    env["CXKPI_DB"] = str(db)
    env.update(extra_env or {})
    log = workdir / "streamlit.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             # Files edited in the work tree meanwhile must not rerun the page in the middle of a test.
             "--server.fileWatcherType", "none", *options],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the server at `url` answers its health check; fail with its log if it exits or never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # A port not open yet, or open but not answering yet (serve.py's server binds it before it
            # imports the app); nothing in the browser to wait on.
            time.sleep(0.1)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            expect.set_options(timeout=PLAYWRIGHT_DEFAULT_MS)


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A fresh browser profile (no session state carried over), as a colleague opening a link; 1400 x 1000
    unless `options` give a viewport."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
    context.set_default_timeout(WAIT_MS)
    return context


@contextmanager
def fresh_page(browser: Browser, **options: object) -> Iterator[Page]:
    context = new_context(browser, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


def expect_no_error(page: Page, forbidden_words: tuple[str, ...] = ()) -> None:
    """No exception or error box on the page, and none of `forbidden_words` in its main area."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)
    if forbidden_words:
        text = page.locator("[data-testid='stMain']").inner_text()
        assert not any(word in text for word in forbidden_words), text


def settled(page: Page) -> None:
    """Wait for the script run to finish: a widget clicked while the page is still being drawn can be
    redrawn under the pointer (a dropdown then closes again)."""
    expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning")


def choose(page: Page, widget_key: str, option: str) -> None:
    """Pick an option in a sidebar selectbox or multiselect, as a person would."""
    settled(page)
    open_list(page, widget_key, page.get_by_role("option", name=option).first).click()
    page.keyboard.press("Escape")


def open_list(page: Page, widget_key: str, wanted: Locator | None = None) -> Locator:
    """Open a sidebar selectbox's or multiselect's list until `wanted` (else its first option) shows;
    return it. A click landing while the frontend redraws the widget, or just after the page is drawn,
    leaves the list closed; on a loaded 2-core machine a redraw can take several seconds, so try for up
    to half a minute."""
    wanted = wanted or page.get_by_role("option").first
    for _ in range(6):
        page.locator(f"[data-testid='stSidebar'] .st-key-{widget_key}").click()
        try:
            wanted.wait_for(state="visible", timeout=5000)
            return wanted
        except PlaywrightTimeoutError:
            continue
    wanted.wait_for(state="visible")
    return wanted
