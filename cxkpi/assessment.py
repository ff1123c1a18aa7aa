"""Can an executive act on this number? Its interval, whether its changes are real, its status band.

Which statistic applies is the KPI's `statistic` in metrics.toml; the thresholds are [settings].
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from cxkpi import stats
from cxkpi.registry import Kpi, Settings

if TYPE_CHECKING:
    from cxkpi.kpis import Measurement

ON_TARGET, NEAR_TARGET, OFF_TARGET, NO_DATA = "on target", "near target", "off target", "no data"
SAMPLE_COLUMN = {"median": "response_hours_sample"}


@dataclass(frozen=True)
class Assessment:
    interval: stats.Interval | None  # 95 %, in the KPI's unit
    band: str  # on target / near target / off target / no data
    uncertain_because: str | None  # set when the number is too uncertain to act on
    vs_previous: stats.ChangeTest | None
    vs_last_year: stats.ChangeTest | None
    months_off_target: int  # consecutive months, up to the period's last, whose value missed target

    @property
    def actionable(self) -> bool:
        return self.uncertain_because is None and self.band != NO_DATA


def assess(
    kpi: Kpi,
    current: Measurement,
    previous: Measurement,
    last_year: Measurement,
    monthly: pd.DataFrame,
    settings: Settings,
) -> Assessment:
    current_interval = interval(kpi, current)
    return Assessment(
        interval=current_interval,
        band=band(kpi, current.value),
        uncertain_because=uncertainty(kpi, current, current_interval, settings),
        vs_previous=change_test(kpi, current, previous),
        vs_last_year=change_test(kpi, current, last_year),
        months_off_target=months_off_target(kpi, monthly),
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
    """The test the reference prescribes for the KPI's kind; None when either side has no data."""
    if current.value is None or baseline.value is None:
        return None
    if kpi.statistic == "nps":
        return stats.nps_change_test(_nps_counts(current), _nps_counts(baseline))
    if kpi.statistic == "proportion":
        return stats.two_proportion_test((_successes(current), current.n), (_successes(baseline), baseline.n))
    if kpi.statistic == "median":
        column = SAMPLE_COLUMN["median"]
        return stats.mann_whitney_test(current.samples.get(column, []), baseline.samples.get(column, []))
    return None


def uncertainty(kpi: Kpi, measurement: Measurement, found: stats.Interval | None, settings: Settings) -> str | None:
    if measurement.value is None:
        return None
    if measurement.n < settings.min_sample:
        return f"n = {measurement.n} is below the minimum of {settings.min_sample}"
    if kpi.statistic in ("nps", "proportion") and found and found.half_width > settings.max_half_width:
        return f"its 95% interval is ±{found.half_width:.1f} points, wider than ±{settings.max_half_width:g}"
    return None


def band(kpi: Kpi, value: float | None) -> str:
    """On target, near it (within kpi.near on the wrong side) or off, respecting direction."""
    if value is None:
        return NO_DATA
    shortfall = kpi.target - value if kpi.direction == "higher" else value - kpi.target
    if shortfall <= 0:
        return ON_TARGET
    return NEAR_TARGET if shortfall <= kpi.near else OFF_TARGET


def months_off_target(kpi: Kpi, monthly: pd.DataFrame) -> int:
    """How many consecutive months, ending with the latest, missed the target."""
    count = 0
    for value in reversed(list(monthly["value"]) if not monthly.empty else []):
        if pd.isna(value) or band(kpi, float(value)) == ON_TARGET:
            break
        count += 1
    return count


def _nps_counts(measurement: Measurement) -> tuple[int, int, int]:
    details = measurement.details
    return int(details["detractors"]), int(details["passives"]), int(details["promoters"])


def _successes(measurement: Measurement) -> int:
    return stats.successes(measurement.value, measurement.n)


EWMA_WEIGHT = 0.3  # λ: NIST's usual range is 0.2-0.3


def control_chart(kpi: Kpi, trend: pd.DataFrame) -> pd.DataFrame:
    """The trend with, per bucket, its 95 % interval, the control limits and whether it signals.

    Shares use a p-chart (centre Σx/Σn, limits ± 3σ for each bucket's n); NPS and medians, which are
    means or mean-like, use an EWMA chart (λ = 0.3, centre = the mean of the buckets, σ from the
    average moving range, MR̄ / 1.128, which a sustained shift barely inflates, unlike the series'
    standard deviation), and a bucket signals when its EWMA leaves the limits. Columns added:
    interval_low, interval_high, centre, limit_low, limit_high, ewma, signal.
    """
    frame = trend.dropna(subset=["value"]).reset_index(drop=True).copy()
    frame["interval_low"], frame["interval_high"] = zip(
        *[_bounds(interval(kpi, _row_measurement(row))) for row in frame.to_dict("records")], strict=True
    ) if not frame.empty else ([], [])
    frame["centre"] = frame["limit_low"] = frame["limit_high"] = frame["ewma"] = float("nan")
    frame["signal"] = False
    if len(frame) < 2 or kpi.statistic == "none":
        return frame
    if kpi.statistic == "proportion":
        successes = [stats.successes(value, n) for value, n in zip(frame["value"], frame["n"], strict=True)]
        centre, limits = stats.p_chart_limits(successes, [int(n) for n in frame["n"]])
        frame["centre"] = centre
        frame["limit_low"] = [limit.low for limit in limits]
        frame["limit_high"] = [limit.high for limit in limits]
        frame["signal"] = (frame["value"] < frame["limit_low"]) | (frame["value"] > frame["limit_high"])
        return frame
    values = [float(value) for value in frame["value"]]
    centre = sum(values) / len(values)
    moving_ranges = [abs(later - earlier) for earlier, later in itertools.pairwise(values)]
    sigma = sum(moving_ranges) / len(moving_ranges) / 1.128  # d2 for ranges of two
    limits = stats.ewma_limits(centre, sigma, len(values), EWMA_WEIGHT)
    frame["centre"] = centre
    frame["ewma"] = stats.ewma(values, EWMA_WEIGHT, start=centre)
    frame["limit_low"] = [limit.low for limit in limits]
    frame["limit_high"] = [limit.high for limit in limits]
    frame["signal"] = (frame["ewma"] < frame["limit_low"]) | (frame["ewma"] > frame["limit_high"])
    return frame


def _bounds(found: stats.Interval | None) -> tuple[float, float]:
    return (found.low, found.high) if found else (float("nan"), float("nan"))


def _row_measurement(row: dict) -> Measurement:
    from cxkpi.kpis import measurement_of_row  # cxkpi.kpis imports this module

    return measurement_of_row(row)
