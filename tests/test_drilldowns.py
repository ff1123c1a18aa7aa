"""Drill-downs (cxkpi/drilldowns.py, queries/drilldown_*.sql) on hand-checked data.

tests/golden/, Q2 2026 (2026-04-01..2026-06-30), recommend scores with their customers' regions:
    R1 10 EMEA web, R2 9 EMEA app, R3 8 North America web, R4 6 APAC store, R5 0 EMEA web, R8 10 (C99, unknown) web
    -> NPS = 100 * (3 - 2) / 6 = 16.67 over n = 6.
Complaints (first response; resolution): K1 phone/delivery 2 h; 24 h. K2 web/billing 4 h; 24 h.
    K3 web/product quality 10 h; open. K4 app/returns 24 h; 72 h. K5 phone/delivery unanswered; open.
    K6 (1 Jul 01:00) and K7 (31 Mar 22:00, answered 1 Apr 01:00, resolved 1 Apr 10:00) are outside Q2.
    Snapshot (latest timestamp in complaints): 1 Jul 02:00.
tests/golden_more/, March 2026: the Kaplan-Meier example of kpi_reference.md 3.4 as complaints
    (resolution hours 2, 3, 3+, 5, 8+, 10; snapshot 10 Mar 12:00).
"""

from datetime import date

import pytest

from cxkpi import drilldowns, kpi_sql
from cxkpi.kpis import Filters, kpi_named
from cxkpi.periods import Period
from cxkpi.registry import Settings
from cxkpi.status import Status
from tests.support import Q2, SHIPPED_PARAMETERS
from ui.drilldowns import cell_statuses

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


# --- which slices move the total ------------------------------------------------------------------

def test_nps_slice_impact_by_region_ranks_by_how_much_each_moves_the_total(golden):
    """Scores +100 / 0 / -100; total 100/6 = 16.67 over 6 answers. impact = (value - 16.67) * n / 6:
    APAC -100 (n 1): -116.67 / 6 = -19.44;  (unknown) +100 (n 1): 83.33 / 6 = +13.89;
    EMEA (100 + 100 - 100) / 3 = 33.33 (n 3): 16.67 * 3 / 6 = +8.33;  North America 0 (n 1): -2.78.
    They add up to 0. rest_value (the total without the slice): EMEA (100 - 100) / 3 = 0;
    APAC (100 + 100) / 5 = 40."""
    frame = drilldowns.slice_impact(golden, "nps", "region", Q2)
    assert list(frame["slice"]) == ["APAC", "(unknown)", "EMEA", "North America"]
    assert list(frame["impact"]) == pytest.approx([-350 / 18, 250 / 18, 150 / 18, -50 / 18])
    assert list(frame["n"]) == [1, 1, 3, 1]
    assert list(frame["value"]) == pytest.approx([-100, 100, 100 / 3, 0])
    assert frame["impact"].sum() == pytest.approx(0, abs=1e-9)
    assert list(frame["total_value"]) == pytest.approx([100 / 6] * 4)
    by_slice = frame.set_index("slice")
    assert by_slice.loc["EMEA", "rest_value"] == pytest.approx(0)
    assert by_slice.loc["APAC", "rest_value"] == pytest.approx(40)


def test_trust_and_csat_slice_impact_by_channel(golden):
    """Trust in Q2 (4-5 -> 100): web R1 5, R3 3, R7 5, R8 4 -> 75 (n 4); app R2 4 -> 100; store R4 2 -> 0.
    Total 4/6 = 66.67. Impacts: store (0 - 66.67) / 6 = -11.11; app (33.33) / 6 = +5.56;
    web (8.33) * 4 / 6 = +5.56. CSAT: web R1 5, R3 4, R5 1, R7 4, R8 5 -> 80 (n 5); store R4 2 -> 0;
    total 66.67: store -11.11, web +11.11 (R2 has no csat answer)."""
    trust = drilldowns.slice_impact(golden, "brand_trust", "channel", Q2,
                                   parameters=SHIPPED_PARAMETERS["brand_trust"]).set_index("slice")
    assert trust["impact"].to_dict() == pytest.approx({"store": -100 / 9, "app": 50 / 9, "web": 50 / 9})
    assert trust.index[0] == "store"
    csat = drilldowns.slice_impact(golden, "csat", "channel", Q2,
                                  parameters=SHIPPED_PARAMETERS["csat"]).set_index("slice")
    assert csat["impact"].to_dict() == pytest.approx({"store": -100 / 9, "web": 100 / 9})


def test_slice_impact_follows_the_filters_and_is_empty_without_answers(golden):
    """EMEA only: R1, R2, R5 -> total 33.33 over 3; by channel: web (R1 +100, R5 -100) 0, n 2 ->
    (0 - 33.33) * 2 / 3 = -22.22; app (R2 +100) n 1 -> (100 - 33.33) * 1 / 3 = +22.22."""
    frame = drilldowns.slice_impact(golden, "nps", "channel", Q2, Filters(region=("EMEA",))).set_index("slice")
    assert frame["impact"].to_dict() == pytest.approx({"app": 200 / 9, "web": -200 / 9})
    assert drilldowns.slice_impact(golden, "nps", "region", Period(date(2030, 1, 1), date(2030, 1, 31))).empty


def test_a_kpi_is_sliced_by_the_dimensions_of_the_fact_table_it_reads(golden):
    """NPS reads survey_daily_counts: region, segment and channel (cxkpi.kpi_sql.dimensions, what the
    page offers too), not the complaints' category."""
    assert kpi_sql.dimensions(kpi_named("nps").reads) == ("region", "segment", "channel")
    for dimension in ("region", "segment", "channel"):
        assert not drilldowns.slice_impact(golden, "nps", dimension, Q2).empty
    with pytest.raises(ValueError, match="one of region, segment, channel, not 'category'"):
        drilldowns.slice_impact(golden, "nps", "category", Q2)


def test_slice_impact_refuses_a_kpi_whose_slices_do_not_add_up_to_its_total(golden):
    """Repeat purchase counts distinct buyers: one who bought in two channels is in both channels' n,
    so its slices are not parts of its total."""
    with pytest.raises(ValueError, match="slice impact needs a KPI whose slices add up"):
        drilldowns.slice_impact(golden, "repeat_purchase_rate", "region", Q2)


# --- detractor comments ---------------------------------------------------------------------------

def test_detractor_comments_are_verbatim_and_newest_first(golden):
    """Detractors (0-6) in Q2 with a comment: R5 (0, 30 Jun, two lines) and R4 (6, 2 May, with quotes)."""
    frame = drilldowns.detractor_comments(golden, Q2)
    assert list(frame["response_id"]) == ["R5", "R4"]
    assert list(frame["comment"]) == ["Second order lost.\nNobody answered my email.", 'Parcel arrived "damaged"']
    assert list(frame["matching"]) == [2, 2]
    assert list(frame["region"]) == ["EMEA", "APAC"]


def test_detractor_comments_search_is_a_case_insensitive_literal_substring(golden):
    """'EMAIL' finds R5 only; '%' is a literal character, not a wildcard, so nothing matches."""
    assert list(drilldowns.detractor_comments(golden, Q2, search="EMAIL")["response_id"]) == ["R5"]
    assert drilldowns.detractor_comments(golden, Q2, search="%").empty
    assert list(drilldowns.detractor_comments(golden, Q2, search="  damaged ")["response_id"]) == ["R4"]


def test_detractor_comments_behind_one_slice_and_capped(golden):
    """Region APAC: R4. Channel web: R5. Region (unknown): R8 is a promoter -> none.
    max_rows 1: the newest (R5), with matching still 2."""
    assert list(drilldowns.detractor_comments(golden, Q2, Filters(), "none", "", "")["response_id"]) == ["R5", "R4"]
    assert list(drilldowns.detractor_comments(golden, Q2, Filters(), "region", "APAC")["response_id"]) == ["R4"]
    assert list(drilldowns.detractor_comments(golden, Q2, Filters(), "channel", "web")["response_id"]) == ["R5"]
    assert drilldowns.detractor_comments(golden, Q2, Filters(), "region", "(unknown)").empty
    capped = drilldowns.detractor_comments(golden, Q2, max_rows=1)
    assert (list(capped["response_id"]), int(capped["matching"].iloc[0])) == (["R5"], 2)


# --- response time by channel and category --------------------------------------------------------

def test_response_time_by_channel_and_category_with_totals(golden):
    """Cells: app/returns K4 24 h; phone/delivery K1 2 h (n 1) + K5 awaiting; web/billing K2 4 h;
    web/product quality K3 10 h. Margins: web (all) median of 4, 10 = 7 h; (all)/delivery 2 h with
    1 awaiting; grand total median of 2, 4, 10, 24 = 7 h, n 4, 1 awaiting."""
    frame = drilldowns.response_by_channel_and_category(golden, Q2)
    rows = {(r.channel, r.category): (r.value, r.n, r.awaiting_response) for r in frame.itertuples()}
    assert rows[("app", "returns")] == (24.0, 1, 0)
    assert rows[("phone", "delivery")] == (2.0, 1, 1)
    assert rows[("web", "billing")] == (4.0, 1, 0)
    assert rows[("web", "product quality")] == (10.0, 1, 0)
    assert rows[("web", "(all)")] == (7.0, 2, 0)
    assert rows[("(all)", "delivery")] == (2.0, 1, 1)
    assert rows[("(all)", "(all)")] == (7.0, 4, 1)
    assert len(rows) == 4 + 3 + 4 + 1  # cells, channel totals, category totals, grand total
    assert list(frame[["channel", "category"]].iloc[-1]) == ["(all)", "(all)"]


def test_the_response_grids_cells_take_their_status_from_cxkpi_status(golden):
    """Target 6 h, lower is better, near target within 2 h (metrics.toml). With min_sample 1: phone/delivery
    2 h on target; web (all) and the total, 7 h, near target; web/product quality 10 h and app/returns
    24 h off target. With the shipped min_sample of 30 every cell (n 1 to 4) is too uncertain, not off
    target; a cell whose complaints are all unanswered has no data."""
    kpi = kpi_named("complaint_response_hours")
    frame = drilldowns.response_by_channel_and_category(golden, Q2)
    cells = list(zip(frame["channel"], frame["category"], strict=True))
    found = dict(zip(cells, cell_statuses(kpi, frame, Settings(min_sample=1), Q2), strict=True))
    assert found[("phone", "delivery")] == Status.ON_TARGET
    assert found[("web", "(all)")] == found[("(all)", "(all)")] == Status.NEAR_TARGET
    assert found[("web", "product quality")] == found[("app", "returns")] == Status.OFF_TARGET
    assert set(cell_statuses(kpi, frame, Settings(), Q2)) == {Status.TOO_UNCERTAIN}
    june_20 = Period(date(2026, 6, 20), date(2026, 6, 20))
    unanswered = drilldowns.response_by_channel_and_category(golden, june_20)
    assert set(cell_statuses(kpi, unanswered, Settings(min_sample=1), june_20)) == {Status.NO_DATA}


def test_a_cell_whose_complaints_are_all_unanswered_has_no_median(golden):
    """20 June: only K5 (phone, delivery, unanswered): no median (not 0), 1 awaiting."""
    frame = drilldowns.response_by_channel_and_category(golden, Period(date(2026, 6, 20), date(2026, 6, 20)))
    cell = frame[(frame["channel"] == "phone") & (frame["category"] == "delivery")].iloc[0]
    assert (cell["value"] != cell["value"], cell["n"], cell["awaiting_response"]) == (True, 0, 1)


# --- open backlog by age --------------------------------------------------------------------------

def test_open_backlog_at_the_end_of_q2(golden):
    """As of 1 Jul 00:00 (end of 30 Jun, before the 1 Jul 02:00 snapshot). Open then: K3 (raised 1 May
    10:00, 60.6 days, answered) -> '> 30 days'; K5 (20 Jun 12:00, 10.5 days, no reply) -> '7-30 days'.
    K6 is raised after the as-of moment; K1, K2, K4, K7 were resolved before it."""
    frame = drilldowns.open_backlog(golden, Q2)
    assert list(frame["age_bucket"]) == list(drilldowns.AGE_BUCKETS)
    assert list(frame["open_complaints"]) == [0, 0, 0, 1, 1]
    assert list(frame["awaiting_response"]) == [0, 0, 0, 1, 0]
    assert str(frame["as_of"].iloc[0]) == "2026-07-01 00:00:00"


def test_open_backlog_counts_a_complaint_resolved_after_the_as_of_moment_as_open(golden):
    """Period ending 31 Mar: as of 1 Apr 00:00, K7 (raised 31 Mar 22:00) is 2 h old, resolved and
    answered only on 1 Apr -> open, '< 1 day', awaiting a reply. Period ending 1 Apr: K7 was resolved at
    10:00 -> closed; K1 (raised 09:00, resolved 2 Apr) is open, 15 h old, answered at 11:00."""
    march = drilldowns.open_backlog(golden, Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert (list(march["open_complaints"]), list(march["awaiting_response"])) == ([1, 0, 0, 0, 0], [1, 0, 0, 0, 0])
    first_of_april = drilldowns.open_backlog(golden, Period(date(2026, 4, 1), date(2026, 4, 1)))
    assert (list(first_of_april["open_complaints"]), list(first_of_april["awaiting_response"])) == (
        [1, 0, 0, 0, 0], [0, 0, 0, 0, 0],
    )


def test_open_backlog_ages_stop_at_the_data_snapshot(more):
    """golden_more, period ending 31 Mar: the snapshot (10 Mar 12:00) is earlier than the period's end,
    so ages are taken then: KC 3 h, KE 8 h -> both '< 1 day' (not 21 days). KE is answered."""
    frame = drilldowns.open_backlog(more, MARCH)
    assert str(frame["as_of"].iloc[0]) == "2026-03-10 12:00:00"
    assert list(frame["open_complaints"]) == [2, 0, 0, 0, 0]
    assert list(frame["awaiting_response"]) == [1, 0, 0, 0, 0]


def test_open_backlog_filters_through_the_customer(golden):
    """APAC (C4) has only K4, resolved 6 May -> nothing open at the end of Q2; every bucket 0."""
    frame = drilldowns.open_backlog(golden, Q2, Filters(region=("APAC",)))
    assert list(frame["open_complaints"]) == [0, 0, 0, 0, 0]


# --- time to resolution (Kaplan-Meier) -----------------------------------------------------------

def test_resolution_times_from_sql_reproduce_the_reference_example(more):
    """golden_more is the kpi_reference.md 3.4 example: 2, 3, 3+, 5, 8+, 10 -> KM median 5 h,
    naive median of the resolved ones 4 h; S(2) = 5/6, S(3) = 2/3, S(5) = 4/9, S(10) = 0."""
    times = drilldowns.resolution_times(more, MARCH)
    assert sorted(zip(times["hours"], times["resolved"], strict=True)) == [
        (2.0, True), (3.0, False), (3.0, True), (5.0, True), (8.0, False), (10.0, True),
    ]
    result = drilldowns.resolution_survival(more, MARCH)
    assert (result.summary.km_median, result.summary.naive_median) == (5.0, 4.0)
    assert (result.summary.n, result.summary.still_open) == (6, 2)
    assert list(result.curve["survival"]) == pytest.approx([5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])


def test_resolution_survival_per_category(more):
    """Delivery: KA 2, KC 3+, KD 5, KF 10 -> S(2) = 3/4, S(5) = 3/4 * 1/2 = 3/8 -> median 5 h;
    naive (2, 5, 10) 5 h. Billing: KB 3, KE 8+ -> S(3) = 1/2 -> median 3 h; naive 3 h, 1 open."""
    table = drilldowns.resolution_survival(more, MARCH).by_group.set_index("category")
    assert table.loc["delivery", ["km_median_hours", "naive_median_hours", "n", "still_open"]].tolist() == [
        5.0, 5.0, 4, 1,
    ]
    assert table.loc["billing", ["km_median_hours", "naive_median_hours", "n", "still_open"]].tolist() == [
        3.0, 3.0, 2, 1,
    ]


def test_resolution_survival_in_q2_is_longer_than_the_naive_median(golden):
    """Q2: K1 24, K2 24, K4 72 resolved; K5 open 254 h (20 Jun 12:00 -> 1 Jul 02:00) and K3 open
    1456 h at the snapshot. S(24) = 1 - 2/5 = 0.6; S(72) = 0.6 * (1 - 1/3) = 0.4 -> KM median 72 h,
    where the resolved ones alone say 24 h."""
    result = drilldowns.resolution_survival(golden, Q2, group_by="channel")
    assert (result.summary.km_median, result.summary.naive_median) == (72.0, 24.0)
    assert sorted(drilldowns.resolution_times(golden, Q2)["hours"]) == [24.0, 24.0, 72.0, 254.0, 1456.0]
    # Phone: K1 24 h, K5 254+ -> S(24) = 1/2 -> median 24 h.
    assert result.by_group.set_index("channel").loc["phone", "km_median_hours"] == 24.0


def test_resolution_survival_with_no_complaints(golden):
    result = drilldowns.resolution_survival(golden, Period(date(2030, 1, 1), date(2030, 1, 31)))
    assert (result.summary.n, result.summary.km_median) == (0, None)
    assert result.curve.empty and result.by_group.empty
