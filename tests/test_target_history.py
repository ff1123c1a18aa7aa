"""Target history: a target starts on a day and keeps the old one for the past, so a past period's status
and "months off target" use the target in force then.

Worked by hand on the golden survey answers (tests/golden/survey_responses.csv), NPS by month:
  March  R0 9                          1 promoter             n = 1   +100
  April  R1 10, R2 9                   2 promoters            n = 2   +100
  May    R3 8, R4 6, R8 10             1 promoter, 1 detractor n = 3     0
  June   R5 0 (R7 gives no score)      1 detractor            n = 1   −100
  Q2     3 promoters, 2 detractors                            n = 6   100 × (3 − 2) / 6 = +16.7
metrics.toml's NPS target is 35 (near: within 5). On 2 Nov 2026 an admin lowers it to 0 from 1 June 2026.
- May (ends 31 May): target 35 in force. 0 misses it by 35, more than 5: off target. Had the new target
  rewritten the past, 0 against 0 would be on target.
- Q2 (ends 30 June): target 0 in force. +16.7 ≥ 0: on target (against 35 it would be off target).
- Months off target up to June: June −100 against 0 (off), May 0 against 35 (off), April +100 against 35
  (on): 2 months in a row. Against the new target everywhere, May would be on target: 1 month.
The thresholds of "too uncertain" are lifted (min_sample 1) so that these few answers are judged.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from cxkpi import kpis, ownership
from cxkpi.periods import Period
from cxkpi.registry import Settings, load_registry
from cxkpi.status import Status
from cxkpi.warehouse import reading
from tests.support import Q2, person

JUDGED = Settings(min_sample=1, max_half_width=1000)
MAY = Period(date(2026, 5, 1), date(2026, 5, 31))
CHANGED = datetime(2026, 11, 2, 9, 30)


@pytest.fixture
def lowered(golden_copy):
    """The golden warehouse after NPS's target was lowered to 0 from 1 June 2026."""
    with reading(golden_copy) as connection:
        nps = {kpi.id: kpi for kpi in ownership.effective(connection, load_registry(), date.today())}["nps"]
    changes = ownership.change(golden_copy, nps, person("admin"), target=0, now=CHANGED, target_from=date(2026, 6, 1))
    assert changes == [("target", "35", "0")]
    return golden_copy


def nps_of(db, today=date(2026, 12, 6)):
    with reading(db) as connection:
        return {kpi.id: kpi for kpi in ownership.effective(connection, load_registry(), today=today)}["nps"]


def report(db, period):
    kpi = nps_of(db)
    with reading(db) as connection:
        return kpis.report(connection, kpi, period, settings=JUDGED)


def test_a_changed_target_starts_on_its_day_and_keeps_the_old_one_before_it(lowered):
    nps = nps_of(lowered)
    assert nps.target_history == ((date.min, 35.0), (date(2026, 6, 1), 0.0))
    assert [nps.target_on(day) for day in (date(2025, 1, 1), date(2026, 5, 31), date(2026, 6, 1))] == [35, 35, 0]
    assert nps.target == 0  # in force today
    assert nps_of(lowered, today=date(2026, 5, 15)).target == 35


def test_a_past_period_is_judged_by_the_target_in_force_then(lowered):
    may = report(lowered, MAY)
    assert (may.current.value, may.current.n) == (0.0, 3)
    assert may.kpi.target == 35  # the card, the slide and kpis --json show the target of the period
    assert may.status == Status.OFF_TARGET


def test_a_period_is_judged_by_the_target_in_force_on_its_last_day(lowered):
    quarter = report(lowered, Q2)
    assert round(quarter.current.value, 1) == 16.7
    assert quarter.kpi.target == 0
    assert quarter.status == Status.ON_TARGET


def test_months_off_target_count_each_month_against_its_own_target(lowered):
    quarter = report(lowered, Q2)
    statuses = dict(zip(quarter.sparkline["bucket_start"].dt.month, quarter.sparkline["status"], strict=True))
    assert statuses == {3: "on target", 4: "on target", 5: "off target", 6: "off target"}
    assert quarter.months_off_target == 2


def test_without_the_history_the_new_target_would_have_rewritten_the_past(lowered):
    """The defect the history mends: the same change applied to every day says May was on target."""
    rewritten = nps_of(lowered).as_of(date(2026, 6, 30))
    rewritten = type(rewritten)(**{**rewritten.__dict__, "target_history": ()})
    with reading(lowered) as connection:
        may = kpis.report(connection, rewritten, MAY, settings=JUDGED)
        quarter = kpis.report(connection, rewritten, Q2, settings=JUDGED)
    assert (may.status, quarter.months_off_target) == (Status.ON_TARGET, 1)


def test_a_trend_judges_each_bucket_by_the_target_in_force_on_its_last_day(lowered):
    nps = nps_of(lowered)
    with reading(lowered) as connection:
        frame = kpis.run_kpi_query(connection, "nps", Q2, grain="month")
    days = kpis.judging_days(frame, "month", Q2)
    assert days == [date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)]
    assert [nps.target_on(day) for day in days] == [35, 35, 0]  # the step the KPI page draws
    assert kpis.judging_days(frame, "period", Q2) == [Q2.end] * 3


def test_of_two_changes_from_one_day_the_later_wins_and_a_later_target_stays(lowered):
    nps = nps_of(lowered)
    ownership.change(lowered, nps, person("admin"), target=40, now=datetime(2026, 11, 3), target_from=date(2026, 9, 1))
    ownership.change(lowered, nps_of(lowered), person("admin"), target=5, now=datetime(2026, 11, 4),
                     target_from=date(2026, 6, 1))
    assert nps_of(lowered).target_history == ((date.min, 35.0), (date(2026, 6, 1), 5.0), (date(2026, 9, 1), 40.0))
    with reading(lowered) as connection:
        history = ownership.history(connection)
    targets = [[value, first_day.date()] for value, first_day in history[["new_value", "applies_from"]].values]
    assert targets == [["5", date(2026, 6, 1)], ["40", date(2026, 9, 1)], ["0", date(2026, 6, 1)]]


def test_a_target_changed_before_targets_had_dates_starts_the_day_it_was_changed(golden_copy):
    """A warehouse from before: its change rewrote every day then; now it starts on the day it was made."""
    with duckdb.connect(str(golden_copy)) as connection:
        connection.execute("insert into kpi_changes (changed_at, changed_by, kpi_id, field, old_value, new_value) "
                           "values ('2026-05-20 12:00:00', 'admin@example.com', 'nps', 'target', '35', '0')")
    assert nps_of(golden_copy).target_history == ((date.min, 35.0), (date(2026, 5, 20), 0.0))


def test_the_card_and_the_kpi_page_show_the_target_of_the_period_in_view(lowered, monkeypatch):
    """The overview's card for May says 35 (in force then), for Q2 0 (in force on 30 June); the KPI page
    names every target the KPI has had."""
    from tests.support import app_test, card_text

    at = app_test(monkeypatch, lowered)
    at.query_params.update({"from": "2026-05-01", "to": "2026-05-31"})
    at.run()
    assert "target ≥ +35 pts" in card_text(at.get_by_key("card-nps"))
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30"})
    at.run()
    assert "target ≥ 0 pts" in card_text(at.get_by_key("card-nps"))
    at.switch_page("pages/1_NPS.py").run()
    header = " ".join(markdown.value for markdown in at.markdown)
    assert "targets over time: +35 pts → 0 pts from 1 Jun 2026" in header
