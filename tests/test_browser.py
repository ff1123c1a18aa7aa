"""The real app in a real browser: served as `make run` serves it (serve.py) and driven by Debian's Chromium
via Playwright.

AppTest (tests/test_pages.py) runs the scripts but not the frontend; these tests catch what only a
browser shows: the cards' DOM, and deep links straight to a KPI page's URL.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cxkpi import ownership
from cxkpi.registry import Kpi, Owner
from tests.browser_support import expect_no_error, running_app
from tests.support import person

# URL path of each KPI page: Streamlit derives it from the file name in pages/ (number prefix dropped).
KPI_URLS = {
    "nps": "NPS",
    "complaint_response_hours": "Complaint_response",
    "repeat_purchase_rate": "Repeat_purchase",
    "brand_trust": "Brand_trust",
}
GOLDEN_VALUES = {"nps": "+16.7 pts", "complaint_response_hours": "7.0 h", "repeat_purchase_rate": "50.0%",
                 "brand_trust": "66.7%"}


@pytest.fixture(scope="module")
def golden_file(golden_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the golden warehouse for this module: a test here changes an owner in it."""
    copy = tmp_path_factory.mktemp("browser") / "golden.duckdb"
    shutil.copyfile(golden_db, copy)
    return copy


@pytest.fixture(scope="module")
def app_url(golden_file: Path) -> Iterator[str]:
    """One `streamlit run` for the module, against a golden warehouse file."""
    with running_app(golden_file, golden_file.parent) as url:
        yield url


def test_overview_shows_four_cards_with_owners_and_values(
    app_url: str, page: Page, registry: dict[str, Kpi]
) -> None:
    page.goto(app_url)
    expect(page.locator("h1")).to_have_text("Customer experience KPIs")
    for kpi_id, value in GOLDEN_VALUES.items():
        card = page.locator(f".st-key-card-{kpi_id}")
        expect(card).to_be_visible()
        expect(card).to_contain_text(registry[kpi_id].title)
        expect(card.locator(".cx-value")).to_have_text(value)
        expect(card.locator(".cx-owner")).to_have_text(f"Owner: {registry[kpi_id].owner.name}")
        sparkline = card.locator(".cxkpi-sparkline img")
        expect(sparkline).to_have_attribute("alt", re.compile(r"monthly: Jul 2025: .*; Jun 2026: "))
        # decode() fails on a broken image: the picture is drawn, not just named.
        assert sparkline.evaluate("image => image.decode().then(() => image.naturalWidth)") > 0
    expect(page.locator("[class*='st-key-card-']")).to_have_count(len(registry))
    expect_no_error(page)


def test_an_owner_name_with_markdown_characters_reads_on_the_card_as_typed(
    app_url: str, golden_file: Path, page: Page, registry: dict[str, Kpi]
) -> None:
    """Names are typed on the Owners page and shown in the card's HTML: <b> must not turn bold, nor (as
    when the card was Markdown) * or _ into emphasis, :smile: into an emoji, $x$ into maths. CSAT: no
    other test reads its owner."""
    typed = Owner("Ann [Ops] *lead* <b>", "VP_Insight_EMEA #1 :smile: $x$", "ann@example.com")
    ownership.change(golden_file, registry["csat"], person(), owner=typed)
    page.goto(app_url)
    owner = page.locator(".st-key-card-csat .cx-owner")
    expect(owner).to_have_text(f"Owner: {typed.name}")
    expect(owner).to_have_attribute("title", typed.role)  # the role on hover (and in the card's details)
    expect(owner.locator("em, b")).to_have_count(0)


def test_a_card_shows_how_its_number_is_computed_on_click(app_url: str, page: Page) -> None:
    page.goto(app_url)
    card = page.locator(".st-key-card-nps")
    formula = card.locator(".cx-sql")
    expect(formula).to_be_hidden()  # details on demand: the card stays short
    card.get_by_text("Details", exact=True).click()
    expect(formula).to_be_visible()
    expect(formula).to_contain_text("Formula:")
    expect(formula).to_contain_text("promoters")


@pytest.mark.parametrize("kpi_id", list(KPI_URLS))
def test_deep_link_to_a_kpi_page_renders_it_with_sidebar_and_filters(
    app_url: str, page: Page, registry: dict[str, Kpi], kpi_id: str
) -> None:
    page.goto(f"{app_url}/{KPI_URLS[kpi_id]}")
    expect(page.locator("h1")).to_have_text(registry[kpi_id].title)
    expect(page.locator(f".st-key-card-{kpi_id} .cx-value")).to_have_text(GOLDEN_VALUES[kpi_id])
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("Overview", exact=True)).to_be_visible()
    for kpi in registry.values():
        expect(sidebar.get_by_text(kpi.title, exact=True)).to_be_visible()
    for label in ("Period", "Compare with", "Region", "Segment", "Channel"):
        expect(sidebar.get_by_text(label, exact=True)).to_be_visible()
    expect(sidebar.locator(".st-key-filter_range input")).to_have_value("Last quarter")  # Q2 2026, the default
    expect(page.locator("[data-testid='stMain']")).to_contain_text("1 Apr 2026 \N{EN DASH} 30 Jun 2026")
    expect(page.locator(f".st-key-trend-{kpi_id} [data-testid='stVegaLiteChart']")).to_have_count(1)
    expect_no_error(page)
