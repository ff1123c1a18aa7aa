"""What a KPI card says, run by streamlit.testing against a real warehouse built from the golden CSVs."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxkpi.kpis import KpiReport, Measurement, status_of
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner
from tests.support import app_test, card_text
from ui import formatting as fmt
from ui.charts import sparkline_image, sparkline_svg


def nps_kpi(target: float, title: str = "NPS") -> Kpi:
    return Kpi(id="nps", title=title, unit="points", direction="higher", target=target, source="survey_responses",
               description="", owner=Owner("A", "B"))


def test_comparing_with_last_year_labels_the_change_so_and_does_not_repeat_it(
    golden_db: Path, monkeypatch: pytest.MonkeyPatch
):
    """Q2 2026 against Q2 2025, which holds no golden data: the card says 'no data last year'."""
    at = app_test(monkeypatch, golden_db)
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30", "compare": "last_year"})
    at.run()
    assert not at.exception
    text = card_text(at.get_by_key("card-nps"))
    assert "no data last year" in text
    assert text.count("vs same period last year") == 1 and "vs previous period" not in text


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


def _report_with_change(current: float, previous: float) -> KpiReport:
    """An NPS report (higher is better) with these values now and in the previous period."""
    kpi = nps_kpi(35)
    return KpiReport(kpi=kpi, period=Period(date(2026, 4, 1), date(2026, 6, 30)), current=Measurement(current, 100),
                     previous=Measurement(previous, 100), status=status_of(kpi, current),
                     sparkline=pd.DataFrame(columns=["bucket_start", "value", "n"]), data_through=None,
                     last_loaded_at=None)


def test_a_change_that_rounds_to_zero_reads_no_change_not_better_or_worse():
    """+32.04 against +32.00 is shown as +0.0 pts: calling it 'better' would contradict the number."""
    for current in (32.04, 31.96):
        report = _report_with_change(current, 32.0)
        assert (fmt.change(report.kpi, report.change), fmt.change_reading(report)) == ("+0.0 pts", "no change")
    up, down = _report_with_change(32.1, 32.0), _report_with_change(31.9, 32.0)
    assert (fmt.change(up.kpi, up.change), fmt.change_reading(up)) == ("+0.1 pts", "better")
    assert (fmt.change(down.kpi, down.change), fmt.change_reading(down)) == ("-0.1 pts", "worse")
