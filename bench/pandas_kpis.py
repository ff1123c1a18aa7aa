"""A straightforward pandas implementation of the four KPIs, for the bench to time and cross-check.

Written the way an analyst would in a notebook: filter DataFrames, count. It shares nothing with
queries/*.sql, so agreement between the two is evidence that both are right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from cxkpi.kpis import Filters
from cxkpi.periods import Period, trailing_months


@dataclass
class Frames:
    customers: pd.DataFrame
    orders: pd.DataFrame
    survey_responses: pd.DataFrame
    complaints: pd.DataFrame


def _in_period(timestamps: pd.Series, period: Period) -> pd.Series:
    return (timestamps >= pd.Timestamp(period.start)) & (timestamps < pd.Timestamp(period.end + timedelta(days=1)))


def _filtered(frame: pd.DataFrame, frames: Frames, filters: Filters) -> pd.DataFrame:
    if filters.region or filters.segment:
        frame = frame.merge(frames.customers[["customer_id", "region", "segment"]], on="customer_id", how="left")
        if filters.region:
            frame = frame[frame["region"].isin(filters.region)]
        if filters.segment:
            frame = frame[frame["segment"].isin(filters.segment)]
    if filters.channel:
        frame = frame[frame["channel"].isin(filters.channel)]
    return frame


def nps(frames: Frames, period: Period, filters: Filters) -> tuple[float | None, int]:
    responses = _filtered(frames.survey_responses, frames, filters)
    scores = responses.loc[_in_period(responses["responded_at"], period), "recommend_score"].dropna()
    if scores.empty:
        return None, 0
    return 100.0 * ((scores >= 9).sum() - (scores <= 6).sum()) / len(scores), len(scores)


def brand_trust(frames: Frames, period: Period, filters: Filters) -> tuple[float | None, int]:
    responses = _filtered(frames.survey_responses, frames, filters)
    scores = responses.loc[_in_period(responses["responded_at"], period), "trust_score"].dropna()
    if scores.empty:
        return None, 0
    return 100.0 * (scores >= 4).sum() / len(scores), len(scores)


def complaint_response_hours(frames: Frames, period: Period, filters: Filters) -> tuple[float | None, int]:
    complaints = _filtered(frames.complaints, frames, filters)
    complaints = complaints[_in_period(complaints["created_at"], period)]
    hours = ((complaints["first_response_at"] - complaints["created_at"]).dt.total_seconds() / 3600).dropna()
    if hours.empty:
        return None, 0
    return float(hours.median()), len(hours)


def repeat_purchase_rate(frames: Frames, period: Period, filters: Filters) -> tuple[float | None, int]:
    orders = _filtered(frames.orders, frames, filters)
    orders = orders[orders["customer_id"].notna() & ~orders["status"].str.lower().isin(["cancelled", "canceled"])]
    to_date = orders[orders["ordered_at"] < pd.Timestamp(period.end + timedelta(days=1))]
    buyers = to_date.loc[_in_period(to_date["ordered_at"], period), "customer_id"].unique()
    if len(buyers) == 0:
        return None, 0
    counts = to_date[to_date["customer_id"].isin(buyers)].groupby("customer_id").size()
    return 100.0 * (counts >= 2).sum() / len(buyers), len(buyers)


KPI_FUNCTIONS = {
    "nps": nps,
    "complaint_response_hours": complaint_response_hours,
    "repeat_purchase_rate": repeat_purchase_rate,
    "brand_trust": brand_trust,
}


def months_of(period: Period) -> list[Period]:
    months, start = [], period.start
    while start <= period.end:
        next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        months.append(Period(start, min(next_month - timedelta(days=1), period.end)))
        start = next_month
    return months


def overview(frames: Frames, period: Period, filters: Filters) -> dict[str, dict[str, object]]:
    """What the overview shows: each KPI now, in the previous period, and by month for 12 months."""
    return {
        kpi_id: {
            "current": function(frames, period, filters),
            "previous": function(frames, period.previous(), filters),
            "sparkline": [function(frames, month, filters) for month in months_of(trailing_months(period.end))],
        }
        for kpi_id, function in KPI_FUNCTIONS.items()
    }
