"""Reporting periods: date ranges with both ends inclusive, what each is compared with, the quick ranges
people pick, and the latest period a slow KPI has matured for.

A period carries the calendar it is reckoned in (cxkpi.calendars: Gregorian or Solar Hijri, and the
first day of the week): its months, quarters and years, what it is compared with and the buckets of
its trend follow that calendar. Its dates are Gregorian whatever the calendar."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta

from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar

# The quick ranges of the sidebar, relative to the latest data (quick_range); "custom" is any other.
QUICK_RANGES = ("last_month", "last_quarter", "year_to_date", "last_12_months")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive: an event at 23:00 on this day counts
    calendar: Calendar = GREGORIAN_CALENDAR

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """How many whole months of its calendar the period is (1 for August or Farvardin, 3 for a quarter,
        12 for a year or the last 12 months), or None when it does not run from a month's first day to a
        month's last."""
        calendar, day_after = self.calendar, self.end + timedelta(days=1)
        first, after = calendar.month_number(self.start), calendar.month_number(day_after)
        if calendar.month_start(first) != self.start or calendar.month_start(after) != day_after:
            return None
        return after - first

    def previous(self) -> Period:
        """What a change is measured against. A period of whole calendar months is compared with as many
        whole months just before it: September with August, Q3 with Q2, 2026 with 2025 (people expect
        the previous month, quarter or year, whatever their lengths in days). Any other period is
        compared with the period of equal length that ends the day before it starts."""
        months = self.whole_months
        if months is not None:
            start = add_months(self.start, -months, self.calendar)
            return replace(self, start=start, end=self.start - timedelta(days=1))
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=self.days - 1), end=end)

    def a_year_earlier(self) -> Period:
        """The same dates one Gregorian year before (29 February becomes the 28th). In the Solar Hijri
        calendar a whole month, quarter or year is compared with the same months a Jalali year before
        (Q1 1405 with Q1 1404), which can start a day apart in Gregorian dates."""
        if self.calendar.system != GREGORIAN_CALENDAR.system and self.whole_months is not None:
            return replace(self, start=add_months(self.start, -12, self.calendar),
                           end=add_months(self.end + timedelta(days=1), -12, self.calendar) - timedelta(days=1))
        return replace(self, start=_year_before(self.start), end=_year_before(self.end))

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class PeriodName:
    """What people call a period of whole months, in parts a translation can word in its own language:
    kind 'quarter' (Q`number` `year`), 'year', 'month' (month `number` of `year`) or 'months' (from
    month `number` of `year` to month `last_month` of `last_year`). Years and months are the period's
    calendar's: Q1 1405, month 1 = Farvardin."""

    kind: str
    year: int
    number: int = 0
    last_year: int = 0
    last_month: int = 0


def name_of(period: Period) -> PeriodName | None:
    """The period's name in its calendar; None for a period that is not whole months (say it by its days)."""
    months = period.whole_months
    if months is None:
        return None
    year, month, _ = period.calendar.date_parts(period.start)
    if is_calendar_quarter(period):
        return PeriodName("quarter", year, (month - 1) // 3 + 1)
    if is_calendar_year(period):
        return PeriodName("year", year)
    if months == 1:
        return PeriodName("month", year, month)
    last_year, last_month, _ = period.calendar.date_parts(period.end)
    return PeriodName("months", year, month, last_year, last_month)


def quarter_of(day: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    number = calendar.month_number(day)
    return _months(number - number % 3, 3, calendar)


def month_of(day: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    return _months(calendar.month_number(day), 1, calendar)


def year_of(day: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    number = calendar.month_number(day)
    return _months(number - number % 12, 12, calendar)


def is_calendar_quarter(period: Period) -> bool:
    return quarter_of(period.start, period.calendar) == period


def is_calendar_year(period: Period) -> bool:
    return year_of(period.start, period.calendar) == period


def last_full_quarter(data_through: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    """The latest quarter of the calendar that the data covers to its last day."""
    quarter = quarter_of(data_through, calendar)
    if quarter.end == data_through:
        return quarter
    return quarter_of(quarter.start - timedelta(days=1), calendar)


def last_full_month(data_through: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    """The latest month of the calendar that the data covers to its last day."""
    month = month_of(data_through, calendar)
    return month if month.end == data_through else month_of(month.start - timedelta(days=1), calendar)


def quick_range(name: str, data_through: date, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    """One of QUICK_RANGES for data that runs to `data_through`, in the calendar's months: the last full
    month or quarter, the year to date (the year's first day, 1 January or 1 Farvardin, to the latest
    data), or the 12 full months up to the last full month."""
    if name == "last_month":
        return last_full_month(data_through, calendar)
    if name == "last_quarter":
        return last_full_quarter(data_through, calendar)
    if name == "year_to_date":
        return Period(year_of(data_through, calendar).start, data_through, calendar)
    if name == "last_12_months":
        last = last_full_month(data_through, calendar)
        return Period(add_months(last.start, -11, calendar), last.end, calendar)
    raise ValueError(f"unknown quick range {name!r}; use one of {', '.join(QUICK_RANGES)}")


def has_matured(last_day: date, days: int, horizon: date) -> bool:
    """Whether every record up to `last_day` (its 23:59 included) has had `days` days by the latest
    record, on `horizon`: last_day + days is before the horizon day."""
    return last_day + timedelta(days=days) < horizon


def matured(period: Period, days: int, horizon: date) -> Period:
    """`period` when every record in it has had `days` days to mature by `horizon` (the latest data:
    its last day + days is before the horizon day), else the latest earlier period of the same kind
    that has: a calendar quarter steps back by quarters, a calendar year by years, other whole months
    by months (the last 12 months stay 12 months), and any other period keeps its length and ends
    `days + 1` days before the horizon. A period that starts after the horizon holds no data at all and
    is kept: it is not an earlier period's turn. A subclass of Period keeps its class (dataclasses.replace)."""
    if days <= 0 or has_matured(period.end, days, horizon) or period.start > horizon:
        return period
    months = period.whole_months
    if months is None:
        end = horizon - timedelta(days=days + 1)
        return replace(period, start=end - timedelta(days=period.days - 1), end=end)
    step = 3 if is_calendar_quarter(period) else 12 if is_calendar_year(period) else 1
    start = period.start
    while True:  # ends: each step moves the end back by at least one month
        start = add_months(start, -step, period.calendar)
        end = add_months(start, months, period.calendar) - timedelta(days=1)
        if has_matured(end, days, horizon):
            return replace(period, start=start, end=end)


def trailing_months(end: date, months: int = 12, calendar: Calendar = GREGORIAN_CALENDAR) -> Period:
    """The `months` months of the calendar up to and including the month of `end`, ending on `end`."""
    return Period(calendar.month_start(calendar.month_number(end) - (months - 1)), end, calendar)


def buckets(period: Period, grain: str) -> tuple[list[date], list[date]]:
    """For each day of the period, in order: the first day of its bucket ('week': the week from the
    calendar's first day; 'month': the calendar's month), clipped to the period's start, and the day
    after the bucket, clipped to the day after the period. What the view rule (queries/_view.sql)
    looks a record's day up in."""
    return _buckets(period.start, period.end, period.calendar, grain)


@functools.lru_cache(maxsize=512)  # a card asks for the same 12 months on every run
def _buckets(start: date, end: date, calendar: Calendar, grain: str) -> tuple[list[date], list[date]]:
    if grain == "week":
        first = calendar.week_start_of(start)
        bounds = [first + timedelta(weeks=week) for week in range((end - first).days // 7 + 2)]
    elif grain == "month":
        bounds = month_starts(Period(start, end, calendar))
        bounds.append(add_months(bounds[-1], 1, calendar))
    else:
        raise ValueError(f"unknown grain {grain!r}; use 'week' or 'month'")
    starts: list[date] = []
    ends: list[date] = []
    day_after = end + timedelta(days=1)
    for bucket_start, bucket_end in itertools.pairwise(bounds):
        days = (min(bucket_end, day_after) - max(bucket_start, start)).days
        starts += [max(bucket_start, start)] * max(days, 0)
        ends += [min(bucket_end, day_after)] * max(days, 0)
    return starts, ends


def bucket_of(day: date, period: Period, grain: str) -> date | None:
    """The first day of the bucket of `period`'s trend at `grain` ('week', 'month', or 'period': one
    bucket) that `day` falls in: its week or month, clipped to the period's start, as buckets() gives
    the day's records; None for a day outside the period. A note dated that day is marked on it."""
    if not period.start <= day <= period.end:
        return None
    if grain == "period":
        return period.start
    starts, _ = buckets(period, grain)
    return starts[(day - period.start).days]


def month_starts(period: Period) -> list[date]:
    """The first day of each month of the period's calendar that the period touches, in order."""
    first = period.calendar.month_number(period.start)
    count = period.calendar.month_number(period.end) - first + 1
    return [period.calendar.month_start(first + offset) for offset in range(count)]


def add_months(first_of_month: date, months: int, calendar: Calendar = GREGORIAN_CALENDAR) -> date:
    """The first day of the month `months` after (or before) the month of `first_of_month`."""
    return calendar.month_start(calendar.month_number(first_of_month) + months)


def _months(first: int, count: int, calendar: Calendar) -> Period:
    """Months `first` to `first + count - 1` (month numbers of the calendar) as a period."""
    return Period(calendar.month_start(first), calendar.month_start(first + count) - timedelta(days=1), calendar)


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)
