"""In Chromium: the app with calendar = "persian" and timezone = "Asia/Tehran" shows a Jalali quarter's
KPI in Tehran time (the hand-worked export of test_company_clock), named in the Solar Hijri calendar,
with its trend by Jalali month; a link's cal=gregorian shows the same dates in Gregorian words; and
the same warehouse read with UTC settings shows no number at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_support import expect_no_error, fresh_page, running_app, settled
from tests.test_company_clock import _loaded, _metrics_toml

Q1_1405 = "/NPS?from=2026-03-21&to=2026-06-21"


@pytest.fixture(scope="module")
def tehran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tehran")
    return _loaded(folder, "Asia/Tehran"), _metrics_toml(folder, 'calendar = "persian"\ntimezone = "Asia/Tehran"')


@pytest.fixture(scope="module")
def persian_app(tehran: tuple[Path, Path]) -> Iterator[str]:
    db, registry = tehran
    with running_app(db, db.parent, drop_env=(), extra_env={"CXKPI_REGISTRY": str(registry)}) as url:
        yield url


def test_a_jalali_quarter_in_tehran_time_is_named_and_trended_in_the_solar_hijri_calendar(
    browser: Browser, persian_app: str
) -> None:
    with fresh_page(browser) as page:
        page.goto(persian_app + Q1_1405)
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text("Q1 1405 (1 Farvardin 1405 – 31 Khordad 1405)").first).to_be_visible()
        settled(page)
        expect_no_error(page)
        card = page.locator("[class*='st-key-card-']").first
        expect(card.locator(".cx-value")).to_contain_text("+50")  # R1, R3, R5, R6: (3 - 1) / 4
        expect(card).to_contain_text("vs Q4 1404")
        expect(page.locator("[data-testid='stSidebar']")).to_contain_text("Compared with Q4 1404")
        trend = main.locator("[data-testid='stVegaLiteChart']").first
        expect(trend).to_contain_text("Farvardin 1405")  # the axis: Jalali months, not Mar 2026
        expect(trend).not_to_contain_text("Mar 2026")
        assert "cal=" not in page.url  # each reader's own calendar unless a link chose one


def test_a_links_cal_gregorian_names_the_same_dates_in_gregorian_words(browser: Browser, persian_app: str) -> None:
    with fresh_page(browser) as page:
        page.goto(persian_app + Q1_1405 + "&cal=gregorian")
        main = page.locator("[data-testid='stMain']")
        expect(main.get_by_text("21 Mar 2026 – 21 Jun 2026").first).to_be_visible()
        settled(page)
        expect(page.locator("[class*='st-key-card-']").first.locator(".cx-value")).to_contain_text("+50")
        assert "cal=gregorian" in page.url and "from=2026-03-21" in page.url


def test_a_warehouse_in_tehran_time_read_with_utc_settings_shows_no_number(
    browser: Browser, tehran: tuple[Path, Path]
) -> None:
    db, _ = tehran
    with running_app(db, db.parent) as url, fresh_page(browser) as page:  # the project's metrics.toml: UTC
        page.goto(url + Q1_1405)
        expect(page.get_by_text("The KPIs cannot be shown:")).to_be_visible()
        expect(page.locator("[data-testid='stMain']")).to_contain_text("run python -m cxkpi rebuild")
        expect(page.locator("[class*='st-key-card-']")).to_have_count(0)
