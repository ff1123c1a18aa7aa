"""Is a number real: intervals, change tests and control charts, on the hand-checked golden data (period
Q2 2026) and on made-up series. Where a KPI stands (its status) is tests/test_status.py."""

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from cxkpi import assessment, kpis, status
from cxkpi.periods import Period
from cxkpi.registry import Settings, load_registry
from tests.support import Q2, kpi_with


@pytest.fixture(scope="module")
def reports(golden):
    return {report.kpi.id: report for report in kpis.overview(golden, load_registry(), Q2)}


def test_fewer_answers_than_the_minimum_make_a_number_too_uncertain_to_act_on(reports):
    """Golden NPS in Q2 rests on 6 responses, below the default minimum of 30."""
    assert reports["nps"].standing == status.Standing(status.Status.TOO_UNCERTAIN, "n = 6 is below the minimum of 30")


def test_an_interval_wider_than_15_points_is_too_uncertain_even_with_enough_answers(golden):
    """With the minimum lowered to 1: NPS counts (D, Pa, P) = (2, 1, 3) adjust to (2.75, 2.5, 3.75),
    n' = 9, NPS' = 0.1111, Var' = 0.72222 − 0.01235 = 0.70988, SE' = 0.28085, so the margin is
    1.96 × 28.085 = ±55.0 points: far wider than ±15."""
    [report] = kpis.overview(golden, [load_registry()[0]], Q2, settings=Settings(min_sample=1))
    found = report.assessment
    assert found.interval.low == pytest.approx(11.11 - 55.05, abs=0.05)
    assert found.interval.high == pytest.approx(11.11 + 55.05, abs=0.05)
    assert report.standing.reason == "its 95% interval is ±55.0 points, wider than ±15"


def test_the_response_time_interval_comes_from_the_order_statistics(reports):
    """4 answered complaints (2, 4, 10, 24 h) are too few for a 95 % distribution-free interval
    (n = 4: even [x(1), x(4)] covers only 1 − 2/16 = 87.5 %)."""
    assert reports["complaint_response_hours"].assessment.interval is None


def test_a_share_gets_a_wilson_interval(reports):
    """Brand trust: 4 of 6. Wilson: centre (0.6667 + 0.32013) / 1.64027 = 0.60161, margin
    1.959964 · √(0.037037 + 0.026679) / 1.64027 = 0.30162 -> [30.0 %, 90.3 %]."""
    found = reports["brand_trust"].assessment.interval
    assert (found.low, found.high) == pytest.approx((30.0, 90.3), abs=0.05)


def test_changes_are_tested_against_the_previous_period_and_the_same_period_last_year(reports):
    """Repeat purchase: 2/4 now vs 0/1 before: pooled 2/5, SE = √(0.4 · 0.6 · (1/4 + 1)) = 0.5477,
    z = 0.5 / 0.5477 = 0.913, p = 0.361: within noise. Q2 2025 has no orders: no test."""
    found = reports["repeat_purchase_rate"].assessment
    assert found.vs_previous.difference == pytest.approx(50.0)
    assert found.vs_previous.p_value == pytest.approx(0.361, abs=0.001)
    assert not found.vs_previous.is_significant()
    assert found.vs_last_year is None


def test_a_year_earlier_keeps_the_dates_and_turns_29_february_into_the_28th():
    assert Q2.a_year_earlier() == Period(date(2025, 4, 1), date(2025, 6, 30))
    assert Period(date(2028, 2, 1), date(2028, 2, 29)).a_year_earlier() == Period(date(2027, 2, 1), date(2027, 2, 28))


def test_the_overview_can_skip_the_statistics(golden):
    plain = kpis.overview(golden, load_registry(), Q2, settings=None)
    assert {report.assessment for report in plain} == {None}


def test_the_registry_default_for_a_share_is_the_proportion_statistic(registry):
    assert (registry["brand_trust"].statistic, registry["nps"].statistic) == ("proportion", "nps")
    assert replace(registry["brand_trust"], near=7.0).near == registry["brand_trust"].near  # 10 % of 70


def test_a_p_chart_flags_the_month_whose_share_leaves_its_limits():
    """Five months of 100 answers: 60, 62, 58, 61 and 30 trusting. p̄ = 271/500 = 0.542,
    σ = √(0.542 · 0.458 / 100) = 0.04982, limits 54.2 ± 14.9 = [39.25 %, 69.15 %]: only 30 % signals."""
    trust = kpi_with("higher", target=70, near=7, statistic="proportion")
    monthly = pd.DataFrame({"bucket_start": pd.date_range("2026-01-01", periods=5, freq="MS"),
                            "value": [60.0, 62.0, 58.0, 61.0, 30.0], "n": [100] * 5})
    chart = assessment.control_chart(trust, monthly).frame
    assert chart["centre"].iloc[0] == pytest.approx(54.2)
    assert (chart["limit_low"].iloc[0], chart["limit_high"].iloc[0]) == pytest.approx((39.25, 69.15), abs=0.01)
    assert list(chart["signal"]) == [False, False, False, False, True]
    assert chart["interval_low"].iloc[4] == pytest.approx(stats_wilson(30, 100).low)


def nps_months(values):
    """Monthly NPS rows with 100 answers each and counts that give exactly those values
    (promoters − detractors = v, e.g. 31 -> 56, 19, 25; -5 -> 38, 19, 43)."""
    rows = []
    for v in values:
        promoters, detractors = 40 + v - v // 2, 40 - v // 2
        rows.append({"value": float(v), "n": 100, "promoters": promoters, "detractors": detractors,
                     "passives": 100 - promoters - detractors})
    assert all(row["promoters"] - row["detractors"] == row["value"] for row in rows)
    frame = pd.DataFrame(rows)
    frame.insert(0, "bucket_start", pd.date_range("2026-01-01", periods=len(values), freq="MS"))
    return frame


def test_an_ewma_chart_of_a_stable_nps_raises_no_signal():
    """30, 32, 28, 31, 29, 30: centre 30, MR̄ = 12/5 = 2.4, σ = 2.4 / 1.128 = 2.128; the EWMA stays
    within 29.8-30.6, inside limits that widen from 30 ± 1.92 to 30 ± 2.66."""
    nps = kpi_with("higher", target=35, near=5, statistic="nps")
    chart = assessment.control_chart(nps, nps_months([30, 32, 28, 31, 29, 30])).frame
    assert chart["centre"].iloc[0] == 30.0
    assert chart["ewma"].round(2).tolist() == [30.0, 30.6, 29.82, 30.17, 29.82, 29.88]
    assert not chart["signal"].any()


def test_an_ewma_chart_flags_a_sustained_drop_in_nps():
    """30, 32, 28, 31, 29, 30, 31, 29, then -5, -5: centre 23, MR̄ = 49/9 = 5.444, σ = 4.827, steady
    limits 23 ± 3 · 4.827 · √(0.3/1.7) = 23 ± 6.08 = [16.92, 29.08]. The EWMA rises above 29.08 in
    months 6-8 (the process ran above its average) and ends at 11.88, far below: both say "shifted"."""
    nps = kpi_with("higher", target=35, near=5, statistic="nps")
    chart = assessment.control_chart(nps, nps_months([30, 32, 28, 31, 29, 30, 31, 29, -5, -5])).frame
    assert (chart["limit_low"].iloc[-1], chart["limit_high"].iloc[-1]) == pytest.approx((16.92, 29.08), abs=0.01)
    assert chart["ewma"].iloc[-1] == pytest.approx(11.878, abs=0.001)
    assert chart["signal"].tolist() == [False] * 5 + [True, True, True, False, True]
    assert chart["interval_low"].notna().all()  # each month also carries its own NPS interval


def stats_wilson(successes, n):
    from cxkpi.stats import wilson_interval

    return wilson_interval(successes, n)


def test_control_limits_come_from_the_months_before_the_period_not_the_three_on_screen():
    """Twelve earlier months of NPS 30, 32, 28, 31, 29, 30, 32, 28, 31, 29, 30, 30 (centre 30.0, MR̄ =
    24/11 = 2.1818, σ = 1.9342) and a quarter on screen at 10, 12, 11. From the quarter alone (centre
    11, σ from its own ranges) nothing signals: the drop is invisible. Against the baseline the EWMA
    starts at 30: 24.0, 20.4, 17.58, far below the first month's limits 30 ± 3 · 1.9342 · 0.3 =
    [28.26, 31.74]: every month signals."""
    nps = kpi_with("higher", target=35, near=5, statistic="nps")
    history = nps_months([30, 32, 28, 31, 29, 30, 32, 28, 31, 29, 30, 30])
    quarter = nps_months([10, 12, 11])
    alone = assessment.control_chart(nps, quarter)
    assert (alone.baseline_buckets, alone.signals) == (0, [])
    judged = assessment.control_chart(nps, quarter, history)
    assert judged.baseline_buckets == 12
    assert judged.frame["centre"].iloc[0] == pytest.approx(30.0)
    assert judged.frame["ewma"].round(2).tolist() == [24.0, 20.4, 17.58]
    assert (judged.frame["limit_low"].iloc[0], judged.frame["limit_high"].iloc[0]) == pytest.approx(
        (28.26, 31.74), abs=0.01)
    assert judged.frame["signal"].tolist() == [True, True, True]


def test_two_ordinary_months_are_not_a_shift_against_a_years_baseline():
    """Brand trust, 100 answers a month. A year of 60 ± 2 % (p̄ = 0.6, limits 60 ± 3·4.90 = [45.3, 74.7] %)
    and a quarter of 58, 63: within the limits, no shift; judged against themselves alone the two are
    also fine, but a baseline of one month is no baseline: the limits come from the trend then."""
    trust = kpi_with("higher", target=70, near=7, statistic="proportion")
    history = pd.DataFrame({"bucket_start": pd.date_range("2025-01-01", periods=12, freq="MS"),
                            "value": [58.0, 62.0] * 6, "n": [100] * 12})
    quarter = pd.DataFrame({"bucket_start": pd.date_range("2026-01-01", periods=2, freq="MS"),
                            "value": [58.0, 63.0], "n": [100, 100]})
    chart = assessment.control_chart(trust, quarter, history)
    assert chart.baseline_buckets == 12 and chart.signals == []
    assert (chart.frame["limit_low"].iloc[0], chart.frame["limit_high"].iloc[0]) == pytest.approx((45.30, 74.70),
                                                                                                 abs=0.01)
    assert assessment.control_chart(trust, quarter, history.iloc[:1]).baseline_buckets == 0


def test_a_rate_gets_a_u_chart_from_its_baseline():
    """Complaint rate per 1,000 orders: a year of 100 per 1,000 on 1,000 orders a month (ū = 0.1,
    limits 100 ± 1000 · 3 · √(0.1/1000) = 100 ± 30.0), then a month of 150 on 1,000: a signal."""
    rate = replace(kpi_with("lower", target=100, statistic="rate"), rate_per=1000.0)
    history = pd.DataFrame({"bucket_start": pd.date_range("2025-01-01", periods=12, freq="MS"),
                            "value": [100.0] * 12, "n": [1000] * 12})
    month = pd.DataFrame({"bucket_start": [pd.Timestamp("2026-01-01")], "value": [150.0], "n": [1000]})
    chart = assessment.control_chart(rate, month, history)
    assert (chart.frame["limit_low"].iloc[0], chart.frame["limit_high"].iloc[0]) == pytest.approx((70.0, 130.0),
                                                                                                 abs=0.01)
    assert chart.signals == [pd.Timestamp("2026-01-01")]


def test_the_baseline_is_the_twelve_months_or_weeks_before_the_period():
    q3 = Period(date(2026, 7, 1), date(2026, 9, 30))
    assert assessment.baseline_period(q3, "month") == Period(date(2025, 7, 1), date(2026, 6, 30))
    assert assessment.baseline_period(q3, "week") == Period(date(2026, 4, 8), date(2026, 6, 30))
