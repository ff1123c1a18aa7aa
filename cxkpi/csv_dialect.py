"""What a CSV file really is: its encoding, delimiter or column layout, decided from its bytes, never its name.

Exports arrive as UTF-8 (with or without a byte-order mark), UTF-16 (Excel's "Unicode text", always
with a BOM), or a code page, sometimes several by line (cxkpi/text_encoding.py decides, from the
whole file). They use commas, semicolons (Excel in most of Europe), tabs or pipes, or line their
columns up with spaces (cxkpi/aligned_text.py). This module looks at the first megabyte for the
delimiter and the header, and if DuckDB cannot read the file as it is, writes a UTF-8 copy it can.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from cxkpi import reasons, text_encoding
from cxkpi.aligned_text import AlignedTextError, Layout, find_layout, looks_aligned
from cxkpi.text_encoding import TextEncoding

SAMPLE_BYTES = 1 << 20  # enough for thousands of rows; decisions that need every row are made in SQL
SAMPLE_RECORDS = 2000
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CHUNK = 4 << 20

# Signatures of files people save as .csv by mistake.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or other ZIP archive (.xlsx); save it as CSV",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls); save it as CSV",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}

# Lines a Salesforce report export ("Export Details", Classic) writes after its rows, once a blank
# line has ended them; public parsers of these files drop exactly these. Known lines only, so that a
# file cut short after a blank line is still refused as cut short, not silently shortened.
REPORT_FOOTER_LINE = re.compile(
    r"grand totals? \(\d[\d,.\s\u00a0\u202f]* records?\)"
    r"|confidential information - do not distribute"
    r"|copyright (?:\(c\)|\u00a9) \d{4}(?:-\d{4})? salesforce\.com, inc\. all rights reserved\.",
    re.IGNORECASE,
)
FOOTER_TAIL_BYTES = 64 << 10  # a footer is a few short lines; this much of the end holds it many times


class DialectError(Exception):
    """The file cannot be read as CSV text at all."""


@dataclass(frozen=True)
class Dialect:
    encoding: TextEncoding
    delimiter: str  # of the file, or of the copy DuckDB reads ('\t' for a space-aligned file)
    records: list[list[str]]  # the first records of the file (header rows included), parsed
    sample_complete: bool  # True when the sample is the whole file
    footer_lines: int = 0  # lines of a report footer (Salesforce) left out of the read
    layout: Layout | None = None  # columns lined up with spaces: read through a tab-separated copy

    @property
    def needs_conversion(self) -> bool:
        """DuckDB reads delimited UTF-8 only; anything else is read from a UTF-8, delimited copy."""
        return self.encoding.needs_conversion or self.layout is not None

    def describe(self) -> str:
        separated = self.layout.describe() if self.layout else f"{DELIMITER_NAMES[self.delimiter]}-separated"
        text = f"{self.encoding.describe()}, {separated}"
        if self.footer_lines:
            text += f", report footer of {self.footer_lines} lines left out"
        return text


@dataclass(frozen=True)
class ReportFooter:
    start: int  # byte offset of the blank line that opens the footer: the file's data ends there
    lines: int  # the footer's non-blank lines


def sniff(path: Path, stated_encoding: str | None = None) -> Dialect:
    """The file's encoding (from all of it; stated_encoding when a mapping gives one), and its delimiter
    or layout and first records (from its first megabyte)."""
    with path.open("rb") as raw:
        head = raw.read(SAMPLE_BYTES)
    if not head.strip():
        raise DialectError("is empty; a CSV file needs a header row")
    encoding = text_encoding.stated(stated_encoding) if stated_encoding else detect_encoding(path, head)
    text, complete = text_encoding.read_sample(path, encoding, SAMPLE_BYTES)
    text = text.lstrip("\ufeff")
    delimiter = detect_delimiter(text, complete)
    records = _records(text, delimiter, complete)
    layout = None
    if records and len(records[0]) < 2 and looks_aligned(text.split("\n", 1)[0]):
        lines = text.splitlines()[: SAMPLE_RECORDS + 1]
        if not complete and len(lines) > 1:
            lines.pop()  # the last line of a cut sample may be incomplete
        try:
            layout = find_layout(lines)
        except AlignedTextError as error:
            raise DialectError(reasons.SPACE_ALIGNED_UNCLEAR.format(why_unclear=error)) from error
        delimiter = "\t"
        records = [layout.split(line) for line in lines if line.strip()]
    if not records or not any(cell.strip() for cell in records[0]):
        raise DialectError(reasons.NO_HEADER_ROW)
    return Dialect(encoding=encoding, delimiter=delimiter, records=records, sample_complete=complete, layout=layout)


def detect_encoding(path: Path, head: bytes) -> TextEncoding:
    if head.startswith(codecs.BOM_UTF8):
        return TextEncoding("utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16")
    for signature, what in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise DialectError(reasons.NOT_A_CSV_FILE.format(what=what))
    if b"\x00" in head:
        raise DialectError(reasons.BINARY_FILE)
    return text_encoding.scan(path)


def detect_delimiter(text: str, complete: bool) -> str:
    """The delimiter that splits many lines into the same number of fields as the header (most fields wins)."""
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        records = _records(text, delimiter, complete, limit=200)
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        body = [record for record in records[1:] if any(cell.strip() for cell in record)] or records[:1]
        consistent = sum(len(record) == width for record in body) / len(body)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str, complete: bool, limit: int = SAMPLE_RECORDS) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            if not record:
                continue  # a blank line
            records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:
        pass  # a broken quote in the sample: DuckDB reports it with its line number
    if not complete and len(records) < limit and records:
        records.pop()  # the last record of a cut sample may be incomplete
    return records


def find_report_footer(path: Path, delimiter: str, width: int) -> ReportFooter | None:
    """A report footer at the very end of a UTF-8 file, or None.

    A footer is a block after the last record that starts with a blank line and holds only blank
    lines and lines of one field, at least one of them a known footer line (REPORT_FOOTER_LINE):
    Salesforce's "Grand Totals (n records)", "Confidential Information - Do Not Distribute" and
    copyright lines. Anything else (a lone value after a blank line, a record cut after its first
    field) is not a footer, and the reader refuses the file as cut short.
    """
    if width < 2:
        return None  # one-column files are made of one-field lines: nothing tells a footer apart
    size = path.stat().st_size
    with path.open("rb") as raw:
        raw.seek(max(0, size - FOOTER_TAIL_BYTES))
        lines = raw.read().splitlines(keepends=True)
    if size > FOOTER_TAIL_BYTES:
        lines = lines[1:]  # the tail starts mid-line
    # One field: quoted (quotes inside doubled), or unquoted without the delimiter.
    one_field = re.compile(rf'"(?:[^"]|"")*"|[^"{re.escape(delimiter)}]*')
    end = size  # where the line being looked at ends, walking up from the end of the file
    known = fields = 0
    top_is_blank = False
    for line in reversed(lines):
        text = line.decode("utf-8", errors="replace").strip()
        if text in ("", '""'):
            top_is_blank = True
        elif one_field.fullmatch(text):
            fields += 1
            value = text[1:-1].replace('""', '"') if text.startswith('"') else text
            known += bool(REPORT_FOOTER_LINE.fullmatch(value.strip()))
            top_is_blank = False
        else:
            # The last record: the lines after it are a footer if they open with a blank line.
            return ReportFooter(start=end, lines=fields) if top_is_blank and known else None
        end -= len(line)
    return None  # nothing but one-field lines: no record to end the data


def write_readable_copy(path: Path, dialect: Dialect, destination: Path) -> None:
    """A copy DuckDB can read: UTF-8, and tab-separated when the file lines its columns up with spaces.
    Raises DialectError naming the line when a line does not fit the layout or the stated encoding."""
    transform = dialect.layout.as_tab_separated if dialect.layout else None
    try:
        text_encoding.write_utf8_copy(path, dialect.encoding, destination, transform)
    except AlignedTextError as error:
        raise DialectError(reasons.LINED_UP_BUT.format(misfit=error)) from error
    except text_encoding.UndecodableError as error:
        raise DialectError(reasons.NOT_VALID_TEXT_AS_MAPPED.format(encoding=error.encoding, cause=error.reason,
                                                                   line=error.line)) from error
