"""Is a number actionable: the minimum-sample and interval-width rules, status bands, change tests,
and how long a KPI has been off target, on the hand-checked golden data (period Q2 2026)."""

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from cxkpi import assessment, kpis
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, Settings, load_registry
from cxkpi.warehouse import reading

Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))


@pytest.fixture(scope="module")
def reports(golden_db):
    with reading(golden_db) as connection:
        return {report.kpi.id: report for report in kpis.overview(connection, load_registry(), Q2)}


def kpi_with(direction, target, near, statistic="none"):
    return Kpi(id="x", title="X", unit="", direction=direction, target=target, source="orders", description="",
               owner=Owner("A", "B"), statistic=statistic, near=near)


def test_fewer_answers_than_the_minimum_make_a_number_too_uncertain_to_act_on(reports):
    """Golden NPS in Q2 rests on 6 responses, below the default minimum of 30."""
    found = reports["nps"].assessment
    assert found.uncertain_because == "n = 6 is below the minimum of 30"
    assert not found.actionable


def test_an_interval_wider_than_15_points_is_too_uncertain_even_with_enough_answers(golden_db):
    """With the minimum lowered to 1: NPS counts (D, Pa, P) = (2, 1, 3) adjust to (2.75, 2.5, 3.75),
    n' = 9, NPS' = 0.1111, Var' = 0.72222 − 0.01235 = 0.70988, SE' = 0.28085, so the margin is
    1.96 × 28.085 = ±55.0 points: far wider than ±15."""
    with reading(golden_db) as connection:
        [report] = kpis.overview(connection, [load_registry()[0]], Q2, settings=Settings(min_sample=1))
    found = report.assessment
    assert found.interval.low == pytest.approx(11.11 - 55.05, abs=0.05)
    assert found.interval.high == pytest.approx(11.11 + 55.05, abs=0.05)
    assert found.uncertain_because == "its 95% interval is ±55.0 points, wider than ±15"


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


def test_status_bands_respect_direction_and_the_near_margin():
    response_time = kpi_with("lower", target=6, near=2)
    assert [assessment.band(response_time, hours) for hours in (5.0, 6.0, 7.5, 8.0, 8.1, None)] == [
        "on target", "on target", "near target", "near target", "off target", "no data"]
    nps = kpi_with("higher", target=35, near=5)
    assert [assessment.band(nps, points) for points in (36.0, 31.0, 29.9)] == [
        "on target", "near target", "off target"]


def test_months_off_target_counts_back_from_the_latest_month():
    nps = kpi_with("higher", target=35, near=5)
    monthly = pd.DataFrame({"value": [40.0, 20.0, 38.0, 30.0, 33.0, 10.0]})
    assert assessment.months_off_target(nps, monthly) == 3  # 30, 33 and 10 missed; 38 met
    assert assessment.months_off_target(nps, monthly.iloc[:3]) == 0
    assert assessment.months_off_target(nps, monthly.iloc[:0]) == 0


def test_a_year_earlier_keeps_the_dates_and_turns_29_february_into_the_28th():
    assert Q2.a_year_earlier() == Period(date(2025, 4, 1), date(2025, 6, 30))
    assert Period(date(2028, 2, 1), date(2028, 2, 29)).a_year_earlier() == Period(date(2027, 2, 1), date(2027, 2, 28))


def test_the_overview_can_skip_the_statistics(golden_db):
    with reading(golden_db) as connection:
        plain = kpis.overview(connection, load_registry(), Q2, settings=None)
    assert {report.assessment for report in plain} == {None}


def test_the_registry_default_for_a_share_is_the_proportion_statistic():
    registry = {kpi.id: kpi for kpi in load_registry()}
    assert (registry["brand_trust"].statistic, registry["nps"].statistic) == ("proportion", "nps")
    assert replace(registry["brand_trust"], near=7.0).near == registry["brand_trust"].near  # 10 % of 70
