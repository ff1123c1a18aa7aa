"""Load canonical CSV exports into the warehouse: one transaction per file, upsert by key.

A file is matched to a table by its header. Rows that cannot be trusted (a missing key, an
unparseable date, an out-of-range score, a complaint answered before it was raised) go to the
quarantine table with their row number, column and reason; the valid rows load. A file that fits
no table, or cannot be read at all, is refused and the warehouse is left exactly as it was.

Nothing read from a file is ever formatted into SQL: the file's columns are renamed to c1..cN
on read, and header names travel as bound parameters.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from cxkpi.schema import TABLES, TIME_ORDER_RULES, Column, Table
from cxkpi.warehouse import writing

ROWS_NAMED_IN_SUMMARY = 10


class IngestError(Exception):
    """A file was refused as a whole; the message says which file and how to fix it."""


@dataclass(frozen=True)
class Problem:
    source_row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    value: str | None
    reason: str


@dataclass
class IngestResult:
    path: Path
    table: str
    rows_read: int
    rows_inserted: int
    rows_updated: int
    duplicate_keys_in_file: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        return len({problem.source_row for problem in self.problems})

    def summary(self) -> str:
        text = (
            f"{self.path.name}: {self.table}: {self.rows_read} rows read, "
            f"{self.rows_inserted} inserted, {self.rows_updated} updated, "
            f"{self.rows_quarantined} quarantined"
        )
        if self.duplicate_keys_in_file:
            text += f" ({self.duplicate_keys_in_file} repeated keys in the file: the last row of each kept)"
        for problem in self.problems[:ROWS_NAMED_IN_SUMMARY]:
            text += f"\n  row {problem.source_row}, {problem.column}: {problem.reason} (value: {problem.value!r})"
        if len(self.problems) > ROWS_NAMED_IN_SUMMARY:
            text += f"\n  ... and {len(self.problems) - ROWS_NAMED_IN_SUMMARY} more in the quarantine table"
        return text


def csv_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the .csv files they hold (sorted, so loads are repeatable)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()))
        else:
            files.append(path)
    return files


def ingest_paths(db_path: Path, paths: Iterable[Path]) -> tuple[list[IngestResult], list[IngestError]]:
    """Load every CSV file under paths; refusals are collected, not raised, so one bad file stops nothing."""
    results: list[IngestResult] = []
    refusals: list[IngestError] = []
    for path in csv_files(paths):
        # One connection per file: between files, the app's readers get their turn.
        with writing(db_path) as connection:
            try:
                results.append(ingest_file(connection, path))
            except IngestError as refusal:
                refusals.append(refusal)
    return results, refusals


def ingest_file(connection: duckdb.DuckDBPyConnection, path: Path) -> IngestResult:
    """Load one file in one transaction; on any failure the warehouse is unchanged."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    header = read_header(path)
    table = identify_table(path, header)
    connection.begin()
    try:
        result = _load(connection, path, header, table)
        connection.commit()
        return result
    except duckdb.Error as error:
        connection.rollback()
        raise IngestError(f"{path.name}: could not be loaded, nothing was changed: {_first_lines(error)}") from error
    except BaseException:
        connection.rollback()
        raise
    finally:
        for name in ("accepted", "deduplicated", "problems", "typed"):
            connection.execute(f"drop table if exists {name}")


def read_header(path: Path) -> list[str]:
    """The header row, read strictly as UTF-8 comma-separated text (the canonical format)."""
    with path.open("rb") as raw:
        if b"\x00" in raw.read(4096):
            raise IngestError(f"{path.name}: is a binary file, not a CSV text file; export it again as CSV")
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            header = next(csv.reader(text), [])
    except UnicodeDecodeError as error:
        raise IngestError(f"{path.name}: is not UTF-8 text ({error.reason} at byte {error.start}); "
                          "save it as CSV UTF-8") from error
    if not any(name.strip() for name in header):
        raise IngestError(f"{path.name}: is empty; a CSV file needs a header row")
    return header


def normalise(header_name: str) -> str:
    return header_name.strip().lstrip("\ufeff").strip().lower()


def identify_table(path: Path, header: list[str]) -> Table:
    """The one table whose columns the header holds; otherwise say what is missing."""
    present = {normalise(name) for name in header}
    fits = [table for table in TABLES.values() if set(table.column_names) <= present]
    if len(fits) == 1:
        return fits[0]
    if len(fits) > 1:
        names = " and ".join(table.name for table in fits)
        raise IngestError(f"{path.name}: its header fits {names}; split it into one file per table")
    closest = max(TABLES.values(), key=lambda table: len(set(table.column_names) & present))
    missing = [name for name in closest.column_names if name not in present]
    raise IngestError(
        f"{path.name}: fits no table. Closest is {closest.name}, which needs the columns "
        f"{', '.join(missing)} (the file has: {', '.join(header)}). "
        "Rename the columns to the canonical names in docs/data-model.md."
    )


def _load(connection: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: Table) -> IngestResult:
    positional = [f"c{index}" for index in range(1, len(header) + 1)]
    source_column = {normalise(name): positional[index] for index, name in enumerate(header)}
    extra_columns = [
        (name, positional[index]) for index, name in enumerate(header) if normalise(name) not in table.column_names
    ]
    typed_columns = [
        f"{_typed_expression(column, source_column[column.name])} as {column.name}" for column in table.columns
    ]
    raw_columns = [f"nullif(trim({source_column[c.name]}), '') as raw_{c.name}" for c in table.columns]
    extra_params = {f"extra_name_{i}": name for i, (name, _) in enumerate(extra_columns)}
    extra_json = (
        "json_object(" + ", ".join(f"$extra_name_{i}, {col}" for i, (_, col) in enumerate(extra_columns)) + ")"
        if extra_columns
        else "null::json"
    )
    connection.execute(
        f"""create temp table typed as
        select
            row_number() over () + 1 as source_row,
            {', '.join(typed_columns)},
            {', '.join(raw_columns)},
            {extra_json} as extra
        from read_csv(
            $path, auto_detect = false, header = true, columns = $columns,
            delim = ',', quote = '"', escape = '"', strict_mode = true
        )""",
        {"path": str(path), "columns": dict.fromkeys(positional, "VARCHAR"), **extra_params},
    )
    connection.execute(
        "create temp table problems (source_row bigint, column_name varchar, value varchar, reason varchar)"
    )
    for check in _row_checks(table):
        connection.execute(f"insert into problems {check}")

    key = table.key
    accepted = "typed"  # most files have no bad rows; then every typed row is accepted, uncopied
    if connection.execute("select count(*) from problems").fetchone()[0]:
        accepted = "accepted"
        connection.execute("create temp table accepted as select * from typed anti join problems using (source_row)")
    valid_rows, distinct_keys = connection.execute(f"select count(*), count(distinct {key}) from {accepted}").fetchone()
    if distinct_keys < valid_rows:
        # Exports repeat a key when a record changed during the export: the last row is the newest.
        connection.execute(
            f"""create temp table deduplicated as
            select * from {accepted} qualify row_number() over (partition by {key} order by source_row desc) = 1"""
        )
        accepted = "deduplicated"
    rows_read = connection.execute("select count(*) from typed").fetchone()[0]
    accepted_rows = distinct_keys
    # An upsert as delete + insert in this transaction: keys stay unique without a primary-key
    # index, which made large loads several times slower (docs/decisions.md).
    rows_updated = connection.execute(
        f"delete from {table.name} where {key} in (select {key} from {accepted})"
    ).fetchone()[0]
    column_list = ", ".join(table.column_names)
    connection.execute(
        f"insert into {table.name} ({column_list}, extra) select {column_list}, extra from {accepted}"
    )

    loaded_at = datetime.now().replace(microsecond=0)
    problems = [
        Problem(source_row=row, column=column, value=value, reason=reason)
        for row, column, value, reason in connection.execute(
            "select * from problems order by source_row, column_name"
        ).fetchall()
    ]
    connection.execute(
        """insert into quarantine
        select $loaded_at, $file, $table, source_row, column_name, value, reason from problems""",
        {"loaded_at": loaded_at, "file": path.name, "table": table.name},
    )
    result = IngestResult(
        path=path,
        table=table.name,
        rows_read=rows_read,
        rows_inserted=accepted_rows - rows_updated,
        rows_updated=rows_updated,
        duplicate_keys_in_file=valid_rows - accepted_rows,
        problems=problems,
    )
    connection.execute(
        "insert into ingest_log values ($loaded_at, $file, $table, $read, $inserted, $updated, $quarantined)",
        {
            "loaded_at": loaded_at,
            "file": path.name,
            "table": table.name,
            "read": result.rows_read,
            "inserted": result.rows_inserted,
            "updated": result.rows_updated,
            "quarantined": result.rows_quarantined,
        },
    )
    return result


def _first_lines(error: duckdb.Error) -> str:
    """DuckDB's message without its generic list of reader options."""
    message = str(error).split("Possible fixes:")[0]
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


def _typed_expression(column: Column, source: str) -> str:
    value = f"nullif(trim({source}), '')"
    if column.kind == "timestamp":
        # A value with an offset (+02:00, Z) goes through timestamptz so it is stored in UTC; a cast
        # straight to timestamp would silently drop the offset. 'YYYY-MM-DD HH:MM:SS' (19 characters
        # or fewer) has none, and takes the much faster direct cast.
        return (
            f"case when length({value}) <= 19 then try_cast({value} as timestamp) "
            f"else timezone('UTC', try_cast({value} as timestamptz)) end"
        )
    if column.kind == "amount":
        return f"try_cast({value} as decimal(18, 2))"
    if column.kind == "score":
        return f"try_cast(try_cast({value} as decimal(6, 2)) as tinyint)"
    return value


def _row_checks(table: Table) -> list[str]:
    """One SELECT per rule, each yielding (source_row, column_name, value, reason)."""
    checks = []
    for column in table.columns:
        raw, typed = f"raw_{column.name}", column.name
        if column.required:
            checks.append(
                f"select source_row, '{typed}', null, 'missing {typed}: every row needs one' "
                f"from typed where {raw} is null"
            )
        reason = {
            "timestamp": "not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00",
            "amount": "not a number: use digits with a dot for decimals, e.g. 1234.50",
            "score": f"not a whole number from {column.low} to {column.high}",
        }.get(column.kind)
        if reason:
            checks.append(
                f"select source_row, '{typed}', {raw}, '{reason}' "
                f"from typed where {raw} is not null and {typed} is null"
            )
        if column.kind == "score":
            checks.append(
                f"select source_row, '{typed}', {raw}, '{reason}' from typed "
                f"where {typed} not between {column.low} and {column.high} "
                f"or try_cast({raw} as decimal(6, 2)) != {typed}"
            )
    for rule_table, earlier, later in TIME_ORDER_RULES:
        if rule_table == table.name:
            checks.append(
                f"select source_row, '{later}', raw_{later}, '{later} is before {earlier}' "
                f"from typed where {later} < {earlier}"
            )
    return checks
