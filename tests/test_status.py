"""Where a KPI stands, decided once (cxkpi.status): on target, near target, off target, too uncertain, no
data, for a period, a trend's month and a breakdown's slice alike; and how its change reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cxkpi import kpis, status
from cxkpi.kpis import Filters, Measurement
from cxkpi.registry import Settings
from cxkpi.stats import ChangeTest
from cxkpi.status import ChangeReading, Standing, Status
from cxkpi.warehouse import reading
from tests.support import Q2, kpi_with

SETTINGS = Settings(min_sample=30, max_half_width=15)


def share(value: float | None, n: int = 400) -> Measurement:
    """A measurement of a KPI without an interval (statistic "none") on enough records to act on."""
    return Measurement(value, n if value is not None else 0)


@pytest.mark.parametrize(
    ("direction", "target", "value", "expected"),
    [
        # Higher is better, target 35, near margin 5: 35 and above on target, 30-35 near, below 30 off.
        ("higher", 35, 36.0, Status.ON_TARGET),
        ("higher", 35, 35.0, Status.ON_TARGET),
        ("higher", 35, 31.0, Status.NEAR_TARGET),
        ("higher", 35, 30.0, Status.NEAR_TARGET),
        ("higher", 35, 29.9, Status.OFF_TARGET),
        # Lower is better (hours), target 6, near margin 5: 6 and below on target, up to 11 near, above off.
        ("lower", 6, 5.0, Status.ON_TARGET),
        ("lower", 6, 6.0, Status.ON_TARGET),
        ("lower", 6, 11.0, Status.NEAR_TARGET),
        ("lower", 6, 11.1, Status.OFF_TARGET),
    ],
)
def test_a_value_is_on_near_or_off_target_in_the_kpis_direction(direction, target, value, expected):
    kpi = kpi_with(direction, target=target, near=5)
    assert status.decide(kpi, share(value), SETTINGS) == Standing(expected)


def test_nothing_measured_is_no_data_never_off_target():
    kpi = kpi_with("higher", target=35, near=5)
    assert status.decide(kpi, Measurement(None, 0), SETTINGS) == Standing(Status.NO_DATA)


def test_too_few_records_are_too_uncertain_in_both_directions_whatever_the_value():
    """29 records, below the minimum of 30: a value far off target and one far on it are both too
    uncertain, with the reason."""
    for direction, far_off, far_on in (("higher", 0.0, 100.0), ("lower", 100.0, 0.0)):
        kpi = kpi_with(direction, target=50, near=5)
        for value in (far_off, far_on):
            assert status.decide(kpi, Measurement(value, 29), SETTINGS) == Standing(
                Status.TOO_UNCERTAIN, "n = 29 is below the minimum of 30")
        assert status.decide(kpi, Measurement(far_off, 30), SETTINGS).status == Status.OFF_TARGET


def test_a_share_whose_interval_is_wider_than_allowed_is_too_uncertain():
    """A share of 50 % on 40 answers: Wilson 95 % interval 35.2 % to 64.8 %, ±14.8 points, within ±15;
    with the maximum at ±10 the same number is too uncertain."""
    kpi = kpi_with("higher", target=70, near=7, statistic="proportion")
    assert status.decide(kpi, Measurement(50.0, 40), SETTINGS).status == Status.OFF_TARGET
    strict = replace(SETTINGS, max_half_width=10)
    assert status.decide(kpi, Measurement(50.0, 40), strict) == Standing(
        Status.TOO_UNCERTAIN, "its 95% interval is ±14.8 points, wider than ±10")


def test_a_breakdown_slice_of_two_records_is_too_uncertain_not_off_target(golden):
    """NPS by region in Q2 2026 (golden): EMEA +33.3 on 3 responses, North America 0 on 1, APAC −100 on 1,
    (unknown) +100 on 1. Against a target of 35 on the value alone APAC would be off target; each slice
    rests on fewer than 30 responses, so each is too uncertain; with the minimum at 1 and no interval
    limit, the values decide."""
    nps = kpi_with("higher", target=35, near=5, statistic="nps")
    frame = kpis.run_kpi_query(golden, "nps", Q2, breakdown="region")
    assert dict(zip(frame["slice"], status.of_rows(nps, frame, SETTINGS), strict=True)) == {
        "(unknown)": Status.TOO_UNCERTAIN, "APAC": Status.TOO_UNCERTAIN, "EMEA": Status.TOO_UNCERTAIN,
        "North America": Status.TOO_UNCERTAIN}
    lenient = Settings(min_sample=1, max_half_width=1000)
    assert dict(zip(frame["slice"], status.of_rows(nps, frame, lenient), strict=True)) == {
        "(unknown)": Status.ON_TARGET, "APAC": Status.OFF_TARGET, "EMEA": Status.NEAR_TARGET,
        "North America": Status.OFF_TARGET}


def test_the_card_and_its_breakdown_row_agree_at_the_same_value(golden_db: Path):
    """The same function decides both: EMEA's card (region filter) and EMEA's row of the breakdown."""
    nps = kpi_with("higher", target=35, near=5, statistic="nps")
    with reading(golden_db) as connection:
        [card] = kpis.overview(connection, [replace(nps, id="nps", reads="survey_daily_counts")], Q2,
                               Filters(region=("EMEA",)),
                               settings=Settings(min_sample=1, max_half_width=1000))
        frame = kpis.run_kpi_query(connection, "nps", Q2, breakdown="region")
    row = frame[frame["slice"] == "EMEA"]
    assert card.current.value == pytest.approx(float(row["value"].iloc[0]))
    assert [card.status] == status.of_rows(nps, row, Settings(min_sample=1, max_half_width=1000)) == [
        Status.NEAR_TARGET]


@pytest.mark.parametrize(
    ("difference", "p_value", "standing", "expected"),
    [
        (5.0, 0.01, Standing(Status.OFF_TARGET), ChangeReading.BETTER),  # higher is better, up, real
        (-5.0, 0.01, Standing(Status.OFF_TARGET), ChangeReading.WORSE),
        (-5.0, 0.2, Standing(Status.OFF_TARGET), ChangeReading.NO_REAL_CHANGE),  # grey, with its number
        (0.04, 0.0001, Standing(Status.ON_TARGET), ChangeReading.NO_REAL_CHANGE),  # shown as +0.0
        (-5.0, 0.01, Standing(Status.TOO_UNCERTAIN, "n"), ChangeReading.TOO_UNCERTAIN),
        (None, None, Standing(Status.ON_TARGET), ChangeReading.NO_DATA),
    ],
)
def test_a_change_is_better_or_worse_only_when_its_test_says_it_is_real(difference, p_value, standing, expected):
    kpi = kpi_with("higher", target=35, near=5)
    test = None if p_value is None else ChangeTest(difference, p_value, "made up")
    assert status.read_change(kpi, standing, difference, test) == expected


def test_for_a_lower_is_better_kpi_a_real_rise_is_worse():
    hours = kpi_with("lower", target=6, near=2)
    rise = ChangeTest(4.0, 0.001, "made up")
    assert status.read_change(hours, Standing(Status.OFF_TARGET), 4.0, rise) == ChangeReading.WORSE
    assert status.read_change(hours, Standing(Status.OFF_TARGET), 4.0, None) == ChangeReading.NOT_TESTED


def test_months_off_target_counts_back_the_months_whose_own_status_missed():
    """Monthly statuses, oldest first: near and off target count as missed, so the last three do; an
    on-target month ends the run, and so does a month too uncertain (a few records cannot say it
    missed) or without data. Pending months (None) at the end are skipped."""
    on, near, off = Status.ON_TARGET, Status.NEAR_TARGET, Status.OFF_TARGET
    assert status.months_off_target([on, off, on, near, near, off]) == 3
    assert status.months_off_target([on, off, on, near, near, off, None, None]) == 3
    assert status.months_off_target([off, Status.TOO_UNCERTAIN, near, off]) == 2
    assert status.months_off_target([off, Status.NO_DATA, off]) == 1
    assert status.months_off_target([off, off, on]) == 0
    assert status.months_off_target([]) == 0


def test_a_month_on_a_few_records_is_not_counted_as_missed(golden, registry):
    """Golden NPS, Q2 2026: May 0 (3 answers) and June −100 (1 answer) are below the target of 35 on
    their values, but each is too uncertain to act on: no month in a row missed. With the minimum at
    one answer and no interval limit, the two count."""
    [report] = kpis.overview(golden, [registry["nps"]], Q2, settings=SETTINGS)
    assert report.months_off_target == 0
    [lenient] = kpis.overview(golden, [registry["nps"]], Q2, settings=Settings(min_sample=1, max_half_width=1000))
    assert lenient.months_off_target == 2


def test_the_overview_orders_cards_by_what_needs_attention_then_by_the_registry():
    """Off target, near target, too uncertain, on target, no data; the registry's order inside each."""
    kpi = kpi_with("higher", target=35, near=5)

    def report(kpi_id: str, found: Status) -> kpis.KpiReport:
        return kpis.KpiReport(kpi=replace(kpi, id=kpi_id), period=Q2, current=Measurement(1.0, 1),
                              previous=Measurement(None, 0), standing=Standing(found),
                              sparkline=pd.DataFrame(), data_through=None, last_loaded_at=None)

    reports = [report("a", Status.ON_TARGET), report("b", Status.NO_DATA), report("c", Status.OFF_TARGET),
               report("d", Status.TOO_UNCERTAIN), report("e", Status.NEAR_TARGET), report("f", Status.OFF_TARGET)]
    assert [found.kpi.id for found in kpis.by_attention(reports)] == ["c", "f", "e", "d", "a", "b"]
