"""Every KPI on the tiny hand-checked dataset in tests/golden/.

The period under test is Q2 2026 (2026-04-01 to 2026-06-30). Each expected value is worked out
by hand in the test's docstring from the rows in tests/golden/*.csv.
"""

from datetime import date

import pytest

from cxkpi import kpis
from cxkpi.kpis import Filters
from cxkpi.periods import Period
from cxkpi.warehouse import reading
from tests.support import Q2, SHIPPED_PARAMETERS, build_warehouse

PREVIOUS = Period(date(2026, 1, 1), date(2026, 3, 31))  # Q1 2026


def measure(connection, kpi_id, period=Q2, **filters):
    return kpis.measure(connection, kpi_id, period, Filters(**{k: tuple(v) for k, v in filters.items()}),
                        SHIPPED_PARAMETERS[kpi_id])


# --- NPS -------------------------------------------------------------------------------------

def test_nps_counts_9_and_10_as_promoters_and_0_to_6_as_detractors(golden):
    """In Q2: R1=10 (P), R2=9 (P), R3=8 (passive), R4=6 (D), R5=0 (D), R8=10 (P).
    R7 has no recommend score; R6 is on 2026-07-01, after the period.
    NPS = 100 * (3 - 2) / 6 = 16.67."""
    result = measure(golden, "nps")
    assert result.n == 6
    assert result.value == pytest.approx(100 / 6)
    assert (result.details["promoters"], result.details["passives"], result.details["detractors"]) == (3, 1, 2)


def test_nps_counts_a_response_at_23h30_on_the_last_day(golden):
    """R5 (score 0) was given at 23:30 on 2026-06-30; a one-day period holding only it is -100."""
    result = measure(golden, "nps", Period(date(2026, 6, 30), date(2026, 6, 30)))
    assert (result.value, result.n) == (-100.0, 1)


def test_nps_region_filter_goes_through_the_customer_and_drops_unknown_customers(golden):
    """EMEA customers are C1 and C2: R1=10, R2=9, R5=0. R8 belongs to unknown customer C99.
    NPS = 100 * (2 - 1) / 3 = 33.33."""
    result = measure(golden, "nps", region=["EMEA"])
    assert result.n == 3
    assert result.value == pytest.approx(100 / 3)


def test_nps_channel_filter_uses_the_responses_own_channel(golden):
    """Web responses in Q2: R1=10, R3=8, R5=0, R8=10 -> 100 * (2 - 1) / 4 = 25."""
    result = measure(golden, "nps", channel=["web"])
    assert (result.value, result.n) == (25.0, 4)


def test_nps_is_100_when_everyone_is_a_promoter(golden):
    """Enterprise customers (C2, C5) answered once in Q2: R2=9. (R6 by C5 is after the period.)"""
    result = measure(golden, "nps", segment=["Enterprise"])
    assert (result.value, result.n) == (100.0, 1)


def test_nps_has_no_value_for_an_empty_period(golden):
    result = measure(golden, "nps", Period(date(2030, 1, 1), date(2030, 3, 31)))
    assert (result.value, result.n) == (None, 0)


# --- Complaint response time -----------------------------------------------------------------

def test_complaint_response_hours_is_the_median_of_answered_complaints(golden):
    """Created in Q2 and answered: K1 2 h, K2 4 h, K3 10 h, K4 24 h. n = 4 (even), so the median is
    the mean of the middle two: (4 + 10) / 2 = 7 h. K5 is unanswered; K6 is created 2026-07-01;
    K7 was created 2026-03-31, before the period, though answered inside it."""
    result = measure(golden, "complaint_response_hours")
    assert (result.value, result.n) == (7.0, 4)


def test_complaint_response_reports_p90_and_complaints_still_awaiting_a_reply(golden):
    """p90 by linear interpolation over 2, 4, 10, 24: rank 0.9 * (4 - 1) = 2.7, so
    10 + 0.7 * (24 - 10) = 19.8 h. K5 (created 2026-06-20) has no reply yet: 1 awaiting."""
    details = measure(golden, "complaint_response_hours").details
    assert details["p90_hours"] == pytest.approx(19.8)
    assert details["awaiting_response"] == 1


def test_complaint_never_answered_gives_no_value_but_counts_as_awaiting(golden):
    """On 2026-06-20 the only complaint is K5, never answered: no median (not 0), 1 awaiting."""
    result = measure(golden, "complaint_response_hours", Period(date(2026, 6, 20), date(2026, 6, 20)))
    assert (result.value, result.n) == (None, 0)
    assert result.details["awaiting_response"] == 1


def test_complaint_response_channel_filter_uses_the_complaints_own_channel(golden):
    """Web complaints created in Q2 and answered: K2 4 h, K3 10 h -> median 7 h.
    Phone: K1 answered in 2 h; K5 still awaiting."""
    assert measure(golden, "complaint_response_hours", channel=["web"]).value == 7.0
    phone = measure(golden, "complaint_response_hours", channel=["phone"])
    assert (phone.value, phone.n, phone.details["awaiting_response"]) == (2.0, 1, 1)


# --- Repeat-purchase rate --------------------------------------------------------------------

def test_repeat_purchase_rate_counts_a_first_order_before_the_period(golden):
    """Buyers in Q2 (non-cancelled): C1 (O2; first order O1 in January -> repeat),
    C2 (O3 and O4 -> repeat), C3 (O5 only; O6 is cancelled), C4 (O7; O8 is after the period).
    100 * 2 / 4 = 50%."""
    result = measure(golden, "repeat_purchase_rate")
    assert (result.value, result.n) == (50.0, 4)
    assert result.details["repeat_customers"] == 2


def test_repeat_purchase_rate_ignores_cancelled_orders_everywhere(golden):
    """North America: C3 has O5 and the cancelled O6 -> not a repeat buyer; C5's only order in
    or before Q2 is the cancelled O10, so C5 is not a buyer at all. 0 / 1."""
    result = measure(golden, "repeat_purchase_rate", region=["North America"])
    assert (result.value, result.n) == (0.0, 1)


def test_repeat_purchase_rate_counts_an_order_at_23h_on_the_end_date(golden):
    """Enterprise: C2's O4 is at 23:00 on 2026-06-30, its second order -> 1 / 1 = 100%."""
    result = measure(golden, "repeat_purchase_rate", segment=["Enterprise"])
    assert (result.value, result.n) == (100.0, 1)


def test_repeat_purchase_rate_channel_filter_counts_only_that_channels_orders(golden):
    """Web orders: C1 has O1 (Jan) and O2 (May) -> repeat; C3 has O5 (O6 cancelled) -> not. 50%."""
    result = measure(golden, "repeat_purchase_rate", channel=["web"])
    assert (result.value, result.n) == (50.0, 2)


def test_repeat_purchase_rate_monthly_buckets_each_end_at_their_month_end(golden):
    """April: C2 (O3) and C3 (O5), each with 1 order by 30 April -> 0%.
    May: C1 (O1, O2 -> 2) and C4 (O7 -> 1) -> 50%. June: C2 (O3, O4) -> 100%."""
    frame = kpis.run_kpi_query(golden, "repeat_purchase_rate", Q2, grain="month")
    assert [str(day) for day in frame["bucket_start"].dt.date] == ["2026-04-01", "2026-05-01", "2026-06-01"]
    assert list(frame["value"]) == [0.0, 50.0, 100.0]
    assert list(frame["n"]) == [2, 2, 1]


def test_repeat_purchase_rate_follows_a_later_load_that_cancels_an_order(golden_copy, tmp_path):
    """Each customer's first two orders per channel are kept by the loader (a derived table); a later
    export that cancels C1's January order O1 must reach the KPI. Q2 buyers then: C1 (O2 only: no
    longer a repeat buyer), C2 (O3, O4: repeat), C3 (O5), C4 (O7). 100 * 1 / 4 = 25%."""
    update = tmp_path / "orders_update.csv"
    update.write_text("order_id,customer_id,ordered_at,amount,channel,status\n"
                      "O1,C1,2026-01-20 10:00:00,40.00,web,cancelled\n")
    build_warehouse(golden_copy, update)
    with reading(golden_copy) as connection:
        result = measure(connection, "repeat_purchase_rate")
    assert (result.value, result.n, result.details["repeat_customers"]) == (25.0, 4, 1)


# --- Brand trust -----------------------------------------------------------------------------

def test_brand_trust_is_the_share_scoring_4_or_5(golden):
    """Trust scores in Q2: R1=5, R2=4, R3=3, R4=2, R7=5, R8=4 (R5 left it empty).
    4 of 6 score 4-5 -> 66.67%."""
    result = measure(golden, "brand_trust")
    assert result.n == 6
    assert result.value == pytest.approx(400 / 6)


def test_brand_trust_breakdown_by_region(golden):
    """APAC: R4=2 -> 0%. EMEA: R1=5, R2=4 -> 100%. North America: R3=3, R7=5 -> 50%.
    R8's customer is unknown -> slice '(unknown)': 4 -> 100%."""
    frame = kpis.run_kpi_query(golden, "brand_trust", Q2, breakdown="region",
                                 settings=SHIPPED_PARAMETERS["brand_trust"])
    by_slice = {row.slice: (row.value, row.n) for row in frame.itertuples()}
    assert by_slice == {"APAC": (0.0, 1), "EMEA": (100.0, 2), "North America": (50.0, 2), "(unknown)": (100.0, 1)}


def test_brand_trust_weekly_buckets_start_on_monday_clipped_to_the_period(golden):
    """R1 (Sun 5 Apr) and R2 (Mon 6 Apr): 2026-04-01 is a Wednesday, so R1's week bucket is
    clipped to start on 2026-04-01; R2 starts the week of 2026-04-06."""
    frame = kpis.run_kpi_query(golden, "brand_trust", Period(date(2026, 4, 1), date(2026, 4, 12)), grain="week",
                               settings=SHIPPED_PARAMETERS["brand_trust"])
    assert [(str(row.bucket_start.date()), row.value, row.n) for row in frame.itertuples()] == [
        ("2026-04-01", 100.0, 1),
        ("2026-04-06", 100.0, 1),
    ]


# --- Periods, status and the overview --------------------------------------------------------

def test_the_previous_period_of_a_quarter_is_the_quarter_before():
    assert Q2.previous() == PREVIOUS
    assert (PREVIOUS.days, Q2.days) == (90, 91)


def test_overview_compares_with_the_previous_period(golden, registry):
    """Previous period Q1 2026 (1 January - 31 March): R0 (9, trust 4) -> NPS 100, trust 100%;
    K7 answered in 3 h; C1's O1 is its only order by 31 March -> repeat 0%."""
    reports = {report.kpi.id: report for report in kpis.overview(golden, list(registry.values()), Q2)}
    # the other KPIs: tests/test_service_and_loyalty_kpis.py
    first_four = ("nps", "complaint_response_hours", "repeat_purchase_rate", "brand_trust")
    assert {kpi_id: reports[kpi_id].previous.value for kpi_id in first_four} == {
        "nps": 100.0, "complaint_response_hours": 3.0, "repeat_purchase_rate": 0.0, "brand_trust": 100.0,
    }
    response_time = reports["complaint_response_hours"]
    assert response_time.change == 4.0  # 3 h -> 7 h
    repeat = reports["repeat_purchase_rate"]
    assert repeat.change == 50.0
    # On 4-6 records each, both changes are too uncertain to judge, whichever way they went.
    assert {response_time.change_reading, repeat.change_reading} == {"too uncertain to judge"}


def test_the_sparkline_has_a_place_for_each_of_the_last_12_months_and_none_where_there_is_no_data(golden, registry):
    """Q2 2026's sparkline runs Jul 2025 - Jun 2026. Monthly NPS: March R0 (9) = +100; April R1 (10), R2 (9)
    = +100; May R3 (8, passive), R4 (6, detractor), R8 (10) = 100 * (1 - 1) / 3 = 0; June R5 (0) = -100
    (R7 gave no score). No responses before March: eight empty months, kept as gaps."""
    nps = kpis.overview(golden, [registry["nps"]], Q2)[0]
    months = nps.monthly()
    assert [month for month, _ in months][::11] == [date(2025, 7, 1), date(2026, 6, 1)]
    assert [value for _, value in months] == [None] * 8 + [100.0, 100.0, 0.0, -100.0]
