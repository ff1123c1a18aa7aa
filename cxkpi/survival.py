"""Kaplan-Meier: durations where some cases are still open (right-censored), e.g. time to resolve a complaint.

Leaving open complaints out of a median of resolution times makes it too short: the slow ones are exactly
those still open. Kaplan-Meier keeps them, as "not resolved after at least this long".

    S(t) = product over event times t_i <= t of (1 - d_i / n_i)

where d_i is the number resolved at t_i and n_i the number still at risk just before it (resolved at or
after t_i, or open with an age of at least t_i). At a time where some close and others are censored, the
closures count first (the censored ones are still at risk at that time), the usual convention.
The median is the first time S(t) falls to 0.5 or below; None when it never does (too many still open).

Golden example (kpi_reference.md 3.4): hours 2, 3, 3+, 5, 8+, 10 (+ = still open) give S(2) = 5/6,
S(3) = 2/3, S(5) = 4/9, S(10) = 0 and a median of 5 h, where the naive median of the closed ones is 4 h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

CURVE_COLUMNS = ("time", "at_risk", "events", "censored", "survival")


@dataclass(frozen=True)
class SurvivalSummary:
    """What a page shows about a set of durations."""

    km_median: float | None  # None: S(t) never reached 0.5 (or no data)
    naive_median: float | None  # median of the closed cases only: what ignoring the open ones gives
    n: int  # all cases, closed and open
    closed: int
    still_open: int


def kaplan_meier(durations: Sequence[float], closed: Sequence[bool]) -> pd.DataFrame:
    """The Kaplan-Meier curve: one row per distinct time with an event or a censoring.

    Columns: time, at_risk (n_i just before time), events (closed at time), censored (open with this
    age), survival (S at time, after that time's events).
    """
    if len(durations) != len(closed):
        raise ValueError(f"{len(durations)} durations but {len(closed)} closed flags")
    frame = pd.DataFrame({"time": pd.Series(durations, dtype="float64"), "closed": pd.Series(closed, dtype=bool)})
    if frame["time"].isna().any():
        raise ValueError("a duration is missing; an open case needs its age so far, not a blank")
    if (frame["time"] < 0).any():
        raise ValueError("a duration is negative")
    if frame.empty:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in CURVE_COLUMNS})

    per_time = (
        frame.groupby("time", sort=True)["closed"]
        .agg(events="sum", total="size")
        .reset_index()
    )
    per_time["censored"] = per_time["total"] - per_time["events"]
    # At risk at time t: every case whose duration is >= t (so censorings at t are still at risk: events first).
    per_time["at_risk"] = len(frame) - per_time["total"].cumsum().shift(fill_value=0)
    per_time["survival"] = (1 - per_time["events"] / per_time["at_risk"]).cumprod()
    curve = per_time[list(CURVE_COLUMNS)].astype(
        {"at_risk": "int64", "events": "int64", "censored": "int64"}
    )
    return curve.reset_index(drop=True)


def median_survival(curve: pd.DataFrame) -> float | None:
    """The first time S(t) is 0.5 or below; None when it never gets there."""
    reached = curve[curve["survival"] <= 0.5 + 1e-12]  # tolerance: 1 - 1/2 computed in floats
    if reached.empty:
        return None
    return float(reached["time"].iloc[0])


def survival_at(curve: pd.DataFrame, time: float) -> float:
    """S(time): the step function, 1 before the first event."""
    passed = curve[curve["time"] <= time]
    return 1.0 if passed.empty else float(passed["survival"].iloc[-1])


def summarize(
    durations: Sequence[float], closed: Sequence[bool], curve: pd.DataFrame | None = None
) -> SurvivalSummary:
    """The KM and naive medians and the counts; `curve` when the caller already has kaplan_meier's."""
    curve = kaplan_meier(durations, closed) if curve is None else curve
    closed_times = pd.Series([d for d, c in zip(durations, closed, strict=True) if c], dtype="float64")
    return SurvivalSummary(
        km_median=median_survival(curve),
        naive_median=float(closed_times.median()) if len(closed_times) else None,
        n=len(durations),
        closed=int(sum(bool(c) for c in closed)),
        still_open=int(sum(not c for c in closed)),
    )
