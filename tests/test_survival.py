"""Kaplan-Meier (cxkpi/survival.py) against the golden example in kpi_reference.md 3.4, worked by hand.

Resolution hours 2, 3, 3+, 5, 8+, 10 (+ = still open at the snapshot, i.e. censored):
    t = 2:  at risk 6 (all), 1 closes          S = 5/6
    t = 3:  at risk 5 (3, 3+, 5, 8+, 10), 1 closes; the 3+ is censored at 3 but counts as at risk
            at 3 (events before censorings)     S = 5/6 × 4/5 = 2/3
    t = 5:  at risk 3 (5, 8+, 10), 1 closes     S = 2/3 × 2/3 = 4/9
    t = 8:  the 8+ leaves, no closure           S = 4/9
    t = 10: at risk 1, 1 closes                 S = 0
The median is the first time S <= 0.5: 5 h. The naive median of the closed ones (2, 3, 5, 10) is 4 h.
"""

import pytest

from cxkpi import survival

HOURS = [2, 3, 3, 5, 8, 10]
CLOSED = [True, True, False, True, False, True]


def test_golden_curve_steps_at_each_time_with_events_before_censorings():
    curve = survival.kaplan_meier(HOURS, CLOSED)
    assert list(curve["time"]) == [2, 3, 5, 8, 10]
    assert list(curve["at_risk"]) == [6, 5, 3, 2, 1]
    assert list(curve["events"]) == [1, 1, 1, 0, 1]
    assert list(curve["censored"]) == [0, 1, 0, 1, 0]
    assert list(curve["survival"]) == pytest.approx([5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])


def test_golden_survival_at_any_time_is_a_step_function():
    curve = survival.kaplan_meier(HOURS, CLOSED)
    assert survival.survival_at(curve, 1.9) == 1.0
    assert survival.survival_at(curve, 2) == pytest.approx(5 / 6)
    assert survival.survival_at(curve, 4.99) == pytest.approx(2 / 3)
    assert survival.survival_at(curve, 5) == pytest.approx(4 / 9)
    assert survival.survival_at(curve, 10) == 0.0


def test_golden_median_is_5_hours_where_ignoring_open_tickets_says_4():
    summary = survival.summarize(HOURS, CLOSED)
    assert summary.km_median == 5.0
    assert summary.naive_median == 4.0
    assert (summary.n, summary.closed, summary.still_open) == (6, 4, 2)


def test_the_order_of_the_input_does_not_matter():
    order = [5, 0, 3, 1, 4, 2]
    summary = survival.summarize([HOURS[i] for i in order], [CLOSED[i] for i in order])
    assert summary.km_median == 5.0


def test_a_censoring_tied_with_an_event_stays_at_risk_at_that_time():
    """1, 1+, 2: at t = 1 all 3 are at risk (the 1+ included) and 1 closes -> S = 2/3; at t = 2 only
    the 2 is left (the 1+ leaves after t = 1) -> S = 0. Had the censoring gone first, S(1) would be
    1 - 1/2 = 1/2."""
    curve = survival.kaplan_meier([1, 1, 2], [True, False, True])
    assert list(curve["survival"]) == pytest.approx([2 / 3, 0])
    assert list(curve["at_risk"]) == [3, 1]


def test_exactly_one_half_counts_as_the_median():
    """2 closes at 4 h, 2 at 6 h: S(4) = 0.5 exactly, so the median is 4 h (first S <= 0.5)."""
    assert survival.summarize([4, 4, 6, 6], [True] * 4).km_median == 4.0


def test_when_fewer_than_half_are_resolved_there_is_no_median():
    """1 closes at 2 h, 2 still open at 5 h: S never goes below 2/3 -> no median (None, not a guess)."""
    summary = survival.summarize([2, 5, 5], [True, False, False])
    assert summary.km_median is None
    assert summary.naive_median == 2.0


def test_no_durations_gives_no_median_and_an_empty_curve():
    summary = survival.summarize([], [])
    assert (summary.km_median, summary.naive_median, summary.n) == (None, None, 0)
    assert survival.kaplan_meier([], []).empty


def test_everything_still_open_has_a_flat_curve_and_no_median():
    curve = survival.kaplan_meier([3, 7], [False, False])
    assert list(curve["survival"]) == [1.0, 1.0]
    assert survival.median_survival(curve) is None


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="2 durations but 1"):
        survival.kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="negative"):
        survival.kaplan_meier([-1], [True])
