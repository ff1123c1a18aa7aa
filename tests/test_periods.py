from datetime import date

import pytest

from cxkpi.periods import Period, last_full_quarter, month_starts, quarter_of, trailing_months


def test_last_full_quarter_is_the_current_one_when_data_reaches_its_last_day():
    assert last_full_quarter(date(2026, 9, 30)) == Period(date(2026, 7, 1), date(2026, 9, 30))


def test_last_full_quarter_steps_back_when_the_current_quarter_is_partial():
    assert last_full_quarter(date(2026, 8, 1)) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert last_full_quarter(date(2026, 1, 15)) == Period(date(2025, 10, 1), date(2025, 12, 31))


def test_quarter_of_december_ends_on_new_years_eve():
    assert quarter_of(date(2025, 11, 5)) == Period(date(2025, 10, 1), date(2025, 12, 31))


def test_previous_period_of_a_month_is_the_same_number_of_days_before_it():
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(date(2026, 1, 29), date(2026, 2, 28))


def test_trailing_months_start_on_the_first_of_the_month_eleven_months_earlier():
    assert trailing_months(date(2026, 2, 15)) == Period(date(2025, 3, 1), date(2026, 2, 15))


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="ends"):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_month_starts_lists_each_month_a_period_touches_across_a_year_end():
    assert month_starts(Period(date(2025, 11, 15), date(2026, 2, 3))) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
