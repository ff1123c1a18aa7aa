"""What a CSV file really is: its encoding and delimiter, decided from its bytes, never from its name.

Exports arrive as UTF-8 (with or without a byte-order mark), UTF-16 (Excel's "Unicode text", always
with a BOM), or a Windows code page (1252 for Western European languages, 1251 for Cyrillic). They
use commas, semicolons (Excel in most of Europe), tabs or pipes. This module looks at the first
megabyte, decides, and if the file is not UTF-8 writes a UTF-8 copy for DuckDB to read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

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
    encoding: str  # 'utf-8', 'utf-8-sig', 'utf-16', 'cp1252' or 'cp1251'
    delimiter: str
    records: list[list[str]]  # the first records of the file (header rows included), parsed
    sample_complete: bool  # True when the sample is the whole file
    footer_lines: int = 0  # lines of a report footer (Salesforce) left out of the read

    @property
    def needs_conversion(self) -> bool:
        """DuckDB reads UTF-8 only; anything else is read from a UTF-8 copy."""
        return self.encoding not in ("utf-8", "utf-8-sig")

    def describe(self) -> str:
        text = f"{self.encoding}, {DELIMITER_NAMES[self.delimiter]}-separated"
        if self.footer_lines:
            text += f", report footer of {self.footer_lines} lines left out"
        return text


@dataclass(frozen=True)
class ReportFooter:
    start: int  # byte offset of the blank line that opens the footer: the file's data ends there
    lines: int  # the footer's non-blank lines


def sniff(path: Path) -> Dialect:
    with path.open("rb") as raw:
        head = raw.read(SAMPLE_BYTES)
        complete = not raw.read(1)
    if not head.strip():
        raise DialectError("is empty; a CSV file needs a header row")
    encoding = detect_encoding(path, head, complete)
    text = _decode_sample(head, encoding, complete)
    delimiter = detect_delimiter(text, complete)
    records = _records(text, delimiter, complete)
    if not records or not any(cell.strip() for cell in records[0]):
        raise DialectError("has no header row: its first line is empty")
    return Dialect(encoding=encoding, delimiter=delimiter, records=records, sample_complete=complete)


def detect_encoding(path: Path, head: bytes, complete: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for signature, what in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise DialectError(f"is {what}, not a CSV text file")
    if b"\x00" in head:
        raise DialectError("is a binary file, not a CSV text file; export it again as CSV")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"  # the rest is checked by DuckDB as it reads; see ingest.py for the fallback
    except UnicodeDecodeError:
        return single_byte_encoding(path.read_bytes())


def single_byte_encoding(data: bytes) -> str:
    """Windows-1251 (Cyrillic) or Windows-1252 (Western), decided from the bytes.

    In both, bytes 0xC0-0xFF are letters. Cyrillic text is written almost entirely in them, so they
    come in runs (whole words); Western European text uses them for accents inside ASCII words, so
    they come mostly alone ("café", "Müller", "ação" has a run of two at most). A byte that one code
    page leaves undefined settles it outright.
    """
    undefined_1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    if any(byte in undefined_1252 for byte in set(data)):
        return "cp1251"
    high = re.findall(rb"[\xc0-\xff]+", data)
    letters = sum(len(run) for run in high)
    if not letters:
        return "cp1252"
    in_long_runs = sum(len(run) for run in high if len(run) >= 3)
    return "cp1251" if in_long_runs / letters > 0.5 else "cp1252"


def _decode_sample(head: bytes, encoding: str, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=complete)
    if not complete:
        # The sample ends mid-line: keep whole lines only.
        text = text[: text.rfind("\n") + 1] or text
    return text


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


def write_utf8_copy(path: Path, encoding: str, destination: Path) -> None:
    """Decode path from encoding and write it as UTF-8, streaming (files can be large)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as source, destination.open("w", encoding="utf-8", newline="") as target:
        while chunk := source.read(CHUNK):
            target.write(decoder.decode(chunk))
        target.write(decoder.decode(b"", final=True))
