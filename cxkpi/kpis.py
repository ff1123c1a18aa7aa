"""Compute KPIs by running queries/<id>.sql with bound parameters.

The SQL defines every number; this module only binds parameters, picks rows and compares periods.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from cxkpi import assessment, kpi_sql, status, warehouse
from cxkpi.assessment import Assessment
from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar
from cxkpi.periods import (
    Period,
    buckets,
    has_matured,
    last_full_quarter,
    matured,
    month_of,
    month_starts,
    trailing_months,
)
from cxkpi.registry import Kpi, Settings, load_registry
from cxkpi.stats import ChangeTest
from cxkpi.status import ChangeReading, Standing, Status, months_off_target, read_change

Grain = Literal["period", "week", "month"]
# "none", or a dimension of the KPI's fact table: region, segment, channel, and category for complaints.
Breakdown = str
FILTER_DIMENSIONS = ("region", "segment", "channel")
# Columns every KPI query returns; anything more is KPI-specific detail (e.g. p90_hours).
STANDARD_COLUMNS = ("bucket_start", "slice", "value", "n")
DEFAULT_SETTINGS = Settings()
# The view rule's parameters (queries/_view.sql): each run of run_kpi_views binds its own.
VIEW_PARAMETERS = ("period_start", "period_end", "grain", "bucket_starts", "bucket_ends", "breakdown", "regions",
                   "segments", "channels", "within_value", "within", "samples")
PER_RUN_PARAMETER = re.compile(r"\$(" + "|".join(VIEW_PARAMETERS) + r")\b")
# Measured on 2 cores: 2 workers took the 9-KPI overview from 0.45 s to 0.28 s on the sample data.
OVERVIEW_WORKERS = 2


@dataclass(frozen=True)
class Filters:
    """Empty tuple = no filter. Region and segment filter through the record's customer."""

    region: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"{name}: {', '.join(values)}" for name, values in self.as_dict().items() if values]
        return "; ".join(parts) or "all customers and channels"

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in FILTER_DIMENSIONS}

    def parameters(self) -> dict[str, list[str]]:
        """As the queries' bound parameters: $regions, $segments, $channels."""
        return {"regions": list(self.region), "segments": list(self.segment), "channels": list(self.channel)}


@dataclass(frozen=True)
class Measurement:
    value: float | None  # None when n = 0: no data is not zero
    n: int
    details: dict[str, Any] = field(default_factory=dict)
    # List-valued columns (e.g. response_hours_sample): the distribution behind a median.
    samples: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class KpiReport:
    """Everything an overview card shows for one KPI."""

    kpi: Kpi
    period: Period  # what the numbers are for: the period asked for, or the latest matured one (moved_from)
    current: Measurement
    previous: Measurement  # over period.previous()
    standing: Standing  # its status (cxkpi.status), the one every surface shows
    # Monthly bucket_start, value, n, status (cxkpi.status, each month's own) over the trailing 12 months
    # up to the end of the period asked for (monthly() leaves out the months still maturing).
    sparkline: pd.DataFrame
    data_through: datetime | None
    last_loaded_at: datetime | None
    # The statistics: None when the overview was computed without them (the bench compares both).
    assessment: Assessment | None = None
    last_year: Measurement | None = None  # over period.a_year_earlier(), with the statistics
    # The period asked for, when the KPI has not matured for it yet (cxkpi.periods.matured).
    moved_from: Period | None = None
    # For a KPI with maturity_days: the day of the latest record of its maturity_table.
    maturity_horizon: date | None = None

    @property
    def status(self) -> Status:
        return self.standing.status

    @property
    def change(self) -> float | None:
        """value − previous value: the one change every surface shows."""
        return _difference(self.current, self.previous)

    @property
    def vs_previous(self) -> ChangeTest | None:
        """The test of `change`; None without the statistics or without data on a side."""
        return None if self.assessment is None else self.assessment.vs_previous

    @property
    def change_reading(self) -> ChangeReading:
        return read_change(self.kpi, self.standing, self.change, self.vs_previous)

    @property
    def last_year_change(self) -> float | None:
        return None if self.last_year is None else _difference(self.current, self.last_year)

    @property
    def vs_last_year(self) -> ChangeTest | None:
        return None if self.assessment is None else self.assessment.vs_last_year

    @property
    def last_year_reading(self) -> ChangeReading:
        return read_change(self.kpi, self.standing, self.last_year_change, self.vs_last_year)

    @property
    def months_off_target(self) -> int:
        """Consecutive months, up to the latest matured one, whose own status is near or off target."""
        statuses = {pd.Timestamp(stamp).date(): Status(found)
                    for stamp, found in zip(self.sparkline["bucket_start"], self.sparkline["status"], strict=True)}
        pending = set(self.pending_months())
        return months_off_target(None if month in pending else statuses.get(month, Status.NO_DATA)
                                 for month in self._sparkline_months())

    def monthly(self) -> list[tuple[date, float | None]]:
        """The sparkline as the trailing 12 months, oldest first: (the month's first day, its value),
        None where a month has no data or is pending, so that every drawing of it keeps a gap a gap."""
        values = {
            pd.Timestamp(stamp).date(): None if pd.isna(value) else float(value)
            for stamp, value in zip(self.sparkline["bucket_start"], self.sparkline["value"], strict=True)
        }
        pending = set(self.pending_months())
        return [(month, None if month in pending else values.get(month))
                for month in self._sparkline_months()]

    def pending_months(self) -> list[date]:
        """The months of the sparkline whose records have not all had the KPI's maturity_days yet."""
        end = (self.moved_from or self.period).end
        return [month for month in self._sparkline_months()
                if is_pending(self.kpi, min(month_of(month, self.period.calendar).end, end), self.maturity_horizon)]

    def _sparkline_months(self) -> list[date]:
        shown = self.moved_from or self.period
        return month_starts(trailing_months(shown.end, calendar=shown.calendar))


def is_pending(kpi: Kpi, last_day: date, horizon: date | None) -> bool:
    """Whether records up to `last_day` have not all had the KPI's maturity_days by the horizon (the
    day of the latest record of its maturity_table)."""
    return bool(kpi.maturity_days) and horizon is not None and not has_matured(last_day, kpi.maturity_days, horizon)


def pending_buckets(kpi: Kpi, frame: pd.DataFrame, grain: Grain, period: Period, horizon: date | None) -> list[bool]:
    """For each row of a trend (bucket_start at `grain`, clipped to `period`): is its bucket pending?"""
    if not kpi.maturity_days or frame.empty:
        return [False] * len(frame)
    return [is_pending(kpi, min(_bucket_end(pd.Timestamp(stamp).date(), grain, period.calendar), period.end), horizon)
            for stamp in frame["bucket_start"]]


def judging_days(frame: pd.DataFrame, grain: Grain, period: Period) -> list[date]:
    """For each row of a KPI query over `period` at `grain`: the day whose target it is judged by, its
    bucket's last day within the period (the period's last day for a whole period or a breakdown)."""
    if grain == "period":
        return [period.end] * len(frame)
    return [min(_bucket_end(pd.Timestamp(stamp).date(), grain, period.calendar), period.end)
            for stamp in frame["bucket_start"]]


def _bucket_end(start: date, grain: Grain, calendar: Calendar) -> date:
    """The last day of the calendar's week or month that starts (or, clipped to a period, contains) `start`."""
    if grain == "week":
        return calendar.week_start_of(start) + timedelta(days=6)
    return month_of(start, calendar).end


def maturity_horizon(kpi: Kpi, fresh: pd.DataFrame) -> date | None:
    """The day of the latest record in the KPI's maturity_table; None for a KPI that needs no time."""
    if not kpi.maturity_days:
        return None
    latest = fresh.set_index("table_name").loc[kpi.maturity_table, "data_through"]
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


def _difference(current: Measurement, baseline: Measurement) -> float | None:
    if current.value is None or baseline.value is None:
        return None
    return current.value - baseline.value


def query_text(name: str) -> str:
    return warehouse.sql_text(f"{name}.sql")


def kpi_named(kpi: Kpi | str) -> Kpi:
    """A KPI given by id is the shipped registry's (metrics.toml): scripts and tests may name one."""
    if isinstance(kpi, Kpi):
        return kpi
    return _shipped_kpis()[kpi]


@cache
def _shipped_kpis() -> dict[str, Kpi]:
    return {kpi.id: kpi for kpi in load_registry()}


@dataclass(frozen=True)
class Within:
    """One slice of a dimension to keep, e.g. Within("channel", "web"); "(unknown)" keeps the records
    without a value. A drill-down is the KPI within a slice, broken down by another dimension."""

    dimension: str = "none"
    value: str = ""


EVERYTHING = Within()


def view_parameters(
    kpi: Kpi,
    filters: Filters,
    breakdown: Breakdown,
    settings: tuple[tuple[str, float], ...] | None,
    within: Within = EVERYTHING,
    samples: bool = True,
) -> dict[str, object]:
    """The parameters every run of a KPI binds, besides its period and grain: its own settings
    (Kpi.parameters unless given), the filters, the breakdown and the slice it is kept within, the
    last two checked against the dimensions of the table it reads; and, for a KPI whose SQL can return
    the distribution behind a median ($samples), whether to; for a KPI counted in business hours, the
    working week (cxkpi.business_hours)."""
    for name, dimension in (("broken down", breakdown), ("kept within a slice of", within.dimension)):
        if dimension != "none" and dimension not in kpi_sql.dimensions(kpi.reads):
            raise ValueError(
                f"{kpi.id} cannot be {name} {dimension!r}; it reads {kpi.reads}, whose dimensions are "
                + ", ".join(kpi_sql.dimensions(kpi.reads))
            )
    return {
        **dict(kpi.parameters if settings is None else settings),
        **filters.parameters(),
        "breakdown": breakdown,
        "within": within.dimension,
        "within_value": within.value,
        **({"samples": samples} if "$samples" in kpi_sql.kpi_query(kpi.id, kpi.reads, kpi.query_path) else {}),
        **(kpi.schedule.parameters() if kpi.schedule else {}),
    }


def period_parameters(period: Period, grain: Grain) -> dict[str, object]:
    """The view rule's period and grain, and for a trend each day's bucket in the period's calendar
    (cxkpi.periods.buckets), so the rule buckets by the calendar without knowing it."""
    starts, ends = ([], []) if grain == "period" else buckets(period, grain)
    return {
        "period_start": period.start,
        "period_end": period.end,
        "grain": grain,
        "bucket_starts": starts,
        "bucket_ends": ends,
    }


def run_kpi_query(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi | str,
    period: Period,
    filters: Filters = Filters(),
    grain: Grain = "period",
    breakdown: Breakdown = "none",
    settings: tuple[tuple[str, float], ...] | None = None,
    within: Within = EVERYTHING,
) -> pd.DataFrame:
    """One row per (bucket_start, slice) that has data; columns bucket_start, slice, value, n, ...

    The KPI's SQL (queries/<id>.sql) behind the view rule (queries/_view.sql), as cxkpi.kpi_sql puts
    them together. settings: the KPI's own parameters bound by name; default: the registry's
    (Kpi.parameters).
    """
    kpi = kpi_named(kpi)
    parameters = {**view_parameters(kpi, filters, breakdown, settings, within), **period_parameters(period, grain)}
    return connection.execute(kpi_sql.kpi_query(kpi.id, kpi.reads, kpi.query_path), parameters).df()


@dataclass(frozen=True)
class View:
    """One run of a KPI: its period and grain, the filters, the breakdown, the slice it is kept within."""

    period: Period
    grain: Grain = "period"
    filters: Filters = Filters()
    breakdown: Breakdown = "none"
    within: Within = EVERYTHING
    # With the raw distribution behind a median (e.g. response_hours_sample): the statistics of a
    # period need it; a card's sparkline does not, and at 10M rows it is the bulk of what is sent.
    samples: bool = True


def run_kpi_views(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi | str,
    views: Sequence[View],
    settings: tuple[tuple[str, float], ...] | None = None,
) -> list[pd.DataFrame]:
    """run_kpi_query for several views in one statement: one frame per view, in order.

    A card needs its KPI for four periods. Most of a small query's time is the engine parsing,
    binding and planning it (DuckDB's; Spark's far more), so the views are sent as one UNION ALL of
    the same SQL, each copy with its own names for the view's parameters ($period_start_1, ...):
    still bound, never formatted in. On the sample data this cut a card's queries by a third.
    """
    kpi = kpi_named(kpi)
    parameters: dict[str, object] = {}
    parts = []
    for index, view in enumerate(views):
        own = {
            **view_parameters(kpi, view.filters, view.breakdown, settings, view.within, view.samples),
            **period_parameters(view.period, view.grain),
        }
        parameters.update(
            {name if name not in VIEW_PARAMETERS else f"{name}_{index}": value for name, value in own.items()}
        )
        numbered = _numbered_query(kpi.id, kpi.reads, index, kpi.query_path)
        parts.append(f"select {index} as run, * from ({numbered}) as run_{index}")
    # Sorted as each query sorts itself (a union keeps no order), and by run, so that each run's rows
    # are one slice of the frame: splitting by a mask and sorting each part in pandas cost 50 ms per
    # overview (9 KPIs), slicing costs 6.
    query = " union all ".join(parts) + " order by run, bucket_start, slice"
    frame = connection.execute(query, parameters).df()
    bounds = frame["run"].searchsorted(range(len(views) + 1))
    frame = frame.drop(columns="run")
    return [frame.iloc[start:end].reset_index(drop=True) for start, end in pairwise(bounds)]


def run_kpi_queries(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi | str,
    runs: Sequence[tuple[Period, Grain]],
    filters: Filters = Filters(),
    settings: tuple[tuple[str, float], ...] | None = None,
) -> list[pd.DataFrame]:
    """run_kpi_views for several (period, grain) pairs under the same filters: a card's runs."""
    return run_kpi_views(connection, kpi, [View(period, grain, filters) for period, grain in runs], settings)


@cache
def _numbered_query(kpi_id: str, facts: str, index: int, measure_file: Path | None = None) -> str:
    """The KPI's SQL with the view's parameters renamed for run `index` ($period_start_1, ...)."""
    return PER_RUN_PARAMETER.sub(lambda match: f"{match.group(0)}_{index}",
                                 kpi_sql.kpi_query(kpi_id, facts, measure_file))


def measure(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi | str,
    period: Period,
    filters: Filters = Filters(),
    settings: tuple[tuple[str, float], ...] | None = None,
) -> Measurement:
    return measurement(run_kpi_query(connection, kpi, period, filters, settings=settings))


def measurement(frame: pd.DataFrame) -> Measurement:
    """The one row of a KPI query run with grain 'period' and no breakdown."""
    if frame.empty:
        return Measurement(value=None, n=0)
    return measurement_of_row(frame.iloc[0].to_dict())


def measurement_of_row(row: dict[str, Any]) -> Measurement:
    """One row of a KPI query (a period, a bucket or a slice) as a Measurement."""
    extra = {name: value for name, value in row.items() if name not in STANDARD_COLUMNS}
    samples = {name: list(value) for name, value in extra.items() if _is_list(value)}
    details = {name: _plain(value) for name, value in extra.items() if name not in samples}
    return Measurement(value=_plain(row["value"]), n=int(row["n"]), details=details, samples=samples)


def sample_columns(frame: pd.DataFrame) -> list[str]:
    """The list-valued columns of a KPI frame (e.g. response_hours_sample): the distribution behind a
    median, for the statistics, never a number to show."""
    return [name for name in frame.columns if name.endswith("_sample")]


def without_samples(report: KpiReport) -> KpiReport:
    """The report without the raw distributions behind its medians (Measurement.samples and the
    sparkline's sample columns): what a card shows once the statistics are computed."""
    sparkline = report.sparkline.drop(columns=sample_columns(report.sparkline))
    return replace(
        report,
        current=replace(report.current, samples={}),
        previous=replace(report.previous, samples={}),
        last_year=None if report.last_year is None else replace(report.last_year, samples={}),
        sparkline=sparkline,
    )


def freshness(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return connection.execute(query_text("data_freshness")).df()


def latest_day(connection: duckdb.DuckDBPyConnection) -> date | None:
    """The last day of the data's real body (data_body.sql: a stray record after a long gap does not
    count), or None for an empty warehouse: the default period and the quick ranges end there."""
    latest = connection.execute(query_text("data_body")).df()["body_through"].max()
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


def default_period(
    connection: duckdb.DuckDBPyConnection, latest: date | None = None, calendar: Calendar = GREGORIAN_CALENDAR
) -> Period | None:
    """The last full quarter of the calendar in the data's real body, or None for an empty warehouse;
    `latest` when latest_day() was already asked."""
    latest = latest or latest_day(connection)
    return None if latest is None else last_full_quarter(latest, calendar)


def report(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi,
    period: Period,
    filters: Filters = Filters(),
    fresh: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> KpiReport:
    """The card's numbers and status; with settings, also the statistics (intervals, change tests).
    Without settings (the bench's plain overview) the status uses the default Settings.

    A KPI that needs time to mature (its registry `maturity`) is reported for the latest period of the
    same kind that has matured when the period asked for has not (KpiReport.moved_from says so)."""
    fresh = freshness(connection) if fresh is None else fresh
    used = settings or DEFAULT_SETTINGS
    horizon = maturity_horizon(kpi, fresh)
    shown = period if horizon is None else matured(period, kpi.maturity_days, horizon)
    kpi = kpi.as_of(shown.end)  # judged by the target in force then (cxkpi.registry.Kpi.target_history)
    trailing = trailing_months(period.end, calendar=period.calendar)
    views = [View(shown, "period", filters), View(shown.previous(), "period", filters),
             View(trailing, "month", filters, samples=False)]
    if settings is not None:
        views.append(View(shown.a_year_earlier(), "period", filters))
    frames = run_kpi_views(connection, kpi, views)
    current, previous = measurement(frames[0]), measurement(frames[1])
    months = judging_days(frames[2], "month", trailing)
    sparkline = frames[2].assign(status=[str(found) for found in status.of_rows(kpi, frames[2], used, months)])
    source = fresh.set_index("table_name").loc[kpi.source]
    statistics = last_year = None
    if settings is not None:
        last_year = measurement(frames[3])
        statistics = assessment.assess(kpi, current, previous, last_year)
    return KpiReport(
        kpi=kpi,
        period=shown,
        current=current,
        previous=previous,
        standing=status.decide(kpi, current, used),
        sparkline=sparkline,
        data_through=_plain(source["data_through"]),
        last_loaded_at=_plain(source["last_loaded_at"]),
        assessment=statistics,
        last_year=last_year,
        moved_from=None if shown == period else period,
        maturity_horizon=horizon,
    )


def overview(
    connection: duckdb.DuckDBPyConnection,
    kpis: list[Kpi],
    period: Period,
    filters: Filters = Filters(),
    settings: Settings | None = DEFAULT_SETTINGS,
    workers: int = OVERVIEW_WORKERS,
    fresh: pd.DataFrame | None = None,
) -> list[KpiReport]:
    """Every KPI's report, in registry order; settings=None skips the statistics; `fresh` when the
    data freshness was already queried.

    The KPIs are computed side by side on cursors of the one connection: each query is small, so
    much of its time is fixed overhead that another KPI's query can overlap.
    """
    fresh = freshness(connection) if fresh is None else fresh
    if workers <= 1 or len(kpis) <= 1:
        return [report(connection, kpi, period, filters, fresh, settings) for kpi in kpis]

    # One cursor per worker thread, prepared once: creating the temporary macros costs ~6 ms a cursor.
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []

    def one(kpi: Kpi) -> KpiReport:
        if not hasattr(local, "cursor"):
            local.cursor = connection.cursor()
            cursors.append(local.cursor)
            warehouse.prepare(local.cursor)  # temporary macros belong to each connection
        return report(local.cursor, kpi, period, filters, fresh, settings)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, kpis))
    finally:
        for cursor in cursors:
            cursor.close()


def by_attention(reports: Sequence[KpiReport]) -> list[KpiReport]:
    """Off target first, then near target, too uncertain, on target and no data (cxkpi.status
    ATTENTION_ORDER); in registry order inside each group."""
    return sorted(reports, key=lambda report: status.ATTENTION_ORDER.index(report.status))


def distinct_values(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The choices each filter offers."""
    return {
        dimension: [row[0] for row in connection.execute(query_text(f"filter_{dimension}_values")).fetchall()]
        for dimension in FILTER_DIMENSIONS
    }


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1)


def _plain(value: Any) -> Any:
    """numpy/pandas scalars to plain Python; NaN/NaT to None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value
