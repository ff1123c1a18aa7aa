"""Exports for slides and spreadsheets: formula-safe CSV, the overview page as PNG and PDF, charts as SVG/PNG."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from cxkpi import kpis as kpi_api
from cxkpi import report
from cxkpi.kpis import Filters
from cxkpi.registry import Kpi, load_registry
from cxkpi.warehouse import reading
from tests.support import Q2
from ui import exports
from ui.state import LastYearComparison


def test_csv_cells_that_a_spreadsheet_would_run_get_a_leading_quote() -> None:
    frame = pd.DataFrame({
        "Region": ["=1+2", "+SUM(A1)", "-web", "@cmd", "\tTAB", "EMEA", None],
        "value": [-12.5, 100.0, 0.0, 1.5, 2.0, 3.0, float("nan")],
        "n": [1, 2, 3, 4, 5, 6, 7],
    })
    rows = list(csv.reader(io.StringIO(report.safe_csv(frame))))
    assert rows[0] == ["Region", "value", "n"]
    assert [row[0] for row in rows[1:]] == ["'=1+2", "'+SUM(A1)", "'-web", "'@cmd", "'\tTAB", "EMEA", ""]
    assert rows[1][1] == "-12.5"  # a negative number is a number, not a formula
    assert rows[7][1] == ""  # missing is empty, not "nan"


def test_a_formula_like_column_name_is_neutralised_too() -> None:
    assert report.safe_csv(pd.DataFrame({"=HYPERLINK()": ["a"]})).splitlines()[0] == "'=HYPERLINK()"


@pytest.fixture(scope="module")
def emea_page(golden_db: Path, registry: dict[str, Kpi]) -> report.OverviewPage:
    """The golden overview for EMEA in Q2 2026 as the slide and the PDF get it, computed once."""
    with reading(golden_db) as connection:
        reports = kpi_api.overview(connection, list(registry.values()), Q2, Filters(region=("EMEA",)))
    return exports.overview_page(
        reports, Q2, Filters(region=("EMEA",)).describe(), "http://dash.example/?region=EMEA",
        "Customer experience KPIs", now=datetime(2026, 11, 22, 17, 40),
    )


def test_the_overview_pdf_is_one_landscape_page_naming_filters_period_freshness_and_owners(
    emea_page: report.OverviewPage,
) -> None:
    pdf = PdfReader(io.BytesIO(report.overview_pdf(emea_page)))
    assert len(pdf.pages) == 1
    assert (float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)) == report.PAGE_SIZE_PT
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Filters: region: EMEA" in text
    assert "Q2 2026 (1 Apr 2026 – 30 Jun 2026), compared with Q1 2026 (1 Jan 2026 – 31 Mar 2026)" in text
    assert "Data through" in text and "Exported 22 Nov 2026 17:40 (UTC)" in text
    assert "+33.3 pts" in text
    for kpi in load_registry():
        assert kpi.owner.name in text
    assert "http://dash.example/?region=EMEA" in text


def test_a_slide_compared_with_last_year_says_last_year_as_the_card_does(golden_db: Path) -> None:
    """Q2 2026 against Q2 2025, which holds no golden data: the slide names Q2 2025, as the card does."""
    period = LastYearComparison(date(2026, 4, 1), date(2026, 6, 30))
    with reading(golden_db) as connection:
        reports = kpi_api.overview(connection, load_registry(), period)
    page = exports.overview_page(reports, period, Filters().describe(), "http://dash.example/", "KPIs")
    assert (page.cards[0].sample, page.cards[0].change) == ("n = 6 responses · Q2 2025: no data",
                                                            "no data to compare with Q2 2025")


def test_a_slide_words_a_change_too_uncertain_to_judge_as_the_card_does(emea_page: report.OverviewPage) -> None:
    """EMEA in Q2 2026: NPS fell from +100 (Q1 2026) to +33.3 points on 3 responses, below the minimum of 30.
    The card says 'too uncertain to judge' and leaves the change grey; the slide said 'worse', in orange."""
    nps = emea_page.cards[0]
    assert (nps.change, nps.change_tone) == ("-66.7 pts vs Q1 2026 · too uncertain to judge", "gray")
    assert f'fill="{report.MUTED}" font-weight="normal" text-anchor="start">-66.7 pts vs Q1 2026' in (
        report.overview_svg(emea_page))


def test_a_slide_names_the_status_in_the_cards_words(emea_page: report.OverviewPage) -> None:
    """EMEA in Q2 2026: NPS +33.3 points against a target of +35, on 3 responses. The card's badge says
    'Too uncertain to act on'; the slide said 'Off target', in orange. Now the same words, in grey. Every
    golden KPI rests on fewer than 30 records; recovery effect has no EMEA complainant answered late."""
    assert [card.status for card in emea_page.cards] == ["Too uncertain to act on"] * 8 + ["No data"]
    assert f'fill="{report.MUTED}" font-weight="bold" text-anchor="start">Too uncertain to act on</text>' in (
        report.overview_svg(emea_page))


def test_the_overview_png_is_a_landscape_slide(emea_page: report.OverviewPage) -> None:
    image = Image.open(io.BytesIO(report.overview_png(emea_page)))
    assert (image.width, image.height) == (2400, 1350)


A_CARD = report.Card(
    title="NPS", value="1", status="On target", status_tone="blue", target="≥ 1", change="", change_tone="gray",
    sample="n = 1", owner="A", freshness="", sparkline=[1.0, 2.0],
)


def slide(cards: list[report.Card], filters: str = "") -> str:
    """The overview SVG of these cards, with placeholder header text."""
    return report.overview_svg(report.OverviewPage(title="T", period="P", filters=filters, summary="", freshness="",
                                                   cards=cards))


def test_text_from_the_data_is_escaped_in_the_page() -> None:
    card = replace(A_CARD, title="<script>", owner="A & B", sparkline=[1.0, None, 2.0], target_value=1.5)
    svg = slide([card], filters="region: <b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert "region: &lt;b&gt;" in svg


def test_a_month_without_data_breaks_the_slide_sparkline_as_on_the_card() -> None:
    svg = slide([replace(A_CARD, sparkline=[1.0, None, 2.0, 3.0])])
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 3  # [1.0] and [2.0, 3.0]


TEXT = re.compile(r'<text x="([^"]+)" y="([^"]+)" font-size="([^"]+)"[^>]*font-weight="(\w+)" '
                  r'text-anchor="(\w+)">([^<]*)</text>')
CARD_BOX = re.compile(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)" rx="10"')


def texts_outside_their_box(svg: str) -> list[str]:
    """Every text of the page whose (generously estimated) extent leaves its card, or the page's margins
    for the header and footer; and every text shortened with an ellipsis."""
    boxes = [tuple(map(float, box)) for box in CARD_BOX.findall(svg)]
    problems = []
    for x, y, size, weight, anchor, content in TEXT.findall(svg):
        x, y, size = float(x), float(y), float(size)
        width = report._text_width(html.unescape(content), size, bold=weight == "bold")
        left, right = (x - width, x) if anchor == "end" else (x, x + width)
        # The card whose column holds the text and whose top is the nearest above it (a text that ran
        # past its card's bottom is still matched to that card); outside every card, the page.
        footer = y > max((by + bh for _, by, _, bh in boxes), default=0) + 12
        above = [(bx, by, bw, bh) for bx, by, bw, bh in boxes if bx <= x <= bx + bw and by <= y and not footer]
        box = max(above, key=lambda found: found[1]) if above else (
            0.0, 0.0, float(report.PAGE_WIDTH), float(report.PAGE_HEIGHT))
        if left < box[0] or right > box[0] + box[2] or y > box[1] + box[3] or "…" in content:
            problems.append(content)
    return problems


def long_card(**changes: str) -> report.Card:
    card = replace(
        A_CARD, title="Complaints resolved within SLA", value="131.2", unit="per 1,000 orders",
        status="Too uncertain to act on", status_tone="gray", target="≤ 100 per 1,000 orders",
        change="+14.3 per 1,000 orders vs Q2 2026 · no real change (p = 0.13)", change_tone="gray",
        sample="n = 2,942 orders · Q2 2026: 116.9 per 1,000 orders (n = 3,011 orders)",
        owner="Hannah Lindqvist, Chief Operating Officer", owner_first=True,
        note="Q2 2026 shown: Q3 2026 is still maturing (90 days)",
        freshness="Data through 30 Sep 2026 · loaded 12 Nov 2026 14:05", target_value=100.0,
        sparkline=[120.0, None, 131.0, 118.0], pending=[False] * 3 + [True],
    )
    return replace(card, **changes)


@pytest.mark.parametrize(
    "language",
    [
        {},
        {"title": "Время первого ответа на жалобу клиента", "owner": "Александра Константинопольская, "
         "Директор по работе с клиентами", "filters": "регион: Северо-Западный федеральный округ, Южный"},
        {"title": "میانگین زمان پاسخگویی به شکایات مشتریان", "owner": "مهسا خسروشاهی، مدیر ارشد تجربه مشتری",
         "filters": "منطقه: خاورمیانه و شمال آفریقا"},
        {"title": "顾客满意度（前两项）", "owner": "王小明，首席客户官", "filters": "地区：亚太地区，大中华区"},
    ],
)
def test_no_text_on_a_slide_is_cut_for_any_kpi_filter_or_language(language: dict[str, str]) -> None:
    """Nine of the longest cards (value, target, change, sample, owner, maturity note) with long filters,
    in Latin, Cyrillic, Persian and Chinese: every text is whole (no ellipsis) and inside its card."""
    filters = language.pop("filters", "region: EMEA, North America, APAC; segment: Enterprise, Small business; "
                                      "channel: web, app, store, phone")
    cards = [long_card(**language)] * 9
    svg = report.overview_svg(report.OverviewPage(
        title="Customer experience KPIs", period="Q3 2026 (1 Jul 2026 – 30 Sep 2026), compared with Q3 2025 "
        "(1 Jul 2025 – 30 Sep 2025)", filters=filters, summary="9 of 9 off target: " + "; ".join(
            f"{card.title}, {card.owner}" for card in cards), freshness="Data through 30 Sep 2026 · loaded 12 Nov "
        "2026 14:05", cards=cards, link="http://cxkpi.example.com/?from=2026-07-01&to=2026-09-30&compare=last_year"
        "&region=EMEA&region=North+America&segment=Enterprise&channel=web&channel=app", generated="Exported"))
    assert texts_outside_their_box(svg) == []
    shown = html.unescape(" ".join(content for *_, content in TEXT.findall(svg)))
    for whole in (filters, "131.2 per 1,000 orders", "≤ 100 per 1,000 orders", "Too uncertain to act on",
                  cards[0].owner):
        assert " ".join(whole.split()) in " ".join(shown.split()), whole


def test_the_golden_emea_slide_draws_every_text_whole(emea_page: report.OverviewPage) -> None:
    assert texts_outside_their_box(report.overview_svg(emea_page)) == []


def test_a_chart_exports_as_svg_and_png_at_a_fixed_width() -> None:
    chart = alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_line().encode(
        x=alt.X("x:Q", title="Week starting"), y="y:Q"
    ).properties(height=200)
    svg = report.chart_svg(chart.to_dict())
    assert svg.startswith("<svg") and "Week starting" in svg
    image = Image.open(io.BytesIO(report.chart_png(chart.to_dict())))
    assert image.width >= report.CHART_WIDTH * report.CHART_SCALE


def test_file_names_are_safe_everywhere() -> None:
    assert exports.file_stem("nps", "by", "region: EMEA/APAC") == "cxkpi-nps-by-region_EMEA_APAC"
