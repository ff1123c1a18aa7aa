"""Drill-downs: from a KPI to its drivers, by running queries/drilldown_*.sql with bound parameters.

Each query's header comment defines its numbers; this module binds parameters and, for time to
resolution, hands the rows to the Kaplan-Meier estimator in cxkpi.survival. Pages never build SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd

from cxkpi import survival
from cxkpi.kpi_sql import dimensions
from cxkpi.kpis import Filters, View, Within, kpi_named, query_text, run_kpi_queries, run_kpi_query, run_kpi_views
from cxkpi.periods import Period
from cxkpi.registry import Kpi

Dimension = Literal["region", "segment", "channel"]
DIMENSIONS = dimensions("survey_daily_counts")  # a survey answer's, which detractor comments slice by
AGE_BUCKETS = ("< 1 day", "1-3 days", "3-7 days", "7-30 days", "> 30 days")
DEFAULT_MAX_COMMENTS = 200
ALL = "(all)"
SLICE_IMPACT_COLUMNS = ["slice", "value", "n", "total_value", "total_n", "share_of_answers", "impact", "rest_value"]
GRID_COLUMNS = ["channel", "category", "value", "n", "p90_hours", "awaiting_response"]
NO_FILTERS = Filters()


def _run(connection: duckdb.DuckDBPyConnection, name: str, parameters: dict[str, Any]) -> pd.DataFrame:
    return connection.execute(query_text(f"drilldown_{name}"), parameters).df()


def _period_parameters(period: Period) -> dict[str, Any]:
    return {"period_start": period.start, "period_end": period.end}


def slice_impact(
    connection: duckdb.DuckDBPyConnection,
    metric: Kpi | str,
    dimension: Dimension,
    period: Period,
    filters: Filters = NO_FILTERS,
    parameters: tuple[tuple[str, float], ...] | None = None,
) -> pd.DataFrame:
    """The KPI by `dimension` beside its total: one row per slice with data, largest |impact| first:
    slice, value, n, total_value, total_n, share_of_answers (% of the total's n), impact = (value −
    total_value) × n / total_n (the points the slice moves the total; they add up to 0), rest_value =
    the total without the slice (null when it is the only one). parameters: the KPI's own (brand
    trust's and CSAT's top-points rule); default: its registry entry's (Kpi.parameters).

    For a KPI whose value is a mean over its n records (NPS: +100 / 0 / −100 per answer; a share:
    100 or 0), so the total is the n-weighted mean of its slices': the additive KPIs."""
    kpi = kpi_named(metric)
    if not kpi.additive:
        raise ValueError(f"slice impact needs a KPI whose slices add up to its total (additive), not {kpi.id!r}")
    if dimension not in dimensions(kpi.reads):
        raise ValueError(f"slices are one of {', '.join(dimensions(kpi.reads))}, not {dimension!r}")
    [total], slices = (
        run_kpi_queries(connection, kpi, [(period, "period")], filters, parameters),
        run_kpi_query(connection, kpi, period, filters, breakdown=dimension, settings=parameters),
    )
    slices = slices[slices["n"] > 0][["slice", "value", "n"]].reset_index(drop=True)
    if slices.empty:
        return pd.DataFrame(columns=SLICE_IMPACT_COLUMNS)
    total_value, total_n = float(total["value"].iloc[0]), int(total["n"].iloc[0])
    slices["total_value"] = total_value
    slices["total_n"] = total_n
    slices["share_of_answers"] = 100.0 * slices["n"] / total_n
    slices["impact"] = (slices["value"] - total_value) * slices["n"] / total_n
    rest_n = total_n - slices["n"]
    slices["rest_value"] = (total_value * total_n - slices["value"] * slices["n"]) / rest_n.where(rest_n > 0)
    ranked = slices.assign(pull=-slices["impact"].abs()).sort_values(["pull", "slice"], kind="stable")
    return ranked[SLICE_IMPACT_COLUMNS].reset_index(drop=True)


def detractor_comments(
    connection: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters = NO_FILTERS,
    slice_dimension: str = "none",
    slice_value: str = "",
    search: str = "",
    max_rows: int = DEFAULT_MAX_COMMENTS,
) -> pd.DataFrame:
    """Detractors' verbatim comments, newest first; column `matching` holds the total match count."""
    if slice_dimension not in ("none", *DIMENSIONS):
        raise ValueError(f"slice_dimension must be 'none' or one of {', '.join(DIMENSIONS)}")
    return _run(
        connection, "detractor_comments",
        {
            **_period_parameters(period), **filters.parameters(),
            "slice_dimension": slice_dimension, "slice_value": slice_value,
            "search": search or "", "max_rows": int(max_rows),
        },
    )


def response_by_channel_and_category(
    connection: duckdb.DuckDBPyConnection, period: Period, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """Complaint response time (the KPI complaint_response_hours) per channel × category, with
    '(all)' margins: each channel over all categories, each category over all channels, and the
    total. Columns channel, category, value (median hours), n, p90_hours, awaiting_response."""
    kpi = kpi_named("complaint_response_hours")
    parts = []

    def add(channel: str | None, category: str | None, frame: pd.DataFrame) -> None:
        frame = frame.assign(
            channel=frame["slice"] if channel is None else channel,
            category=frame["slice"] if category is None else category,
        )
        parts.append(frame[GRID_COLUMNS])

    by_channel = run_kpi_query(connection, kpi, period, filters, breakdown="channel")
    channels = by_channel["slice"].tolist()
    views = [View(period, filters=filters, breakdown="category", within=Within("channel", channel))
             for channel in channels]
    views += [View(period, filters=filters, breakdown="category"), View(period, filters=filters)]
    *cells, by_category, total = run_kpi_views(connection, kpi, views)
    for channel, frame in zip(channels, cells, strict=True):
        add(channel, None, frame)
    add(None, ALL, by_channel)
    add(ALL, None, by_category)
    add(ALL, ALL, total)
    grid = pd.concat(parts, ignore_index=True)
    if by_channel.empty:
        return grid.iloc[0:0]
    order = pd.DataFrame({"channel_total": grid["channel"] == ALL, "category_total": grid["category"] == ALL})
    return grid.assign(**order).sort_values(
        ["channel_total", "channel", "category_total", "category"], kind="stable"
    )[GRID_COLUMNS].reset_index(drop=True)


def open_backlog(connection: duckdb.DuckDBPyConnection, period: Period, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Open complaints at the period's end, one row per age bucket (all five, in order)."""
    return _run(connection, "open_backlog", {"period_end": period.end, **filters.parameters()})


def resolution_times(
    connection: duckdb.DuckDBPyConnection, period: Period, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """One row per complaint created in the period: complaint_id, channel, category, resolved, hours."""
    return _run(connection, "resolution_times", {**_period_parameters(period), **filters.parameters()})


@dataclass(frozen=True)
class ResolutionSurvival:
    summary: survival.SurvivalSummary
    curve: pd.DataFrame  # time, at_risk, events, censored, survival
    by_group: pd.DataFrame  # one row per channel or category: km_median_hours, naive_median_hours, n, open


def resolution_survival(
    connection: duckdb.DuckDBPyConnection,
    period: Period,
    filters: Filters = NO_FILTERS,
    group_by: Literal["category", "channel"] = "category",
) -> ResolutionSurvival:
    """Time to resolution with still-open complaints as censored: the Kaplan-Meier curve and median,
    overall and per category (or channel), beside the naive median of closed complaints only."""
    times = resolution_times(connection, period, filters)
    hours, resolved = times["hours"].tolist(), times["resolved"].tolist()
    curve = survival.kaplan_meier(hours, resolved)
    overall = survival.summarize(hours, resolved, curve)
    rows = []
    for group, part in times.groupby(group_by, sort=True):
        summary = survival.summarize(part["hours"].tolist(), part["resolved"].tolist())
        rows.append({
            group_by: group, "km_median_hours": summary.km_median, "naive_median_hours": summary.naive_median,
            "n": summary.n, "still_open": summary.still_open,
        })
    columns = [group_by, "km_median_hours", "naive_median_hours", "n", "still_open"]
    return ResolutionSurvival(summary=overall, curve=curve, by_group=pd.DataFrame(rows, columns=columns))
