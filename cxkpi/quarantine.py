"""Quarantined rows, whole: each load's rows set aside with their reasons, and the CSV to mend them.

A load that sets rows aside keeps each of them whole (every field as the reader split it) and the
file's header rows, in `quarantined_records` (cxkpi.ingest). The Data page shows them in the file's
own columns with a reason column, and offers them as a CSV in the same shape: fix the values, drop
the file again, and it loads as the export it came from; the reason column is left out of the record.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from cxkpi.ingest import REASON_COLUMN
from cxkpi.report import FORMULA_STARTS

# A cell a spreadsheet reads as a number, not a formula (-12.50, +3): it stays as it is, so a mended
# file still loads (a leading ' would make it text).
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class QuarantinedLoad:
    """One load that set rows aside."""

    file_sha256: str | None
    source_file: str
    loaded_at: datetime
    table_name: str
    rows: int

    def label(self) -> str:
        return f"{self.source_file} · {self.table_name} · loaded {self.loaded_at:%Y-%m-%d %H:%M} · {self.rows} row(s)"


@dataclass(frozen=True)
class WholeRows:
    """A load's quarantined rows as its file had them: header rows, then (row number, fields, reasons)."""

    header_rows: list[list[str]]
    rows: list[tuple[int, list[str | None], str]]  # reasons: 'amount: not a number ...; ordered_at: ...'

    @property
    def whole(self) -> bool:
        """False for loads made before whole rows were kept: only the cells at fault are known."""
        return bool(self.header_rows)


def loads(connection: duckdb.DuckDBPyConnection) -> list[QuarantinedLoad]:
    """Every load that set rows aside, newest first."""
    return [QuarantinedLoad(*row) for row in connection.execute(
        """select file_sha256, source_file, loaded_at, table_name, rows_quarantined from ingest_log
           where rows_quarantined > 0 order by loaded_at desc, rowid desc"""
    ).fetchall()]


def whole_rows(connection: duckdb.DuckDBPyConnection, load: QuarantinedLoad) -> WholeRows:
    header_rows = [fields for (fields,) in connection.execute(
        """select fields from quarantined_records
           where file_sha256 = $sha and loaded_at = $loaded_at and is_header order by source_row""",
        {"sha": load.file_sha256, "loaded_at": load.loaded_at},
    ).fetchall()]
    if not header_rows:  # loaded before whole rows were kept: the cells at fault
        found = connection.execute(
            """select source_row, [column_name, value], string_agg(reason, '; ' order by column_name)
               from quarantine where source_file = $file and loaded_at = $loaded_at
               group by all order by source_row, 2""", {"file": load.source_file, "loaded_at": load.loaded_at},
        ).fetchall()
        return WholeRows([], [(row, fields, reasons) for row, fields, reasons in found])
    found = connection.execute(
        """select record.source_row, record.fields,
                  string_agg(problem.column_name || ': ' || problem.reason, '; ' order by problem.column_name)
           from quarantined_records as record
           join quarantine as problem
             on problem.file_sha256 = record.file_sha256 and problem.loaded_at = record.loaded_at
            and problem.source_row = record.source_row
           where record.file_sha256 = $sha and record.loaded_at = $loaded_at and not record.is_header
           group by all order by record.source_row""", {"sha": load.file_sha256, "loaded_at": load.loaded_at},
    ).fetchall()
    return WholeRows(header_rows, found)


def table(found: WholeRows) -> pd.DataFrame:
    """For the page: the row number, the file's own columns (names made unique), and the reasons."""
    if not found.whole:
        return pd.DataFrame(
            [(row, fields[0], fields[1], reasons) for row, fields, reasons in found.rows],
            columns=["Row", "Column", "Value", "Why"],
        )
    names = _unique([name.strip().lstrip("\ufeff") or f"column {index + 1}"
                     for index, name in enumerate(found.header_rows[0])])
    return pd.DataFrame(
        [(row, *fields, reasons) for row, fields, reasons in found.rows],
        columns=_unique(["Row", *names, "Why"]),
    )


def mend_csv(found: WholeRows) -> bytes:
    """The rows as a CSV in the file's own columns (all its header rows) plus the reason column, for a
    spreadsheet: UTF-8 with a byte-order mark (Excel then reads accents right), and text a
    spreadsheet would run as a formula behind a leading '."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    for index, header in enumerate(found.header_rows):
        writer.writerow([*map(_safe, header), REASON_COLUMN if index == 0 else ""])
    for row, fields, reasons in found.rows:
        writer.writerow([*map(_safe, fields), _safe(f"row {row}: {reasons}")])
    return output.getvalue().encode("utf-8-sig")


def _safe(cell: str | None) -> str:
    if cell is None:
        return ""
    if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        while name in seen:
            name += " (again)"
        seen.add(name)
        unique.append(name)
    return unique
