"""Load exports into the warehouse: one transaction per file, upsert by key, bad rows quarantined.

A file goes through three steps:
1. prepare (no lock held): decide its encoding and delimiter from its bytes (csv_dialect), recognise
   which export it is from its header (export_formats), decide how its dates and amounts are written
   from its values, and hash its bytes (sha256) so the same file is never loaded twice;
2. load (one write connection, one transaction): read it with DuckDB, every column as text, type
   each canonical column, set aside the rows that cannot be trusted in the quarantine table with
   their row number, column and reason, and upsert the rest by key;
3. archive: keep the original bytes under their hash, so the warehouse can be rebuilt from them.
The file is read once, into a snapshot in the archive (cxkpi.archive): steps 1 to 3 read that copy,
never the file again, and ingest_one orders them so that a crash at any instant leaves warehouse,
archive and manifest consistent.

A file that fits no table, or cannot be read at all, is refused and the warehouse is left exactly as
it was. Nothing read from a file is ever formatted into SQL: its columns are renamed c1..cN on read,
and header names and values travel as bound parameters.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path

import duckdb

from cxkpi import archive as archive_store
from cxkpi import fault_points
from cxkpi.archive import DiskFullError
from cxkpi.csv_dialect import (
    Dialect,
    DialectError,
    find_report_footer,
    single_byte_encoding,
    sniff,
    write_utf8_copy,
)
from cxkpi.export_formats import (
    ExportFormat,
    MappingError,
    Recognised,
    RecognitionError,
    load_formats,
    recognise,
)
from cxkpi.schema import SQL_TYPES, TIME_ORDER_RULES, Column, Table
from cxkpi.warehouse import mark_loaded, refresh_derived, writing

ROWS_NAMED_IN_SUMMARY = 10
# The column the Data page adds to quarantined rows downloaded to be mended (cxkpi.quarantine): when
# the mended file is loaded again it is no part of the record (not in extra, not in a row's key).
REASON_COLUMN = "cxkpi: why the row was set aside"
FILE_SUFFIXES = (".csv", ".tsv", ".txt")
EASTERN_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬"
WESTERN_DIGITS = "01234567890123456789.,"
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
NUMERIC_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
COMMA_DECIMAL = re.compile(r"^\D*-?\d{1,3}(\.\d{3})*,\d+\D*$|^\D*-?\d+,\d{1,2}\D*$")
DOT_DECIMAL = re.compile(r"\d\.\d{1,2}\D*$|,\d{3}\.")
NOT_PLAIN_NUMBER = re.compile(r"[^\d.\-+]")
# Offsets written with a space ('2026-03-31 14:05:00 -0400', Shopify) or without seconds.
ISO_EXTRA_FORMATS = ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y/%m/%d %H:%M:%S",
                     "%Y/%m/%d %H:%M", "%Y/%m/%d"]
# After a 'GMT+3' suffix is made '+03' (_gmt_as_offset): Google Forms' own download writes
# '2026/09/27 3:00:00 PM GMT+3'; the 24-hour forms are here for the same suffix.
GMT_FORMATS = ["%Y/%m/%d %I:%M:%S %p %z", "%Y/%m/%d %H:%M:%S %z", "%Y-%m-%d %I:%M:%S %p %z", "%Y-%m-%d %H:%M:%S %z",
               "%Y/%m/%d %I:%M %p %z", "%Y/%m/%d %H:%M %z"]


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
    export_format: str = ""
    dialect: str = ""
    sha256: str = ""
    line_item_rows: int = 0  # extra rows of multi-row records (Shopify line items), folded into their record
    already_loaded: str | None = None  # when and as what this exact file was loaded before
    loaded_at: datetime | None = None  # the load's time in ingest_log (and the manifest)

    @property
    def rows_quarantined(self) -> int:
        return len({problem.source_row for problem in self.problems})

    def summary(self) -> str:
        if self.already_loaded:
            return f"{self.path.name}: already loaded ({self.already_loaded}); nothing changed"
        text = (
            f"{self.path.name}: {self.table}: {self.rows_read} rows read, "
            f"{self.rows_inserted} inserted, {self.rows_updated} updated, "
            f"{self.rows_quarantined} quarantined"
        )
        if self.export_format and not self.export_format.startswith("cxkpi canonical"):
            text += f" [{self.export_format}; {self.dialect}]"
        if self.line_item_rows:
            text += f" ({self.line_item_rows} line-item rows folded into their orders)"
        if self.duplicate_keys_in_file:
            text += f" ({self.duplicate_keys_in_file} repeated keys in the file: the last row of each kept)"
        for problem in self.problems[:ROWS_NAMED_IN_SUMMARY]:
            text += f"\n  row {problem.source_row}, {problem.column}: {problem.reason} (value: {problem.value!r})"
        if len(self.problems) > ROWS_NAMED_IN_SUMMARY:
            text += f"\n  ... and {len(self.problems) - ROWS_NAMED_IN_SUMMARY} more in the quarantine table"
        return text


@dataclass
class ColumnPlan:
    """How one canonical column is read: where from and, for dates and amounts, in which notation."""

    column: Column
    position: int | None  # 0-based in the file; None when the export lacks it
    date_order: str | None = None  # 'day-first' / 'month-first' when the file writes 03/04/2026
    decimal_comma: bool = False
    loose_amount: bool = False  # currency signs or spaces around the number
    date_sample: list[str] = field(default_factory=list)  # the sample's values, to order date layouts

    @cached_property  # the probe tries 42 layouts on the sample; read once per timestamp expression
    def date_formats(self) -> list[str]:
        assert self.date_order in ("day-first", "month-first")
        return date_formats(self.date_order, self.date_sample)


@dataclass
class Prepared:
    path: Path  # the file as given
    name: str  # the name it is logged and quarantined under
    read_path: Path  # what DuckDB reads: the file itself, or a UTF-8 copy
    dialect: Dialect
    recognised: Recognised
    width: int  # fields per record
    plans: list[ColumnPlan]
    eastern_digits: bool
    sha256: str
    workdir: tempfile.TemporaryDirectory[str] | None = None
    loaded_at: datetime | None = None  # a rebuild replays each load at its first time; else now

    @property
    def table(self) -> Table:
        return self.recognised.table

    def cleanup(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()


def csv_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the .csv (or .tsv, .txt) files they hold, sorted so loads are repeatable."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in FILE_SUFFIXES and p.is_file()))
        else:
            files.append(path)
    return files


def ingest_paths(
    db_path: Path, paths: Iterable[Path], *, mapping: Path | None = None, archive: Path | None = None,
) -> tuple[list[IngestResult], list[IngestError]]:
    """Load every CSV file under paths; refusals are collected, not raised, so one bad file stops nothing.
    A full disk stops the run: DiskFullError, carrying what was loaded and refused before it."""
    results: list[IngestResult] = []
    refusals: list[IngestError] = []
    try:
        formats = load_formats(mapping)
    except MappingError as error:
        return [], [IngestError(f"mapping: {error}")]
    archive_dir = archive or archive_store.default_archive_dir(db_path)
    for path in csv_files(paths):
        try:
            results.append(ingest_one(db_path, path, formats, archive_dir))
        except IngestError as refusal:
            refusals.append(refusal)
        except DiskFullError as error:
            error.results, error.refusals = results, refusals
            raise
    return results, refusals


def ingest_one(
    db_path: Path, path: Path, formats: list[ExportFormat], archive_dir: Path | None, name: str | None = None,
    *, snapshot: archive_store.Snapshot | None = None, loaded_at: datetime | None = None,
) -> IngestResult:
    """Copy the file once (or use the caller's snapshot of it), prepare that copy outside any lock,
    then under one short write connection archive it and load it; list it in the manifest after the
    commit. With archive_dir None (a rebuild, reading the archive itself) the file is read as it is."""
    name = name or path.name
    taken = None
    try:
        if archive_dir is not None and snapshot is None:
            taken = snapshot = _take_snapshot(archive_dir, path, name)
        if snapshot is not None:
            fault_points.reached("snapshot-taken")
        try:
            prepared = prepare(snapshot.path if snapshot else path, formats, name=name,
                               sha256=snapshot.sha256 if snapshot else None)
        except OSError as error:  # the UTF-8 copy of a file in a code page, in the temporary folder
            if archive_store.is_disk_full(error):
                raise DiskFullError(f"no space left on device for a copy in {tempfile.gettempdir()}") from error
            raise
        prepared.loaded_at = loaded_at
        try:
            return _load_and_archive(db_path, prepared, archive_dir, snapshot)
        finally:
            prepared.cleanup()
    except DiskFullError as error:
        error.name = name
        raise
    finally:
        if taken is not None:
            taken.discard()


def _take_snapshot(archive_dir: Path, path: Path, name: str) -> archive_store.Snapshot:
    try:
        return archive_store.take_snapshot(archive_dir, path)
    except FileNotFoundError as error:
        raise IngestError(f"{name}: no such file") from error
    except (archive_store.NotARegularFileError, IsADirectoryError) as error:
        raise IngestError(f"{name}: is not a file") from error
    except archive_store.StillBeingWrittenError as error:
        raise IngestError(f"{name}: changed while it was read (is it still being written?); load it once it "
                          "is complete") from error


def _load_and_archive(
    db_path: Path, prepared: Prepared, archive_dir: Path | None, snapshot: archive_store.Snapshot | None,
) -> IngestResult:
    """Under the write lock, in this order: mend the manifest from ingest_log (a crash may have left
    the last load out), archive the bytes, load and commit, list the load in the manifest. A refused
    or failed load takes its archive copy away again, unless a load lists the same bytes."""
    try:
        with writing(db_path) as connection:  # one connection per file: readers get their turn between files
            if archive_dir is not None:
                assert snapshot is not None
                archive_store.reconcile(archive_dir, archive_store.logged(connection))
                archive_store.keep(archive_dir, snapshot)
                fault_points.reached("archived")
            try:
                result = load_prepared(connection, prepared)
            except BaseException:
                if archive_dir is not None:
                    _forget_unlisted(connection, archive_dir, prepared.sha256)
                raise
            if not result.already_loaded:
                mark_loaded(db_path)  # committed: the app's cached numbers are now stale
            if archive_dir is not None and not result.already_loaded:
                fault_points.reached("committed")
                assert result.loaded_at is not None
                archive_store.record(archive_dir, archive_store.Entry(
                    prepared.sha256, prepared.name, result.table, result.export_format,
                    result.loaded_at.isoformat(timespec="seconds"),
                ))
                fault_points.reached("listed")
            return result
    except (duckdb.Error, OSError) as error:
        if archive_store.is_disk_full(error):
            raise DiskFullError(f"no space left on device while writing the warehouse ({db_path})") from error
        raise


def _forget_unlisted(connection: duckdb.DuckDBPyConnection, archive_dir: Path, sha256: str) -> None:
    try:
        if sha256 in {entry.sha256 for entry in archive_store.logged(connection)}:
            return
    except duckdb.Error:
        return  # the connection is broken (a failed write): leave the copy, it is harmless
    archive_store.forget(archive_dir, sha256)


def ingest_file(
    connection: duckdb.DuckDBPyConnection, path: Path, formats: list[ExportFormat] | None = None
) -> IngestResult:
    """Load one file in one transaction on an open write connection; on any failure the warehouse is unchanged."""
    prepared = prepare(path, formats if formats is not None else load_formats())
    try:
        return load_prepared(connection, prepared)
    finally:
        prepared.cleanup()


# ------------------------------------------------------------------------------------------ prepare
def prepare(path: Path, formats: list[ExportFormat], name: str | None = None, sha256: str | None = None) -> Prepared:
    name = name or path.name
    if not path.is_file():
        raise IngestError(f"{name}: no such file")
    try:
        dialect = sniff(path)
    except DialectError as error:
        raise IngestError(f"{name}: {error}") from error
    try:
        recognised = recognise(name, dialect.records[: recognised_rows(formats)], formats)
    except RecognitionError as error:
        raise IngestError(str(error)) from error
    header_rows = recognised.format.header_rows
    width = len(dialect.records[0])
    workdir, read_path, dialect = _reading(path, dialect, name)
    prepared = None
    try:
        sample = [record for record in dialect.records[header_rows:] if len(record) == width]
        eastern = any(character in EASTERN_DIGITS for record in sample for cell in record for character in cell)
        plans = _plan_columns(recognised, sample, eastern)
        prepared = Prepared(
            path=path, name=name, read_path=read_path, dialect=dialect, recognised=recognised, width=width,
            plans=plans, eastern_digits=eastern, sha256=sha256 or archive_store.file_sha256(path), workdir=workdir,
        )
        _decide_date_order_or_refuse(prepared)
        return prepared
    except BaseException:
        if prepared is not None:
            prepared.cleanup()  # its workdir may have been replaced by a re-read as a code page
        elif workdir is not None:
            workdir.cleanup()
        raise


def recognised_rows(formats: list[ExportFormat]) -> int:
    return max(fmt.header_rows for fmt in formats)


def _reading(path: Path, dialect: Dialect, name: str) -> tuple[tempfile.TemporaryDirectory[str] | None, Path, Dialect]:
    """What DuckDB reads: the file itself, or a copy in a temporary folder when the file is not UTF-8
    (a UTF-8 copy) or ends in a report footer (a copy without it: the reader is strict about the
    number of fields, and the footer's one-field lines are not records). The dialect says what was
    left out."""
    workdir, read_path = None, path
    if dialect.needs_conversion:
        workdir, read_path = _utf8_copy(path, dialect.encoding, name)
    try:
        footer = find_report_footer(read_path, dialect.delimiter, len(dialect.records[0]))
        if footer is not None:
            if workdir is None:
                workdir = tempfile.TemporaryDirectory(prefix="cxkpi-ingest-")
                read_path = Path(workdir.name) / "without_footer.csv"
                _copy_start(path, read_path, footer.start)
            else:
                os.truncate(read_path, footer.start)  # the copy is ours: cut it where it stands
            dialect = replace(dialect, footer_lines=footer.lines)
    except BaseException:
        if workdir is not None:
            workdir.cleanup()
        raise
    return workdir, read_path, dialect


def _copy_start(source: Path, target: Path, length: int) -> None:
    """The first length bytes of source, streamed into target."""
    with source.open("rb") as raw, target.open("wb") as out:
        while length > 0 and (chunk := raw.read(min(length, 8 << 20))):
            out.write(chunk)
            length -= len(chunk)


def _utf8_copy(path: Path, encoding: str, name: str) -> tuple[tempfile.TemporaryDirectory[str], Path]:
    workdir = tempfile.TemporaryDirectory(prefix="cxkpi-ingest-")
    target = Path(workdir.name) / "utf8.csv"
    try:
        write_utf8_copy(path, encoding, target)
    except UnicodeDecodeError as error:
        workdir.cleanup()
        raise IngestError(f"{name}: is not valid {encoding} text ({error.reason} at byte {error.start})") from error
    return workdir, target


def _plan_columns(recognised: Recognised, sample: list[list[str]], eastern: bool) -> list[ColumnPlan]:
    plans = []
    for column in recognised.table.columns:
        position = recognised.positions.get(column.name)
        plan = ColumnPlan(column=column, position=position)
        values = [record[position].strip() for record in sample] if position is not None else []
        values = [value.translate(_DIGITS) if eastern else value for value in values if value]
        if column.kind == "timestamp" and any(NUMERIC_DATE.match(value) for value in values):
            plan.date_order = recognised.format.date_order or "undecided"
            plan.date_sample = values[:200]
        if column.kind == "amount":
            plan.decimal_comma = any(COMMA_DECIMAL.match(v) for v in values) and not any(
                DOT_DECIMAL.search(v) for v in values
            )
            plan.loose_amount = plan.decimal_comma or any(NOT_PLAIN_NUMBER.search(v.lstrip("-")) for v in values)
        plans.append(plan)
    return plans


_DIGITS = str.maketrans(EASTERN_DIGITS, WESTERN_DIGITS)


def _decide_date_order_or_refuse(prepared: Prepared) -> None:
    """_decide_date_order reads the whole file, so it is the first to meet a broken line or a byte
    that is not UTF-8 past the first megabyte: the same answers as the load's (a code-page re-read,
    or a refusal naming the line), never a raw DuckDB error."""
    try:
        _decide_date_order(prepared)
    except duckdb.Error as error:
        if "not utf-8 encoded" in str(error) and not prepared.dialect.needs_conversion:
            _reread_as_single_byte(prepared)
            _decide_date_order_or_refuse(prepared)  # needs_conversion now: no second re-read
            return
        raise IngestError(f"{prepared.name}: {_explain(error, prepared)}") from error


def _decide_date_order(prepared: Prepared) -> None:
    """Day or month first, from every date in the file: a first number above 12 can only be a day,
    a second above 12 only a day too. A file with neither is ambiguous and refused, unless its
    format (or the user's mapping) states the order."""
    undecided = [plan for plan in prepared.plans if plan.date_order == "undecided"]
    if not undecided:
        return
    parts = []
    for plan in undecided:
        value = _cell(plan.position)
        parts.append(
            f"max(try_cast(regexp_extract({value}, '^(\\d{{1,2}})[./-](\\d{{1,2}})[./-]', 1) as int)), "
            f"max(try_cast(regexp_extract({value}, '^(\\d{{1,2}})[./-](\\d{{1,2}})[./-]', 2) as int))"
        )
    records, params = _records(prepared)
    with duckdb.connect() as scratch:
        row = scratch.execute(f"select {', '.join(parts)} from ({records})", params).fetchone()
    firsts = [value or 0 for value in row[0::2]]
    seconds = [value or 0 for value in row[1::2]]
    day_first, month_first = max(firsts) > 12, max(seconds) > 12
    columns = ", ".join(plan.column.name for plan in undecided)
    if day_first and month_first:
        raise IngestError(
            f"{prepared.name}: its dates ({columns}) mix day-first and month-first: some have a first number "
            "above 12, others a second number above 12. Export them again in one format, ideally ISO (2026-03-31)."
        )
    if not day_first and not month_first:
        raise IngestError(
            f"{prepared.name}: the order of day and month in its dates ({columns}) cannot be told: no date has "
            "a number above 12 (03/04/2026 could be 3 April or 4 March). State it in a mapping file with "
            'date_order = "day-first" or "month-first" (docs/ingest.md), or export dates as ISO (2026-03-31).'
        )
    for plan in undecided:
        plan.date_order = "day-first" if day_first else "month-first"


# --------------------------------------------------------------------------------------------- load
_READ_CSV = """read_csv(
            $path, auto_detect = false, header = {header}, columns = $columns,
            delim = $delim, quote = '"', escape = '"', strict_mode = true
        )"""


def _numbered_records(prepared: Prepared) -> tuple[str, dict[str, object]]:
    """The records after the header as text, each with its row number as a spreadsheet numbers rows
    (header = row 1), and the parameters to bind."""
    sql = f"""select * from (select row_number() over () as source_row, * from {_READ_CSV.format(header='false')})
        where source_row > $header_rows"""
    return sql, {**_file_params(prepared), "header_rows": prepared.recognised.format.header_rows}


def _records(prepared: Prepared) -> tuple[str, dict[str, object]]:
    """The records after the header as text, unnumbered: numbering makes DuckDB read the file in one
    thread, which cost a third of a large load, so only the quarantine path numbers them."""
    if prepared.recognised.format.header_rows == 1:
        return f"select * from {_READ_CSV.format(header='true')}", _file_params(prepared)
    sql, params = _numbered_records(prepared)
    return f"select * exclude (source_row) from ({sql})", params


def _file_params(prepared: Prepared) -> dict[str, object]:
    return {
        "path": str(prepared.read_path),
        "columns": {f"c{index}": "VARCHAR" for index in range(1, prepared.width + 1)},
        "delim": prepared.dialect.delimiter,
    }


def _cell(position: int | None) -> str:
    if position is None:
        return "null::varchar"
    return f"nullif(trim(c{position + 1}), '')"


def _numeric_cell(prepared: Prepared, position: int | None) -> str:
    """A date, amount or score cell with Arabic-Indic and Persian digits made ASCII (text stays intact)."""
    value = _cell(position)
    if prepared.eastern_digits and position is not None:
        return f"translate({value}, '{EASTERN_DIGITS}', '{WESTERN_DIGITS}')"
    return value


def load_prepared(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult:
    previous = connection.execute(
        "select loaded_at, source_file, table_name from ingest_log where file_sha256 = $sha order by loaded_at limit 1",
        {"sha": prepared.sha256},
    ).fetchone()
    if previous:
        loaded_at, source_file, table_name = previous
        return IngestResult(
            path=Path(prepared.name), table=table_name, rows_read=0, rows_inserted=0, rows_updated=0,
            duplicate_keys_in_file=0, export_format=prepared.recognised.format.name, sha256=prepared.sha256,
            already_loaded=(
                f"the same bytes were loaded as {source_file} into {table_name} on {loaded_at:%Y-%m-%d %H:%M}"
            ),
        )
    connection.begin()
    try:
        result = _load(connection, prepared)
        if result.rows_inserted or result.rows_updated:  # in the load's transaction: never out of step
            refresh_derived(connection, result.table)
        fault_points.reached("before-commit")
        connection.commit()
        return result
    except duckdb.Error as error:
        _roll_back(connection)
        if archive_store.is_disk_full(error):
            raise  # not the file's fault: ingest_one says so, and an inbox file stays to be loaded again
        if "not utf-8 encoded" in str(error) and not prepared.dialect.needs_conversion:
            # The first megabyte was UTF-8 but a later byte is not: the file is in a Windows code page.
            return _retry_as_single_byte(connection, prepared)
        raise IngestError(f"{prepared.name}: {_explain(error, prepared)}") from error
    except BaseException:
        _roll_back(connection)
        raise
    finally:
        for name in ("accepted", "deduplicated", "problems", "typed"):
            try:
                connection.execute(f"drop table if exists {name}")
            except duckdb.Error:
                break  # a connection a failed write has broken: closing it drops them


def _roll_back(connection: duckdb.DuckDBPyConnection) -> None:
    """A commit that failed (a full disk) has already ended the transaction: nothing left to undo."""
    with contextlib.suppress(duckdb.TransactionException):
        connection.rollback()


def _retry_as_single_byte(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult:
    _reread_as_single_byte(prepared)
    return load_prepared(connection, prepared)


def _reread_as_single_byte(prepared: Prepared) -> None:
    """Read the file from a UTF-8 copy decoded from its code page (and without its report footer)."""
    encoding = single_byte_encoding(prepared.path.read_bytes())
    prepared.cleanup()  # a copy cut before the footer was of the bytes read as UTF-8: made again
    prepared.workdir = None
    dialect = replace(prepared.dialect, encoding=encoding, footer_lines=0)
    prepared.workdir, prepared.read_path, prepared.dialect = _reading(prepared.path, dialect, prepared.name)


def _load(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult:
    if not prepared.recognised.format.line_items:
        result = _load_in_one_pass(connection, prepared)
        if result is not None:
            return result
        # A row needs quarantining or a key repeats: undo, and take the path that numbers rows.
        connection.rollback()
        connection.begin()
    return _load_with_quarantine(connection, prepared)


def _load_in_one_pass(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult | None:
    """The usual file (every row valid, every key once) read, typed and written in one pass, as
    DuckDB's own read_csv would; then a cheap count proves it was that file. None when it was not."""
    table, key = prepared.table, prepared.table.key
    records, params = _records(prepared)
    typed = _typed_select(prepared, records, params)
    rows_updated = 0
    if connection.execute(f"select exists (select 1 from {table.name})").fetchone()[0]:
        # An upsert as delete + insert in this transaction: keys stay unique without a primary-key
        # index, which made large loads several times slower (docs/decisions.md).
        rows_updated = connection.execute(
            f"delete from {table.name} where {key} in (select {key} from ({typed}))", params
        ).fetchone()[0]
    problems = " or ".join(f"coalesce({check.condition}, false)" for check in _row_checks(prepared))
    column_list = ", ".join(table.column_names)
    # Materialized, or DuckDB would parse each date twice: once to check it, once to store it.
    inserted = connection.execute(
        f"insert into {table.name} ({column_list}, extra) with typed as materialized ({typed}) "
        f"select {column_list}, extra from typed where not ({problems or 'false'})",
        params,
    ).fetchone()[0]
    rows_read, distinct_keys = connection.execute(
        f"select count(*), count(distinct {key}) from ({typed})", params
    ).fetchone()
    if inserted != rows_read or distinct_keys != rows_read:
        return None
    return _log(connection, prepared, rows_read=rows_read, rows_inserted=inserted - rows_updated,
                rows_updated=rows_updated)


def _load_with_quarantine(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult:
    """Every record typed into a temp table with its row number; the rows that break a rule go to the
    quarantine with row, column and reason, a key repeated in the file keeps its last row, and the
    rest is upserted."""
    table, fmt, key = prepared.table, prepared.recognised.format, prepared.table.key
    records, params = _numbered_records(prepared)
    connection.execute(f"create temp table typed as {_typed_select(prepared, records, params, numbered=True)}",
                       params)
    line_item_rows = 0
    if fmt.line_items:
        # An order's first row carries its own fields (Total, Financial Status); the rows after it
        # with its key are its items (Shopify repeats Name, Email and Created at on each).
        line_item_rows = connection.execute(
            f"""delete from typed where source_row in (
                select source_row from typed where {key} is not null
                qualify row_number() over (partition by {key} order by source_row) > 1)"""
        ).fetchone()[0]
    connection.execute(
        "create temp table problems (source_row bigint, column_name varchar, value varchar, reason varchar)"
    )
    for check in _row_checks(prepared):
        connection.execute(
            f"insert into problems select source_row, '{check.column}', {check.value}, '{check.reason}' "
            f"from typed where {check.condition}"
        )

    accepted = "typed"
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
    rows_read = connection.execute("select count(*) from typed").fetchone()[0] + line_item_rows
    rows_updated = connection.execute(
        f"delete from {table.name} where {key} in (select {key} from {accepted})"
    ).fetchone()[0]
    column_list = ", ".join(table.column_names)
    connection.execute(
        f"insert into {table.name} ({column_list}, extra) select {column_list}, extra from {accepted}"
    )
    problems = [
        Problem(source_row=row, column=column, value=value, reason=reason)
        for row, column, value, reason in connection.execute(
            "select * from problems order by source_row, column_name"
        ).fetchall()
    ]
    return _log(connection, prepared, rows_read=rows_read, rows_inserted=distinct_keys - rows_updated,
                rows_updated=rows_updated, duplicate_keys_in_file=valid_rows - distinct_keys, problems=problems,
                line_item_rows=line_item_rows)


def _typed_select(prepared: Prepared, records: str, params: dict[str, object], numbered: bool = False) -> str:
    """Each canonical column typed from the records' text, the raw text of those that can fail to
    parse, the export's other columns as JSON in extra; empty records (Excel's trailing rows) left out."""
    used = set(prepared.recognised.positions.values()) | _reason_positions(prepared)
    extra_columns = []
    seen: set[str] = set()
    for index, name in enumerate(prepared.dialect.records[0]):
        if index in used:
            continue
        label = name.strip().lstrip("\ufeff") or f"column {index + 1}"
        while label in seen:
            label += " (again)"
        seen.add(label)
        extra_columns.append((label, f"c{index + 1}"))
    params.update({f"extra_name_{i}": name for i, (name, _) in enumerate(extra_columns)})
    extra_json = (
        "json_object(" + ", ".join(f"$extra_name_{i}, {col}" for i, (_, col) in enumerate(extra_columns)) + ")"
        if extra_columns
        else "null::json"
    )
    columns = ["source_row"] if numbered else []
    for plan in prepared.plans:
        columns.append(f"{_typed_expression(prepared, plan, params)} as {plan.column.name}")
    for plan in prepared.plans:
        # A text column's typed value is its text, so only columns that can fail to parse keep a raw
        # copy (for the quarantine's "value"); copying every column cost ~15% of a large load.
        if plan.column.kind != "text":
            columns.append(f"{_raw_expression(prepared, plan)} as raw_{plan.column.name}")
    any_value = ", ".join(f"c{index}" for index in range(1, prepared.width + 1))
    return f"""select {', '.join(columns)}, {extra_json} as extra
        from ({records}) as records
        where coalesce({any_value}) is not null"""


def _log(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, *, rows_read: int, rows_inserted: int,
    rows_updated: int, duplicate_keys_in_file: int = 0, problems: list[Problem] | None = None,
    line_item_rows: int = 0,
) -> IngestResult:
    """Record the load in the ingest log, and its problems in the quarantine with each of their rows
    whole, in the load's transaction."""
    table, fmt = prepared.table, prepared.recognised.format
    loaded_at = prepared.loaded_at or datetime.now().replace(microsecond=0)
    result = IngestResult(
        path=Path(prepared.name),
        table=table.name,
        rows_read=rows_read,
        rows_inserted=rows_inserted,
        rows_updated=rows_updated,
        duplicate_keys_in_file=duplicate_keys_in_file,
        problems=problems or [],
        export_format=fmt.name,
        dialect=prepared.dialect.describe(),
        sha256=prepared.sha256,
        line_item_rows=line_item_rows,
        loaded_at=loaded_at,
    )
    if result.problems:
        connection.execute(
            """insert into quarantine by name select $loaded_at as loaded_at, $file as source_file,
            $table as table_name, source_row, column_name, value, reason, $sha as file_sha256 from problems""",
            {"loaded_at": loaded_at, "file": prepared.name, "table": table.name, "sha": prepared.sha256},
        )
        _keep_whole_rows(connection, prepared, loaded_at)
    connection.execute(
        """insert into ingest_log by name select
            $loaded_at as loaded_at, $file as source_file, $table as table_name, $read as rows_read,
            $inserted as rows_inserted, $updated as rows_updated, $quarantined as rows_quarantined,
            $format as export_format, $dialect as dialect, $sha as file_sha256""",
        {
            "loaded_at": loaded_at,
            "file": prepared.name,
            "table": table.name,
            "read": result.rows_read,
            "inserted": result.rows_inserted,
            "updated": result.rows_updated,
            "quarantined": result.rows_quarantined,
            "format": fmt.name,
            "dialect": result.dialect,
            "sha": prepared.sha256,
        },
    )
    return result


def _keep_whole_rows(connection: duckdb.DuckDBPyConnection, prepared: Prepared, loaded_at: datetime) -> None:
    """The header rows and every quarantined row, each field as the reader split it, so the rows can
    be shown whole and downloaded in the file's own columns to be mended. A second read of the file,
    only on this slower path: it cost less (0.6-2 s at 1M rows) than keeping every record's fields in
    `typed` (+1.7 s) or typing from a table of the records (+2 s), docs/decisions.md."""
    fields = ", ".join(f"c{index}" for index in range(1, prepared.width + 1))
    params = {**_file_params(prepared), "loaded_at": loaded_at, "file": prepared.name, "sha": prepared.sha256,
              "header_rows": prepared.recognised.format.header_rows}
    connection.execute(
        f"""insert into quarantined_records
        select $loaded_at, $file, $sha, source_row, source_row <= $header_rows, fields from (
            select row_number() over () as source_row, [{fields}] as fields from {_READ_CSV.format(header='false')})
        where source_row <= $header_rows or source_row in (select source_row from problems)""",
        params,
    )


def _explain(error: duckdb.Error, prepared: Prepared) -> str:
    """Say what is wrong with the file's structure, and where, in words an analyst can act on."""
    text = _first_lines(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    where = f"line {line.group(1)}" if line else "a line"
    last_line = line is not None and int(line.group(1)) >= _line_count(prepared.read_path)
    if "unterminated quote" in text:
        cause = ("the file looks cut short (the download or export stopped); export it again"
                 if last_line else "a quote is never closed; check that line in a text editor")
        return f"refused, nothing was changed: a quoted value starting on {where} never ends: {cause}"
    if fields:
        expected, found = fields.groups()
        if last_line and int(found) < int(expected):
            return (f"refused, nothing was changed: it ends in the middle of a row ({where} has {found} of "
                    f"{expected} fields): the file looks cut short; export or download it again")
        return (f"refused, nothing was changed: {where} has {found} fields where the header has {expected} "
                "(an unquoted delimiter inside a value?)")
    return f"could not be loaded, nothing was changed: {text}"


def _line_count(path: Path) -> int:
    with path.open("rb") as raw:
        count = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
    with path.open("rb") as raw:
        raw.seek(0, 2)
        if raw.tell():
            raw.seek(-1, 2)
            count += raw.read(1) != b"\n"
    return count


# DuckDB's "Original Line: <the record>" (a quoted value may span lines), up to the sentence after it.
QUOTED_LINE = re.compile(
    r"Original Line:.*?(?=\n(?:Value with|Expected Number of Columns|Maximum line size|\n)|\Z)", re.DOTALL)


def _first_lines(error: duckdb.Error) -> str:
    """DuckDB's message without its generic list of reader options, and without the line of the file it
    quotes: a refusal is shown to everyone who opens the Data page, so it never shows a file's data."""
    message = str(error).split("Possible fixes:")[0].split("Possible Solution:")[0]
    message = QUOTED_LINE.sub("", message)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(line for line in lines if not line.startswith(("file =", "delimiter =", "quote =")))


def _raw_expression(prepared: Prepared, plan: ColumnPlan) -> str:
    fmt = prepared.recognised.format
    if plan.column.name == prepared.table.key and fmt.key_from_row:
        # No id in the export: the row's own values are its identity (same answer twice = one row).
        cells = ", ".join(f"coalesce(c{index}, '')" for index in range(1, prepared.width + 1)
                          if index - 1 not in _reason_positions(prepared))
        return f"md5(concat_ws(chr(31), {cells}))"
    return _cell(plan.position)


def _reason_positions(prepared: Prepared) -> set[int]:
    return {index for index, name in enumerate(prepared.dialect.records[0]) if name.strip() == REASON_COLUMN}


def _typed_expression(prepared: Prepared, plan: ColumnPlan, params: dict[str, object]) -> str:
    column = plan.column
    if column.name == prepared.table.key and prepared.recognised.format.key_from_row:
        return _raw_expression(prepared, plan)
    if plan.position is None and not (column.name == "status" and prepared.recognised.cancelled_positions):
        return f"null::{SQL_TYPES[column.kind]}"
    value = _numeric_cell(prepared, plan.position) if column.kind != "text" else _cell(plan.position)
    if column.kind == "timestamp":
        spec = prepared.recognised.format.columns.get(column.name)
        if spec is not None and spec.minutes_after:
            base = next(p for p in prepared.plans if p.column.name == spec.minutes_after)
            return (
                f"({_timestamp_expression(_numeric_cell(prepared, base.position), base)}"
                f" + to_microseconds(cast(round(try_cast({value} as double) * 60000000) as bigint)))"
            )
        return _timestamp_expression(value, plan)
    if column.kind == "amount":
        if not plan.loose_amount:
            return f"try_cast({value} as decimal(18, 2))"

        def separators(text: str) -> str:
            return (f"replace(replace({text}, '.', ''), ',', '.')" if plan.decimal_comma
                    else f"replace({text}, ',', '')")

        # Currency signs and codes (R$ 12,50 / 12.50 EUR) and spaces as thousands separators go; the
        # regular expression only for the values that need it (about 0.4 s of a 1M-row load).
        noise = "^[A-Za-z]{0,3}\\$?|[A-Za-z]{3}$|[$€£¥₽₹₺₴\\s\u00a0\u202f'']"
        stripped = f"regexp_replace({value}, '{noise}', '', 'g')"
        return (f"coalesce(try_cast({separators(value)} as decimal(18, 2)), "
                f"try_cast({separators(stripped)} as decimal(18, 2)))")
    if column.kind == "score":
        return f"try_cast(try_cast({value} as decimal(6, 2)) as tinyint)"
    if column.name == "status":
        return _status_expression(prepared, value, params)
    return value


def _timestamp_expression(value: str, plan: ColumnPlan) -> str:
    # A value with an offset (+02:00, Z) goes through timestamptz so it is stored in UTC; a cast
    # straight to timestamp would silently drop the offset. 'YYYY-MM-DD HH:MM:SS' (19 characters
    # or fewer) has none, and takes the much faster direct cast.
    iso = (
        f"case when length({value}) <= 19 then try_cast({value} as timestamp) "
        f"else timezone('UTC', try_cast({value} as timestamptz)) end"
    )
    gmt_formats = GMT_FORMATS
    if plan.date_order in ("day-first", "month-first"):
        gmt_formats = gmt_formats + [f"{f} %z" for f in plan.date_formats if ":" in f and "%z" not in f]
    # Last: coalesce only evaluates an argument for the rows every earlier one left null, so the
    # regular expressions cost nothing on files without 'GMT'.
    expression = (f"coalesce({iso}, {_strptime(value, ISO_EXTRA_FORMATS)}, "
                  f"{_strptime(_gmt_as_offset(value), gmt_formats)})")
    if plan.date_order in ("day-first", "month-first"):
        # The file's own layout first (most rows match the first format tried), ISO after.
        expression = f"coalesce({_strptime(value, plan.date_formats)}, {expression})"
    return expression


def _gmt_as_offset(value: str) -> str:
    """' GMT+3' as ' +03', ' GMT-5:30' as ' -05:30', a bare ' GMT' as ' +00': strptime's %z wants two
    hour digits and no 'GMT'. Only the end of the value is touched."""
    padded = f"regexp_replace({value}, ' GMT([+-])(\\d)(:\\d\\d)?$', ' GMT\\10\\2\\3')"
    bare = f"regexp_replace({padded}, ' GMT$', ' GMT+00')"
    return f"regexp_replace({bare}, ' GMT([+-]\\d\\d(:?\\d\\d)?)$', ' \\1')"


def date_formats(order: str, sample: list[str]) -> list[str]:
    """Every day/month layout cxkpi reads, the ones this file's sample uses first (most used first)."""
    first, second = ("%d", "%m") if order == "day-first" else ("%m", "%d")
    formats = [
        f"{first}{sep}{second}{sep}{year}{time}"
        for sep in ("/", ".", "-")
        for year in ("%Y", "%y")
        for time in ("", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", " %H:%M:%S %z", " %H:%M %z")
    ]
    probe = [value for value in sample if NUMERIC_DATE.match(value)][:100]

    def used(pattern: str) -> int:
        count = 0
        for value in probe:
            try:
                datetime.strptime(value, pattern)
                count += 1
            except ValueError:
                pass
        return count

    return sorted(formats, key=used, reverse=True) if probe else formats


def _strptime(value: str, formats: list[str]) -> str:
    """try_strptime over formats, those with an offset (%z, converted to UTC) apart from those without:
    DuckDB 2.0 given both kinds in one list rolls an impossible date over (31/02 became 3 March)."""
    naive = ", ".join(f"'{f}'" for f in formats if "%z" not in f)
    zoned = ", ".join(f"'{f}'" for f in formats if "%z" in f)
    parts = [f"try_strptime({value}, [{naive}])"] if naive else []
    if zoned:
        parts.append(f"timezone('UTC', try_strptime({value}, [{zoned}]))")
    return f"coalesce({', '.join(parts)})" if len(parts) > 1 else parts[0]


def _status_expression(prepared: Prepared, value: str, params: dict[str, object]) -> str:
    fmt = prepared.recognised.format
    expression = value
    if fmt.status:
        cases = []
        for index, (source, target) in enumerate(fmt.status.items()):
            params[f"status_from_{index}"], params[f"status_to_{index}"] = source, target
            cases.append(f"when $status_from_{index} then $status_to_{index}")
        expression = f"case lower({value}) {' '.join(cases)} else {value} end"
    if prepared.recognised.cancelled_positions:
        marks = " or ".join(f"nullif(trim(c{p + 1}), '') is not null" for p in prepared.recognised.cancelled_positions)
        expression = f"case when {marks} then 'cancelled' else {expression} end"
    return expression


@dataclass(frozen=True)
class RowCheck:
    """A rule a row must keep, over the typed records: the column it names, the value to quote, the
    reason, and the SQL condition that is true when a row breaks it."""

    column: str
    value: str
    reason: str
    condition: str


def _row_checks(prepared: Prepared) -> list[RowCheck]:
    checks = []
    for plan in prepared.plans:
        column = plan.column
        typed = column.name
        raw = typed if column.kind == "text" else f"raw_{column.name}"  # text keeps no raw copy
        if column.required:
            checks.append(RowCheck(typed, "null", f"missing {typed}: every row needs one", f"{raw} is null"))
        if column.kind == "timestamp":
            reason = {
                "day-first": "not a date: this file writes dates day first, e.g. 31/03/2026 or 31/03/2026 14:05",
                "month-first": "not a date: this file writes dates month first, e.g. 03/31/2026 or 03/31/2026 2:05 PM",
            }.get(plan.date_order or "", "not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00")
        else:
            reason = {
                "amount": "not a number: use digits with a dot for decimals, e.g. 1234.50"
                if not plan.decimal_comma else "not a number: this file writes amounts like 1.234,50",
                "score": f"not a whole number from {column.low} to {column.high}",
            }.get(column.kind)
        if reason:
            checks.append(RowCheck(typed, raw, reason, f"{raw} is not null and {typed} is null"))
        if column.kind == "timestamp":
            checks.append(RowCheck(
                typed, raw, "year before 1900: only Gregorian dates are supported "
                "(is it a Solar Hijri or other calendar date?)", f"{typed} < timestamp '1900-01-01'",
            ))
        if column.kind == "score":
            checks.append(RowCheck(
                typed, raw, reason,
                f"{typed} not between {column.low} and {column.high} "
                f"or try_cast({_score_source(prepared, plan)} as decimal(6, 2)) != {typed}",
            ))
    for rule_table, earlier, later in TIME_ORDER_RULES:
        if rule_table == prepared.table.name:
            checks.append(RowCheck(later, f"raw_{later}", f"{later} is before {earlier}", f"{later} < {earlier}"))
    return checks


def _score_source(prepared: Prepared, plan: ColumnPlan) -> str:
    """The raw score with Eastern digits made ASCII, to tell 7.5 (quarantined) from 7."""
    raw = f"raw_{plan.column.name}"
    if prepared.eastern_digits:
        return f"translate({raw}, '{EASTERN_DIGITS}', '{WESTERN_DIGITS}')"
    return raw

