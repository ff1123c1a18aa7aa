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
from cxkpi.kpis import Filters, query_text
from cxkpi.periods import Period

SurveyMetric = Literal["nps", "brand_trust", "csat"]
Dimension = Literal["region", "segment", "channel"]
SURVEY_METRICS = ("nps", "brand_trust", "csat")
# The metrics.toml parameter that says how many top points of an answer's scale count (csat.sql).
TOP_POINTS_PARAMETER = {"brand_trust": "trusting_top_points", "csat": "satisfied_top_points"}
DIMENSIONS = ("region", "segment", "channel")
AGE_BUCKETS = ("< 1 day", "1-3 days", "3-7 days", "7-30 days", "> 30 days")
DEFAULT_MAX_COMMENTS = 200
NO_FILTERS = Filters()


def _run(connection: duckdb.DuckDBPyConnection, name: str, parameters: dict[str, Any]) -> pd.DataFrame:
    return connection.execute(query_text(f"drilldown_{name}"), parameters).df()


def _period_parameters(period: Period) -> dict[str, Any]:
    return {"period_start": period.start, "period_end": period.end}


def slice_impact(
    connection: duckdb.DuckDBPyConnection,
    metric: SurveyMetric,
    dimension: Dimension,
    period: Period,
    filters: Filters = NO_FILTERS,
    parameters: tuple[tuple[str, float], ...] = (),
) -> pd.DataFrame:
    """One row per slice, largest |impact| first: slice, value, n, total_value, total_n,
    share_of_answers, impact (points the slice moves the total), rest_value (the total without it).
    parameters: the KPI's own (Kpi.parameters): brand trust and CSAT count by their top-points rule."""
    if metric not in SURVEY_METRICS:
        raise ValueError(f"slice impact covers {', '.join(SURVEY_METRICS)}, not {metric!r}")
    if dimension not in DIMENSIONS:
        raise ValueError(f"slices are one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    rule = TOP_POINTS_PARAMETER.get(metric)
    if rule is not None and rule not in dict(parameters):
        raise ValueError(f"slice impact of {metric} needs the KPI's {rule} (metrics.toml parameters)")
    return _run(
        connection, "slice_impact",
        {**_period_parameters(period), **filters.parameters(), "breakdown": dimension, "metric": metric,
         "top_points": dict(parameters).get(rule, 0) if rule else 0},
    )


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
    """Median first-response hours per channel × category, with '(all)' margins."""
    return _run(
        connection, "response_by_channel_category", {**_period_parameters(period), **filters.parameters()}
    )


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
