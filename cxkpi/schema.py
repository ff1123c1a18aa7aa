"""The four canonical tables: their columns, types and the rules a row must pass to load.

This module is the single source of truth for the warehouse schema; the DDL and the ingest
checks are both derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "timestamp", "amount", "score"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False
    low: int | None = None  # inclusive bounds, for scores
    high: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    # Which timestamp says how recent the table's data is (shown as "data through ...").
    freshness_column: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            name="customers",
            key="customer_id",
            freshness_column="created_at",
            columns=(
                Column("customer_id", required=True),
                Column("created_at", "timestamp"),
                Column("region"),
                Column("segment"),
            ),
        ),
        Table(
            name="orders",
            key="order_id",
            freshness_column="ordered_at",
            columns=(
                Column("order_id", required=True),
                Column("customer_id"),
                Column("ordered_at", "timestamp", required=True),
                Column("amount", "amount"),
                Column("channel"),
                Column("status"),
            ),
        ),
        Table(
            name="survey_responses",
            key="response_id",
            freshness_column="responded_at",
            columns=(
                Column("response_id", required=True),
                Column("customer_id"),
                Column("responded_at", "timestamp", required=True),
                Column("recommend_score", "score", low=0, high=10),
                Column("trust_score", "score", low=1, high=5),
                Column("csat_score", "score", low=1, high=5),
                Column("comment"),
                Column("channel"),
            ),
        ),
        Table(
            name="complaints",
            key="complaint_id",
            freshness_column="created_at",
            columns=(
                Column("complaint_id", required=True),
                Column("customer_id"),
                Column("created_at", "timestamp", required=True),
                Column("first_response_at", "timestamp"),
                Column("resolved_at", "timestamp"),
                Column("channel"),
                Column("category"),
                Column("status"),
            ),
        ),
    )
}

# Rows that parse but contradict themselves: (table, earlier column, later column).
TIME_ORDER_RULES: tuple[tuple[str, str, str], ...] = (
    ("complaints", "created_at", "first_response_at"),
    ("complaints", "created_at", "resolved_at"),
)

SQL_TYPES: dict[ColumnKind, str] = {
    "text": "varchar",
    "timestamp": "timestamp",
    "amount": "decimal(18, 2)",
    "score": "tinyint",
}


def create_table_statements() -> list[str]:
    """DDL for every canonical table, plus the extra-columns JSON each keeps."""
    statements = []
    for table in TABLES.values():
        # No primary key: the loader keeps keys unique (see cxkpi/ingest.py and docs/decisions.md).
        columns = [f"{column.name} {SQL_TYPES[column.kind]}" for column in table.columns]
        # Columns an export carries beyond the canonical ones are kept, not dropped.
        columns.append("extra json")
        statements.append(f"create table if not exists {table.name} ({', '.join(columns)})")
    return statements
