"""Calendars: the month a day belongs to in the Gregorian or the Solar Hijri (Jalali, Persian) calendar,
and the day a week starts on.

Every period rule (cxkpi.periods) counts in calendar months. A month is numbered in its calendar as
year * 12 + month - 1; a quarter is three months from the year's month 1, 4, 7 or 10 (Q1 = Farvardin
to Khordad in the Jalali calendar), a year twelve. This module turns a Gregorian date into that number
and back; everything else is arithmetic on it. Dates stay Gregorian everywhere else (the warehouse,
the URL): a calendar changes which days are grouped and how a group is named, never a date.

jdatetime does the Jalali arithmetic; tests/test_calendars.py checks it day by day from 1990 to 2100
against ICU's Persian calendar (DuckDB with SET Calendar='persian'), an independent implementation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

import jdatetime

from cxkpi.i18n import N_, active, gettext

GREGORIAN, PERSIAN = "gregorian", "persian"
CALENDARS = (GREGORIAN, PERSIAN)
# The calendars by name, for the switcher and the CLI (English here; the catalog translates them).
CALENDAR_NAMES = {GREGORIAN: N_("Gregorian"), PERSIAN: N_("Solar Hijri")}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday() order
# English month names; a translation looks them up by the month's number (1-12) in its calendar.
MONTH_NAMES = {
    GREGORIAN: ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    PERSIAN: ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
              "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"),
}
# Languages whose people use the Solar Hijri calendar and start the week on Saturday (Iran, Afghanistan).
PERSIAN_LANGUAGES = ("fa",)


@dataclass(frozen=True)
class Calendar:
    """How a company counts its time: the calendar its months follow and the day its weeks start on."""

    system: str = GREGORIAN  # one of CALENDARS
    week_start: int = 0  # the first day of the week as date.weekday() numbers it: 0 Monday ... 5 Saturday, 6 Sunday

    def __post_init__(self) -> None:
        if self.system not in CALENDARS:
            raise ValueError(f"unknown calendar {self.system!r}; use one of {', '.join(CALENDARS)}")
        if self.week_start not in range(7):
            raise ValueError(f"week_start is a weekday number 0 (Monday) to 6 (Sunday), not {self.week_start!r}")

    def month_number(self, day: date) -> int:
        """The month `day` falls in, counted from year 0 of the calendar: year * 12 + month - 1."""
        if self.system == PERSIAN:
            jalali = jdatetime.date.fromgregorian(date=day)
            return jalali.year * 12 + jalali.month - 1
        return day.year * 12 + day.month - 1

    def date_parts(self, day: date) -> tuple[int, int, int]:
        """(year, month 1-12, day of the month) of `day` in this calendar: (1405, 1, 1) for 21 March 2026."""
        if self.system == PERSIAN:
            jalali = jdatetime.date.fromgregorian(date=day)
            return jalali.year, jalali.month, jalali.day
        return day.year, day.month, day.day

    def month_start(self, number: int) -> date:
        """The Gregorian date of the first day of month `number` (see month_number)."""
        year, month = divmod(number, 12)
        if self.system == PERSIAN:
            return jdatetime.date(year, month + 1, 1).togregorian()
        return date(year, month + 1, 1)

    def week_start_of(self, day: date) -> date:
        """The first day of the week `day` falls in."""
        return date.fromordinal(day.toordinal() - (day.weekday() - self.week_start) % 7)

    def month_name(self, month: int) -> str:
        """The English name of month 1-12 of this calendar ('Aug', 'Farvardin')."""
        return MONTH_NAMES[self.system][month - 1]


GREGORIAN_CALENDAR = Calendar()


def calendar_for(calendar: str | None, week_start: str | None, language: str | None) -> Calendar:
    """The calendar a person sees: the `calendar` and `week_start` settings where they are set (None =
    not set), else what their language's people use: the Solar Hijri calendar and Saturday for Persian
    (fa), the Gregorian calendar and Monday otherwise. A Persian calendar chosen for another language
    starts its weeks on Saturday too, as in Iran. Values are those registry.Settings has checked."""
    persian_language = (language or "").split("-")[0].lower() in PERSIAN_LANGUAGES
    system = calendar or (PERSIAN if persian_language else GREGORIAN)
    first = week_start or ("saturday" if persian_language or system == PERSIAN else "monday")
    return Calendar(system, WEEKDAYS.index(first))


# The calendar the reader's dates are written in (a note's day, an action's due date, "data through"):
# bound per person like the translator (cxkpi.i18n), never per process. The app binds the view's calendar
# at the start of each script run; the digest binds each recipient's. Unbound, dates are Gregorian.
_READER: ContextVar[Calendar | None] = ContextVar("cxkpi_reader_calendar", default=None)


def reader() -> Calendar:
    """The calendar bound to the running context (use()), the Gregorian one when none is."""
    return _READER.get() or GREGORIAN_CALENDAR


def activate(calendar: Calendar) -> None:
    """Bind a calendar to the rest of this context: the app calls it at the start of each script run."""
    _READER.set(calendar)


@contextlib.contextmanager
def use(calendar: Calendar) -> Iterator[Calendar]:
    """Write dates in this calendar within the block: `with calendars.use(Calendar(PERSIAN)): ...`."""
    token = _READER.set(calendar)
    try:
        yield calendar
    finally:
        _READER.reset(token)


def day(moment: date | datetime | None, calendar: Calendar | None = None) -> str:
    """'1 Jul 2026', '۱ ژوئیه ۲۰۲۶', '1 июл. 2026', or in the Solar Hijri calendar '1 Farvardin 1405'.
    Without a calendar, in the reader's (reader(): the view's in the app, the recipient's in the digest):
    a note's day, an action's due date, "data through"."""
    if moment is None:
        return gettext("unknown")
    calendar = calendar or reader()
    if calendar.system == GREGORIAN:
        return active().day(moment)
    year, number, day_of_month = calendar.date_parts(moment if type(moment) is date else moment.date())
    return active().digits(f"{day_of_month} {gettext(calendar.month_name(number))} {year}")
