"""Reporting periods: date ranges with both ends inclusive, what each is compared with, the quick ranges
people pick, and the latest period a slow KPI has matured for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

# The quick ranges of the sidebar, relative to the latest data (quick_range); "custom" is any other.
QUICK_RANGES = ("last_month", "last_quarter", "year_to_date", "last_12_months")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive: an event at 23:00 on this day counts

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> int | None:
        """How many whole calendar months the period is (1 for August, 3 for a quarter, 12 for a year or
        the last 12 months), or None when it does not run from a month's first day to a month's last."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """What a change is measured against. A period of whole calendar months is compared with as many
        whole months just before it: September with August, Q3 with Q2, 2026 with 2025 (people expect
        the previous month, quarter or year, whatever their lengths in days). Any other period is
        compared with the period of equal length that ends the day before it starts."""
        months = self.whole_months
        if months is not None:
            return Period(add_months(self.start, -months), self.start - timedelta(days=1))
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def a_year_earlier(self) -> Period:
        """The same dates one year before (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    next_start = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return Period(start, next_start - timedelta(days=1))


def month_of(day: date) -> Period:
    return Period(day.replace(day=1), add_months(day.replace(day=1), 1) - timedelta(days=1))


def is_calendar_quarter(period: Period) -> bool:
    return quarter_of(period.start) == period


def is_calendar_year(period: Period) -> bool:
    return (period.start, period.end) == (date(period.start.year, 1, 1), date(period.start.year, 12, 31))


def last_full_quarter(data_through: date) -> Period:
    """The latest calendar quarter that the data covers to its last day."""
    quarter = quarter_of(data_through)
    if quarter.end == data_through:
        return quarter
    return quarter_of(quarter.start - timedelta(days=1))


def last_full_month(data_through: date) -> Period:
    """The latest calendar month that the data covers to its last day."""
    month = month_of(data_through)
    return month if month.end == data_through else month_of(month.start - timedelta(days=1))


def quick_range(name: str, data_through: date) -> Period:
    """One of QUICK_RANGES for data that runs to `data_through`: the last full month or quarter, the
    year to date (1 January to the latest data), or the 12 full months up to the last full month."""
    if name == "last_month":
        return last_full_month(data_through)
    if name == "last_quarter":
        return last_full_quarter(data_through)
    if name == "year_to_date":
        return Period(date(data_through.year, 1, 1), data_through)
    if name == "last_12_months":
        last = last_full_month(data_through)
        return Period(add_months(last.start, -11), last.end)
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
        start = add_months(start, -step)
        end = add_months(start, months) - timedelta(days=1)
        if has_matured(end, days, horizon):
            return replace(period, start=start, end=end)


def trailing_months(end: date, months: int = 12) -> Period:
    """The `months` calendar months up to and including the month of `end`, ending on `end`."""
    return Period(add_months(end.replace(day=1), -(months - 1)), end)


def month_starts(period: Period) -> list[date]:
    """The first day of each calendar month the period touches, in order."""
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = add_months(month, 1)
    return months


def add_months(first_of_month: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `first_of_month`."""
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)
