"""Reporting periods: date ranges with both ends inclusive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
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


def last_full_quarter(data_through: date) -> Period:
    """The latest calendar quarter that the data covers to its last day."""
    quarter = quarter_of(data_through)
    if quarter.end == data_through:
        return quarter
    return quarter_of(quarter.start - timedelta(days=1))


def trailing_months(end: date, months: int = 12) -> Period:
    """The `months` calendar months up to and including the month of `end`, ending on `end`."""
    year, month = end.year, end.month - (months - 1)
    while month <= 0:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), end)


def month_starts(period: Period) -> list[date]:
    """The first day of each calendar month the period touches, in order."""
    months, year, month = [], period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)
