"""Sharing a view, in a real browser: links that reopen the same numbers, saved views, exports, presentation mode.

One `streamlit run dashboard.py` for the module (helpers from tests/browser_support.py), driven by Debian's
Chromium. The warehouse is the golden data (default period Q2 2026: NPS +16.7 on n = 6; region EMEA:
+33.3 on n = 3) plus one hostile record from 2024, far outside the default period and its comparisons:
a customer whose region is `=1+2` and segment `@SUM(A1)`, answering on channel `-web`, so a CSV export
has formula-like cells to neutralise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from cxkpi.registry import Kpi
from tests import browser_support
from tests.browser_support import choose, expect_no_error, fresh_page, running_app, settled
from tests.support import GOLDEN_DIR, build_warehouse

HOSTILE_CUSTOMERS = "customer_id,created_at,region,segment\nC900,2024-01-01,=1+2,@SUM(A1)\n"
HOSTILE_RESPONSES = (
    "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
    "R900,C900,2024-02-10 10:00:00,10,5,5,,-web\n"
)
DEFAULT_DATES = {"from": ["2026-04-01"], "to": ["2026-06-30"]}
LAST_YEAR = "compared with Q2 2025"
# Every profile in this module may download and use the clipboard.
PROFILE = {"accept_downloads": True, "permissions": ["clipboard-read", "clipboard-write"]}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("sharing")
    hostile = workdir / "hostile"
    hostile.mkdir()
    (hostile / "customers_hostile.csv").write_text(HOSTILE_CUSTOMERS, encoding="utf-8")
    (hostile / "survey_responses_hostile.csv").write_text(HOSTILE_RESPONSES, encoding="utf-8")
    db = build_warehouse(workdir / "golden.duckdb", GOLDEN_DIR, hostile)
    with running_app(db, workdir) as url:
        yield url


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser profile that may download and use the clipboard."""
    return browser_support.new_context(browser, **PROFILE)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Overrides conftest's page: this one may download and use the clipboard."""
    with fresh_page(browser, **PROFILE) as opened:
        yield opened


def main(page: Page) -> Locator:
    return page.locator("[data-testid='stMain']")


def sidebar(page: Page) -> Locator:
    return page.locator("[data-testid='stSidebar']")


def card_value(page: Page, kpi_id: str) -> Locator:
    """The card's headline number (its one .cx-value)."""
    return page.locator(f".st-key-card-{kpi_id} .cx-value").first


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def nav_link(page: Page, label: str) -> Locator:
    settled(page)
    return sidebar(page).locator("a[data-testid='stPageLink-NavLink']", has_text=label)


def download(page: Page, within: str, label: str) -> bytes:
    """Click a download button inside the element with class `within`; the downloaded file's bytes."""
    settled(page)
    with page.expect_download() as info:
        page.locator(within).get_by_role("button", name=label).click()
    return Path(info.value.path()).read_bytes()


def wait_for_location(page: Page, condition: str) -> None:
    """Wait until a JavaScript condition on `location` holds: the app rewrites its URL without navigating."""
    page.wait_for_function(f"() => {condition}")


def test_a_copied_link_reopens_the_same_view_in_a_fresh_browser(
    app_url: str, page: Page, browser: Browser, registry: dict[str, Kpi]
) -> None:
    page.goto(app_url)
    expect(card_value(page, "nps")).to_have_text("+16.7 pts")
    choose(page, "filter_region", "EMEA")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")
    choose(page, "filter_compare", "Same dates last year")
    expect(main(page).get_by_text(LAST_YEAR)).to_be_visible()

    # The address bar is the view, with the default dates pinned.
    wait_for_location(page, "location.search.includes('compare=last_year')")
    query = query_of(page.url)
    assert query == {**DEFAULT_DATES, "compare": ["last_year"], "grain": ["month"], "by": ["region"],
                     "region": ["EMEA"]}
    # Copy link puts the same link on the clipboard, and shows it as text for copying by hand.
    shown = sidebar(page).locator(".cx-link").inner_text().strip()
    page.locator("button", has_text="Copy link").click()
    expect(page.locator("button", has_text="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown
    assert query_of(copied) == query and urlsplit(copied).netloc == urlsplit(app_url).netloc
    settled(page)
    values = {kpi_id: card_value(page, kpi_id).inner_text() for kpi_id in registry}
    samples = page.locator(".st-key-card-nps").text_content()  # the counts are in the card's closed details

    colleague = new_context(browser)
    try:
        other = colleague.new_page()
        other.goto(copied)
        expect(card_value(other, "nps")).to_have_text("+33.3 pts")
        for kpi_id, value in values.items():
            expect(card_value(other, kpi_id)).to_have_text(value)
        assert "n = 3 responses" in samples and "n = 3 responses" in other.locator(".st-key-card-nps").text_content()
        expect(main(other).get_by_text(LAST_YEAR)).to_be_visible()
        expect(sidebar(other).locator(".st-key-filter_region")).to_contain_text("EMEA")
        expect(sidebar(other).locator(".st-key-filter_range input")).to_have_value("Last quarter")  # Q2 2026
        assert query_of(other.url) == query  # read back and written again unchanged
        expect_no_error(other)
    finally:
        colleague.close()


def test_switching_pages_keeps_the_filters_and_the_link_follows(app_url: str, page: Page, browser: Browser) -> None:
    page.goto(app_url)
    choose(page, "filter_region", "EMEA")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")
    settled(page)
    emea_trust = card_value(page, "brand_trust").inner_text()

    # A card's own link carries no query string: the session keeps the view, and writes it into the URL.
    page.locator(".st-key-card-nps").get_by_text("Trend and breakdown").click()
    wait_for_location(page, "location.pathname === '/NPS' && location.search.includes('region=EMEA')")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")
    # A view setting on a KPI page goes into the link too, and along to the next page.
    settled(page)
    page.get_by_role("radiogroup", name="Grain").get_by_role("radio", name="Weekly").click()
    wait_for_location(page, "location.search.includes('grain=week')")

    nav_link(page, "Brand trust").click()
    wait_for_location(page, "location.pathname === '/Brand_trust'")
    expect(card_value(page, "brand_trust")).to_have_text(emea_trust)
    expect(page.get_by_role("radiogroup", name="Grain").get_by_role("radio", name="Weekly")).to_be_checked()
    assert query_of(page.url)["grain"] == ["week"] and query_of(page.url)["region"] == ["EMEA"]

    colleague = new_context(browser)
    try:
        other = colleague.new_page()
        other.goto(page.url)
        expect(other.locator("h1")).to_have_text("Brand trust")
        expect(card_value(other, "brand_trust")).to_have_text(emea_trust)
        expect(other.get_by_role("radiogroup", name="Grain").get_by_role("radio", name="Weekly")).to_be_checked()
    finally:
        colleague.close()


def test_a_malformed_link_falls_back_to_defaults_with_a_note(app_url: str, page: Page) -> None:
    # %60 is a backtick: the note quotes values in code, and this one must not end the quote early.
    page.goto(f"{app_url}/NPS?from=2026-13-45&to=2026-06-30&region=Atlantis&region=EMEA&compare=someday&colour=red"
              "&segment=%60big%60")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")  # EMEA kept, default period
    note = page.locator("[data-testid='stAlertContentWarning']", has_text="Part of this link could not be used")
    expect(note).to_be_visible()
    for part in ("from=2026-13-45", "Atlantis", "compare=someday", "colour", "2026-04-01 to 2026-06-30", "`big`"):
        expect(note).to_contain_text(part)
    assert query_of(page.url) == {**DEFAULT_DATES, "compare": ["previous"], "grain": ["month"], "by": ["region"],
                                  "region": ["EMEA"]}
    expect_no_error(page)

    # The next change clears the note.
    choose(page, "filter_region", "APAC")  # EMEA (+33.3 on 3) and APAC (one detractor): 0 on 4
    expect(card_value(page, "nps")).to_have_text("0.0 pts")
    expect(note).to_have_count(0)


def test_a_shared_view_is_listed_for_everyone_opens_in_one_click_and_can_be_renamed_and_deleted(
    app_url: str, page: Page, browser: Browser
) -> None:
    page.goto(f"{app_url}/NPS?from=2026-04-01&to=2026-06-30&region=EMEA")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")
    settled(page)
    sidebar(page).get_by_role("button", name="Save this view").click()
    page.get_by_label("Name", exact=True).fill("Board review Q2 - EMEA")
    page.get_by_text("Share with everyone").click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(sidebar(page).get_by_text("Saved “Board review Q2 - EMEA” for everyone.")).to_be_visible()

    colleague = new_context(browser)
    try:
        other = colleague.new_page()
        other.goto(app_url)
        expect(card_value(other, "nps")).to_have_text("+16.7 pts")
        settled(other)
        sidebar(other).get_by_role("button", name="Board review Q2 - EMEA").click()
        wait_for_location(other, "location.pathname === '/NPS' && location.search.includes('region=EMEA')")
        expect(other.locator("h1")).to_have_text("Net Promoter Score")
        expect(card_value(other, "nps")).to_have_text("+33.3 pts")

        settled(other)
        sidebar(other).get_by_role("button", name="Rename, share or delete").click()
        # Names are shown as typed, never as Markdown (emphasis, emoji).
        other.get_by_label("New name", exact=True).fill("Board *review* - EMEA :smile:")
        other.get_by_role("button", name="Rename", exact=True).click()
        expect(sidebar(other).get_by_text("Renamed to “Board *review* - EMEA :smile:”.")).to_be_visible()
        renamed = sidebar(other).get_by_role("button", name="Board *review* - EMEA :smile:", exact=True)
        expect(renamed).to_be_visible()
        expect(sidebar(other).get_by_role("button", name="Board review Q2 - EMEA")).to_have_count(0)

        settled(other)
        sidebar(other).get_by_role("button", name="Rename, share or delete").click()
        other.get_by_role("button", name="Delete", exact=True).click()
        # Deleting asks first, naming the view.
        expect(other.get_by_text("Delete “Board *review* - EMEA :smile:” for everyone? This cannot be undone.")
               ).to_be_visible()
        expect(renamed).to_be_visible()
        other.get_by_role("button", name="Yes, delete", exact=True).click()
        expect(sidebar(other).get_by_text("Deleted “Board *review* - EMEA :smile:”.")).to_be_visible()
        expect(renamed).to_have_count(0)
    finally:
        colleague.close()


def test_the_overview_exports_a_landscape_slide_and_a_pdf_naming_filters_period_freshness_and_owners(
    app_url: str, page: Page, registry: dict[str, Kpi]
) -> None:
    page.goto(f"{app_url}/?from=2026-04-01&to=2026-06-30&region=EMEA")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")

    slide = Image.open(io.BytesIO(download(page, ".st-key-export-overview", "Slide (PNG)")))
    assert slide.format == "PNG" and slide.width > slide.height >= 1000

    pdf = PdfReader(io.BytesIO(download(page, ".st-key-export-overview", "Page (PDF)")))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert box.width > box.height  # landscape
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Filters: region: EMEA" in text
    assert "Q2 2026 (1 Apr 2026 – 30 Jun 2026)" in text
    assert "Data through" in text
    assert "+33.3 pts" in text
    for kpi in registry.values():
        assert kpi.owner.name in text, kpi.owner.name
    assert "region=EMEA" in text  # the link back to the live view


def test_a_kpi_page_exports_its_charts_and_a_formula_safe_csv(app_url: str, page: Page) -> None:
    # A link to 2024's first quarter, where the hostile record is the only answer.
    page.goto(f"{app_url}/NPS?from=2024-01-01&to=2024-03-31&by=segment")
    expect(card_value(page, "nps")).to_have_text("+100.0 pts")
    table_csv = download(page, ".st-key-export-nps-by-segment-table", "CSV").decode("utf-8")
    rows = list(csv.reader(io.StringIO(table_csv)))
    assert rows[0][:3] == ["Segment", "value", "status"]
    assert rows[1][0] == "'@SUM(A1)"  # would be a formula; now it is text
    assert float(rows[1][1]) == 100.0

    settled(page)
    page.get_by_role("radiogroup", name="Break down by").get_by_role("radio", name="Channel").click()
    wait_for_location(page, "location.search.includes('by=channel')")
    rows = list(csv.reader(io.StringIO(download(page, ".st-key-export-nps-by-channel-table", "CSV").decode("utf-8"))))
    assert rows[1][0] == "'-web"

    svg = download(page, ".st-key-export-nps-trend-month", "SVG").decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "Net Promoter Score (pts)" in svg
    png = download(page, ".st-key-export-nps-by-channel", "PNG")
    assert png.startswith(b"\x89PNG")


def test_presentation_mode_hides_the_sidebar_and_controls_and_shows_the_overview_large(
    app_url: str, page: Page, registry: dict[str, Kpi]
) -> None:
    page.goto(f"{app_url}/?from=2026-04-01&to=2026-06-30&region=EMEA&present=1")
    expect(card_value(page, "nps")).to_have_text("+33.3 pts")
    expect(sidebar(page)).to_be_hidden()
    expect(page.get_by_role("button", name="Slide (PNG)")).to_have_count(0)
    expect(page.locator("[data-testid='stHeader']")).to_be_hidden()
    size = card_value(page, "nps").evaluate(  # the size the number is drawn at: its innermost element's
        "element => { while (element.firstElementChild) element = element.firstElementChild;"
        " return parseFloat(getComputedStyle(element).fontSize); }"
    )
    assert size >= 48  # 3rem; the normal overview uses 1.9rem
    title = page.locator(".st-key-card-nps .cx-title").evaluate(
        "element => parseFloat(getComputedStyle(element).fontSize)")
    assert title >= 22  # 1.4rem; the normal overview uses 1rem
    for kpi_id in registry:
        expect(page.locator(f".st-key-card-{kpi_id}")).to_be_visible()

    page.get_by_role("button", name="Exit presentation").click()
    expect(sidebar(page)).to_be_visible()
    wait_for_location(page, "!location.search.includes('present') && location.search.includes('region=EMEA')")
