"""The four canonical tables: their columns, types and the rules a row must pass to load.

This module is the single source of truth for the warehouse schema; the DDL and the ingest
checks are both derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "timestamp", "amount", "score", "scale"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False
    low: int | None = None  # inclusive bounds of a score's canonical scale
    high: int | None = None
    # A score whose scale a mapping may state: the column that keeps each response's scale ('1-10').
    # A score without one (recommend: NPS is defined on 0-10) is always on its canonical scale.
    scale_column: str | None = None

    @property
    def scale(self) -> str:
        """The canonical scale as written in a mapping and kept with each response: '1-5'."""
        return f"{self.low}-{self.high}"


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
                Column("trust_score", "score", low=1, high=5, scale_column="trust_scale"),
                Column("csat_score", "score", low=1, high=5, scale_column="csat_scale"),
                Column("comment"),
                Column("channel"),
                # Not read from a column of the file: the scale the export's mapping states for the
                # score (its canonical scale unless stated), so answers on different scales never mix
                # unseen. Null when the response has no such score.
                Column("trust_scale", "scale"),
                Column("csat_scale", "scale"),
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
    "score": "tinyint",  # up to 0-100 scales
    "scale": "varchar",
}


def score_with_scale(table: Table, scale_column: str) -> Column:
    return next(column for column in table.columns if column.scale_column == scale_column)


def added_column_statements(present: set[tuple[str, str]]) -> list[str]:
    """Columns a warehouse made by an older version lacks, added; a score's scale column is filled with
    the canonical scale its scores were read on."""
    statements = []
    for table in TABLES.values():
        for column in table.columns:
            if (table.name, column.name) in present:
                continue
            statements.append(f"alter table {table.name} add column {column.name} {SQL_TYPES[column.kind]}")
            if column.kind == "scale":
                score = score_with_scale(table, column.name)
                statements.append(f"update {table.name} set {column.name} = '{score.scale}' "
                                  f"where {score.name} is not null")
    return statements


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
