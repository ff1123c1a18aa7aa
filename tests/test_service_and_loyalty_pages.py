"""The pages of the KPIs added for issue 4 and the drill-downs on KPI pages, run headless by
streamlit.testing against the hand-checked golden warehouse (default period Q2 2026).

Golden values (worked out in tests/test_service_and_loyalty_kpis.py and tests/test_drilldowns.py):
    CSAT 66.7% (n 6), complaint rate 1,000 per 1,000 orders (n 5), resolved within SLA 60.0% (n 5),
    new-customer 90-day repeat and recovery effect shown for Q1 2026, the latest quarter whose 90 days have
    passed by the latest order (1 August 2026): 0.0% (n 1: C1 came back after 105 days) and no data (K7 was
    answered in time: no late group).
    Time to resolution in Q2: Kaplan-Meier median 72 h, resolved-only median 24 h, 2 of 5 still open.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxkpi.registry import Kpi
from tests.support import app_test, card_text, headline
from ui import kpi_details

SERVICE_AND_LOYALTY_PAGES = {
    "csat": "pages/5_CSAT.py",
    "complaint_rate": "pages/6_Complaint_rate.py",
    "complaints_resolved_within_sla": "pages/7_Resolution_SLA.py",
    "cohort_repeat_90d": "pages/8_New_customer_repeat.py",
    "recovery_effect": "pages/9_Recovery_effect.py",
}
SHOWN = {
    "csat": "66.7%",
    "complaint_rate": "1,000.0 per 1,000 orders",
    "complaints_resolved_within_sla": "60.0%",
    "cohort_repeat_90d": "0.0%",
    "recovery_effect": "No data",
}
# Container keys of the drill-down sections each page shows.
SECTIONS = {
    "nps": ["drill-impact-nps", "drill-comments-nps"],
    "brand_trust": ["drill-impact-brand_trust"],
    "csat": ["drill-impact-csat"],
    "complaint_response_hours": [
        "drill-response-grid-complaint_response_hours", "drill-backlog-complaint_response_hours",
        "drill-resolution-complaint_response_hours",
    ],
    "complaints_resolved_within_sla": [
        "drill-resolution-complaints_resolved_within_sla", "drill-backlog-complaints_resolved_within_sla",
    ],
    "cohort_repeat_90d": ["drill-cohorts-cohort_repeat_90d"],
    "recovery_effect": ["drill-recovery-recovery_effect", "drill-outside-recovery_effect"],
}
PAGES = {
    **SERVICE_AND_LOYALTY_PAGES, "nps": "pages/1_NPS.py", "brand_trust": "pages/4_Brand_trust.py",
    "complaint_response_hours": "pages/2_Complaint_response.py",
}


@pytest.fixture
def app(golden_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return app_test(monkeypatch, golden_db)


def open_page(app: AppTest, kpi_id: str) -> AppTest:
    at = app.run()
    at.switch_page(PAGES[kpi_id]).run()
    assert not at.exception, [exception.value for exception in at.exception]
    assert not at.error, [error.value for error in at.error]
    return at


def text_of(block) -> str:
    return "\n".join(element.value for element in [*block.markdown, *block.caption])


def test_the_overview_has_a_card_for_every_service_and_loyalty_kpi(app: AppTest, registry: dict[str, Kpi]) -> None:
    at = app.run()
    assert not at.exception
    for kpi_id, shown in SHOWN.items():
        card = at.get_by_key(f"card-{kpi_id}")
        assert headline(card).value == shown
        assert f"Owner: {registry[kpi_id].owner.name}, {registry[kpi_id].owner.role}" in card_text(card)


@pytest.mark.parametrize("kpi_id", list(SERVICE_AND_LOYALTY_PAGES))
def test_every_service_and_loyalty_kpi_page_renders_its_number_definition_and_drilldowns(
    app: AppTest, registry: dict[str, Kpi], kpi_id: str
) -> None:
    at = open_page(app, kpi_id)
    kpi = registry[kpi_id]
    assert at.title[0].value == kpi.title
    assert headline(at.get_by_key(f"card-{kpi_id}")).value == SHOWN[kpi_id]
    first_line = kpi.query_path.read_text(encoding="utf-8").splitlines()[0].removeprefix("-- ")
    assert first_line.startswith(f"{kpi_id}:") and first_line in at.expander[0].code[0].value
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    assert kpi.title in links
    for key in SECTIONS.get(kpi_id, []):
        at.get_by_key(key)  # KeyError if missing


@pytest.mark.parametrize("kpi_id", ["nps", "brand_trust", "complaint_response_hours"])
def test_the_first_kpi_pages_have_their_drilldowns(app: AppTest, kpi_id: str) -> None:
    at = open_page(app, kpi_id)
    for key in SECTIONS[kpi_id]:
        at.get_by_key(key)  # KeyError if missing


def test_nps_slice_impact_and_searchable_detractor_comments(app: AppTest) -> None:
    """Impact by region, largest first: APAC -19.44, (unknown) +13.89, EMEA +8.33, North America -2.78.
    Detractor comments in Q2: R5 and R4; 'email' finds R5; region APAC holds R4."""
    at = open_page(app, "nps")
    impact = at.get_by_key("drill-impact-nps").dataframe[0].value
    assert list(impact["Region"]) == ["APAC", "(unknown)", "EMEA", "North America"]
    assert list(impact["impact"].round(2)) == [-19.44, 13.89, 8.33, -2.78]

    comments = at.get_by_key("drill-comments-nps")
    assert "2 detractor comments" in text_of(comments)
    at.text_input(key="nps_comments_search").input("EMAIL").run()
    comments = at.get_by_key("drill-comments-nps")
    assert '1 detractor comment containing "EMAIL"' in text_of(comments)
    assert list(comments.dataframe[0].value["comment"]) == ["Second order lost.\nNobody answered my email."]

    at.text_input(key="nps_comments_search").input("").run()
    at.selectbox(key="nps_comments_slice_region").select("APAC").run()
    comments = at.get_by_key("drill-comments-nps")
    assert "1 detractor comment in region APAC" in text_of(comments)
    assert list(comments.dataframe[0].value["comment"]) == ['Parcel arrived "damaged"']

    at.segmented_control(key="nps_impact_dimension").set_value("channel").run()
    # By channel: store (R4 -100) -19.44, app (R2 +100) +13.89, web (+100, 0, -100, +100 = 25, n 4) +5.56.
    assert list(at.get_by_key("drill-impact-nps").dataframe[0].value["Channel"]) == ["store", "app", "web"]


def test_response_page_shows_km_median_backlog_and_the_channel_by_category_grid(app: AppTest) -> None:
    at = open_page(app, "complaint_response_hours")
    resolution = at.get_by_key("drill-resolution-complaint_response_hours")
    metrics = {metric.label: metric.value for metric in resolution.metric}
    assert metrics == {
        "Median time to resolution": "72.0 h", "Median of resolved ones only": "24.0 h", "Still open": "2 of 5",
    }
    backlog = at.get_by_key("drill-backlog-complaint_response_hours")
    table = backlog.dataframe[0].value
    assert list(zip(table["age_bucket"], table["open_complaints"], strict=True)) == [
        ("< 1 day", 0), ("1-3 days", 0), ("3-7 days", 0), ("7-30 days", 1), ("> 30 days", 1),
    ]
    assert "2 complaints still open then" in text_of(backlog) and "1 Jul 2026 00:00" in text_of(backlog)
    grid = at.get_by_key("drill-response-grid-complaint_response_hours")
    assert "Cells by status against the ≤ 6 h target" in text_of(grid)  # under the channel × category heat map


def test_cohort_page_marks_cohorts_that_are_not_final(app: AppTest) -> None:
    """Trailing 12 months to 30 Jun 2026: January (C1, final 0%), April (C2, C3: final 50%),
    May (C4: not yet 90 days old -> not reported)."""
    at = open_page(app, "cohort_repeat_90d")
    table = at.get_by_key("drill-cohorts-cohort_repeat_90d").dataframe[0].value
    assert list(zip(table["month"], table["n"], table["state"], strict=True)) == [
        ("Jan 2026", 1, "final"), ("Apr 2026", 2, "final"), ("May 2026", 0, "too recent: not reported yet"),
    ]


def test_recovery_page_shows_our_data_beside_a_labelled_editable_outside_estimate(app: AppTest) -> None:
    at = open_page(app, "recovery_effect")
    ours = at.get_by_key("drill-recovery-recovery_effect")
    values = {metric.label: metric.value for metric in ours.metric}
    # Shown for Q1 2026 (Q2's 90 days have not passed by 1 August), SLA 24 h: K7 (C2, 31 March) was answered
    # in 3 h and C2 bought again on 30 June -> 1/1; nobody was answered late.
    assert values["Answered within 24 h: bought again"] == "100.0%"
    assert values["Answered later: bought again"] == "No data"
    assert "needs complainants in both groups" in text_of(ours)
    outside = at.get_by_key("drill-outside-recovery_effect")
    text = text_of(outside)
    assert "Outside estimate, not our data" in text
    assert "**Assumption: 70%**" in text and "weakly sourced" in text
    at.number_input(key="recovery_effect_outside_share").set_value(50.0).run()
    assert "**Assumption: 50%**" in text_of(at.get_by_key("drill-outside-recovery_effect"))


def test_card_detail_lines_for_the_service_and_loyalty_kpis() -> None:
    assert kpi_details.csat_details({"satisfied": 4, "top_points": 2, "scales": "1-5"}) == (
        "4 satisfied answers (4 or 5 out of 5)"
    )
    assert kpi_details.csat_details({"satisfied": 4, "top_points": 2, "scales": "1-10"}) == (
        "4 satisfied answers (9 or 10 out of 10)"
    )
    assert kpi_details.csat_details({"satisfied": 4, "top_points": 2, "scales": "1-10, 1-5"}) == (
        "4 satisfied answers (the top 2 points of each scale: 1-10, 1-5)"
    )
    assert kpi_details.complaint_rate_details({"complaints": 1}) == "1 complaint raised in the period"
    assert kpi_details.sla_details({"within_sla": 3, "breached": 2, "pending": 0}) == (
        '3 resolved in time · <strong class="cx-alert">2 breached</strong>'
    )
    assert "1 open but still inside the SLA" in kpi_details.sla_details({"within_sla": 0, "breached": 0, "pending": 1})
    assert "2 resolved, time unknown (not counted" in kpi_details.sla_details(
        {"within_sla": 0, "breached": 0, "pending": 0, "resolved_time_unknown": 2}
    )
    cohort = kpi_details.cohort_details({"repeat_customers": 1, "immature_customers": 1})
    assert cohort.startswith("1 came back within 90 days") and "not final: 1 new customer not yet 90 days old" in cohort
    assert "not final" not in kpi_details.cohort_details({"repeat_customers": 0, "immature_customers": 0})
    recovery = kpi_details.recovery_details({
        "fast_repeat_rate": 100.0, "fast_customers": 4, "late_repeat_rate": None, "late_customers": 0,
        "immature_customers": 0,
    })
    assert recovery == "bought again: 100.0% answered in time (n = 4) vs no data answered late (n = 0)"
