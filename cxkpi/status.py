"""Where a KPI stands, and how to read its change: decided here, once, for a whole period, a month of a
trend or a slice of a breakdown alike. The card, the KPI page's tables and charts, the breakdown CSV,
the slide and the PDF, the Owners page and `kpis --json` all show what these functions decide.

The five statuses:
- no data: nothing was measured (never 0);
- too uncertain: too few records stand behind the number, or its 95 % interval is too wide
  ([settings] min_sample and max_half_width in metrics.toml), so neither its status nor its change is
  judged; a slice of 2 records is too uncertain, never off target;
- on target, near target (missed by no more than the KPI's `near` margin), off target: the value
  against the target, respecting the KPI's direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

import pandas as pd

from cxkpi import assessment
from cxkpi.i18n import active
from cxkpi.registry import Kpi, Settings
from cxkpi.stats import ChangeTest

if TYPE_CHECKING:
    from cxkpi.kpis import Measurement


class Status(StrEnum):
    ON_TARGET = "on target"
    NEAR_TARGET = "near target"
    OFF_TARGET = "off target"
    TOO_UNCERTAIN = "too uncertain"
    NO_DATA = "no data"


# The overview's order: what needs attention first. No data last: there is nothing to read on it.
ATTENTION_ORDER = (Status.OFF_TARGET, Status.NEAR_TARGET, Status.TOO_UNCERTAIN, Status.ON_TARGET, Status.NO_DATA)
# The statuses an owner is expected to act on: off target, and near it (on the wrong side).
NEEDS_ACTION = (Status.OFF_TARGET, Status.NEAR_TARGET)


@dataclass(frozen=True)
class Standing:
    """A status and, when it is too uncertain, why."""

    status: Status
    reason: str | None = None  # 'n = 6 is below the minimum of 30'


class ChangeReading(StrEnum):
    """How a change reads. Only a change whose test says it is real (p < 0.05) is better or worse."""

    BETTER = "better"
    WORSE = "worse"
    NO_REAL_CHANGE = "no real change"
    TOO_UNCERTAIN = "too uncertain to judge"
    NOT_TESTED = "not tested"  # a KPI whose registry entry names no statistic
    NO_DATA = "no data to compare"


def decide(kpi: Kpi, measurement: Measurement, settings: Settings) -> Standing:
    """The status of one measurement of the KPI: a period, a bucket of a trend or a slice."""
    if measurement.value is None:
        return Standing(Status.NO_DATA)
    reason = uncertainty(kpi, measurement, settings)
    if reason is not None:
        return Standing(Status.TOO_UNCERTAIN, reason)
    return Standing(band(kpi, measurement.value))


def of_rows(kpi: Kpi, frame: pd.DataFrame, settings: Settings, days: Sequence[date] | None = None) -> list[Status]:
    """decide() for each row of a KPI query's result (a trend's buckets or a breakdown's slices); with
    `days` (cxkpi.kpis.judging_days), each row against the target in force on its day."""
    from cxkpi.kpis import measurement_of_row  # cxkpi.kpis imports this module

    judged = [kpi] * len(frame) if days is None else [kpi.as_of(day) for day in days]
    return [decide(each, measurement_of_row(row), settings).status
            for each, row in zip(judged, frame.to_dict("records"), strict=True)]


def uncertainty(kpi: Kpi, measurement: Measurement, settings: Settings) -> str | None:
    """Why the number is too uncertain to act on, or None when it is not."""
    if measurement.n < settings.min_sample:
        tr = active()
        return tr.gettext("n = {n} is below the minimum of {minimum}", n=tr.integer(measurement.n),
                          minimum=tr.integer(settings.min_sample))
    if kpi.statistic in ("nps", "proportion"):
        found = assessment.interval(kpi, measurement)
        if found is not None and found.half_width > settings.max_half_width:
            tr = active()
            return tr.gettext("its 95% interval is ±{half_width} points, wider than ±{limit}",
                              half_width=tr.number(found.half_width),
                              limit=tr.number(settings.max_half_width,
                                              0 if float(settings.max_half_width).is_integer() else 1))
    return None


def band(kpi: Kpi, value: float) -> Status:
    """On target, near it (within kpi.near on the wrong side) or off, respecting direction."""
    shortfall = kpi.target - value if kpi.direction == "higher" else value - kpi.target
    if shortfall <= 0:
        return Status.ON_TARGET
    return Status.NEAR_TARGET if shortfall <= kpi.near else Status.OFF_TARGET


def months_off_target(statuses: Iterable[Status | None]) -> int:
    """How many consecutive months, ending with the latest that is not pending, missed the target:
    each month's own status (decide) near or off target. `statuses` are monthly, oldest first, None
    for a month still pending (skipped at the end). A month on target, too uncertain (a few records
    cannot say it missed) or without data ends the run."""
    months = list(statuses)
    while months and months[-1] is None:
        months.pop()
    count = 0
    for found in reversed(months):
        if found not in (Status.NEAR_TARGET, Status.OFF_TARGET):
            break
        count += 1
    return count


def read_change(kpi: Kpi, standing: Standing, difference: float | None, test: ChangeTest | None) -> ChangeReading:
    """How a change of `difference` (value − the value compared with, in the KPI's unit) reads, with
    the test of that same change. A change that rounds to 0.0 is no real change whatever its p."""
    if difference is None:
        return ChangeReading.NO_DATA
    if standing.status == Status.TOO_UNCERTAIN:
        return ChangeReading.TOO_UNCERTAIN
    if test is None:
        return ChangeReading.NOT_TESTED
    if round(difference, 1) == 0 or not test.is_significant():
        return ChangeReading.NO_REAL_CHANGE
    return ChangeReading.BETTER if (difference > 0) == (kpi.direction == "higher") else ChangeReading.WORSE
