"""The overview as an executive sees it, in a real browser on the sample data: everything in the first
screen at 1440 x 900, the headline naming whose numbers are off target, a phone at 390 px, presentation
mode on one 16:9 screen, a slide whose text is never cut, and a date typed and confirmed with Enter.

One `streamlit run dashboard.py` for the module against a warehouse of sample_data/ (the app's own
sample; default period Q3 2026, data through 30 September 2026).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from cxkpi import kpis as kpi_api
from cxkpi import report
from cxkpi.kpis import Filters
from cxkpi.registry import Kpi, load_settings
from cxkpi.warehouse import reading
from tests.browser_support import choose, expect_no_error, fresh_page, running_app, settled
from tests.support import SAMPLE_DIR, build_warehouse, load_one_more_promoter
from ui import exports
from ui.state import LastYearComparison

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WIDE_16_9 = {"width": 1600, "height": 900}
STATUS_WORDS = ("Off target", "Near target", "Too uncertain to act on", "On target", "No data")
EMEA_ENTERPRISE_LAST_YEAR = "/?from=2026-07-01&to=2026-09-30&compare=last_year&region=EMEA&segment=Enterprise"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("sample") / "sample.duckdb", SAMPLE_DIR)


@pytest.fixture(scope="module")
def app_url(sample_db: Path) -> Iterator[str]:
    with running_app(sample_db, sample_db.parent) as url:
        yield url


def open_overview(page: Page, url: str, cards: int) -> None:
    page.goto(url)
    expect(page.locator("[class*='st-key-card-'] .cx-value")).to_have_count(cards)
    settled(page)


def in_viewport(page: Page, selector: str) -> list[bool]:
    """For each element matching `selector`: is it drawn entirely inside the window, without scrolling?"""
    return page.locator(selector).evaluate_all(
        """(elements) => elements.map(element => {
            const box = element.getBoundingClientRect();
            return box.width > 0 && box.top >= 0 && box.left >= 0
                && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
        })"""
    )


def test_every_kpis_title_and_status_is_in_the_first_screen_at_1440_by_900(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    with fresh_page(browser, viewport=DESKTOP) as page:
        open_overview(page, app_url, len(registry))
        for kpi in registry.values():
            card = page.locator(f".st-key-card-{kpi.id}")
            expect(card.locator(".cx-title")).to_have_text(kpi.title)
            expect(card.locator(".cx-badge")).to_contain_text(re.compile("|".join(STATUS_WORDS)))
        assert in_viewport(page, "[class*='st-key-card-'] .cx-title") == [True] * len(registry)
        assert in_viewport(page, "[class*='st-key-card-'] .cx-badge") == [True] * len(registry)
        assert in_viewport(page, ".cx-attention") == [True]
        expect_no_error(page)


def test_the_headline_names_each_off_target_kpi_and_its_owner_and_their_cards_come_first(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    """The sample's Q3 2026 has KPIs off target (CSAT, the complaint rate, resolution within SLA, ...):
    the headline counts them and names each with its owner, and their cards lead, owner above the value."""
    with fresh_page(browser, viewport=DESKTOP) as page:
        open_overview(page, app_url, len(registry))
        badges = page.locator("[class*='st-key-card-'] .cx-badge").all_inner_texts()
        off = [index for index, badge in enumerate(badges) if "Off target" in badge]
        assert off and off == list(range(len(off)))  # off target first
        headline = page.locator(".cx-attention").inner_text()
        assert headline.startswith(f"{len(off)} of {len(registry)} off target:"), headline
        titles = page.locator("[class*='st-key-card-'] .cx-title").all_inner_texts()
        for index in off:
            kpi = next(kpi for kpi in registry.values() if kpi.title == titles[index])
            assert f"{kpi.title}, {kpi.owner.name}" in headline, (kpi.title, headline)
            card = page.locator(f".st-key-card-{kpi.id}")
            expect(card.locator(".cx-owner strong")).to_have_text(f"Owner: {kpi.owner.name}")
            owner_top, value_top = (card.locator(selector).first.bounding_box()["y"]
                                    for selector in (".cx-owner", ".cx-value"))
            assert owner_top < value_top


def test_on_a_390_px_phone_the_sidebar_does_not_cover_the_page_and_nothing_scrolls_sideways(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    with fresh_page(browser, **PHONE) as page:
        open_overview(page, app_url, len(registry))
        sidebar = page.locator("[data-testid='stSidebar']")
        box = sidebar.bounding_box()
        assert box is None or box["x"] + box["width"] <= 0 or sidebar.get_attribute("aria-expanded") == "false"
        assert in_viewport(page, "h1") == [True]
        first_card = page.locator("[class*='st-key-card-']").first
        card_box = first_card.bounding_box()
        assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 390
        assert card_box["height"] < 844 / 2  # compact: two cards and more per screen, not one card a screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_presentation_mode_shows_every_kpi_on_one_16_9_screen_without_p_values(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    with fresh_page(browser, viewport=WIDE_16_9) as page:
        page.goto(f"{app_url}/?present=1")
        expect(page.locator("[class*='st-key-card-'] .cx-value")).to_have_count(len(registry))
        settled(page)
        assert in_viewport(page, "[class*='st-key-card-']") == [True] * len(registry)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "p = " not in text and "p < " not in text
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()


def test_the_slide_of_an_emea_enterprise_last_year_view_draws_no_cut_text(
    app_url: str, browser: Browser, sample_db: Path, registry: dict[str, Kpi]
) -> None:
    """The PDF the app gives for the view holds each card's value, target and owner whole, and no ellipsis;
    the same page drawn by Chromium (its fonts, not an estimate) keeps every text inside its card, the
    header and footer inside the page."""
    with fresh_page(browser, viewport=DESKTOP, accept_downloads=True) as page:
        open_overview(page, app_url + EMEA_ENTERPRISE_LAST_YEAR, len(registry))
        with page.expect_download() as info:
            page.locator(".st-key-export-overview").get_by_role("button", name="Page (PDF)").click()
        pdf = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
        text = " ".join(pdf.pages[0].extract_text().split())
        assert "…" not in text
        assert "Filters: region: EMEA; segment: Enterprise" in text
        assert "compared with Q3 2025 (1 Jul 2025 – 30 Sep 2025)" in text
        for kpi in registry.values():
            assert kpi.owner.name in text and kpi.title.split(",")[0] in text, kpi.id

        period = LastYearComparison(date(2026, 7, 1), date(2026, 9, 30))
        filters = Filters(region=("EMEA",), segment=("Enterprise",))
        with reading(sample_db) as connection:
            reports = kpi_api.overview(connection, list(registry.values()), period, filters, load_settings())
        slide = exports.overview_page(kpi_api.by_attention(reports), period, filters.describe(),
                                      app_url + EMEA_ENTERPRISE_LAST_YEAR, "Customer experience KPIs")
        for card in slide.cards:
            assert card.value in text and card.target in text, card.title
        page.set_content(f"<html><body style='margin:0'>{report.overview_svg(slide)}</body></html>")
        outside = page.evaluate(
            """() => {
                const svg = document.querySelector("svg");
                const cards = [...svg.querySelectorAll("rect[rx='10']")].map(rect => rect.getBBox());
                const page = {x: 0, y: 0, width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height};
                return [...svg.querySelectorAll("text")].flatMap(text => {
                    const box = text.getBBox();
                    const card = cards.find(card => box.x >= card.x - 1 && box.x <= card.x + card.width
                        && box.y >= card.y - 1 && box.y <= card.y + card.height) || page;
                    const inside = box.x >= card.x - 0.5 && box.x + box.width <= card.x + card.width + 0.5
                        && box.y + box.height <= card.y + card.height + 0.5;
                    return inside && !text.textContent.includes("…") ? [] : [text.textContent];
                });
            }"""
        )
        assert outside == []


def test_presentation_mode_refreshes_its_numbers_without_a_click(
    browser: Browser, golden_copy: Path, tmp_path: Path
) -> None:
    """A meeting room's screen: new data loaded while it shows the overview appears on its own (every
    $CXKPI_PRESENT_REFRESH_SECONDS; 2 s here, 5 minutes by default). Golden Q2 NPS: +16.7 on 6 answers;
    one more promoter makes it +28.6."""
    with running_app(golden_copy, tmp_path, extra_env={"CXKPI_PRESENT_REFRESH_SECONDS": "2"}) as url, \
            fresh_page(browser, viewport=WIDE_16_9) as page:
        page.goto(f"{url}/?present=1")
        value = page.locator(".st-key-card-nps .cx-value")
        expect(value).to_have_text("+16.7 pts")
        load_one_more_promoter(golden_copy, tmp_path)
        expect(value).to_have_text("+28.6 pts", timeout=15_000)


def test_a_date_typed_and_confirmed_with_enter_applies(app_url: str, browser: Browser) -> None:
    """Streamlit applies a typed date when its calendar closes, not on Enter: the app makes Enter apply it."""
    with fresh_page(browser, viewport=DESKTOP) as page:
        page.goto(app_url)
        choose(page, "filter_range", "Custom")  # a quick range draws no date inputs
        settled(page)
        start = page.locator("[data-testid='stSidebar'] .st-key-filter_start")
        start.locator("[data-type='month']").click()
        page.keyboard.type("08")
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.search.includes('from=2026-08-01')")
        expect(page.locator(".cx-attention")).to_be_visible()
        settled(page)
        expect(page.locator("[data-testid='stMain']")).to_contain_text("1 Aug 2026")
