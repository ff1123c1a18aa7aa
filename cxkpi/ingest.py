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
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from cxkpi import archive as archive_store
from cxkpi import fault_points, reasons
from cxkpi import verdict as verdicts
from cxkpi.archive import DiskFullError
from cxkpi.csv_dialect import (
    Dialect,
    DialectError,
    find_report_footer,
    sniff,
    write_readable_copy,
)
from cxkpi.export_formats import (
    CODE_NULL_EXCEPTIONS,
    NULL_MARKERS,
    ExportFormat,
    MappingError,
    Recognised,
    RecognitionError,
    load_formats,
    mapping_text,
    recognise,
)
from cxkpi.registry import RegistryError, configured_timezone
from cxkpi.schema import SQL_TYPES, TIME_ORDER_RULES, Column, Table
from cxkpi.verdict import Verdict
from cxkpi.warehouse import Changes, clock_problem, mark_loaded, refresh_derived, writing

ROWS_NAMED_IN_SUMMARY = 10
# The column the Data page adds to quarantined rows downloaded to be mended (cxkpi.quarantine): when
# the mended file is loaded again it is no part of the record (not in extra, not in a row's key).
REASON_COLUMN = "cxkpi: why the row was set aside"
FILE_SUFFIXES = (".csv", ".tsv", ".txt")
EASTERN_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬"
WESTERN_DIGITS = "01234567890123456789.,"
EASTERN_DIGIT = re.compile(f"[{EASTERN_DIGITS}]")
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
# What an IANA time zone name is made of ('Asia/Tehran', 'America/Port-au-Prince', 'Etc/GMT+3')
ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")
NUMERIC_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
COMMA_DECIMAL = re.compile(r"^\D*-?\d{1,3}(\.\d{3})*,\d+\D*$|^\D*-?\d+,\d{1,2}\D*$")
DOT_DECIMAL = re.compile(r"\d\.\d{1,2}\D*$|,\d{3}\.")
NOT_PLAIN_NUMBER = re.compile(r"[^\d.\-+]")
# A spreadsheet's day number in a date column (Excel, LibreOffice: 45123 = 2023-07-16; 1927-2173).
EXCEL_SERIAL = re.compile(r"[1-9]\d{4}(\.\d+)?")
EXCEL_EPOCH = "1899-12-30"  # day 0 of the 1900 date system (it counts a 29 February 1900 that never was)
# Dates before this are placeholders (1900-01-01, 0) or another calendar, not records.
EARLIEST_PLAUSIBLE = "1970-01-01"
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
    exact_repeats: int  # rows repeating an earlier row of the file exactly (same key, same values): loaded once
    problems: list[Problem] = field(default_factory=list)
    export_format: str = ""
    dialect: str = ""
    sha256: str = ""
    line_item_rows: int = 0  # extra rows of multi-row records (Shopify line items), folded into their record
    event_rows: int = 0  # rows of an event log (one per state change), folded into their tickets
    already_loaded: str | None = None  # when and as what this exact file was loaded before
    loaded_at: datetime | None = None  # the load's time in ingest_log (and the manifest)
    quarantine_limit: float | None = None  # percent of the rows above which the file would have been refused

    @property
    def rows_quarantined(self) -> int:
        return len({problem.source_row for problem in self.problems})

    @property
    def verdict(self) -> Verdict:
        if self.already_loaded:
            return "unchanged"
        return "quarantined" if self.problems else "loaded"

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
        elif self.dialect:
            text += f" [{self.dialect}]"  # the encoding, always: and whether any byte was not decoded exactly
        if self.line_item_rows:
            text += f" ({self.line_item_rows} line-item rows folded into their orders)"
        if self.event_rows:
            text += f" ({self.event_rows} events folded into {self.rows_inserted + self.rows_updated} tickets)"
        if self.exact_repeats:
            repeats = f"{self.exact_repeats} row{'s repeat' if self.exact_repeats != 1 else ' repeats'}"
            text += f" ({repeats} an earlier row exactly: each record loaded once)"
        if self.problems:
            share = 100 * self.rows_quarantined / max(self.rows_read, 1)
            limit = "" if self.quarantine_limit is None else f", under the {self.quarantine_limit:g}% limit"
            text += (f"\n  QUARANTINED: {self.rows_quarantined} of {self.rows_read} rows ({share:.1f}%{limit}) are not "
                     "loaded and count in no KPI; fix them in the export and load it again")
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
    date_format: str | None = None  # a mapping's strptime layout: the only one tried
    epoch: str | None = None  # a mapping's "seconds" / "milliseconds" since 1970
    excel_serial: bool = False  # the column holds spreadsheet day numbers (45123 = 2023-07-16)
    scale: tuple[int, int] | None = None  # a score's scale: stated in the mapping, else canonical
    na_is_missing: bool = True  # "NA" means no value here (not in code columns: NA = North America, Namibia)

    @property
    def scale_text(self) -> str:
        assert self.scale is not None
        return f"{self.scale[0]}-{self.scale[1]}"

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
    # The business's time zone (metrics.toml's timezone): timestamps without an offset are its local
    # time, those with one are converted to it, and all are stored as its local time, naive.
    timezone: str = "UTC"
    # Dates after this are typos (2031 for 2021): the load's time plus a day, for time zones.
    not_after: datetime | None = None

    def __post_init__(self) -> None:
        if self.not_after is None:
            now = datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None, microsecond=0)
            self.not_after = now + timedelta(days=1)

    @property
    def header(self) -> list[str]:
        """The header row's names; a file without a header has columns called by their place."""
        if self.recognised.format.header_rows == 0:
            return [f"column {position + 1}" for position in range(self.width)]
        return self.dialect.records[0]

    @property
    def null_values(self) -> list[str]:
        """What the reader takes for "no value": the mapping's list, else the usual markers but "NA",
        which columns read as missing one by one (na_is_missing)."""
        stated = self.recognised.format.null_values
        if stated is not None:
            return sorted({"", *stated})
        return [marker for marker in NULL_MARKERS if marker not in CODE_NULL_EXCEPTIONS]

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
    quarantine_limit: float | None = None, timezone: str | None = None,
) -> tuple[list[IngestResult], list[IngestError]]:
    """Load every CSV file under paths; refusals are collected, not raised, so one bad file stops nothing.
    A full disk stops the run: DiskFullError, carrying what was loaded and refused before it.
    quarantine_limit: percent of a file's rows that may be quarantined (None: verdict.quarantine_limit()).
    timezone: the business's time zone (None: metrics.toml's timezone, registry.configured_timezone())."""
    results: list[IngestResult] = []
    refusals: list[IngestError] = []
    try:
        formats = load_formats(mapping)
        timezone = timezone or configured_timezone()
    except MappingError as error:
        return [], [IngestError(f"mapping: {error}")]
    except RegistryError as error:
        return [], [IngestError(f"settings: {error}")]
    archive_dir = archive or archive_store.default_archive_dir(db_path)
    for path in csv_files(paths):
        try:
            results.append(ingest_one(db_path, path, formats, archive_dir, quarantine_limit=quarantine_limit,
                                      timezone=timezone))
        except IngestError as refusal:
            refusals.append(refusal)
        except DiskFullError as error:
            error.results, error.refusals = results, refusals
            raise
    return results, refusals


def ingest_one(
    db_path: Path, path: Path, formats: list[ExportFormat], archive_dir: Path | None, name: str | None = None,
    *, snapshot: archive_store.Snapshot | None = None, loaded_at: datetime | None = None,
    quarantine_limit: float | None = None, timezone: str | None = None,
) -> IngestResult:
    """Copy the file once (or use the caller's snapshot of it), prepare that copy outside any lock,
    then under one short write connection archive it and load it; list it in the manifest after the
    commit. With archive_dir None (a rebuild, reading the archive itself) the file is read as it is.
    quarantine_limit: as in ingest_paths; rebuild passes 100 (a file loaded once loads again).
    timezone: as in ingest_paths."""
    limit = verdicts.quarantine_limit(quarantine_limit)
    name = name or path.name
    taken = None
    try:
        if archive_dir is not None and snapshot is None:
            taken = snapshot = _take_snapshot(archive_dir, path, name)
        if snapshot is not None:
            fault_points.reached("snapshot-taken")
        try:
            prepared = prepare(snapshot.path if snapshot else path, formats, name=name,
                               sha256=snapshot.sha256 if snapshot else None, timezone=timezone)
        except OSError as error:  # the UTF-8 copy of a file in a code page, in the temporary folder
            if archive_store.is_disk_full(error):
                raise DiskFullError(reasons.NO_SPACE_FOR_COPY.format(folder=tempfile.gettempdir())) from error
            raise
        prepared.loaded_at = loaded_at
        try:
            return _load_and_archive(db_path, prepared, archive_dir, snapshot, limit)
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
        raise IngestError(reasons.FILE_SAYS.format(file=name, reason=reasons.NO_SUCH_FILE)) from error
    except (archive_store.NotARegularFileError, IsADirectoryError) as error:
        raise IngestError(reasons.FILE_SAYS.format(file=name, reason=reasons.IS_NOT_A_FILE)) from error
    except archive_store.StillBeingWrittenError as error:
        raise IngestError(reasons.FILE_SAYS.format(file=name, reason=reasons.CHANGED_WHILE_READ)) from error


def _load_and_archive(
    db_path: Path, prepared: Prepared, archive_dir: Path | None, snapshot: archive_store.Snapshot | None,
    quarantine_limit: float,
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
                result = load_prepared(connection, prepared, quarantine_limit)
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
            raise DiskFullError(reasons.NO_SPACE_IN_WAREHOUSE.format(folder=db_path)) from error
        raise


def _forget_unlisted(connection: duckdb.DuckDBPyConnection, archive_dir: Path, sha256: str) -> None:
    try:
        if sha256 in {entry.sha256 for entry in archive_store.logged(connection)}:
            return
    except duckdb.Error:
        return  # the connection is broken (a failed write): leave the copy, it is harmless
    archive_store.forget(archive_dir, sha256)


def ingest_file(
    connection: duckdb.DuckDBPyConnection, path: Path, formats: list[ExportFormat] | None = None,
    quarantine_limit: float | None = None, timezone: str | None = None,
) -> IngestResult:
    """Load one file in one transaction on an open write connection; on any failure the warehouse is unchanged."""
    limit = verdicts.quarantine_limit(quarantine_limit)
    prepared = prepare(path, formats if formats is not None else load_formats(), timezone=timezone)
    try:
        return load_prepared(connection, prepared, limit)
    finally:
        prepared.cleanup()


# ------------------------------------------------------------------------------------------ prepare
def prepare(
    path: Path, formats: list[ExportFormat], name: str | None = None, sha256: str | None = None,
    timezone: str | None = None,
) -> Prepared:
    """Read enough of the file to know how to load it. timezone: the business's (None: metrics.toml's)."""
    name = name or path.name
    timezone = timezone or configured_timezone()
    if not path.is_file():
        raise IngestError(reasons.FILE_SAYS.format(file=name, reason=reasons.NO_SUCH_FILE))
    dialect = _sniff(path, name)
    recognised = _recognise(name, dialect, formats)
    stated = recognised.format.encoding
    if stated and stated != dialect.encoding.name:
        dialect = _sniff(path, name, stated)  # the mapping knows better: read it again, strictly, its way
        recognised = _recognise(name, dialect, formats)
    header_rows = recognised.format.header_rows
    width = len(dialect.records[0])
    workdir, read_path, dialect = _reading(path, dialect, name)
    prepared = None
    try:
        sample = [record for record in dialect.records[header_rows:] if len(record) == width]
        eastern = any(EASTERN_DIGIT.search(cell) for record in sample for cell in record)
        plans = _plan_columns(recognised, sample, eastern)
        prepared = Prepared(
            path=path, name=name, read_path=read_path, dialect=dialect, recognised=recognised, width=width,
            plans=plans, eastern_digits=eastern, sha256=sha256 or archive_store.file_sha256(path), workdir=workdir,
            timezone=timezone,
        )
        _decide_date_order_or_refuse(prepared)
        return prepared
    except BaseException:
        if prepared is not None:
            prepared.cleanup()
        elif workdir is not None:
            workdir.cleanup()
        raise


def _sniff(path: Path, name: str, stated_encoding: str | None = None) -> Dialect:
    try:
        return sniff(path, stated_encoding)
    except DialectError as error:
        raise IngestError(f"{name}: {error}") from error


def _recognise(name: str, dialect: Dialect, formats: list[ExportFormat]) -> Recognised:
    try:
        return recognise(name, dialect.records[: recognised_rows(formats)], formats)
    except RecognitionError as error:
        raise IngestError(str(error)) from error


def recognised_rows(formats: list[ExportFormat]) -> int:
    return max(fmt.header_rows for fmt in formats)


def _reading(path: Path, dialect: Dialect, name: str) -> tuple[tempfile.TemporaryDirectory[str] | None, Path, Dialect]:
    """What DuckDB reads: the file itself, or a copy in a temporary folder when the file is not UTF-8
    or lines its columns up with spaces (a UTF-8, tab-separated copy) or ends in a report footer (a
    copy without it: the reader is strict about the number of fields, and the footer's one-field
    lines are not records). The dialect says what was left out."""
    workdir, read_path = None, path
    if dialect.needs_conversion:
        workdir, read_path = _readable_copy(path, dialect, name)
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


def _readable_copy(path: Path, dialect: Dialect, name: str) -> tuple[tempfile.TemporaryDirectory[str], Path]:
    workdir = tempfile.TemporaryDirectory(prefix="cxkpi-ingest-")
    target = Path(workdir.name) / "utf8.csv"
    try:
        write_readable_copy(path, dialect, target)
    except DialectError as error:
        workdir.cleanup()
        raise IngestError(f"{name}: refused, nothing was changed: {error}") from error
    return workdir, target


def _plan_columns(recognised: Recognised, sample: list[list[str]], eastern: bool) -> list[ColumnPlan]:
    fmt = recognised.format
    markers = set(NULL_MARKERS if fmt.null_values is None else ("", *fmt.null_values))
    plans = []
    for column in _columns_read(recognised):
        position = _position(recognised, column)
        spec = fmt.columns.get(column.name)
        plan = ColumnPlan(column=column, position=position)
        plan.na_is_missing = fmt.null_values is None and not _holds_codes(column)
        values = [record[position].strip() for record in sample] if position is not None else []
        values = [value.translate(_DIGITS) if eastern else value for value in values if value not in markers]
        if column.kind == "timestamp":
            plan.date_format = (spec.date_format if spec else None) or fmt.date_format
            plan.epoch = spec.epoch if spec else None
            plan.excel_serial = not (spec and spec.minutes_after) and any(EXCEL_SERIAL.fullmatch(v) for v in values)
            if not plan.date_format and not plan.epoch and any(NUMERIC_DATE.match(value) for value in values):
                plan.date_order = fmt.date_order or "undecided"
                plan.date_sample = values[:200]
        if column.kind == "amount":
            plan.decimal_comma = any(COMMA_DECIMAL.match(v) for v in values) and not any(
                DOT_DECIMAL.search(v) for v in values
            )
            plan.loose_amount = plan.decimal_comma or any(NOT_PLAIN_NUMBER.search(v.lstrip("-")) for v in values)
        if column.kind == "score":
            plan.scale = (spec.scale if spec else None) or (column.low, column.high)
        plans.append(plan)
    return plans


# An event log's rows are events: their time and state are read like columns, then folded per ticket.
EVENT_AT = Column("event_at", "timestamp", required=True)
EVENT_STATE = Column("event_state", required=True)


def _columns_read(recognised: Recognised) -> list[Column]:
    columns = list(recognised.table.columns)
    if recognised.event_positions is not None:
        columns += [EVENT_AT, EVENT_STATE]
    return columns


def _position(recognised: Recognised, column: Column) -> int | None:
    if recognised.event_positions is not None and column in (EVENT_AT, EVENT_STATE):
        return recognised.event_positions[0 if column is EVENT_AT else 1]
    return recognised.positions.get(column.name)


def _holds_codes(column: Column) -> bool:
    """A text column of codes or ids, where "NA" can be a value; the comment is free text."""
    return column.kind == "text" and column.name != "comment"


_DIGITS = str.maketrans(EASTERN_DIGITS, WESTERN_DIGITS)


def _decide_date_order_or_refuse(prepared: Prepared) -> None:
    """_decide_date_order reads the whole file, so it is the first to meet a broken line: the same
    answer as the load's (a refusal naming the line), never a raw DuckDB error."""
    try:
        _decide_date_order(prepared)
    except duckdb.Error as error:
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
        raise IngestError(reasons.DATES_MIX_ORDERS.format(file=prepared.name, columns=columns))
    if not day_first and not month_first:
        raise IngestError(reasons.DATE_ORDER_UNKNOWN.format(file=prepared.name, columns=columns))
    for plan in undecided:
        plan.date_order = "day-first" if day_first else "month-first"


# --------------------------------------------------------------------------------------------- load
# Temp views: the records a load wrote and the versions of them it replaced (_upsert).
CHANGES = Changes(written="written_rows", replaced="replaced_rows")
_READ_CSV = """read_csv(
            $path, auto_detect = false, header = {header}, columns = $columns,
            delim = $delim, quote = '"', escape = '"', strict_mode = true, nullstr = $null_values
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
    header_rows = prepared.recognised.format.header_rows
    if header_rows in (0, 1):
        return f"select * from {_READ_CSV.format(header='true' if header_rows else 'false')}", _file_params(prepared)
    sql, params = _numbered_records(prepared)
    return f"select * exclude (source_row) from ({sql})", params


def _file_params(prepared: Prepared) -> dict[str, object]:
    return {
        "path": str(prepared.read_path),
        "columns": {f"c{index}": "VARCHAR" for index in range(1, prepared.width + 1)},
        "delim": prepared.dialect.delimiter,
        "null_values": prepared.null_values,
    }


def _cell(position: int | None, na_is_missing: bool = False) -> str:
    if position is None:
        return "null::varchar"
    value = f"nullif(trim(c{position + 1}), '')"
    if na_is_missing:  # the reader took every other null marker already (read_csv's nullstr)
        for marker in CODE_NULL_EXCEPTIONS:
            value = f"nullif({value}, '{marker}')"
    return value


def _plan_cell(plan: ColumnPlan) -> str:
    return _cell(plan.position, plan.na_is_missing)


def _numeric_cell(prepared: Prepared, plan: ColumnPlan) -> str:
    """A date, amount or score cell with Arabic-Indic and Persian digits made ASCII (text stays intact)."""
    value = _plan_cell(plan)
    if prepared.eastern_digits and plan.position is not None:
        return f"translate({value}, '{EASTERN_DIGITS}', '{WESTERN_DIGITS}')"
    return value


def load_prepared(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, quarantine_limit: float = 100.0,
) -> IngestResult:
    """Load a prepared file in one transaction. A score column on another scale than its own, or more
    than quarantine_limit percent of the rows quarantined, refuses it: then nothing is changed."""
    previous = connection.execute(
        "select loaded_at, source_file, table_name from ingest_log where file_sha256 = $sha order by loaded_at limit 1",
        {"sha": prepared.sha256},
    ).fetchone()
    if previous:
        loaded_at, source_file, table_name = previous
        return IngestResult(
            path=Path(prepared.name), table=table_name, rows_read=0, rows_inserted=0, rows_updated=0,
            exact_repeats=0, export_format=prepared.recognised.format.name, sha256=prepared.sha256,
            already_loaded=(
                f"the same bytes were loaded as {source_file} into {table_name} on {loaded_at:%Y-%m-%d %H:%M}"
            ),
        )
    if (problem := clock_problem(connection, prepared.timezone)) is not None:
        raise IngestError(f"{prepared.name}: not loaded: {problem}")
    # Only a name the IANA database knows reaches here (registry.timezone_problem); SET takes no parameter.
    assert ZONE_NAME.fullmatch(prepared.timezone), prepared.timezone
    connection.execute(f"set TimeZone = '{prepared.timezone}'")
    connection.begin()
    try:
        result = _load(connection, prepared, quarantine_limit)
        if result.rows_inserted or result.rows_updated:  # in the load's transaction: never out of step
            refresh_derived(connection, result.table, CHANGES)
        fault_points.reached("before-commit")
        connection.commit()
        return result
    except duckdb.Error as error:
        _roll_back(connection)
        if archive_store.is_disk_full(error):
            raise  # not the file's fault: ingest_one says so, and an inbox file stays to be loaded again
        raise IngestError(f"{prepared.name}: {_explain(error, prepared)}") from error
    except BaseException:
        _roll_back(connection)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # a connection a failed write has broken is closed, not reused
            connection.execute("set TimeZone = 'UTC'")
        with contextlib.suppress(duckdb.Error):  # a connection a failed write has broken: closing it drops them
            connection.execute(f"drop view if exists {CHANGES.written}")
            connection.execute(f"drop view if exists {CHANGES.replaced}")
            for name in ("accepted", "deduplicated", "problems", "typed", "tickets", "staged", "replaced"):
                connection.execute(f"drop table if exists {name}")


def _roll_back(connection: duckdb.DuckDBPyConnection) -> None:
    """A commit that failed (a full disk) has already ended the transaction: nothing left to undo."""
    with contextlib.suppress(duckdb.TransactionException):
        connection.rollback()


def _load(connection: duckdb.DuckDBPyConnection, prepared: Prepared, quarantine_limit: float) -> IngestResult:
    fmt = prepared.recognised.format
    if not fmt.line_items and fmt.event_log is None:
        result = _load_in_one_pass(connection, prepared)
        if result is not None:
            return result
        # A row needs quarantining or a key repeats: undo, and take the path that numbers rows.
        connection.rollback()
        connection.begin()
    result = _load_with_quarantine(connection, prepared, quarantine_limit)
    result.quarantine_limit = quarantine_limit
    return result


def _load_in_one_pass(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> IngestResult | None:
    """The usual file (every row valid, every key once): read and typed once into a temp table, with
    each row's verdict; its counts prove it was that file, then its rows are upserted. None when it
    was not. (Reading the file once: a second read to count its rows and keys cost ~0.5 s per 1M
    rows, docs/decisions.md.)"""
    table, key = prepared.table, prepared.table.key
    records, params = _records(prepared)
    typed = _typed_select(prepared, records, params)
    problems = " or ".join(f"coalesce({check.condition}, false)" for check in _row_checks(prepared))
    column_list = ", ".join(table.column_names)
    # Only the canonical columns and the verdict are kept: the raw texts serve the checks alone.
    connection.execute(
        f"create temp table staged as select {column_list}, extra, ({problems or 'false'}) as broken from ({typed})",
        params,
    )
    rows_read, distinct_keys, broken = connection.execute(
        f"select count(*), count(distinct {key}), count(*) filter (where broken) from staged"
    ).fetchone()
    if broken or distinct_keys != rows_read:
        connection.execute("drop table staged")
        return None
    inserted, rows_updated = _upsert(connection, prepared, "staged")
    return _log(connection, prepared, rows_read=rows_read, rows_inserted=inserted - rows_updated,
                rows_updated=rows_updated)


def _upsert(connection: duckdb.DuckDBPyConnection, prepared: Prepared, rows: str) -> tuple[int, int]:
    """Write the records of temp table `rows` (one per key) into the canonical table, replacing those
    with the same keys: an upsert as delete + insert in the load's transaction, so keys stay unique
    without a primary-key index (which made large loads several times slower, docs/decisions.md).
    The records written and the versions replaced are then the temp views of CHANGES, for the derived
    tables' refresh (warehouse.refresh_derived). Returns (records written, records replaced)."""
    table, key = prepared.table, prepared.table.key
    column_list = ", ".join(table.column_names)
    connection.execute(f"create temp table replaced as select * from {table.name} limit 0")
    replaced = 0
    if connection.execute(f"select exists (select 1 from {table.name})").fetchone()[0]:
        connection.execute(
            f"insert into replaced select * from {table.name} where {key} in (select {key} from {rows})"
        )
        replaced = connection.execute(
            f"delete from {table.name} where {key} in (select {key} from replaced)"
        ).fetchone()[0]
    written = connection.execute(
        f"insert into {table.name} ({column_list}, extra) select {column_list}, extra from {rows}"
    ).fetchone()[0]
    connection.execute(f"create temp view {CHANGES.written} as select {column_list}, extra from {rows}")
    connection.execute(f"create temp view {CHANGES.replaced} as select {column_list}, extra from replaced")
    return written, replaced


def _load_with_quarantine(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, quarantine_limit: float,
) -> IngestResult:
    """Every record typed into a temp table with its row number; the rows that break a rule go to the
    quarantine with row, column and reason; a key repeated in the file keeps its last row (earlier
    rows with other values are quarantined, exact repeats are one record); an event log is folded
    into one record per ticket; the rest is upserted, unless a score column sits on another scale or
    too many rows were quarantined: then the file is refused."""
    fmt, key = prepared.recognised.format, prepared.table.key
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
            f"insert into problems select source_row, $column, {check.value}, $reason "
            f"from typed where {check.condition}",
            {"column": check.column, "reason": check.reason},
        )
    _refuse_another_scale(connection, prepared)

    accepted = "typed"
    if connection.execute("select count(*) from problems").fetchone()[0]:
        accepted = "accepted"
        connection.execute("create temp table accepted as select * from typed anti join problems using (source_row)")
    exact_repeats = event_rows = 0
    if fmt.event_log is not None:
        event_rows = connection.execute(f"select count(*) from {accepted}").fetchone()[0]
        _fold_events(connection, prepared, accepted)
        accepted = "tickets"
    elif connection.execute(f"select count(*) > count(distinct {key}) from {accepted}").fetchone()[0]:
        exact_repeats = _keep_the_last_of_repeated_keys(connection, prepared, accepted)
        accepted = "deduplicated"
    rows_read = connection.execute("select count(*) from typed").fetchone()[0] + line_item_rows
    _refuse_over_the_limit(connection, prepared, rows_read, quarantine_limit)
    records_loaded, rows_updated = _upsert(connection, prepared, accepted)
    problems = [
        Problem(source_row=row, column=column, value=value, reason=reason)
        for row, column, value, reason in connection.execute(
            "select * from problems order by source_row, column_name"
        ).fetchall()
    ]
    return _log(connection, prepared, rows_read=rows_read, rows_inserted=records_loaded - rows_updated,
                rows_updated=rows_updated, exact_repeats=exact_repeats, problems=problems,
                line_item_rows=line_item_rows, event_rows=event_rows)


def _keep_the_last_of_repeated_keys(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, accepted: str,
) -> int:
    """Exports repeat a key when a record changed during the export: the last row is the newest and
    is kept. An earlier row with other values is a different version of the record and is reported
    in the quarantine, row by row; one with the same values is the same record, loaded once. Returns
    how many rows were such exact repeats."""
    key = prepared.table.key
    values = ", ".join(f"coalesce({name}::varchar, chr(0))" for name in (*prepared.table.column_names, "extra"))
    connection.execute(
        f"""create temp table deduplicated as
        select * from {accepted} qualify row_number() over (partition by {key} order by source_row desc) = 1"""
    )
    connection.execute(
        f"""create temp table repeated as
        with versions as (
            select source_row, {key} as record_key, md5(concat_ws(chr(31), {values})) as content
            from {accepted}
            where {key} in (select {key} from {accepted} group by {key} having count(*) > 1)
        ),
        kept as (
            select record_key, source_row as kept_row, content as kept_content
            from versions
            qualify row_number() over (partition by record_key order by source_row desc) = 1
        )
        select versions.source_row, versions.record_key, kept.kept_row, versions.content = kept.kept_content as same
        from versions join kept using (record_key)
        where versions.source_row <> kept.kept_row"""
    )
    connection.execute(
        f"""insert into problems
        select source_row, '{key}', record_key,
            'the same {key} as row ' || kept_row || ', with other values: row ' || kept_row || ', the later, is kept'
        from repeated where not same"""
    )
    exact = connection.execute("select count(*) from repeated where same").fetchone()[0]
    connection.execute("drop table repeated")
    return exact


def _fold_events(connection: duckdb.DuckDBPyConnection, prepared: Prepared, accepted: str) -> None:
    """One complaint per ticket of an event log (one row per state change), in temp table `tickets`:
    created at its creation column if the log has one, else at its first event; first response at its
    first event in a state that is not new; resolved at the start of its last run of resolved states,
    if it ends resolved (reopened and not resolved again: open); customer, channel and category from
    its latest event that has them."""
    log = prepared.recognised.format.event_log
    assert log is not None
    latest = ", ".join(
        f"arg_max({name}, step) filter (where {name} is not null) as {name}"
        for name in ("customer_id", "channel", "category")
    )
    connection.execute(
        f"""create temp table tickets as
        with events as (
            select *,
                list_contains($new::varchar[], lower(event_state)) as is_new,
                list_contains($resolved::varchar[], lower(event_state)) as is_resolved,
                row_number() over (partition by complaint_id order by event_at, source_row) as step
            from {accepted}
        ),
        steps as (
            select complaint_id, max(step) as last_step, max(step) filter (where not is_resolved) as last_open_step
            from events
            group by complaint_id
        ),
        final as (
            select
                complaint_id,
                {latest},
                least(min(created_at), min(event_at)) as created_at,
                min(event_at) filter (where not is_new) as first_response_at,
                min(event_at) filter (where is_resolved and step > coalesce(last_open_step, 0)) as resolved_at,
                case when bool_or(step = last_step and is_resolved) then 'resolved' else 'open' end as status,
                arg_max(extra, step) as extra,
                max(source_row) as source_row
            from events
            join steps using (complaint_id)
            group by complaint_id
        )
        select * from final""",
        {"new": list(log.new), "resolved": list(log.resolved)},
    )


# The answer ranges surveys use. A score column whose whole answers fill another of these (1-10 on a
# 1-5 question) is on that scale: counted on the question's own, its top answers would be lost.
KNOWN_SCALES = ((1, 5), (0, 5), (1, 7), (0, 7), (1, 10), (0, 10), (1, 100), (0, 100))
# Fewer answers than this outside the scale, or a smaller share of the column, are strays (typos)
# and are quarantined row by row; more is another scale, and the file is refused.
STRAY_ANSWERS, STRAY_SHARE = 5, 0.05


def _refuse_another_scale(connection: duckdb.DuckDBPyConnection, prepared: Prepared) -> None:
    """Refuse the file when a score column's answers, over the whole column, sit on another scale than
    the one it is read on, naming that scale and the mapping lines that state it."""
    for plan in prepared.plans:
        if plan.column.kind != "score" or plan.position is None:
            continue
        low, high = plan.scale or (0, 0)
        number = f"try_cast({_score_source(prepared, plan)} as decimal(9, 2))"
        answers, outside, lowest, highest = connection.execute(
            f"""select count(number) filter (where whole), count(*) filter (where whole and number not between
                    {low} and {high}), min(number) filter (where whole), max(number) filter (where whole)
            from (select {number} as number, {number} = round({number}) as whole from typed)"""
        ).fetchone()
        if outside < STRAY_ANSWERS or outside < STRAY_SHARE * answers:
            continue
        fits = [scale for scale in KNOWN_SCALES if scale[0] <= lowest and highest <= scale[1]]
        if not fits:
            continue  # no scale holds these answers: they are bad rows, quarantined one by one
        guess_low, guess_high = min(fits, key=lambda scale: scale[1] - scale[0])
        raise IngestError(_another_scale_message(prepared, plan, answers, outside, (int(lowest), int(highest)),
                                                 f"{guess_low}-{guess_high}"))


def _another_scale_message(
    prepared: Prepared, plan: ColumnPlan, answers: int, outside: int, seen: tuple[int, int], guess: str,
) -> str:
    column = plan.column
    header = prepared.header[plan.position].strip().lstrip("\ufeff") if plan.position is not None else column.name
    text = reasons.ANOTHER_SCALE.format(
        file=prepared.name, column=column.name, header=repr(header), lowest=seen[0], highest=seen[1], outside=outside,
        answers=answers, scale=plan.scale_text, guess=guess) + " "
    if column.scale_column is None:
        return text + reasons.NPS_IS_ON_0_TO_10.format(column=column.name, scale=column.scale)
    orders = {plan.date_order for plan in prepared.plans if plan.date_order in ("day-first", "month-first")}
    lines = mapping_text(prepared.recognised, prepared.header, {column.name: guess}, next(iter(orders), None))
    return text + f"{reasons.STATE_THE_SCALE}\n\n{lines}\n"


def _refuse_over_the_limit(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, rows_read: int, quarantine_limit: float,
) -> None:
    """More than quarantine_limit percent of the file's rows quarantined: a systematic problem, which
    would bias every KPI built on the rest. The file is refused with the commonest reasons."""
    quarantined = connection.execute("select count(distinct source_row) from problems").fetchone()[0]
    if quarantined <= quarantine_limit / 100 * rows_read:
        return
    commonest = connection.execute(
        """select column_name, reason, count(distinct source_row) as rows, min(source_row) as first_row
        from problems group by column_name, reason order by rows desc, first_row limit 5"""
    ).fetchall()
    listed = "; ".join(f"{column}: {reason}: {count:,} row{'s' * (count != 1)} (first: row {first})"
                       for column, reason, count, first in commonest)
    raise IngestError(reasons.OVER_THE_LIMIT.format(
        file=prepared.name, quarantined=quarantined, read=rows_read, share=100 * quarantined / max(rows_read, 1),
        limit=quarantine_limit, listed=listed, env=verdicts.QUARANTINE_LIMIT_ENV))


def _typed_select(prepared: Prepared, records: str, params: dict[str, object], numbered: bool = False) -> str:
    """Each canonical column typed from the records' text, the raw text of those that can fail to
    parse, the export's other columns as JSON in extra; empty records (Excel's trailing rows) left out."""
    used = (set(prepared.recognised.positions.values()) | set(prepared.recognised.event_positions or ())
            | _reason_positions(prepared))
    extra_columns = []
    seen: set[str] = set()
    for index, name in enumerate(prepared.header):
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
        if plan.column.kind not in ("text", "scale"):
            columns.append(f"{_raw_expression(prepared, plan)} as raw_{plan.column.name}")
    any_value = ", ".join(f"c{index}" for index in range(1, prepared.width + 1))
    return f"""select {', '.join(columns)}, {extra_json} as extra
        from ({records}) as records
        where coalesce({any_value}) is not null"""


def _log(
    connection: duckdb.DuckDBPyConnection, prepared: Prepared, *, rows_read: int, rows_inserted: int,
    rows_updated: int, exact_repeats: int = 0, problems: list[Problem] | None = None,
    line_item_rows: int = 0, event_rows: int = 0,
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
        exact_repeats=exact_repeats,
        problems=problems or [],
        export_format=fmt.name,
        dialect=prepared.dialect.describe(),
        sha256=prepared.sha256,
        line_item_rows=line_item_rows,
        loaded_at=loaded_at,
        event_rows=event_rows,
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
            $format as export_format, $dialect as dialect, $sha as file_sha256,
            $timezone as business_timezone""",
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
            "timezone": prepared.timezone,
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
    number = int(line.group(1)) if line else None
    last_line = number is not None and number >= _line_count(prepared.read_path)
    if "unterminated quote" in text:
        cause = reasons.LOOKS_CUT_SHORT if last_line else reasons.QUOTE_NEVER_CLOSED
        reason = (reasons.QUOTE_NEVER_ENDS if line else reasons.QUOTE_NEVER_ENDS_SOMEWHERE).format(
            line=number, cause_of=cause)
        return f"refused, nothing was changed: {reason}"
    if fields:
        expected, found = (int(count) for count in fields.groups())
        if last_line and found < expected:  # the last line is a line DuckDB named
            template = reasons.ENDS_MID_ROW
        else:
            template = reasons.FIELD_COUNT if line else reasons.FIELD_COUNT_SOMEWHERE
        return f"refused, nothing was changed: {template.format(line=number, found=found, expected=expected)}"
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
    if plan.column.name == prepared.table.key and prepared.recognised.format.key_from_row:
        return _row_key(prepared)
    return _plan_cell(plan)


def _row_key(prepared: Prepared) -> str:
    """The key of a record in an export without ids: the hash of its line's values and which
    occurrence of that line it is in the file. Two identical answers in one file stay two records;
    the same line in a later, overlapping export is the same record again (an upsert, not a copy).
    The reason column of a mended file (quarantine.REASON_COLUMN) is no part of the line."""
    reason_columns = _reason_positions(prepared)
    cells = ", ".join(f"coalesce(c{index}, '')" for index in range(1, prepared.width + 1)
                      if index - 1 not in reason_columns)
    line = f"md5(concat_ws(chr(31), {cells}))"
    return f"{line} || ':' || row_number() over (partition by {line})"


def _reason_positions(prepared: Prepared) -> set[int]:
    return {index for index, name in enumerate(prepared.header) if name.strip() == REASON_COLUMN}


def _typed_expression(prepared: Prepared, plan: ColumnPlan, params: dict[str, object]) -> str:
    column = plan.column
    if column.name == prepared.table.key and prepared.recognised.format.key_from_row:
        return _raw_expression(prepared, plan)
    if column.kind == "scale":
        score = next(other for other in prepared.plans if other.column.scale_column == column.name)
        if score.position is None:
            return "null::varchar"
        params[f"scale_{column.name}"] = score.scale_text
        return f"${'scale_' + column.name}::varchar"
    if plan.position is None and not (column.name == "status" and prepared.recognised.cancelled_positions):
        return f"null::{SQL_TYPES[column.kind]}"
    value = _numeric_cell(prepared, plan) if column.kind != "text" else _plan_cell(plan)
    if column.kind == "timestamp":
        spec = prepared.recognised.format.columns.get(column.name)
        if spec is not None and spec.minutes_after:
            base = next(p for p in prepared.plans if p.column.name == spec.minutes_after)
            return (
                f"({_timestamp_expression(_numeric_cell(prepared, base), base, params)}"
                f" + to_microseconds(cast(round(try_cast({value} as double) * 60000000) as bigint)))"
            )
        return _timestamp_expression(value, plan, params)
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


def _timestamp_expression(value: str, plan: ColumnPlan, params: dict[str, object]) -> str:
    if plan.date_format:  # the mapping says how its dates are written: that, and nothing else
        params[f"date_format_{plan.column.name}"] = plan.date_format
        parsed = f"try_strptime({value}, ${'date_format_' + plan.column.name})"
        return f"{parsed}::timestamptz::timestamp" if "%z" in plan.date_format else parsed
    if plan.epoch:  # the mapping says: seconds (or milliseconds) since 1970-01-01 UTC
        per_second = 1_000_000 if plan.epoch == "seconds" else 1_000
        utc = f"make_timestamp(cast(round(try_cast({value} as double) * {per_second}) as bigint))"
        return f"timezone('UTC', {utc})::timestamp"  # an instant, as the business's local time
    # A value with an offset (+02:00, Z) goes through timestamptz so it is converted to the business's
    # local time (the load's connection is set to its zone, load_prepared: a value without an offset
    # is read as that zone's local time, and a timestamptz cast to timestamp is its local time); a
    # cast straight to timestamp would silently drop the offset. 'YYYY-MM-DD HH:MM:SS' (19 characters
    # or fewer) has none, and takes the much faster direct cast.
    iso = (
        f"case when length({value}) <= 19 then try_cast({value} as timestamp) "
        f"else try_cast({value} as timestamptz)::timestamp end"
    )
    gmt_formats = GMT_FORMATS
    if plan.date_order in ("day-first", "month-first"):
        gmt_formats = gmt_formats + [f"{f} %z" for f in plan.date_formats if ":" in f and "%z" not in f]
    # ISO 8601's basic notation (19970101, 19970101143000), only for values of 8 or 14 digits:
    # strptime alone would also read 7 digits, taking 2026031 for 1 March.
    basic = (f"case when regexp_full_match({value}, '\\d{{8}}') then try_strptime({value}, '%Y%m%d') "
             f"when regexp_full_match({value}, '\\d{{14}}') then try_strptime({value}, '%Y%m%d%H%M%S') end")
    # Last: coalesce only evaluates an argument for the rows every earlier one left null, so the
    # regular expressions cost nothing on files without 'GMT', basic dates or day numbers.
    parts = [iso, _strptime(value, ISO_EXTRA_FORMATS), basic, _strptime(_gmt_as_offset(value), gmt_formats)]
    if plan.excel_serial:
        parts.append(f"case when regexp_full_match({value}, '{EXCEL_SERIAL.pattern}') then timestamp "
                     f"'{EXCEL_EPOCH}' + to_microseconds(cast(round({value}::double * 86400000000) as bigint)) end")
    expression = f"coalesce({', '.join(parts)})"
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
    """try_strptime over formats, those with an offset (%z, converted to the business's local time, as
    _timestamp_expression says) apart from those without:
    DuckDB 2.0 given both kinds in one list rolls an impossible date over (31/02 became 3 March)."""
    naive = ", ".join(f"'{f}'" for f in formats if "%z" not in f)
    zoned = ", ".join(f"'{f}'" for f in formats if "%z" in f)
    parts = [f"try_strptime({value}, [{naive}])"] if naive else []
    if zoned:
        parts.append(f"try_strptime({value}, [{zoned}])::timestamp")
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
    not_after = f"timestamp '{prepared.not_after:%Y-%m-%d %H:%M:%S}'"  # computed here, never from the file
    for plan in prepared.plans:
        column = plan.column
        typed = column.name
        if column.kind == "scale":
            continue
        raw = typed if column.kind == "text" else f"raw_{column.name}"  # text keeps no raw copy
        if column.required:
            checks.append(RowCheck(typed, "null", reasons.MISSING.format(column=typed), f"{raw} is null"))
        if column.kind == "timestamp":
            reason = _not_a_date(plan)
        else:
            reason = {
                "amount": reasons.NOT_A_NUMBER if not plan.decimal_comma else reasons.NOT_A_NUMBER_DECIMAL_COMMA,
                "score": reasons.NOT_A_WHOLE_NUMBER.format(lowest=plan.scale[0], highest=plan.scale[1])
                if plan.scale else None,
            }.get(column.kind)
        if reason:
            checks.append(RowCheck(typed, raw, reason, f"{raw} is not null and {typed} is null"))
        if column.kind == "timestamp":
            checks.append(RowCheck(
                typed, raw, reasons.IMPLAUSIBLY_EARLY.format(year=int(EARLIEST_PLAUSIBLE[:4])),
                f"{typed} < timestamp '{EARLIEST_PLAUSIBLE}'",
            ))
            checks.append(RowCheck(
                typed, raw, reasons.IN_THE_FUTURE.format(
                    moment=f"{prepared.not_after - timedelta(days=1):%Y-%m-%d %H:%M}", timezone=prepared.timezone),
                f"{typed} > {not_after}",
            ))
        if column.kind == "score" and plan.scale:
            low, high = plan.scale
            checks.append(RowCheck(
                typed, raw, reason,
                f"{typed} not between {low} and {high} "
                f"or try_cast({_score_source(prepared, plan)} as decimal(6, 2)) != {typed}",
            ))
    for rule_table, earlier, later in TIME_ORDER_RULES:
        if rule_table == prepared.table.name and prepared.recognised.format.event_log is None:
            checks.append(RowCheck(later, f"raw_{later}", reasons.BEFORE.format(later=later, earlier=earlier),
                                   f"{later} < {earlier}"))
    return checks


def _not_a_date(plan: ColumnPlan) -> str:
    if plan.date_format:
        return reasons.NOT_A_DATE_AS_MAPPED.format(date_format=plan.date_format)
    if plan.epoch:
        return reasons.NOT_AN_EPOCH.format(unit=plan.epoch)
    return {
        "day-first": reasons.NOT_A_DATE_DAY_FIRST, "month-first": reasons.NOT_A_DATE_MONTH_FIRST,
    }.get(plan.date_order or "", reasons.NOT_A_DATE_ISO)


def _score_source(prepared: Prepared, plan: ColumnPlan) -> str:
    """The raw score with Eastern digits made ASCII, to tell 7.5 (quarantined) from 7."""
    raw = f"raw_{plan.column.name}"
    if prepared.eastern_digits:
        return f"translate({raw}, '{EASTERN_DIGITS}', '{WESTERN_DIGITS}')"
    return raw
