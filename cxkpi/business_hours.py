"""The working week a KPI can be counted in: `[business_hours]` in metrics.toml.

A KPI with `business_hours = true` (a complaint's wait in working hours, as Zendesk schedules count
it) gets the schedule bound into its SQL as parameters, and its SQL measures with the macro
working_seconds_before (queries/_macros.sql):

    [business_hours]
    days = ["mon", "tue", "wed", "thu", "fri"]   # the working days
    opens = "09:00"                              # the working day, on the warehouse's clock
    closes = "17:00"
    holidays = ["2026-01-01", "2026-12-25"]      # days off, ISO dates

One schedule for the company: its working week is one fact, and every business-hours KPI counts in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
EXAMPLE = ('[business_hours]\ndays = ["mon", "tue", "wed", "thu", "fri"]\nopens = "09:00"\ncloses = "17:00"\n'
           'holidays = ["2026-12-25"]')


@dataclass(frozen=True)
class Schedule:
    """Working weekdays (Monday = 0 ... Sunday = 6), the working day's bounds in seconds after
    midnight, and the holidays that fall on working days (the others change nothing)."""

    working_days: tuple[int, ...]
    opens_seconds: int
    closes_seconds: int
    holidays: tuple[date, ...] = ()

    def parameters(self) -> dict[str, object]:
        """What a business-hours KPI's SQL binds (names as queries/_macros.sql's working_seconds_before)."""
        return {
            "working_days": list(self.working_days),
            "opens_seconds": self.opens_seconds,
            "closes_seconds": self.closes_seconds,
            "holidays": list(self.holidays),
        }

    def describe(self) -> str:
        """'Mon-Fri 09:00-17:00, 2 holidays' for a KPI's definition."""
        days = [WEEKDAYS[day].capitalize() for day in self.working_days]
        contiguous = len(days) > 2 and list(self.working_days) == list(
            range(self.working_days[0], self.working_days[0] + len(days)))
        named = f"{days[0]}-{days[-1]}" if contiguous else ", ".join(days)
        hours = f"{_clock(self.opens_seconds)}-{_clock(self.closes_seconds)}"
        holidays = len(self.holidays)
        return f"{named} {hours}" + (f", {holidays} holiday{'s' if holidays != 1 else ''}" if holidays else "")


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def schedule_from(document: dict[str, Any]) -> tuple[Schedule | None, list[str]]:
    """The [business_hours] table of a registry document: (the schedule or None, the problems found)."""
    if "business_hours" not in document:
        return None, []
    found = document["business_hours"]
    fix = f"write it as\n{EXAMPLE}"
    if not isinstance(found, dict) or set(found) - {"days", "opens", "closes", "holidays"}:
        return None, [f"[business_hours] takes days, opens, closes and holidays; {fix}"]
    problems = []
    days = found.get("days")
    if not (isinstance(days, list) and days and all(isinstance(day, str) and day.lower() in WEEKDAYS for day in days)
            and len({day.lower() for day in days}) == len(days)):
        problems.append(f"[business_hours] days = {days!r}: list the working days once each, from "
                        f"{', '.join(WEEKDAYS)}")
        days = []
    bounds = []
    for name in ("opens", "closes"):
        value = found.get(name)
        match = CLOCK.match(value) if isinstance(value, str) else None
        if not match:
            problems.append(f'[business_hours] {name} = {value!r}: give a time of day as "HH:MM", e.g. "09:00"')
        bounds.append(int(match.group(1)) * 3600 + int(match.group(2)) * 60 if match else 0)
    if not problems and bounds[0] >= bounds[1]:
        problems.append(f"[business_hours] opens at {found['opens']} and closes at {found['closes']}: the working "
                        "day must close after it opens (a night shift across midnight is not supported)")
    holidays = []
    for value in found.get("holidays", []) if isinstance(found.get("holidays", []), list) else [None]:
        try:
            holidays.append(value if isinstance(value, date) else date.fromisoformat(value))
        except (TypeError, ValueError):
            problems.append(f"[business_hours] holidays: {value!r} is not a date; write ISO dates, e.g. "
                            '"2026-12-25"')
    if problems:
        return None, problems
    working_days = tuple(sorted(WEEKDAYS.index(day.lower()) for day in days))
    on_working_days = tuple(sorted({day for day in holidays if day.weekday() in working_days}))
    return Schedule(working_days, bounds[0], bounds[1], on_working_days), []
