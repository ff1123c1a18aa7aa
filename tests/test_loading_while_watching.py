"""Item 7: loading while people watch. A real `streamlit run dashboard.py` serves a real Chromium while
`python -m cxkpi ingest` loads 600,000 survey responses; nobody sees a lock error, and the new numbers
appear on the viewer's next interaction. Uploads from the Data page load through the same pipeline."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import expect_no_error, running_app
from tests.support import GOLDEN_DIR, PROJECT_ROOT, TESTS_DIR, build_warehouse

NEW_RESPONSES = 600_000
# Golden Q2 2026: NPS on 6 responses; the load adds 600,000 in May 2026, so the card's n becomes 600,006.
N_BEFORE = re.compile(r"n = 6 responses")
N_AFTER = re.compile(r"n = 600,?006 responses")
LOCK_WORDS = ("lock", "being loaded right now", "Traceback")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("watching")
    db = build_warehouse(workdir / "live.duckdb", GOLDEN_DIR)
    with running_app(db, workdir, drop_env=("CXKPI_REGISTRY", "CXKPI_INBOX")) as url:
        yield url, db


def nps_card(page: Page):
    return page.locator(".st-key-card-nps")


def test_a_cli_load_while_the_app_serves_shows_no_lock_error_and_new_data_on_the_next_interaction(
    server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    url, db = server
    big = tmp_path / "survey_responses_may.csv"
    with big.open("w", encoding="utf-8") as out:
        out.write("response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n")
        out.writelines(f"N{i},C1,2026-05-{1 + i % 28:02d} 12:00:00,10,,,,web\n" for i in range(NEW_RESPONSES))

    page.goto(url)
    expect(nps_card(page)).to_contain_text(N_BEFORE)
    loader = subprocess.Popen(
        [sys.executable, "-m", "cxkpi", "ingest", str(big), "--db", str(db)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    interactions_during_load = 0
    try:
        while loader.poll() is None:
            # A viewer keeps clicking between pages while the load runs.
            page.locator("[data-testid='stSidebar']").get_by_text("Net Promoter Score", exact=True).click()
            expect(page.locator("h1")).to_have_text("Net Promoter Score")
            expect_no_error(page, LOCK_WORDS)
            page.locator("[data-testid='stSidebar']").get_by_text("Overview", exact=True).click()
            expect(page.locator("h1")).to_have_text("Customer experience KPIs")
            expect_no_error(page, LOCK_WORDS)
            interactions_during_load += 1
    finally:
        stdout, stderr = loader.communicate(timeout=120)
    assert loader.returncode == 0, stderr
    assert f"{NEW_RESPONSES} rows read, {NEW_RESPONSES} inserted" in stdout
    assert interactions_during_load >= 1
    # The next interaction shows the new numbers: never a half-loaded file, never a stale cache.
    page.locator("[data-testid='stSidebar']").get_by_text("Net Promoter Score", exact=True).click()
    page.locator("[data-testid='stSidebar']").get_by_text("Overview", exact=True).click()
    expect(nps_card(page)).to_contain_text(N_AFTER)
    expect_no_error(page, LOCK_WORDS)


def test_an_upload_on_the_data_page_loads_through_the_inbox_and_shows_in_the_log(
    server: tuple[str, Path], page: Page
) -> None:
    url, _ = server
    page.goto(f"{url}/Data")
    expect(page.locator("h1")).to_have_text("Data")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(TESTS_DIR / "exports" / "zendesk_tickets_export.csv")
    )
    page.get_by_role("button", name="Load these files").click()
    expect(page.locator("[data-testid='stAlertContentSuccess']")).to_contain_text(
        "zendesk_tickets_export.csv: complaints: 2 rows read, 2 inserted, 0 updated, 0 quarantined [Zendesk tickets"
    )
    expect(page.locator(".st-key-data-log")).to_contain_text("Zendesk tickets")
    expect_no_error(page, LOCK_WORDS)
