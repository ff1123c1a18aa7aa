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
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from typing import Any, Literal

import duckdb
import pandas as pd

from cxkpi import assessment, kpi_sql, warehouse
from cxkpi.assessment import Assessment
from cxkpi.periods import Period, last_full_quarter, month_starts, trailing_months
from cxkpi.registry import Kpi, Settings, load_registry

Grain = Literal["period", "week", "month"]
# "none", or a dimension of the KPI's fact table: region, segment, channel, and category for complaints.
Breakdown = str
FILTER_DIMENSIONS = ("region", "segment", "channel")
# Columns every KPI query returns; anything more is KPI-specific detail (e.g. p90_hours).
STANDARD_COLUMNS = ("bucket_start", "slice", "value", "n")
DEFAULT_SETTINGS = Settings()
# The view rule's parameters (queries/_view.sql): each run of run_kpi_views binds its own.
VIEW_PARAMETERS = ("period_start", "period_end", "grain", "breakdown", "regions", "segments", "channels",
                   "within_value", "within", "samples")
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
    period: Period
    current: Measurement
    previous: Measurement
    status: str  # 'met', 'missed' or 'no data'
    sparkline: pd.DataFrame  # monthly bucket_start, value, n over the trailing 12 months
    data_through: datetime | None
    last_loaded_at: datetime | None
    # The statistics: None when the overview was computed without them (the bench compares both).
    assessment: Assessment | None = None

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def change_is_improvement(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == (self.kpi.direction == "higher")

    def monthly(self) -> list[tuple[date, float | None]]:
        """The sparkline as the trailing 12 months, oldest first: (the month's first day, its value),
        None where a month has no data, so that every drawing of it keeps a gap a gap."""
        values = {
            (stamp.year, stamp.month): None if pd.isna(value) else float(value)
            for stamp, value in zip(self.sparkline["bucket_start"], self.sparkline["value"], strict=True)
        }
        return [(month, values.get((month.year, month.month)))
                for month in month_starts(trailing_months(self.period.end))]


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
    the distribution behind a median ($samples), whether to."""
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
        **({"samples": samples} if "$samples" in kpi_sql.kpi_query(kpi.id, kpi.reads) else {}),
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
    parameters = {
        **view_parameters(kpi, filters, breakdown, settings, within),
        "period_start": period.start,
        "period_end": period.end,
        "grain": grain,
    }
    return connection.execute(kpi_sql.kpi_query(kpi.id, kpi.reads), parameters).df()


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
            "period_start": view.period.start, "period_end": view.period.end, "grain": view.grain,
        }
        parameters.update(
            {name if name not in VIEW_PARAMETERS else f"{name}_{index}": value for name, value in own.items()}
        )
        parts.append(f"select {index} as run, * from ({_numbered_query(kpi.id, kpi.reads, index)}) as run_{index}")
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
def _numbered_query(kpi_id: str, facts: str, index: int) -> str:
    """The KPI's SQL with the view's parameters renamed for run `index` ($period_start_1, ...)."""
    return PER_RUN_PARAMETER.sub(lambda match: f"{match.group(0)}_{index}", kpi_sql.kpi_query(kpi_id, facts))


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
        sparkline=sparkline,
    )


def status_of(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "no data"
    met = value >= kpi.target if kpi.direction == "higher" else value <= kpi.target
    return "met" if met else "missed"


def freshness(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return connection.execute(query_text("data_freshness")).df()


def default_period(connection: duckdb.DuckDBPyConnection, fresh: pd.DataFrame | None = None) -> Period | None:
    """The last full quarter of data, or None for an empty warehouse; `fresh` when already queried."""
    latest = (freshness(connection) if fresh is None else fresh)["data_through"].max()
    if pd.isna(latest):
        return None
    return last_full_quarter(pd.Timestamp(latest).date())


def report(
    connection: duckdb.DuckDBPyConnection,
    kpi: Kpi,
    period: Period,
    filters: Filters = Filters(),
    fresh: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> KpiReport:
    """The card's numbers; with settings, also the statistics (intervals, tests, bands)."""
    views = [View(period, "period", filters), View(period.previous(), "period", filters),
             View(trailing_months(period.end), "month", filters, samples=False)]
    if settings is not None:
        views.append(View(period.a_year_earlier(), "period", filters))
    frames = run_kpi_views(connection, kpi, views)
    current, previous, sparkline = measurement(frames[0]), measurement(frames[1]), frames[2]
    fresh = freshness(connection) if fresh is None else fresh
    source = fresh.set_index("table_name").loc[kpi.source]
    statistics = None
    if settings is not None:
        statistics = assessment.assess(kpi, current, previous, measurement(frames[3]), sparkline, settings)
    return KpiReport(
        kpi=kpi,
        period=period,
        current=current,
        previous=previous,
        status=status_of(kpi, current.value),
        sparkline=sparkline,
        data_through=_plain(source["data_through"]),
        last_loaded_at=_plain(source["last_loaded_at"]),
        assessment=statistics,
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
