"""Which export a file is, from its header: a catalogue of vendor formats plus the user's mapping file.

The built-in catalogue is cxkpi/export_formats.toml; a user mapping file (default mappings.toml in
the project, or $CXKPI_MAPPINGS, or --mapping) has the same layout and is tried first. See
docs/ingest.md.
"""

from __future__ import annotations

import codecs
import difflib
import json
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxkpi import reasons
from cxkpi.schema import TABLES, Table
from cxkpi.warehouse import PROJECT_ROOT

CATALOGUE_PATH = Path(__file__).with_name("export_formats.toml")
DEFAULT_MAPPING_PATH = PROJECT_ROOT / "mappings.toml"
MAPPING_ENV = "CXKPI_MAPPINGS"
DATE_ORDERS = ("day-first", "month-first")
FORMAT_KEYS = {
    "name", "table", "columns", "requires", "header_rows", "date_order", "key_from_row", "line_items",
    "status", "cancelled_if_present", "encoding", "null_values", "date_format", "event_log",
}
COLUMN_KEYS = {"aliases", "questions", "exclude", "minutes_after", "scale", "date_format", "epoch"}
EVENT_LOG_KEYS = {"time", "state", "new", "resolved"}
EPOCH_UNITS = ("seconds", "milliseconds")
# What people write for "no value". Read as missing in every column, but "NA" in text columns that
# hold codes (region NA = North America, country NA = Namibia): there it is missing only in the
# comment and in numbers, dates and scores. A mapping's null_values replaces the list for every column.
NULL_MARKERS = ("", "NA", "na", "N/A", "n/a", "#N/A", "null", "NULL", "Null", "None", "none", "NONE", "-", "?",
                "NaN", "nan")
CODE_NULL_EXCEPTIONS = ("NA", "na")
SCALE = re.compile(r"^\s*(\d{1,3})\s*-\s*(\d{1,3})\s*$")
# A header cell that is a value (a number, an amount, a date): a file whose first line is all such has no header.
DATA_LIKE = re.compile(r"[-+$€£]?\d[\d.,:/ -]*")
# The columns an event log's states fill: a mapping of an event log names none of them.
EVENT_LOG_COLUMNS = ("first_response_at", "resolved_at", "status")


class MappingError(ValueError):
    """A mapping file (or the catalogue) cannot be used; the message says where and why."""


@dataclass(frozen=True)
class ColumnSpec:
    aliases: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()  # regular expressions searched in the header text
    exclude: tuple[str, ...] = ()
    minutes_after: str | None = None
    scale: tuple[int, int] | None = None  # a score's stated scale (low, high), both inclusive
    date_format: str | None = None  # strptime layout of a date column, e.g. "%d.%m.%Y %H:%M"
    epoch: str | None = None  # "seconds" or "milliseconds" since 1970-01-01 UTC


@dataclass(frozen=True)
class EventLog:
    """A helpdesk log with one row per state change of a ticket (ServiceNow, Zendesk audits)."""

    time: str  # the header of each event's time
    state: str  # the header of the state the ticket entered
    new: tuple[str, ...]  # states of a ticket nobody has acted on yet (lower case)
    resolved: tuple[str, ...]  # states of a resolved ticket (lower case)


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
    encoding: str | None = None  # a stated encoding (Python codec name), read strictly
    null_values: tuple[str, ...] | None = None  # None: NULL_MARKERS
    date_format: str | None = None  # strptime layout of every date column without its own
    event_log: EventLog | None = None

    @property
    def required_columns(self) -> list[str]:
        """The table's required columns, but the key when the key is made from the row and the
        creation time of an event log's tickets (their first event)."""
        return required_columns(self.table, self.key_from_row, self.event_log is not None)


def required_columns(table: Table, key_from_row: bool, event_log: bool = False) -> list[str]:
    return [column.name for column in table.columns
            if column.required and not (key_from_row and column.name == table.key)
            and not (event_log and column.kind == "timestamp")]


@dataclass(frozen=True)
class Recognised:
    """A file's format and where each canonical column comes from (0-based positions in the header)."""

    format: ExportFormat
    positions: dict[str, int]  # canonical column -> position
    cancelled_positions: tuple[int, ...]
    event_positions: tuple[int, int] | None = None  # an event log's time and state columns

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
            raise MappingError(reasons.MAPPING_MISSING.format(path=path))
        formats += parse_formats(path)
    return formats + parse_formats(CATALOGUE_PATH)


def _default_mapping_path() -> Path | None:
    if os.environ.get(MAPPING_ENV):
        return Path(os.environ[MAPPING_ENV])
    return DEFAULT_MAPPING_PATH if DEFAULT_MAPPING_PATH.is_file() else None


@dataclass(frozen=True)
class Where:
    """A format in a mapping file: its problems start with where it is ('<file>: format 2 (Zendesk tickets)')."""

    path: Path
    index: int
    name: Any

    def refusal(self, problem: str, **values: Any) -> MappingError:
        """The MappingError for `problem` (a template of cxkpi/reasons.py): English, read in the reader's
        language where it is shown (reasons.translated)."""
        return MappingError(reasons.MAPPING_FORMAT_SAYS.format(path=self.path, index=self.index, name=self.name,
                                                               problem=problem.format(**values)))


def parse_formats(path: Path) -> list[ExportFormat]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError(reasons.MAPPING_NOT_TOML.format(path=path, toml_error=error)) from error
    entries = document.get("format")
    if not isinstance(entries, list) or not entries:
        raise MappingError(reasons.MAPPING_NO_FORMAT.format(path=path))
    source = "built-in" if path == CATALOGUE_PATH else str(path)
    return [_parse_format(path, index, entry, source) for index, entry in enumerate(entries, start=1)]


def _parse_format(path: Path, index: int, entry: dict[str, Any], source: str) -> ExportFormat:
    where = Where(path, index, entry.get("name", "unnamed"))
    unknown = set(entry) - FORMAT_KEYS
    if unknown:
        raise where.refusal(reasons.UNKNOWN_KEYS, keys=", ".join(sorted(unknown)),
                            allowed=", ".join(sorted(FORMAT_KEYS)))
    if not isinstance(entry.get("name"), str):
        raise where.refusal(reasons.NEEDS_A_NAME)
    table = TABLES.get(entry.get("table", ""))
    if table is None:
        raise where.refusal(reasons.TABLE_MUST_BE, tables=", ".join(TABLES))
    columns: dict[str, ColumnSpec] = {}
    readable = [column.name for column in table.columns if column.kind != "scale"]
    for canonical, spec in (entry.get("columns") or {}).items():
        if canonical not in readable:
            raise where.refusal(reasons.NOT_A_COLUMN_OF, column=canonical, table=table.name, names=", ".join(readable))
        columns[canonical] = _column_spec(where, table, canonical, spec)
    key_from_row = bool(entry.get("key_from_row", False))
    event_log = _event_log(where, table, entry.get("event_log"), columns)
    missing = [name for name in required_columns(table, key_from_row, event_log is not None) if name not in columns]
    if missing:
        raise where.refusal(reasons.SAY_WHICH_HEADER, columns=", ".join(missing))
    date_order = entry.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise where.refusal(reasons.DATE_ORDER_MUST_BE, value=repr(date_order))
    header_rows = entry.get("header_rows", 1)
    if not isinstance(header_rows, int) or not 0 <= header_rows <= 10:
        raise where.refusal(reasons.HEADER_ROWS_MUST_BE)
    status = entry.get("status") or {}
    if not all(isinstance(value, str) for value in status.values()):
        raise where.refusal(reasons.STATUS_VALUES_TEXT)
    encoding = entry.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError) as error:
            raise where.refusal(reasons.UNKNOWN_ENCODING, encoding=repr(encoding)) from error
    null_values = entry.get("null_values")
    if null_values is not None:
        null_values = tuple(_strings(where, "null_values", null_values))
    date_format = _date_format(where, None, entry.get("date_format"))
    return ExportFormat(
        name=entry["name"], table=table, columns=columns,
        requires=tuple(_strings(where, "requires", entry.get("requires", []))),
        header_rows=header_rows, date_order=date_order, key_from_row=key_from_row,
        line_items=bool(entry.get("line_items", False)),
        status={str(key).casefold(): value for key, value in status.items()},
        cancelled_if_present=tuple(_strings(where, "cancelled_if_present", entry.get("cancelled_if_present", []))),
        source=source, encoding=encoding, null_values=null_values, date_format=date_format, event_log=event_log,
    )


def _event_log(where: Where, table: Table, spec: Any, columns: dict[str, ColumnSpec]) -> EventLog | None:
    if spec is None:
        return None
    if table.name != "complaints":
        raise where.refusal(reasons.EVENT_LOG_TABLE)
    if not isinstance(spec, dict) or set(spec) - EVENT_LOG_KEYS or not {"time", "state", "resolved"} <= set(spec):
        raise where.refusal(reasons.EVENT_LOG_SHAPE)
    named = [name for name in EVENT_LOG_COLUMNS if name in columns]
    if named:
        raise where.refusal(reasons.EVENT_LOG_STATES, given=", ".join(EVENT_LOG_COLUMNS), named=", ".join(named))
    for key in ("time", "state"):
        if not isinstance(spec[key], str):
            raise where.refusal(reasons.EVENT_LOG_HEADER, key=key)
    return EventLog(
        time=spec["time"], state=spec["state"],
        new=tuple(state.casefold() for state in _strings(where, "event_log.new", spec.get("new", []))),
        resolved=tuple(state.casefold() for state in _strings(where, "event_log.resolved", spec["resolved"])),
    )


def _date_format(where: Where, column: str | None, value: Any) -> str | None:
    """A format's date_format (column None) or a column's."""
    if value is None:
        return None
    if not isinstance(value, str) or "%" not in value:
        if column is None:
            raise where.refusal(reasons.DATE_FORMAT_LAYOUT)
        raise where.refusal(reasons.COLUMN_DATE_FORMAT_LAYOUT, column=column)
    return value


def parse_scale(text: str) -> tuple[int, int] | None:
    found = SCALE.match(text) if isinstance(text, str) else None
    if not found:
        return None
    low, high = int(found.group(1)), int(found.group(2))
    return (low, high) if low < high <= 100 else None


def _column_spec(where: Where, table: Table, canonical: str, spec: Any) -> ColumnSpec:
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        return ColumnSpec(aliases=tuple(_strings(where, canonical, spec)))
    if not isinstance(spec, dict) or set(spec) - COLUMN_KEYS:
        raise where.refusal(reasons.HEADER_NAMES_OR_TABLE, column=canonical, keys=", ".join(sorted(COLUMN_KEYS)))
    for pattern in [*spec.get("questions", []), *spec.get("exclude", [])]:
        try:
            re.compile(pattern)
        except re.error as error:
            raise where.refusal(reasons.NOT_A_REGULAR_EXPRESSION, column=canonical, pattern=repr(pattern),
                                regex_error=error) from error
    column = next(column for column in table.columns if column.name == canonical)
    scale = None
    if "scale" in spec:
        scale = parse_scale(spec["scale"])
        if column.kind != "score" or scale is None:
            raise where.refusal(reasons.SCALE_IS_WRITTEN, column=canonical)
        if column.scale_column is None and scale != (column.low, column.high):
            raise where.refusal(reasons.NPS_SCALE_ONLY, column=canonical, scale=column.scale)
    if "epoch" in spec and (column.kind != "timestamp" or spec["epoch"] not in EPOCH_UNITS):
        raise where.refusal(reasons.EPOCH_IS, column=canonical)
    if "date_format" in spec and column.kind != "timestamp":
        raise where.refusal(reasons.DATE_FORMAT_BELONGS, column=canonical)
    return ColumnSpec(
        aliases=tuple(_strings(where, canonical, spec.get("aliases", []))),
        questions=tuple(_strings(where, canonical, spec.get("questions", []))),
        exclude=tuple(_strings(where, canonical, spec.get("exclude", []))),
        minutes_after=spec.get("minutes_after"),
        scale=scale,
        date_format=_date_format(where, canonical, spec.get("date_format")),
        epoch=spec.get("epoch"),
    )


def _strings(where: Where, what: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise where.refusal(reasons.LIST_OF_TEXT, what=what)
    return values


def _match(fmt: ExportFormat, header_rows: list[list[str]]) -> Recognised | None:
    """Where fmt's columns are in this header, or None when a required column or header is missing."""
    header = header_rows[0]
    if fmt.header_rows == 0:  # no header: the columns are called by their place
        header = [f"column {position + 1}" for position in range(len(header))]
        header_rows = [header]
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
    event_positions = None
    if fmt.event_log is not None:
        wanted = (squash(fmt.event_log.time), squash(fmt.event_log.state))
        if not all(name in squashed for name in wanted):
            return None
        event_positions = (squashed.index(wanted[0]), squashed.index(wanted[1]))
    cancelled = tuple(squashed.index(squash(alias)) for alias in fmt.cancelled_if_present if squash(alias) in squashed)
    return Recognised(format=fmt, positions=positions, cancelled_positions=cancelled, event_positions=event_positions)


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
    if all(DATA_LIKE.fullmatch(name.strip()) for name in header if name.strip()):
        return reasons.FITS_NO_TABLE_NO_HEADER.format(file=file_name, count=len(header))
    has = (reasons.THE_FILE_HAS.format(headers=", ".join(h for h in header if h.strip())) if names else
           reasons.FIRST_LINE_HOLDS_VALUES)
    text = reasons.FITS_NO_TABLE.format(file=file_name, table=table.name, missing=", ".join(missing),
                                        required=" and ".join(required), has=has)
    if hints:
        text += " " + reasons.CLOSEST_HEADERS.format(hints="; ".join(hints))
    return text + " " + reasons.RENAME_OR_MAP


def mapping_text(recognised: Recognised, header: list[str], scales: dict[str, str], date_order: str | None) -> str:
    """The [[format]] a mapping file needs to load this file as it was recognised, with the given
    scales stated: header names as the file writes them, every rule of the format carried over."""
    fmt = recognised.format
    lines = ["[[format]]", f"name = {_toml(fmt.name + ' (scales stated)')}", f"table = {_toml(fmt.table.name)}"]
    settings: list[tuple[str, Any]] = [
        ("header_rows", fmt.header_rows if fmt.header_rows != 1 else None),
        ("date_order", date_order or fmt.date_order),
        ("key_from_row", fmt.key_from_row or None),
        ("line_items", fmt.line_items or None),
        ("encoding", fmt.encoding),
        ("null_values", list(fmt.null_values) if fmt.null_values is not None else None),
        ("date_format", fmt.date_format),
        ("cancelled_if_present", list(fmt.cancelled_if_present) or None),
        ("status", fmt.status or None),
    ]
    if fmt.event_log is not None:
        log = fmt.event_log
        settings.append(("event_log", {"time": log.time, "state": log.state, "new": list(log.new),
                                       "resolved": list(log.resolved)}))
    lines += [f"{key} = {_toml(value)}" for key, value in settings if value is not None]
    names = [f"column {position + 1}" for position in range(len(header))] if fmt.header_rows == 0 else header
    for column in fmt.table.columns:
        if column.name not in recognised.positions:
            continue
        spec = fmt.columns[column.name]
        stated: dict[str, Any] = {"aliases": [names[recognised.positions[column.name]].strip().lstrip("\ufeff")]}
        if spec.minutes_after:
            stated["minutes_after"] = spec.minutes_after
        scale = scales.get(column.name) or (f"{spec.scale[0]}-{spec.scale[1]}" if spec.scale else None)
        for key, value in (("scale", scale), ("date_format", spec.date_format), ("epoch", spec.epoch)):
            if value:
                stated[key] = value
        lines.append(f"columns.{column.name} = {_toml(stated if len(stated) > 1 else stated['aliases'])}")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are TOML's; tables are written inline."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(str(key))} = {_toml(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)
