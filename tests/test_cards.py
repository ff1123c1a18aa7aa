"""What a KPI card says, run by streamlit.testing against a real warehouse built from the golden CSVs."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxkpi import status
from cxkpi.assessment import Assessment
from cxkpi.kpis import KpiReport, Measurement
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, Settings
from cxkpi.stats import ChangeTest
from tests.support import app_test, card_text
from ui import cards
from ui import formatting as fmt
from ui.charts import sparkline_image, sparkline_svg


def nps_kpi(target: float, title: str = "NPS") -> Kpi:
    return Kpi(id="nps", title=title, unit="points", direction="higher", target=target, source="survey_responses",
               description="", owner=Owner("A", "B"))


def test_comparing_with_last_year_labels_the_change_so_and_does_not_repeat_it(
    golden_db: Path, monkeypatch: pytest.MonkeyPatch
):
    """Q2 2026 against Q2 2025, which holds no golden data: the card says there is nothing to compare
    with in Q2 2025, once."""
    at = app_test(monkeypatch, golden_db)
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30", "compare": "last_year"})
    at.run()
    assert not at.exception
    text = card_text(at.get_by_key("card-nps"))
    assert "no data to compare with Q2 2025" in text
    assert text.count("Q2 2025") == 3, text  # the headline, the details' change line and the sample line
    assert "Q1 2026" not in text


def test_the_sparkline_image_names_each_month_and_the_target_and_escapes_text():
    """Three months at 10, 20 and 30 points, target 35, in a 100 x 48 box with 4 of padding: the scale
    runs from 10 (y = 44) to 35 (y = 4), so y(20) = 4 + 40 · (1 - 10/25) = 28 and y(30) = 12;
    x runs 4, 50, 96."""
    kpi = nps_kpi(35, title="NPS <&>")
    months = [("Jan 2026", 10.0, "+10.0 pts"), ("Feb 2026", 20.0, "+20.0 pts"), ("Mar 2026", 30.0, "+30.0 pts")]
    image = sparkline_image(kpi, months)
    assert 'alt="NPS &lt;&amp;&gt;, monthly: Jan 2026: +10.0 pts; Feb 2026: +20.0 pts; Mar 2026: +30.0 pts.' in image
    svg = sparkline_svg(kpi, months, width=100, height=48)
    assert 'y1="4.0" y2="4.0"' in svg  # the target line at the top
    assert 'points="4.0,44.0 50.0,28.0 96.0,12.0"' in svg


def test_a_month_without_data_keeps_its_place_and_breaks_the_sparkline_as_on_the_slide():
    """January 10, February none, March 30, target 20, in a 100 x 48 box with 4 of padding: x runs 4,
    50, 96; the scale runs from 10 (y = 44) to 30 (y = 4). Two one-point lines, no line across February."""
    kpi = nps_kpi(20)
    months = [("Jan 2026", 10.0, "+10.0 pts"), ("Feb 2026", None, "no data"), ("Mar 2026", 30.0, "+30.0 pts")]
    svg = sparkline_svg(kpi, months, width=100, height=48)
    assert 'points="4.0,44.0"' in svg and 'points="96.0,4.0"' in svg and svg.count("<polyline") == 2
    assert "Feb 2026: no data" in sparkline_image(kpi, months)


def _report_with_change(current: float, previous: float, p_value: float | None = 0.001,
                        n: int = 100) -> KpiReport:
    """An NPS report (higher is better, target 35) with these values now and in the previous period (Q1
    2026), tested with this p-value (None: not tested)."""
    kpi = nps_kpi(35)
    now = Measurement(current, n)
    test = None if p_value is None else ChangeTest(current - previous + 0.4, p_value, "made up")  # adjusted
    return KpiReport(kpi=kpi, period=Period(date(2026, 4, 1), date(2026, 6, 30)), current=now,
                     previous=Measurement(previous, 100), standing=status.decide(kpi, now, Settings()),
                     sparkline=pd.DataFrame(columns=["bucket_start", "value", "n", "status"]), data_through=None,
                     last_loaded_at=None, assessment=Assessment(None, test, None))


def test_a_change_that_rounds_to_zero_reads_no_real_change_not_better_or_worse():
    """+32.04 against +32.00 is shown as +0.0 pts: calling it 'better' would contradict the number."""
    for current in (32.04, 31.96):
        report = _report_with_change(current, 32.0)
        assert (fmt.change(report.kpi, report.change), report.change_reading) == ("+0.0 pts", "no real change")
    up, down = _report_with_change(32.1, 32.0), _report_with_change(31.9, 32.0)
    assert (fmt.change(up.kpi, up.change), up.change_reading) == ("+0.1 pts", "better")
    assert (fmt.change(down.kpi, down.change), down.change_reading) == ("-0.1 pts", "worse")


def test_the_change_shown_is_value_minus_previous_and_its_p_value_is_that_changes_test():
    """+30.0 against +34.1: the card says -4.1 pts (not the test's adjusted difference, here -3.7) and
    the test's p beside it; a p of 0.94 is no real change, in grey, never 'worse' in orange."""
    report = _report_with_change(30.0, 34.1, p_value=0.94)
    assert report.change == pytest.approx(-4.1)
    assert fmt.previous_phrase(report) == "-4.1 pts vs Q1 2026 · no real change (p = 0.94)"
    headline = cards.headline_html(report)
    assert 'class="cx-change cx-gray">↓ -4.1 pts</span>' in headline and "worse" not in headline
    real = _report_with_change(30.0, 34.1, p_value=0.003)
    assert 'class="cx-change cx-orange">↓ -4.1 pts</span>' in cards.headline_html(real)
    assert fmt.previous_phrase(real) == "-4.1 pts vs Q1 2026 · worse (p = 0.003)"


def test_no_data_to_compare_only_when_there_is_no_previous_value():
    """A previous value and a KPI without a test: 'not tested', with the number; no previous value: 'no
    data to compare', without a number; presenting: no p-value."""
    untested = _report_with_change(30.0, 34.1, p_value=None)
    assert fmt.previous_phrase(untested) == "-4.1 pts vs Q1 2026 · not tested"
    nothing = replace(untested, previous=Measurement(None, 0))
    assert fmt.previous_phrase(nothing) == "no data to compare with Q1 2026"
    assert "p =" not in fmt.previous_phrase(_report_with_change(30.0, 34.1, p_value=0.2), p_values=False)


def test_a_change_on_too_few_records_is_shown_but_not_judged():
    few = _report_with_change(30.0, 50.0, p_value=0.0001, n=6)
    assert (few.status, few.change_reading) == ("too uncertain", "too uncertain to judge")
    assert 'class="cx-change cx-gray">↓ -20.0 pts</span>' in cards.headline_html(few)


def test_an_off_target_card_shows_its_owner_before_its_value():
    """NPS +20 against a target of 35 (near margin 3.5): off target, so the owner comes right under the
    status, in orange; on target, the owner comes after the sparkline."""
    off = _report_with_change(20.0, 21.0)
    html_text = cards.card_html(off)
    assert off.status == "off target"
    assert html_text.index("Owner: A") < html_text.index('class="cx-value"')
    on = _report_with_change(40.0, 41.0)
    assert cards.card_html(on).index('class="cx-value"') < cards.card_html(on).index("Owner:")
