"""The DuckDB warehouse file: where it lives, how to open it, and its bookkeeping tables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cxkpi.schema import create_table_statements

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "cxkpi.duckdb"
QUERIES_DIR = PROJECT_ROOT / "queries"

BOOKKEEPING_STATEMENTS = [
    """create table if not exists ingest_log (
        loaded_at timestamp,
        source_file varchar,
        table_name varchar,
        rows_read bigint,
        rows_inserted bigint,
        rows_updated bigint,
        rows_quarantined bigint
    )""",
    """create table if not exists quarantine (
        loaded_at timestamp,
        source_file varchar,
        table_name varchar,
        source_row bigint,
        column_name varchar,
        value varchar,
        reason varchar
    )""",
]


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db wins, then $CXKPI_DB, then data/cxkpi.duckdb in the project."""
    if explicit:
        return Path(explicit)
    if os.environ.get("CXKPI_DB"):
        return Path(os.environ["CXKPI_DB"])
    return DEFAULT_DB_PATH


def _prepare(connection: duckdb.DuckDBPyConnection) -> None:
    # Timestamps with an offset are stored in UTC; naive ones are taken as written.
    connection.execute("set TimeZone = 'UTC'")
    connection.execute((QUERIES_DIR / "_macros.sql").read_text())


def connect_for_writing(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse with its schema in place."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(db_path))
    for statement in create_table_statements() + BOOKKEEPING_STATEMENTS:
        connection.execute(statement)
    _prepare(connection)
    return connection


@contextmanager
def reading(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection, closed promptly so a loader can write in between."""
    if not db_path.exists():
        # First use: create the empty schema so readers see empty tables, not an error.
        connect_for_writing(db_path).close()
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        _prepare(connection)
        yield connection
    finally:
        connection.close()


def is_empty(db_path: Path) -> bool:
    """True when no canonical table holds a row (a fresh warehouse)."""
    from cxkpi.schema import TABLES

    with reading(db_path) as connection:
        return all(
            connection.execute(f"select count(*) from {name}").fetchone()[0] == 0 for name in TABLES
        )
