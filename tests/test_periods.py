from datetime import date

import pytest

from cxkpi.calendars import Calendar
from cxkpi.periods import (
    Period,
    bucket_of,
    last_full_quarter,
    matured,
    month_starts,
    quarter_of,
    quick_range,
    trailing_months,
)


def days(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


def test_last_full_quarter_is_the_current_one_when_data_reaches_its_last_day():
    assert last_full_quarter(date(2026, 9, 30)) == Period(date(2026, 7, 1), date(2026, 9, 30))


def test_last_full_quarter_steps_back_when_the_current_quarter_is_partial():
    assert last_full_quarter(date(2026, 8, 1)) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert last_full_quarter(date(2026, 1, 15)) == Period(date(2025, 10, 1), date(2025, 12, 31))


def test_quarter_of_december_ends_on_new_years_eve():
    assert quarter_of(date(2025, 11, 5)) == Period(date(2025, 10, 1), date(2025, 12, 31))


def test_the_previous_period_of_a_month_is_the_month_before_whatever_its_length():
    assert days("2026-09-01", "2026-09-30").previous() == days("2026-08-01", "2026-08-31")
    assert days("2026-03-01", "2026-03-31").previous() == days("2026-02-01", "2026-02-28")
    assert days("2026-01-01", "2026-01-31").previous() == days("2025-12-01", "2025-12-31")


def test_in_a_leap_year_february_has_29_days_and_march_is_compared_with_all_of_them():
    assert days("2024-03-01", "2024-03-31").previous() == days("2024-02-01", "2024-02-29")
    assert days("2024-02-01", "2024-02-29").previous() == days("2024-01-01", "2024-01-31")


def test_the_previous_period_of_a_quarter_is_the_quarter_before():
    """Q3 2026 (92 days) against Q2 (91 days: 1 April to 30 June), not 31 March to 30 June."""
    assert days("2026-07-01", "2026-09-30").previous() == days("2026-04-01", "2026-06-30")
    assert days("2026-01-01", "2026-03-31").previous() == days("2025-10-01", "2025-12-31")
    assert days("2024-04-01", "2024-06-30").previous() == days("2024-01-01", "2024-03-31")  # Q1 of a leap year


def test_the_previous_period_of_a_year_is_the_year_before_and_of_12_months_the_12_before():
    assert days("2025-01-01", "2025-12-31").previous() == days("2024-01-01", "2024-12-31")  # 366 days
    assert days("2025-10-01", "2026-09-30").previous() == days("2024-10-01", "2025-09-30")


def test_any_other_period_is_compared_with_the_equal_length_period_just_before():
    assert days("2026-03-15", "2026-04-14").previous() == days("2026-02-12", "2026-03-14")  # 31 days each
    assert days("2024-03-01", "2024-03-10").previous() == days("2024-02-20", "2024-02-29")  # over 29 Feb
    assert days("2026-07-01", "2026-09-29").previous().days == 91


def test_quick_ranges_are_relative_to_the_latest_data():
    """Data through 30 September 2026 (a month's and a quarter's last day), then through 15 October."""
    through = date(2026, 9, 30)
    assert quick_range("last_month", through) == days("2026-09-01", "2026-09-30")
    assert quick_range("last_quarter", through) == days("2026-07-01", "2026-09-30")
    assert quick_range("year_to_date", through) == days("2026-01-01", "2026-09-30")
    assert quick_range("last_12_months", through) == days("2025-10-01", "2026-09-30")
    partial = date(2026, 10, 15)
    assert quick_range("last_month", partial) == days("2026-09-01", "2026-09-30")
    assert quick_range("last_quarter", partial) == days("2026-07-01", "2026-09-30")
    assert quick_range("year_to_date", partial) == days("2026-01-01", "2026-10-15")
    assert quick_range("last_12_months", partial) == days("2025-10-01", "2026-09-30")
    with pytest.raises(ValueError, match="unknown quick range"):
        quick_range("last_week", through)


def test_a_period_that_has_had_its_days_to_mature_is_kept():
    """Q2 2026 ends on 30 June; 30 June + 90 days = 28 September, before 30 September: matured."""
    q2 = days("2026-04-01", "2026-06-30")
    assert matured(q2, 90, date(2026, 9, 30)) is q2
    assert matured(q2, 0, date(2026, 7, 1)) is q2  # a KPI that needs no time
    later = days("2030-01-01", "2030-03-31")
    assert matured(later, 90, date(2026, 9, 30)) is later  # after all the data: nothing to wait for


def test_a_quarter_not_yet_matured_gives_way_to_the_latest_matured_quarter():
    """Q3 2026 with data through 30 September: Q3 ends 30 September, far from 90 days before; Q2 ends
    30 June + 90 = 28 September < 30 September: Q2. With data through 28 September only, Q2's last
    day has not had its 90 days (28 September is not before 28 September): Q1."""
    q3 = days("2026-07-01", "2026-09-30")
    assert matured(q3, 90, date(2026, 9, 30)) == days("2026-04-01", "2026-06-30")
    assert matured(q3, 90, date(2026, 9, 28)) == days("2026-01-01", "2026-03-31")


def test_months_years_and_day_ranges_step_back_in_their_own_kind():
    through = date(2026, 9, 30)
    # September -> June (June 30 + 90 = 28 Sep); the last 12 months stay 12 months, 3 months earlier.
    assert matured(days("2026-09-01", "2026-09-30"), 90, through) == days("2026-06-01", "2026-06-30")
    assert matured(days("2025-10-01", "2026-09-30"), 90, through) == days("2025-07-01", "2026-06-30")
    assert matured(days("2026-01-01", "2026-12-31"), 90, through) == days("2025-01-01", "2025-12-31")
    # 10 days ending 25 September -> 10 days ending 91 days before 30 September (1 July).
    assert matured(days("2026-09-16", "2026-09-25"), 90, through) == days("2026-06-22", "2026-07-01")


def test_a_matured_period_keeps_the_comparison_it_was_asked_with():
    from ui.state import LastYearComparison

    asked = LastYearComparison(date(2026, 7, 1), date(2026, 9, 30))
    shown = matured(asked, 90, date(2026, 9, 30))
    assert isinstance(shown, LastYearComparison)
    assert shown.previous() == days("2025-04-01", "2025-06-30")


def test_trailing_months_start_on_the_first_of_the_month_eleven_months_earlier():
    assert trailing_months(date(2026, 2, 15)) == Period(date(2025, 3, 1), date(2026, 2, 15))


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_month_starts_lists_each_month_a_period_touches_across_a_year_end():
    assert month_starts(Period(date(2025, 11, 15), date(2026, 2, 3))) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_a_day_falls_in_its_month_of_the_trend_and_the_first_month_starts_where_the_period_does():
    """A trend of 15 April - 30 June 2026 by month has the buckets 15 Apr (the month cut to the period's
    start, as the view rule cuts it), 1 May and 1 June; a day outside the period falls in none."""
    period = days("2026-04-15", "2026-06-30")
    assert bucket_of(date(2026, 4, 20), period, "month") == date(2026, 4, 15)
    assert bucket_of(date(2026, 4, 15), period, "month") == date(2026, 4, 15)
    assert bucket_of(date(2026, 5, 31), period, "month") == date(2026, 5, 1)
    assert bucket_of(date(2026, 6, 30), period, "month") == date(2026, 6, 1)
    assert bucket_of(date(2026, 4, 14), period, "month") is None
    assert bucket_of(date(2026, 7, 1), period, "month") is None


def test_a_day_falls_in_the_week_that_starts_on_the_calendars_first_weekday():
    """Wednesday 6 May 2026: the week from Monday 4 May; with weeks from Saturday (Persian custom), from
    Saturday 2 May."""
    period = days("2026-04-01", "2026-06-30")
    assert bucket_of(date(2026, 5, 6), period, "week") == date(2026, 5, 4)
    saturday_weeks = Period(period.start, period.end, Calendar("gregorian", week_start=5))
    assert bucket_of(date(2026, 5, 6), saturday_weeks, "week") == date(2026, 5, 2)
    assert bucket_of(date(2026, 4, 2), period, "week") == date(2026, 4, 1)  # its week started in March


def test_in_the_solar_hijri_calendar_a_day_falls_in_its_jalali_month():
    """1 Ordibehesht 1405 is 21 April 2026 (Farvardin has 31 days from 21 March): 30 April is in it."""
    period = Period(date(2026, 3, 21), date(2026, 6, 21), Calendar("persian", week_start=5))
    assert bucket_of(date(2026, 4, 30), period, "month") == date(2026, 4, 21)
    assert bucket_of(date(2026, 4, 20), period, "month") == date(2026, 3, 21)


def test_a_trend_of_one_bucket_puts_every_day_of_the_period_in_it():
    period = days("2026-07-01", "2026-09-30")
    assert bucket_of(date(2026, 8, 15), period, "period") == date(2026, 7, 1)
