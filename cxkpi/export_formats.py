"""Which export a file is, from its header: a catalogue of vendor formats plus the user's mapping file.

The built-in catalogue is cxkpi/export_formats.toml; a user mapping file (default mappings.toml in
the project, or $CXKPI_MAPPINGS, or --mapping) has the same layout and is tried first. See
docs/ingest.md.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxkpi.schema import TABLES, Table
from cxkpi.warehouse import PROJECT_ROOT

CATALOGUE_PATH = Path(__file__).with_name("export_formats.toml")
DEFAULT_MAPPING_PATH = PROJECT_ROOT / "mappings.toml"
MAPPING_ENV = "CXKPI_MAPPINGS"
DATE_ORDERS = ("day-first", "month-first")
FORMAT_KEYS = {
    "name", "table", "columns", "requires", "header_rows", "date_order", "key_from_row", "line_items",
    "status", "cancelled_if_present",
}
COLUMN_KEYS = {"aliases", "questions", "exclude", "minutes_after"}


class MappingError(ValueError):
    """A mapping file (or the catalogue) cannot be used; the message says where and why."""


@dataclass(frozen=True)
class ColumnSpec:
    aliases: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()  # regular expressions searched in the header text
    exclude: tuple[str, ...] = ()
    minutes_after: str | None = None


@dataclass(frozen=True)
class ExportFormat:
    name: str
    table: Table
    columns: dict[str, ColumnSpec]
    requires: tuple[str, ...] = ()
    header_rows: int = 1
    date_order: str | None = None
    key_from_row: bool = False
    line_items: bool = False
    status: dict[str, str] = field(default_factory=dict)  # lower-case value -> canonical value
    cancelled_if_present: tuple[str, ...] = ()
    source: str = "built-in"

    @property
    def required_columns(self) -> list[str]:
        """The table's required columns, but the key when the key is made from the row."""
        return required_columns(self.table, self.key_from_row)


def required_columns(table: Table, key_from_row: bool) -> list[str]:
    return [column.name for column in table.columns
            if column.required and not (key_from_row and column.name == table.key)]


@dataclass(frozen=True)
class Recognised:
    """A file's format and where each canonical column comes from (0-based positions in the header)."""

    format: ExportFormat
    positions: dict[str, int]  # canonical column -> position
    cancelled_positions: tuple[int, ...]

    @property
    def table(self) -> Table:
        return self.format.table


def squash(name: str) -> str:
    """'Created at', 'created_at', 'CreatedAt' and ' CREATED-AT ' all squash to 'createdat'."""
    text = unicodedata.normalize("NFKC", name).lstrip("\ufeff").strip().casefold()
    squashed = "".join(character for character in text if character.isalnum())
    return squashed or text


def header_text(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).lstrip("\ufeff").casefold().split())


def load_formats(mapping_path: Path | None = None) -> list[ExportFormat]:
    """The user's formats first (they win a tie), then the built-in catalogue."""
    formats: list[ExportFormat] = []
    path = mapping_path or _default_mapping_path()
    if path is not None:
        if not path.is_file():
            raise MappingError(f"mapping file {path} does not exist")
        formats += parse_formats(path)
    return formats + parse_formats(CATALOGUE_PATH)


def _default_mapping_path() -> Path | None:
    if os.environ.get(MAPPING_ENV):
        return Path(os.environ[MAPPING_ENV])
    return DEFAULT_MAPPING_PATH if DEFAULT_MAPPING_PATH.is_file() else None


def parse_formats(path: Path) -> list[ExportFormat]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: is not valid TOML: {error}") from error
    entries = document.get("format")
    if not isinstance(entries, list) or not entries:
        raise MappingError(f"{path}: defines no [[format]]")
    source = "built-in" if path == CATALOGUE_PATH else str(path)
    return [_parse_format(path, index, entry, source) for index, entry in enumerate(entries, start=1)]


def _parse_format(path: Path, index: int, entry: dict[str, Any], source: str) -> ExportFormat:
    where = f"{path}: format {index} ({entry.get('name', 'unnamed')})"
    unknown = set(entry) - FORMAT_KEYS
    if unknown:
        allowed = ", ".join(sorted(FORMAT_KEYS))
        raise MappingError(f"{where}: unknown keys {', '.join(sorted(unknown))}; allowed: {allowed}")
    if not isinstance(entry.get("name"), str):
        raise MappingError(f"{where}: needs a name")
    table = TABLES.get(entry.get("table", ""))
    if table is None:
        raise MappingError(f"{where}: table must be one of {', '.join(TABLES)}")
    columns: dict[str, ColumnSpec] = {}
    for canonical, spec in (entry.get("columns") or {}).items():
        if canonical not in table.column_names:
            names = ", ".join(table.column_names)
            raise MappingError(f"{where}: {canonical} is not a column of {table.name} ({names})")
        columns[canonical] = _column_spec(where, canonical, spec)
    key_from_row = bool(entry.get("key_from_row", False))
    missing = [name for name in required_columns(table, key_from_row) if name not in columns]
    if missing:
        raise MappingError(f"{where}: must say which header holds {', '.join(missing)}")
    date_order = entry.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingError(f"{where}: date_order must be \"day-first\" or \"month-first\", not {date_order!r}")
    header_rows = entry.get("header_rows", 1)
    if not isinstance(header_rows, int) or not 1 <= header_rows <= 10:
        raise MappingError(f"{where}: header_rows must be a whole number from 1 to 10")
    status = entry.get("status") or {}
    if not all(isinstance(value, str) for value in status.values()):
        raise MappingError(f"{where}: status values must be text")
    return ExportFormat(
        name=entry["name"], table=table, columns=columns,
        requires=tuple(_strings(where, "requires", entry.get("requires", []))),
        header_rows=header_rows, date_order=date_order, key_from_row=key_from_row,
        line_items=bool(entry.get("line_items", False)),
        status={str(key).casefold(): value for key, value in status.items()},
        cancelled_if_present=tuple(_strings(where, "cancelled_if_present", entry.get("cancelled_if_present", []))),
        source=source,
    )


def _column_spec(where: str, canonical: str, spec: Any) -> ColumnSpec:
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        return ColumnSpec(aliases=tuple(_strings(where, canonical, spec)))
    if not isinstance(spec, dict) or set(spec) - COLUMN_KEYS:
        raise MappingError(f"{where}: {canonical} must be a list of header names or a table with "
                           f"{', '.join(sorted(COLUMN_KEYS))}")
    for pattern in [*spec.get("questions", []), *spec.get("exclude", [])]:
        try:
            re.compile(pattern)
        except re.error as error:
            message = f"{where}: {canonical}: {pattern!r} is not a valid regular expression: {error}"
            raise MappingError(message) from error
    return ColumnSpec(
        aliases=tuple(_strings(where, canonical, spec.get("aliases", []))),
        questions=tuple(_strings(where, canonical, spec.get("questions", []))),
        exclude=tuple(_strings(where, canonical, spec.get("exclude", []))),
        minutes_after=spec.get("minutes_after"),
    )


def _strings(where: str, what: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise MappingError(f"{where}: {what} must be a list of text")
    return values


def _match(fmt: ExportFormat, header_rows: list[list[str]]) -> Recognised | None:
    """Where fmt's columns are in this header, or None when a required column or header is missing."""
    header = header_rows[0]
    squashed = [squash(name) for name in header]
    if not all(squash(name) in squashed for name in fmt.requires):
        return None
    texts = [
        " ".join(header_text(row[position]) for row in header_rows[: fmt.header_rows] if position < len(row))
        for position in range(len(header))
    ]
    positions: dict[str, int] = {}
    for canonical, spec in fmt.columns.items():
        position = next((squashed.index(squash(alias)) for alias in spec.aliases if squash(alias) in squashed), None)
        if position is None and spec.questions:
            position = next(
                (
                    index for index, text in enumerate(texts)
                    if index not in positions.values()
                    and any(re.search(pattern, text) for pattern in spec.questions)
                    and not any(re.search(pattern, text) for pattern in spec.exclude)
                ),
                None,
            )
        if position is not None:
            positions[canonical] = position
    if not all(name in positions for name in fmt.required_columns):
        return None
    cancelled = tuple(squashed.index(squash(alias)) for alias in fmt.cancelled_if_present if squash(alias) in squashed)
    return Recognised(format=fmt, positions=positions, cancelled_positions=cancelled)


def _score(match: Recognised) -> int:
    return len(match.positions) + 2 * len(match.format.requires)


def recognise(file_name: str, header_rows: list[list[str]], formats: list[ExportFormat]) -> Recognised:
    """The best-fitting format; a header fitting two tables, or none, is refused with what to do."""
    matches = [match for fmt in formats if (match := _match(fmt, header_rows)) is not None]
    if not matches:
        raise RecognitionError(refusal_message(file_name, header_rows[0], formats))
    # A match whose columns all lie inside another table's match is only part of it (the customer_id
    # of an orders file); what is left, if it spans two tables, is two exports in one file.
    maximal = [
        match for match in matches
        if not any(
            other.table.name != match.table.name
            and set(match.positions.values()) < set(other.positions.values())
            for other in matches
        )
    ]
    tables = sorted({match.table.name for match in maximal})
    if len(tables) > 1:
        raise RecognitionError(
            f"{file_name}: its header fits {' and '.join(tables)}; split it into one file per table"
        )
    # The user's own formats win over the catalogue's; then the most columns recognised; max keeps the first of equals.
    return max(maximal, key=lambda match: (match.format.source != "built-in", _score(match)))


class RecognitionError(ValueError):
    pass


# A first-line cell that is a value, not a column name: a number, date, time or phone number, an
# e-mail address, a link, or text longer than any header.
VALUE_LIKE = re.compile(r"^[\W_]*[\d\s.,:;/+\-()%]*\d[\d\s.,:;/+\-()%]*[\W_]*$|@|://|^www\.|^.{150}")


def header_is_names(header: list[str]) -> bool:
    """False when the first line holds values (a file without its header row): a refusal quotes the
    header's names, and must never quote a file's data."""
    return not any(VALUE_LIKE.search(cell.strip()) for cell in header)


def refusal_message(file_name: str, header: list[str], formats: list[ExportFormat]) -> str:
    """Name the closest table, its missing columns and, for each, the file's most similar headers
    (only when the first line is made of names: never a file's data)."""
    present = {squash(name) for name in header}
    canonical = [fmt for fmt in formats if fmt.name.startswith("cxkpi canonical")]
    closest = max(canonical, key=lambda fmt: len({squash(name) for name in fmt.table.column_names} & present))
    table = closest.table
    missing = [name for name in table.column_names if squash(name) not in present]
    required = [column.name for column in table.columns if column.required]
    hints = []
    names = header_is_names(header)
    for name in [name for name in required if name in missing and names]:
        spec = closest.columns.get(name)
        aliases = {name.replace("_", " "), *(alias.casefold() for alias in (spec.aliases if spec else ()))}

        def likeness(candidate: str, aliases: set[str] = aliases) -> float:
            return max(difflib.SequenceMatcher(None, alias, candidate.casefold()).ratio() for alias in aliases)

        near = sorted((h for h in header if h.strip() and likeness(h) >= 0.5), key=likeness, reverse=True)[:2]
        if near:
            hints.append(f"{name}: perhaps {' or '.join(repr(h) for h in near)}")
    has = (f"the file has: {', '.join(h for h in header if h.strip())}" if names else
           "the file's first line holds values such as numbers, dates or e-mail addresses, not column names: "
           "does it lack its header row?")
    text = (
        f"{file_name}: fits no table. Closest is {table.name}, which needs the columns {', '.join(missing)} "
        f"(at least {' and '.join(required)}; {has})."
    )
    if hints:
        text += f" Closest headers in the file: {'; '.join(hints)}."
    return text + (
        " Rename the columns to the canonical names in docs/data-model.md, or describe this export in a "
        "mapping file (docs/ingest.md)."
    )
