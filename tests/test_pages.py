"""Every page of the app, run headless by streamlit.testing against real DuckDB files built from CSVs.

The golden numbers (tests/golden, hand-checked) for the default period Q2 2026 = 2026-04-01..2026-06-30,
previous period Q1 2026 = 2026-01-01..2026-03-31:
    NPS +16.7 (n=6; previous +100), complaint response median 7.0 h (n=4, p90 19.8 h, 1 awaiting; previous 3.0 h),
    repeat purchase 50.0% (n=4; previous 0.0%), brand trust 66.7% (n=6; previous 100.0%).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxkpi.registry import DEFAULT_REGISTRY_PATH, Kpi
from cxkpi.status import band
from tests.support import (
    PROJECT_ROOT,
    app_test,
    attention_text,
    card_badges,
    card_text,
    card_titles,
    headline,
    load_one_more_promoter,
)
from ui import formatting as fmt
from ui.data import definition_comment
from ui.sidebar import OTHER_PAGES

KPI_PAGES = {
    "nps": "pages/1_NPS.py",
    "complaint_response_hours": "pages/2_Complaint_response.py",
    "repeat_purchase_rate": "pages/3_Repeat_purchase.py",
    "brand_trust": "pages/4_Brand_trust.py",
}
# value, n text, previous value, change; from the hand-checked golden data.
GOLDEN = {
    "nps": (16.7, "+16.7 pts", "n = 6 responses", "Q1 2026: +100.0 pts (n = 1 response)", "-83.3 pts"),
    "complaint_response_hours": (7.0, "7.0 h", "n = 4 answered complaints", "Q1 2026: 3.0 h", "+4.0 h"),
    "repeat_purchase_rate": (50.0, "50.0%", "n = 4 customers", "Q1 2026: 0.0% (n = 1 customer)", "+50.0 pts"),
    "brand_trust": (66.7, "66.7%", "n = 6 responses", "Q1 2026: 100.0% (n = 1 response)", "-33.3 pts"),
}
STATUS_WORDS = {"on target": "On target", "near target": "Near target", "off target": "Off target"}
DASH = "\N{EN DASH}"  # between the two days of a period


@pytest.fixture
def app(golden_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return app_test(monkeypatch, golden_db)


def kpi_card_text(at: AppTest, kpi_id: str) -> str:
    """All the text of one KPI card (found by its container key), one element per line."""
    card = at.get_by_key(f"card-{kpi_id}")
    shown = headline(card)
    return f"{card_text(card)}\n{shown.value} | {shown.change} | {shown.reading}"


def all_text(at: AppTest) -> str:
    elements = [*at.title, *at.markdown, *at.caption, *at.info, *at.error, *at.warning]
    return "\n".join(element.value for element in elements)


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]


def test_overview_shows_every_golden_number_with_its_owner(app: AppTest, registry: dict[str, Kpi]) -> None:
    at = app.run()
    assert_ran_cleanly(at)
    assert at.title[0].value == "Customer experience KPIs"
    intro = all_text(at)
    assert f"Q2 2026 (1 Apr 2026 {DASH} 30 Jun 2026)" in intro  # the default: the last full quarter of data
    assert "all customers and channels" in intro
    assert "compared with Q1 2026" in intro

    for kpi_id, (_, shown, n_text, previous, change) in GOLDEN.items():
        kpi = registry[kpi_id]
        text = kpi_card_text(at, kpi_id)
        assert kpi.title in text
        assert f"{shown} | {change}" in text, text
        assert n_text in text and previous in text, text
        assert f"Owner: {kpi.owner.name}" in text and f"Owner: {kpi.owner.name}, {kpi.owner.role}" in text, text
        # Every golden KPI rests on fewer than 30 records: the card says so instead of colouring it.
        assert "Too uncertain to act on" in text and "is below the minimum of 30" in text, text
        assert "Data through" in text and "loaded" in text, text
    response = kpi_card_text(at, "complaint_response_hours")
    assert "p90 19.8 h" in response and "1 awaiting a first response" in response
    # Every card too uncertain but the recovery effect (no data): by attention, that is the registry's order.
    assert card_titles(at) == [kpi.title for kpi in registry.values()]


@pytest.fixture
def confident_app(golden_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The golden data with the minimum sample and interval-width rules switched off in [settings]."""
    text = DEFAULT_REGISTRY_PATH.read_text().replace("min_sample = 30", "min_sample = 1")
    (tmp_path / "metrics.toml").write_text(text.replace("max_half_width = 15", "max_half_width = 1000"))
    return app_test(monkeypatch, golden_db, registry=tmp_path / "metrics.toml")


def test_too_uncertain_changes_are_shown_but_not_coloured(app: AppTest) -> None:
    nps = headline(app.run().get_by_key("card-nps"))
    assert (nps.change, nps.reading, nps.tone) == ("-83.3 pts", "vs Q1 2026 · too uncertain to judge", "gray")


def test_an_actionable_card_says_on_near_or_off_target(confident_app: AppTest, registry: dict[str, Kpi]) -> None:
    at = confident_app.run()
    for kpi_id, (number, *_) in GOLDEN.items():
        text = kpi_card_text(at, kpi_id)
        assert "Too uncertain" not in text, text
        assert STATUS_WORDS[band(registry[kpi_id], number)] in text, text


def test_a_change_within_noise_is_grey_with_its_number_whatever_its_direction(confident_app: AppTest) -> None:
    """Golden Q2 against Q1 rests on a handful of records, so no change is real: response time +4.0 h
    (p = 0.16), repeat purchase +50 pts, NPS -83.3 pts: each grey, 'no real change', never better or worse."""
    at = confident_app.run()
    response, repeat, nps = (headline(at.get_by_key(f"card-{kpi_id}"))
                             for kpi_id in ("complaint_response_hours", "repeat_purchase_rate", "nps"))
    assert (response.change, response.tone) == ("+4.0 h", "gray")
    assert response.reading.startswith("vs Q1 2026 · no real change (p = ")
    assert (repeat.change, repeat.tone, nps.change, nps.tone) == ("+50.0 pts", "gray", "-83.3 pts", "gray")
    assert "no real change" in repeat.reading and "no real change" in nps.reading


def test_region_filter_changes_the_numbers(app: AppTest) -> None:
    at = app.run()
    at.sidebar.multiselect(key="filter_region").select("EMEA").run()
    assert_ran_cleanly(at)
    nps = kpi_card_text(at, "nps")
    assert "+33.3 pts" in nps and "n = 3 responses" in nps, nps
    assert "16.7" not in nps
    assert fmt.markdown_literal("region: EMEA") in all_text(at)  # the region's name comes from the data


def test_period_filter_changes_the_numbers(app: AppTest) -> None:
    at = app.run()
    at.sidebar.selectbox(key="filter_range").select("custom").run()
    at.sidebar.date_input(key="filter_start").set_value(date(2025, 12, 31))
    at.sidebar.date_input(key="filter_end").set_value(date(2026, 3, 31)).run()
    assert_ran_cleanly(at)
    assert "+100.0 pts" in kpi_card_text(at, "nps")
    assert "3.0 h" in kpi_card_text(at, "complaint_response_hours")
    assert f"31 Dec 2025 {DASH} 31 Mar 2026" in all_text(at)


def test_a_start_after_the_end_moves_the_end_instead_of_failing(app: AppTest) -> None:
    at = app.run()
    at.sidebar.selectbox(key="filter_range").select("custom").run()
    at.sidebar.date_input(key="filter_start").set_value(date(2026, 8, 1)).run()
    assert_ran_cleanly(at)
    assert at.sidebar.date_input(key="filter_end").value == date(2026, 8, 1)


def test_filters_survive_switching_pages(app: AppTest) -> None:
    at = app.run()
    at.sidebar.multiselect(key="filter_region").select("EMEA").run()

    at.switch_page(KPI_PAGES["nps"]).run()
    assert_ran_cleanly(at)
    assert at.sidebar.multiselect(key="filter_region").value == ["EMEA"]
    assert "+33.3 pts" in kpi_card_text(at, "nps")

    # Set another filter on a KPI page; both apply on the next page and back on the overview.
    at.sidebar.multiselect(key="filter_channel").select("web").run()
    at.switch_page(KPI_PAGES["complaint_response_hours"]).run()
    assert at.sidebar.multiselect(key="filter_channel").value == ["web"]
    assert "region: EMEA; channel: web" in all_text(at)  # a KPI page's caption
    at.switch_page("dashboard.py").run()
    assert_ran_cleanly(at)
    assert at.sidebar.multiselect(key="filter_region").value == ["EMEA"]
    assert at.sidebar.multiselect(key="filter_channel").value == ["web"]
    # EMEA web responses in Q2: R1 (10) and R5 (0) -> 1 promoter, 1 detractor.
    assert "0.0 pts" in kpi_card_text(at, "nps") and "n = 2 responses" in kpi_card_text(at, "nps")


def test_reset_restores_the_default_period_and_all_customers(app: AppTest) -> None:
    at = app.run()
    at.sidebar.multiselect(key="filter_region").select("EMEA").run()
    at.sidebar.selectbox(key="filter_range").select("custom").run()
    at.sidebar.date_input(key="filter_start").set_value(date(2026, 5, 1)).run()
    at.sidebar.button(key="filter_reset").click().run()
    assert at.sidebar.multiselect(key="filter_region").value == []
    assert at.sidebar.selectbox(key="filter_range").value == "last_quarter"  # Q2: 1 April - 30 June
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-04-01", "2026-06-30")
    assert len(at.sidebar.date_input) == 0
    assert "+16.7 pts" in kpi_card_text(at, "nps")


@pytest.mark.parametrize("kpi_id", list(KPI_PAGES))
def test_every_kpi_page_renders_its_title_numbers_and_definition(
    app: AppTest, registry: dict[str, Kpi], kpi_id: str
) -> None:
    at = app.run()
    at.switch_page(KPI_PAGES[kpi_id]).run()
    assert_ran_cleanly(at)
    kpi = registry[kpi_id]
    assert at.title[0].value == kpi.title
    text = all_text(at)
    assert kpi.description in text
    assert kpi.owner.name in text
    assert GOLDEN[kpi_id][1] in kpi_card_text(at, kpi_id)
    # The sidebar navigation and filters are drawn by the page itself.
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    other_pages = [label for page_file, label, _ in OTHER_PAGES if (PROJECT_ROOT / page_file).exists()]
    assert links == ["Overview", *(kpi.title for kpi in registry.values()), *other_pages]
    assert at.sidebar.multiselect(key="filter_region").options == ["APAC", "EMEA", "North America"]
    # The definition comes from the header of the KPI's own SQL file.
    first_line = kpi.query_path.read_text(encoding="utf-8").splitlines()[0].removeprefix("-- ")
    assert first_line.startswith(f"{kpi_id}:")
    assert first_line in at.expander[0].code[0].value
    assert "Formula:" in at.expander[0].code[0].value


def test_the_response_time_breakdown_shows_numbers_not_the_distribution_behind_the_median(app: AppTest) -> None:
    at = app.run()
    at.switch_page(KPI_PAGES["complaint_response_hours"]).run()
    table = at.get_by_key("breakdown-complaint_response_hours").dataframe[0].value
    assert "p90_hours" in table.columns and "awaiting_response" in table.columns
    assert not [name for name in table.columns if name.endswith("_sample")]


def test_nps_breakdown_and_trend_follow_their_controls(app: AppTest, registry: dict[str, Kpi]) -> None:
    at = app.run()
    at.switch_page(KPI_PAGES["nps"]).run()
    table = at.dataframe[0].value
    rows = list(zip(table["Region"], table["value"].round(1), table["n"], table["status"], strict=True))
    # Best first; C99 answered without a customer record: it shows as (unknown) rather than vanishing.
    # Each slice rests on 1-3 responses: too uncertain to act on, as a card would say, never off target.
    expected = [("(unknown)", 100.0, 1), ("EMEA", 33.3, 3), ("North America", 0.0, 1), ("APAC", -100.0, 1)]
    assert rows == [(region, value, n, "Too uncertain to act on") for region, value, n in expected]

    at.segmented_control(key="nps_breakdown").set_value("channel").run()
    table = at.dataframe[0].value
    assert dict(zip(table["Channel"], table["n"], strict=True)) == {"app": 1, "store": 1, "web": 4}

    at.segmented_control(key="nps_grain").set_value("week").run()
    assert_ran_cleanly(at)
    assert at.segmented_control(key="nps_grain").value == "week"


def test_new_data_shows_up_on_the_next_interaction(
    golden_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results are cached on the data version the loader bumps (<db>.loaded), so a load by another
    process is not hidden."""
    at = app_test(monkeypatch, golden_copy).run()
    assert "n = 6 responses" in kpi_card_text(at, "nps")

    load_one_more_promoter(golden_copy, tmp_path)
    at.run()
    nps = kpi_card_text(at, "nps")
    assert "n = 7 responses" in nps and "+28.6 pts" in nps, nps


def test_an_empty_warehouse_shows_how_to_load_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(monkeypatch, tmp_path / "empty.duckdb").run()
    assert not at.exception
    assert "python -m cxkpi ingest sample_data" in at.info[0].value
    assert "make run" in at.info[0].value
    assert not card_titles(at)
    at.switch_page(KPI_PAGES["brand_trust"]).run()
    assert not at.exception
    assert "python -m cxkpi ingest sample_data" in at.info[0].value


def test_a_kpi_without_an_owner_stops_the_app_naming_the_kpi(
    golden_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real registry with the owner line of one KPI taken out.
    text = DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8")
    blocks = text.split("[[kpi]]")
    target = next(i for i, block in enumerate(blocks) if re.search(r'^id = "brand_trust"$', block, re.MULTILINE))
    blocks[target] = re.sub(r"^owner = .*\n", "", blocks[target], flags=re.MULTILINE)
    registry_file = tmp_path / "metrics.toml"
    registry_file.write_text("[[kpi]]".join(blocks), encoding="utf-8")

    at = app_test(monkeypatch, golden_db, registry=registry_file).run()
    assert not at.exception
    message = at.error[0].value
    assert "KPI 'brand_trust' has no owner" in message, message
    assert str(registry_file) in message
    assert not card_titles(at)  # nothing is shown from a registry that fails validation
    assert not at.sidebar.get("multiselect")
    at.switch_page(KPI_PAGES["nps"]).run()
    assert "KPI 'brand_trust' has no owner" in at.error[0].value
    assert not card_titles(at)


def test_the_definition_people_read_is_the_header_down_to_its_parameters(registry: dict[str, Kpi]) -> None:
    """The card's "How is this computed" and the KPI page show the SQL file's header: what it measures,
    its formula and its parameters. Notes for developers (which table it reads, why) sit below it."""
    for kpi_id, kpi in registry.items():
        shown = definition_comment(kpi).splitlines()
        assert "Formula:" in "\n".join(shown), kpi_id
        assert shown[-1].lstrip().startswith("$"), (kpi_id, shown[-1])


def test_every_page_file_is_linked_and_every_registry_kpi_has_a_page(registry: dict[str, Kpi]) -> None:
    """The shipped KPIs keep their own page files (links people shared name them); the KPI page shows any
    other; each page file is one of those or a page that is not a KPI."""
    from tests.test_service_and_loyalty_pages import SERVICE_AND_LOYALTY_PAGES
    from ui.sidebar import KPI_PAGE, OWN_PAGE_FILES, kpi_page

    assert OWN_PAGE_FILES == {**KPI_PAGES, **SERVICE_AND_LOYALTY_PAGES}
    assert {kpi_id: kpi_page(kpi_id) for kpi_id in registry} == {
        kpi_id: (page_file, {}) for kpi_id, page_file in OWN_PAGE_FILES.items()}
    assert kpi_page("first_contact_resolution") == (KPI_PAGE, {"kpi": ["first_contact_resolution"]})
    other_page_files = [page_file for page_file, _, _ in OTHER_PAGES]
    assert sorted([*OWN_PAGE_FILES.values(), KPI_PAGE, *other_page_files]) == sorted(
        str(path.relative_to(PROJECT_ROOT)) for path in (PROJECT_ROOT / "pages").glob("*.py")
    )


def test_the_headline_counts_no_kpi_off_target_when_every_badge_says_too_uncertain(app: AppTest) -> None:
    """Golden Q2 2026 rests on fewer than 30 records per KPI (recovery effect, shown for Q1 2026, has no
    complainant answered late): no badge says 'Off target', so neither does the headline."""
    at = app.run()
    assert card_badges(at) == ["Too uncertain to act on"] * 8 + ["No data"]
    assert attention_text(at) == "None of 9 off target · 8 too uncertain to act on · 1 no data"


def test_the_headline_names_each_off_target_kpi_and_its_owner_and_those_cards_come_first(
    confident_app: AppTest,
) -> None:
    """With the sample rules off: NPS +16.7 (target 35), repeat purchase 50% (60), CSAT 66.7% (75, near from
    67.5), complaint rate 1000 (100), SLA 60% (85) and the 90-day repeat rate, shown for Q1 2026 (0 of 1,
    target 20), are off target; response time 7.0 h (6 + 2) and trust 66.7% (70 − 7) near it."""
    at = confident_app.run()
    assert attention_text(at) == (
        "6 of 9 off target: Net Promoter Score, Amara Okafor; Repeat-purchase rate, Sofia Marquez; Customer "
        "satisfaction (CSAT), Priya Raman; Complaint rate, Hannah Lindqvist; Complaints resolved within SLA, "
        "Lukas Brenner; 90-day repeat rate, new customers, Sofia Marquez · 2 near target · 1 no data")
    assert card_badges(at) == ["Off target"] * 6 + ["Near target"] * 2 + ["No data"]
    assert card_titles(at)[-3:] == ["Complaint response time", "Brand trust", "Recovery effect of a fast reply"]


def test_the_registry_order_switch_keeps_the_cards_fixed_and_the_link_says_so(confident_app: AppTest,
                                                                              registry: dict[str, Kpi]) -> None:
    at = confident_app.run()
    at.button(key="overview_order").click().run()
    assert card_titles(at) == [kpi.title for kpi in registry.values()]
    assert at.query_params["order"] == "registry"
    assert at.button(key="overview_order").label == "Order by attention"
    at.button(key="overview_order").click().run()
    assert card_titles(at)[:2] == ["Net Promoter Score", "Repeat-purchase rate"]  # off target first
    assert "order" not in at.query_params


def test_quick_ranges_set_the_dates_and_the_selector_names_the_range_shown(app: AppTest) -> None:
    """The golden data runs to 1 August 2026: the default is Q2 (the last full quarter), the last full
    month is July, the year to date runs to 1 August; dates picked by hand are a custom range."""
    at = app.run()
    assert at.sidebar.selectbox(key="filter_range").value == "last_quarter"
    at.sidebar.selectbox(key="filter_range").select("last_month").run()
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-07-01", "2026-07-31")
    assert "compared with Jun 2026" in all_text(at)
    at.sidebar.selectbox(key="filter_range").select("year_to_date").run()
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-01-01", "2026-08-01")
    at.sidebar.selectbox(key="filter_range").select("custom").run()
    at.sidebar.date_input(key="filter_start").set_value(date(2026, 2, 3)).run()
    assert at.sidebar.selectbox(key="filter_range").value == "custom"


def test_the_date_inputs_are_drawn_for_a_custom_range_only(app: AppTest) -> None:
    """A quick range says its dates in the page's header; Custom shows the inputs, starting from the
    period shown, and keeps them even while their dates are a quick range's."""
    at = app.run()
    assert len(at.sidebar.date_input) == 0
    assert f"1 Apr 2026 {DASH} 30 Jun 2026" in all_text(at)
    at.sidebar.selectbox(key="filter_range").select("custom").run()
    assert at.sidebar.selectbox(key="filter_range").value == "custom"
    assert at.sidebar.date_input(key="filter_start").value == date(2026, 4, 1)
    assert at.sidebar.date_input(key="filter_end").value == date(2026, 6, 30)
    at.sidebar.date_input(key="filter_end").set_value(date(2026, 7, 31)).run()
    at.sidebar.date_input(key="filter_start").set_value(date(2026, 7, 1)).run()  # last month's dates
    assert at.sidebar.selectbox(key="filter_range").value == "custom"
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-07-01", "2026-07-31")
    at.sidebar.selectbox(key="filter_range").select("last_quarter").run()
    assert len(at.sidebar.date_input) == 0


def test_a_link_whose_dates_are_no_quick_range_opens_on_custom_with_its_dates(app: AppTest) -> None:
    at = app
    at.query_params.update({"from": "2026-02-03", "to": "2026-05-04"})
    at.run()
    assert_ran_cleanly(at)
    assert at.sidebar.selectbox(key="filter_range").value == "custom"
    assert at.sidebar.date_input(key="filter_start").value == date(2026, 2, 3)
    assert at.sidebar.date_input(key="filter_end").value == date(2026, 5, 4)


def test_every_table_the_app_draws_shows_an_empty_cell_as_a_dash_not_none():
    """Streamlit writes a missing value as "None" unless told otherwise; every st.dataframe says fmt.EMPTY."""
    import ast

    assert fmt.EMPTY == "—"
    sources = [*(PROJECT_ROOT / "ui").glob("*.py"), *(PROJECT_ROOT / "pages").glob("*.py"),
               PROJECT_ROOT / "dashboard.py"]
    tables = [(path.name, call.lineno, {keyword.arg for keyword in call.keywords})
              for path in sources for call in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "dataframe"]
    assert len(tables) >= 10
    assert [(name, line) for name, line, keywords in tables if "placeholder" not in keywords] == []
