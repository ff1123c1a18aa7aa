"""Can an executive act on this number? Its interval, whether its changes are real, and whether a trend's
buckets are outside their control limits. Where the KPI stands (its status) is cxkpi.status.

Which statistic applies is the KPI's `statistic` in metrics.toml.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pandas as pd

from cxkpi import stats
from cxkpi.periods import Period, add_months, month_of
from cxkpi.registry import Kpi

if TYPE_CHECKING:
    from cxkpi.kpis import Measurement

SAMPLE_COLUMN = {"median": "response_hours_sample"}
# A trend's control limits come from at least this many buckets before the period shown, when the
# data has them: the few buckets on screen (3 months by default) are too few to say what is usual.
BASELINE_BUCKETS = 12


@dataclass(frozen=True)
class Assessment:
    interval: stats.Interval | None  # 95 %, in the KPI's unit
    vs_previous: stats.ChangeTest | None  # the test of value − previous value; None without data on a side
    vs_last_year: stats.ChangeTest | None


def assess(kpi: Kpi, current: Measurement, previous: Measurement, last_year: Measurement) -> Assessment:
    return Assessment(
        interval=interval(kpi, current),
        vs_previous=change_test(kpi, current, previous),
        vs_last_year=change_test(kpi, current, last_year),
    )


def interval(kpi: Kpi, measurement: Measurement) -> stats.Interval | None:
    if measurement.value is None:
        return None
    if kpi.statistic == "nps":
        return stats.nps_interval(*_nps_counts(measurement))
    if kpi.statistic == "proportion":
        return stats.wilson_interval(_successes(measurement), measurement.n)
    if kpi.statistic == "median":
        return stats.median_interval(measurement.samples.get(SAMPLE_COLUMN["median"], []))
    return None


def change_test(kpi: Kpi, current: Measurement, baseline: Measurement) -> stats.ChangeTest | None:
    """The test of current − baseline that the reference prescribes for the KPI's kind; None when
    either side has no data, or the KPI names no statistic."""
    if current.value is None or baseline.value is None:
        return None
    if kpi.statistic == "nps":
        return stats.nps_change_test(_nps_counts(current), _nps_counts(baseline))
    if kpi.statistic == "proportion":
        return stats.two_proportion_test((_successes(current), current.n), (_successes(baseline), baseline.n))
    if kpi.statistic == "median":
        column = SAMPLE_COLUMN["median"]
        return stats.mann_whitney_test(current.samples.get(column, []), baseline.samples.get(column, []))
    if kpi.statistic == "rate":
        return stats.rate_change_test((_events(kpi, current), current.n), (_events(kpi, baseline), baseline.n),
                                      kpi.rate_per)
    if kpi.statistic == "difference":
        now, before = _group_counts(kpi, current), _group_counts(kpi, baseline)
        if now is None or before is None:
            return None
        return stats.difference_change_test(now, before)
    return None


def _nps_counts(measurement: Measurement) -> tuple[int, int, int]:
    details = measurement.details
    return int(details["detractors"]), int(details["passives"]), int(details["promoters"])


def _successes(measurement: Measurement) -> int:
    return stats.successes(measurement.value, measurement.n)


def _events(kpi: Kpi, measurement: Measurement) -> int:
    """The count behind a rate: value = rate_per × events / n, so it is exact."""
    return round(measurement.value * measurement.n / kpi.rate_per)


def _group_counts(kpi: Kpi, measurement: Measurement) -> tuple[int, int, int, int] | None:
    """(successes, n) of each of the two groups whose shares' difference the KPI is, from the columns
    the registry names (difference_of); None when a group is empty."""
    counts = []
    for share_column, n_column in kpi.difference_of:
        share, n = measurement.details.get(share_column), measurement.details.get(n_column)
        if share is None or not n:
            return None
        counts += [stats.successes(float(share), int(n)), int(n)]
    return counts[0], counts[1], counts[2], counts[3]


EWMA_WEIGHT = 0.3  # λ: NIST's usual range is 0.2-0.3


@dataclass(frozen=True)
class ControlChart:
    """A trend with, per bucket, its 95 % interval, the control limits and whether it signals."""

    frame: pd.DataFrame  # the trend's rows + interval_low, interval_high, centre, limit_low, limit_high, ewma, signal
    baseline_buckets: int  # how many buckets before the period the limits come from; 0: from the trend itself

    @property
    def signals(self) -> list[pd.Timestamp]:
        return list(self.frame.loc[self.frame["signal"], "bucket_start"])


def baseline_period(period: Period, grain: str, buckets: int = BASELINE_BUCKETS) -> Period:
    """The `buckets` months or weeks (of the period's calendar) just before the period: what a trend's
    control limits come from."""
    end = period.start - timedelta(days=1)
    if grain == "week":
        return Period(period.start - timedelta(weeks=buckets), end, period.calendar)
    first = month_of(period.start, period.calendar).start
    return Period(add_months(first, -buckets, period.calendar), end, period.calendar)


def control_chart(kpi: Kpi, trend: pd.DataFrame, baseline: pd.DataFrame | None = None) -> ControlChart:
    """The trend's buckets judged against what was usual before them.

    The centre and spread come from `baseline`, the buckets before the period shown (at least 12 when
    the data has them, baseline_period), so the verdict does not depend on how many buckets are on
    screen. With fewer than 2 baseline buckets (no earlier history), from the trend itself.
    Shares use a p-chart (centre Σx/Σn, limits ± 3σ for each bucket's n), rates a u-chart (centre
    Σevents/Σn, limits ± 3·√(centre/n)); NPS, medians and differences, which are means or mean-like,
    use an EWMA chart (λ = 0.3, started at the centre = the mean of the baseline, σ from the average
    moving range, MR̄ / 1.128, which a sustained shift barely inflates, unlike the series' standard
    deviation), and a bucket signals when its EWMA leaves the limits. Buckets without a value are
    dropped.
    """
    frame = _valued(trend)
    frame["interval_low"], frame["interval_high"] = zip(
        *[_bounds(interval(kpi, _row_measurement(row))) for row in frame.to_dict("records")], strict=True
    ) if not frame.empty else ([], [])
    frame["centre"] = frame["limit_low"] = frame["limit_high"] = frame["ewma"] = float("nan")
    frame["signal"] = False
    history = _valued(baseline) if baseline is not None else frame.iloc[:0]
    baseline_buckets = len(history) if len(history) >= 2 else 0
    reference = history if baseline_buckets else frame
    if frame.empty or len(reference) < 2 or kpi.statistic == "none":
        return ControlChart(frame, baseline_buckets)
    sizes = [int(n) for n in frame["n"]]
    if kpi.statistic in ("proportion", "rate"):
        history = [_row_measurement(row) for row in reference.to_dict("records")]
        history_sizes = [found.n for found in history]
        if kpi.statistic == "proportion":
            successes = [_successes(found) for found in history]
            centre, limits = stats.p_chart_limits(successes, history_sizes, limit_sizes=sizes)
        else:
            events = [_events(kpi, found) for found in history]
            centre, limits = stats.u_chart_limits(events, history_sizes, sizes, kpi.rate_per)
        frame["centre"] = centre
        frame["limit_low"] = [limit.low for limit in limits]
        frame["limit_high"] = [limit.high for limit in limits]
        frame["signal"] = (frame["value"] < frame["limit_low"]) | (frame["value"] > frame["limit_high"])
        return ControlChart(frame, baseline_buckets)
    known = [float(value) for value in reference["value"]]
    centre = sum(known) / len(known)
    moving_ranges = [abs(later - earlier) for earlier, later in itertools.pairwise(known)]
    sigma = sum(moving_ranges) / len(moving_ranges) / 1.128  # d2 for ranges of two
    limits = stats.ewma_limits(centre, sigma, len(frame), EWMA_WEIGHT)
    frame["centre"] = centre
    frame["ewma"] = stats.ewma([float(value) for value in frame["value"]], EWMA_WEIGHT, start=centre)
    frame["limit_low"] = [limit.low for limit in limits]
    frame["limit_high"] = [limit.high for limit in limits]
    frame["signal"] = (frame["ewma"] < frame["limit_low"]) | (frame["ewma"] > frame["limit_high"])
    return ControlChart(frame, baseline_buckets)


def _valued(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(subset=["value"]).reset_index(drop=True).copy()


def _bounds(found: stats.Interval | None) -> tuple[float, float]:
    return (found.low, found.high) if found else (float("nan"), float("nan"))


def _row_measurement(row: dict) -> Measurement:
    from cxkpi.kpis import measurement_of_row  # cxkpi.kpis imports this module

    return measurement_of_row(row)
