"""Data health: which sources are stale, read from the freshness of each table.

A source (orders, survey responses, complaints) is **stale** when its latest record is more than
STALE_AFTER_DAYS (default 45; $CXKPI_STALE_DAYS) older than the latest record of the freshest
source. Sources are compared with each other, not with today's date, so a warehouse loaded from
last quarter's exports is not "stale" as a whole, but a complaints export that stopped in March while
orders run to June is. Customers are left out: a customer list changes slowly by nature.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cxkpi.i18n import N_

STALE_ENV = "CXKPI_STALE_DAYS"
DEFAULT_STALE_DAYS = 45
ACTIVITY_TABLES = ("orders", "survey_responses", "complaints")
LABELS = {"orders": N_("Orders"), "survey_responses": N_("Survey responses"), "complaints": N_("Complaints"),
          "customers": N_("Customers")}  # English; the Data page shows them through the catalog


@dataclass(frozen=True)
class Stale:
    table: str
    data_through: datetime
    freshest_table: str
    freshest_through: datetime

    @property
    def days_behind(self) -> int:
        return (self.freshest_through - self.data_through).days

    def message(self) -> str:
        return (
            f"{LABELS.get(self.table, self.table)} data ends on {self.data_through:%Y-%m-%d}, "
            f"{self.days_behind} days before {LABELS.get(self.freshest_table, self.freshest_table).lower()} "
            f"({self.freshest_through:%Y-%m-%d}): KPIs from it may miss recent weeks. Load a newer export."
        )


def stale_after_days() -> int:
    return int(os.environ.get(STALE_ENV) or DEFAULT_STALE_DAYS)


def stale_sources(freshness: pd.DataFrame, days: int | None = None) -> list[Stale]:
    """freshness: the data_freshness query's frame (table_name, row_count, data_through, ...)."""
    limit = stale_after_days() if days is None else days
    latest = {
        row.table_name: pd.Timestamp(row.data_through).to_pydatetime()
        for row in freshness.itertuples()
        if row.table_name in ACTIVITY_TABLES and row.row_count and not pd.isna(row.data_through)
    }
    if len(latest) < 2:
        return []
    freshest = max(latest, key=lambda name: latest[name])
    return [
        Stale(table, through, freshest, latest[freshest])
        for table, through in sorted(latest.items())
        if (latest[freshest] - through).days > limit
    ]
