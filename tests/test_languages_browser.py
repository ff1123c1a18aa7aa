"""The overview in Persian and Russian as a person reads it, in Chromium on the sample data: `?lang=fa` right
to left in Vazirmatn with Persian words and digits and no English left in the page's own text; `?lang=ru`
with Russian plurals; the sidebar's switcher; the slide downloaded in the session's language; a KPI page's
drill-downs in Persian, its dates in the Solar Hijri calendar until the calendar switcher says Gregorian.

One `streamlit run` for the module against a warehouse of sample_data/ (default period Q3 2026).
"""

from __future__ import annotations

import getpass
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from cxkpi.registry import Kpi
from tests.browser_support import choose, expect_no_error, fresh_page, running_app
from tests.support import SAMPLE_DIR, build_warehouse

DESKTOP = {"width": 1440, "height": 900}
PERSIAN_DIGIT = re.compile("[۰-۹]")
# Hidden while reading a page's own words: icons (their ligature names are words), the link box, code, and
# Streamlit's own "Skip to main content" link (shown to keyboards only; Streamlit has no way to translate it).
NOT_WORDS = ("[data-testid=stIconMaterial], [data-testid=stExpanderIcon], span[role=img][translate=no], .cx-icon, "
             ".cx-link, code, .cx-sql, [data-testid=stSkipToContent]")
# What stays in Latin letters in a Persian page: names people typed, acronyms in the KPIs' own names,
# file formats and the product's name.
LATIN_KEPT = {"NPS", "CSAT", "SLA", "PNG", "PDF", "SVG", "CSV", "cxkpi"}  # acronyms and file formats, kept as written


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("languages") / "sample.duckdb", SAMPLE_DIR)


@pytest.fixture(scope="module")
def app_url(sample_db: Path) -> Iterator[str]:
    with running_app(sample_db, sample_db.parent) as url:
        yield url


def open_overview(page: Page, url: str, cards: int) -> None:
    page.goto(url)
    expect(page.locator("[class*='st-key-card-'] .cx-value")).to_have_count(cards)
    expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning")


def own_words(page: Page) -> list[str]:
    """The Latin words of the page's text (main area and sidebar), icons and links aside."""
    page.add_style_tag(content=f"{NOT_WORDS} {{ display: none !important; }}")
    text = page.locator("[data-testid='stApp']").inner_text()
    return re.findall(r"[A-Za-z][A-Za-z']+", text)


def wait_for_document_language(page: Page, lang: str, direction: str) -> None:
    """The page's lang and dir are set by a small component (ui/language.py), whose code the browser
    may still be loading when the cards are drawn."""
    page.wait_for_function(
        "([lang, direction]) => document.documentElement.lang === lang && document.documentElement.dir === direction",
        arg=[lang, direction], timeout=10_000,
    )


def test_persian_overview_reads_right_to_left_in_persian_words_and_digits(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    with fresh_page(browser, viewport=DESKTOP) as page:
        open_overview(page, f"{app_url}/?lang=fa", len(registry))
        expect_no_error(page)
        wait_for_document_language(page, "fa", "rtl")
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        sidebar, main = (page.locator(f"[data-testid='{name}']").bounding_box() for name in ("stSidebar", "stMain"))
        assert sidebar and main and sidebar["x"] > main["x"]  # the sidebar on the right
        expect(page.locator("h1")).to_have_text("شاخص‌های تجربهٔ مشتری")
        expect(page.locator(".cx-attention-lead")).to_contain_text("از ۹ شاخص دور از هدف")
        values = page.locator("[class*='st-key-card-'] .cx-value").all_inner_texts()
        assert all(PERSIAN_DIGIT.search(value) and not re.search("[0-9]", value) for value in values), values
        assert "٪" in page.locator(".st-key-card-csat .cx-value").inner_text()
        font = page.locator(".cx-attention").evaluate("element => getComputedStyle(element).fontFamily")
        assert font.split(",")[0].strip('" ') == "Vazirmatn", font
        assert page.evaluate("document.fonts.load('16px Vazirmatn').then(faces => faces.length)") >= 1
        names = {word for kpi in registry.values() for word in re.findall(r"[A-Za-z]+", str(kpi.owner))}
        left = set(own_words(page)) - LATIN_KEPT - names - {getpass.getuser()}
        assert not left, f"English left in the Persian overview: {sorted(left)}"


def test_russian_overview_counts_with_russian_plurals_and_the_switcher_goes_back(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    with fresh_page(browser, viewport=DESKTOP) as page:
        open_overview(page, f"{app_url}/?lang=ru", len(registry))
        wait_for_document_language(page, "ru", "ltr")
        expect(page.locator("h1")).to_have_text("Показатели клиентского опыта")
        expect(page.locator(".cx-attention-lead")).to_contain_text("из 9 вне цели")
        details = page.locator(".st-key-card-nps .cx-details").text_content() or ""
        counts = re.findall(r"n = ([\d\xa0]+) (ответ\w*)", details)
        assert counts, details
        for digits, noun in counts:
            n = int(digits.replace("\xa0", ""))
            form = "ответ" if n % 10 == 1 and n % 100 != 11 else \
                "ответа" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "ответов"
            assert noun == form, (n, noun)
        assert not set(own_words(page)) - LATIN_KEPT - {
            word for kpi in registry.values() for word in re.findall(r"[A-Za-z]+", str(kpi.owner))
        } - {getpass.getuser()}
        choose(page, "ui_language", "English")
        expect(page.locator("h1")).to_have_text("Customer experience KPIs")
        expect(page).to_have_url(re.compile(r"[?&]lang=en(&|$)"))
        # An English page leaves the document as Streamlit starts it, but one that was Russian is set back.
        wait_for_document_language(page, "en", "ltr")


def test_the_persian_slide_downloaded_from_the_app_is_in_persian(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    """The file is made when clicked, outside the page's script run: it keeps the session's language."""
    with fresh_page(browser, viewport=DESKTOP, accept_downloads=True) as page:
        open_overview(page, f"{app_url}/?lang=fa", len(registry))
        with page.expect_download() as info:
            page.locator(".st-key-export-overview").get_by_role("button", name="صفحه (PDF)").click()
        text = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages[0].extract_text()
        assert PERSIAN_DIGIT.search(text) and "Net Promoter Score" not in text and "Filters" not in text


# Words the sample data puts on a KPI page (regions, segments, channels, complaint categories): data, not text.
SAMPLE_VALUES = {"EMEA", "APAC", "LATAM", "North", "America", "EWMA"}


def test_a_persian_kpi_page_reads_in_persian_down_to_its_drilldowns_and_its_calendar_switches(
    app_url: str, browser: Browser, registry: dict[str, Kpi]
) -> None:
    """NPS's page in Persian: its drill-downs' titles, controls and captions in Persian and no English word
    left in the page's own text; its card's "data through" in the Solar Hijri calendar (1405); the
    calendar switcher beside the language's turns the view Gregorian (2026) and writes cal=gregorian."""
    with fresh_page(browser, viewport=DESKTOP) as page:
        page.goto(f"{app_url}/NPS?lang=fa")
        impact = page.locator(".st-key-drill-impact-nps")
        expect(impact).to_contain_text("چه چیزی کل را جابه‌جا می‌کند")
        expect(page.locator(".st-key-drill-comments-nps")).to_contain_text("آنچه منتقدان نوشتند")
        expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning")
        expect_no_error(page)
        details = page.locator(".st-key-card-nps .cx-details")  # the card's details hold "data through"
        expect(details).to_contain_text(re.compile("داده‌ها تا [۰-۹]+ [^ ]+ ۱۴۰۵"))
        names = {word for kpi in registry.values() for word in re.findall(r"[A-Za-z]+", str(kpi.owner))}
        left = set(own_words(page)) - LATIN_KEPT - names - SAMPLE_VALUES - {getpass.getuser()}
        assert not left, f"English left on the Persian NPS page: {sorted(left)}"
        page.reload()
        choose(page, "ui_calendar", "میلادی")
        expect(page).to_have_url(re.compile(r"[?&]cal=gregorian(&|$)"))
        expect(details).to_contain_text(re.compile("داده‌ها تا [۰-۹]+ [^ ]+ ۲۰۲۶"))
        expect(details).not_to_contain_text("۱۴۰۵")


def test_the_persian_data_pages_uploader_says_upload_and_its_limit_in_persian(app_url: str, browser: Browser) -> None:
    """Streamlit writes its uploader's button and limit in English; the Persian page covers them with its own
    words (the English at size 0, the Persian drawn in its place): what a reader sees is the drawn text."""
    with fresh_page(browser, viewport=DESKTOP) as page:
        page.goto(f"{app_url}/Data?lang=fa")
        dropzone = page.locator("[data-testid='stFileUploaderDropzone']")
        expect(dropzone).to_be_visible()
        drawn = dropzone.evaluate("""zone => [
            zone.querySelector('button [data-testid=stMarkdownContainer] p'),
            zone.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span'),
        ].map(element => [getComputedStyle(element).fontSize, getComputedStyle(element, '::after').content])""")
        assert drawn == [["0px", '"بارگذاری"'], ["0px", '"۵۰ مگابایت برای هر فایل • CSV، TSV، TXT"']]
