"""The loader's reasons (why a file was refused, why a row was quarantined), each worded once here, in
English, and shown in the reader's language by `translated()`.

The loader writes its reasons as English text: the CLI prints it, tests and scripts match it, and the
warehouse stores it (quarantine.reason, the inbox's refusal notes), older rows included. So a reason is
not stored as a message id: it is made from one of the templates below (`TEMPLATE.format(...)`), and
`translated()` reads the template and its values back out of the English text and writes the template's
translation with the same values. Text that matches no template (a DuckDB error quoted by the loader, a
reason from before a template existed) is shown as written.

A field with a format spec ({rows:,}, {share:.1f}) is a number and is written in the reader's digits;
other fields (file names, headers, quoted values) are kept as written, except those named in
`NESTED`, which hold a reason of their own and are translated too.
"""

from __future__ import annotations

import functools
import re
import string

from cxkpi import i18n
from cxkpi.i18n import N_, active

# --- a file refused ----------------------------------------------------------------------------------------------
FILE_SAYS = N_("{file}: {reason}")
REFUSED = N_("{file}: refused, nothing was changed: {reason}")
NOT_LOADED = N_("{file}: not loaded: {reason}")
FITS_NO_TABLE = N_("{file}: fits no table. Closest is {table}, which needs the columns {missing} "
                   "(at least {required}; {has}).")
FITS_NO_TABLE_NO_HEADER = N_(
    "{file}: fits no table, and its first line holds values ({count:d} of them), not column names: the file has no "
    "header. Describe it in a mapping file with header_rows = 0 and its columns called by their place, e.g. "
    'columns.order_id = ["column 1"] (docs/ingest.md).')
THE_FILE_HAS = N_("the file has: {headers}")
FIRST_LINE_HOLDS_VALUES = N_("the file's first line holds values such as numbers, dates or e-mail addresses, not "
                             "column names: does it lack its header row?")
CLOSEST_HEADERS = N_("Closest headers in the file: {hints}.")
RENAME_OR_MAP = N_("Rename the columns to the canonical names in docs/data-model.md, or describe this export in a "
                   "mapping file (docs/ingest.md).")
NOT_VALID_TEXT = N_("is not valid {encoding} text: {cause} on line {line:d}")
NOT_VALID_TEXT_AS_MAPPED = N_("is not valid {encoding} text: {cause} on line {line:d}; is the mapping's encoding "
                              "right?")
BINARY_FILE = N_("is a binary file, not a CSV text file; export it again as CSV")
NOT_A_CSV_FILE = N_("is {what}, not a CSV text file")
NO_HEADER_ROW = N_("has no header row: its first line is empty")
OVER_THE_LIMIT = N_(
    "{file}: refused, nothing was changed: {quarantined:,} of {read:,} rows ({share:.1f}%) cannot be trusted, more "
    "than the {limit:g}% that refuses a whole file (a problem this common would bias every KPI built on the rest). "
    "Commonest reasons: {listed}. Fix the export and load it again; to load the other rows anyway, raise the limit "
    "with --quarantine-limit PERCENT or ${env}.")
DATES_MIX_ORDERS = N_(
    "{file}: its dates ({columns}) mix day-first and month-first: some have a first number above 12, others a second "
    "number above 12. Export them again in one format, ideally ISO (2026-03-31).")
DATE_ORDER_UNKNOWN = N_(
    "{file}: the order of day and month in its dates ({columns}) cannot be told: no date has a number above 12 "
    "(03/04/2026 could be 3 April or 4 March). State it in a mapping file with date_order = \"day-first\" or "
    "\"month-first\" (docs/ingest.md), or export dates as ISO (2026-03-31).")
ANOTHER_SCALE = N_(
    "{file}: refused, nothing was changed: its {column} column ({header}) holds answers from {lowest:d} to "
    "{highest:d} ({outside:,} of {answers:,} outside {scale}): it looks like a {guess} scale, not {scale}.")
NPS_IS_ON_0_TO_10 = N_(
    "{column} must be answered on {scale}: the Net Promoter Score is defined on answers from 0 to 10. Export the "
    "0-10 answers, or, if this is not the recommend question, map the column to csat_score or trust_score with its "
    "scale in a mapping file (docs/ingest.md).")
STATE_THE_SCALE = N_(
    "If it is, state the scale in a mapping file (mappings.toml in the project, $CXKPI_MAPPINGS or --mapping; "
    "docs/ingest.md) and load the file again; the KPI then counts on that scale by its rule in metrics.toml:")

NO_SUCH_FILE = N_("no such file")
IS_NOT_A_FILE = N_("is not a file")
CHANGED_WHILE_READ = N_("changed while it was read (is it still being written?); load it once it is complete")
# The file's structure, as DuckDB's CSV reader found it (ingest._explain, after REFUSED's "refused, nothing was
# changed: "); with the line when DuckDB names it.
QUOTE_NEVER_ENDS = N_("a quoted value starting on line {line:d} never ends: {cause_of}")
QUOTE_NEVER_ENDS_SOMEWHERE = N_("a quoted value starting on a line never ends: {cause_of}")
LOOKS_CUT_SHORT = N_("the file looks cut short (the download or export stopped); export it again")
QUOTE_NEVER_CLOSED = N_("a quote is never closed; check that line in a text editor")
ENDS_MID_ROW = N_("it ends in the middle of a row (line {line:d} has {found:d} of "
                  "{expected:d} fields): the file looks cut short; export or download it again")
FIELD_COUNT = N_("line {line:d} has {found:d} fields where the header has {expected:d} "
                 "(an unquoted delimiter inside a value?)")
FIELD_COUNT_SOMEWHERE = N_("a line has {found:d} fields where the header has "
                           "{expected:d} (an unquoted delimiter inside a value?)")

SPACE_ALIGNED_UNCLEAR = N_(
    "has no comma, semicolon, tab or pipe between its columns: they are lined up with spaces (a space-aligned or "
    "fixed-width text export), but they cannot be told apart for sure: {why_unclear}. Export it again as CSV, or with "
    "tabs between the columns")
LINED_UP_BUT = N_("its columns are lined up with spaces, but {misfit}; export it again as CSV")
LINE_DOES_NOT_FIT = N_("line {line:d} does not fit its {layout} ({found:d} fields where the first line has "
                       "{expected:d}, or a value crossing a column's edge)")
FIXED_WIDTH_COLUMNS = N_("fixed-width columns")
SPACE_SEPARATED_COLUMNS = N_("columns separated by runs of spaces")
RAGGED_LINE = N_("line {line:d} splits into {found:d} fields at runs of spaces where the first line has {expected:d}, "
                 "and no fixed column positions fit every line")

# --- a mapping file that cannot be used (cxkpi.export_formats.MappingError) ------------------------------------------
MAPPING_MISSING = N_("mapping file {path} does not exist")
MAPPING_NOT_TOML = N_("{path}: is not valid TOML: {toml_error}")
MAPPING_NO_FORMAT = N_("{path}: defines no [[format]]")
# Every other problem is one format's: "<file>: format 2 (Zendesk tickets): needs a name".
MAPPING_FORMAT_SAYS = N_("{path}: format {index:d} ({name}): {problem}")
UNKNOWN_KEYS = N_("unknown keys {keys}; allowed: {allowed}")
NEEDS_A_NAME = N_("needs a name")
TABLE_MUST_BE = N_("table must be one of {tables}")
NOT_A_COLUMN_OF = N_("{column} is not a column of {table} ({names})")
SAY_WHICH_HEADER = N_("must say which header holds {columns}")
DATE_ORDER_MUST_BE = N_('date_order must be "day-first" or "month-first", not {value}')
HEADER_ROWS_MUST_BE = N_("header_rows must be a whole number from 0 (no header) to 10")
STATUS_VALUES_TEXT = N_("status values must be text")
UNKNOWN_ENCODING = N_('encoding {encoding} is not one Python knows (e.g. "cp850", "latin-1", "utf-8")')
EVENT_LOG_TABLE = N_("event_log loads helpdesk tickets: its table must be complaints")
EVENT_LOG_SHAPE = N_('event_log must be {{ time = "header", state = "header", new = ["New"], resolved = ["Resolved", '
                     '"Closed"] }}')
EVENT_LOG_STATES = N_("an event log's states give {given}; do not name headers for {named}")
EVENT_LOG_HEADER = N_("event_log.{key} must be the header of that column")
DATE_FORMAT_LAYOUT = N_('date_format must be a strptime layout such as "%d.%m.%Y %H:%M" (%Y year, %m month, %d day, '
                        '%H hour, %M minute, %S second, %z offset)')
COLUMN_DATE_FORMAT_LAYOUT = N_('{column}: date_format must be a strptime layout such as "%d.%m.%Y %H:%M" (%Y year, '
                               '%m month, %d day, %H hour, %M minute, %S second, %z offset)')
HEADER_NAMES_OR_TABLE = N_("{column} must be a list of header names or a table with {keys}")
NOT_A_REGULAR_EXPRESSION = N_("{column}: {pattern} is not a valid regular expression: {regex_error}")
SCALE_IS_WRITTEN = N_('{column}: scale is written "1-10" (lowest-highest answer, at most 100) and belongs to a score '
                      'column')
NPS_SCALE_ONLY = N_("{column} is on {scale} only: the Net Promoter Score is defined on answers from 0 to 10")
EPOCH_IS = N_('{column}: epoch is "seconds" or "milliseconds", for a date column')
DATE_FORMAT_BELONGS = N_("{column}: date_format belongs to a date column")
LIST_OF_TEXT = N_("{what} must be a list of text")

# --- the inbox's notes on a file (cxkpi.inbox): set aside, waiting or gone -------------------------------------------
SYMBOLIC_LINK = N_("{file}: is a symbolic link; the inbox loads only files copied into it, never what a link points "
                   "to. Copy the file itself into the inbox")
WAITS_UNTIL_COMPLETE = N_("{file}: changed while it was read: it waits in the inbox until it is complete")
LEFT_THE_INBOX = N_("{file}: left the inbox before it was read (another run took it?); nothing loaded here")
CHANGED_WHILE_LOADED = N_("{file} changed while it was loaded: what was read is loaded, and the file stays in the "
                          "inbox to load again, whole, once it is complete")
UPLOAD_TOO_LARGE = N_("{file} is {size:.1f} MB; uploads are limited to {limit:.0f} MB. Copy large files into the "
                      "inbox folder ({inbox}) instead.")

# --- the company's clock (cxkpi.warehouse.clock_mismatch): why nothing is read or loaded ---------------------------
CLOCK_MISMATCH = N_("the warehouse holds times in {stored} local time, but metrics.toml's timezone is {timezone}: run "
                    "`python -m cxkpi rebuild` to read every archived file again in {timezone} (or set timezone = "
                    "\"{stored}\" back)")

# --- a full disk (cxkpi.archive.DiskFullError): not the file's fault, it is loaded again once there is room -------
DISK_FULL_NOT_LOADED = N_("{file}: not loaded, nothing was changed: {shortage}. Free some space and load it again")
DISK_FULL_LOADED = N_("{file}: loaded, but {shortage}; the next load or rebuild lists it")
STAYS_IN_THE_INBOX = N_("(it stays in the inbox)")
STAYS_WITH_OTHERS = N_("(it stays in the inbox; {waiting:d} more file(s) wait there too)")
NO_SPACE_COPYING = N_("no space left on device while copying it into the archive ({folder})")
NO_SPACE_ARCHIVING = N_("no space left on device while archiving it ({folder})")
NO_SPACE_MANIFEST = N_("no space was left on device to list it in the archive's manifest ({folder})")
NO_SPACE_MENDING = N_("no space left on device to mend the archive's manifest ({folder})")
NO_SPACE_FOR_REASON = N_("it is refused, but no space was left on device to write why ({folder})")
NO_SPACE_IN_INBOX = N_("no space left on device in the inbox ({folder})")
NO_SPACE_FOR_COPY = N_("no space left on device for a copy in {folder}")
NO_SPACE_IN_WAREHOUSE = N_("no space left on device while writing the warehouse ({folder})")

# --- a row quarantined ---------------------------------------------------------------------------------------------
MISSING = N_("missing {column}: every row needs one")
NOT_A_NUMBER = N_("not a number: use digits with a dot for decimals, e.g. 1234.50")
NOT_A_NUMBER_DECIMAL_COMMA = N_("not a number: this file writes amounts like 1.234,50")
NOT_A_WHOLE_NUMBER = N_("not a whole number from {lowest:d} to {highest:d}")
NOT_A_DATE_ISO = N_("not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00")
NOT_A_DATE_DAY_FIRST = N_("not a date: this file writes dates day first, e.g. 31/03/2026 or 31/03/2026 14:05")
NOT_A_DATE_MONTH_FIRST = N_("not a date: this file writes dates month first, e.g. 03/31/2026 or 03/31/2026 2:05 PM")
NOT_A_DATE_AS_MAPPED = N_("not a date written as the mapping's date_format says ({date_format})")
NOT_AN_EPOCH = N_('not a number of {unit} since 1970 (the mapping says epoch = "{unit}")')
IMPLAUSIBLY_EARLY = N_("before {year:d}: not a plausible date for a record (a placeholder such as 1900-01-01, or "
                       "another calendar's year: only Gregorian dates are read, not Solar Hijri 1405)")
IN_THE_FUTURE = N_("in the future: after the load ({moment} {timezone}) by more than a day (a typo in the year?)")
BEFORE = N_("{later} is before {earlier}")
# Written by SQL (ingest._keep_the_last_of_repeated_keys), from the same words.
REPEATED_KEY = N_("the same {key} as row {kept:d}, with other values: row {kept:d}, the later, is kept")

# Fields that hold a reason of their own.
NESTED = {"reason", "has", "listed", "cause_of", "why_unclear", "shortage", "misfit", "layout", "problem"}
_TEMPLATES = [value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)]


@functools.cache
def _pattern(template: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """A regular expression that reads the template's values out of its English text, and which of its
    fields are numbers. A template that ends in a field takes the rest of the text into it; one that
    starts with a field (a file's or a column's name) does not let it run over a ': '."""
    parts, seen, numbers = [], set(), set()
    pieces = list(string.Formatter().parse(template))
    for index, (literal, field, spec, _) in enumerate(pieces):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field in seen:
            parts.append(f"(?P={field})")
            continue
        seen.add(field)
        if spec:
            numbers.add(field)
            parts.append(rf"(?P<{field}>-?[\d,]+(?:\.\d+)?)")
        elif index == 0 and not literal:  # a file or column name first: it never spans a ': '
            parts.append(rf"(?P<{field}>(?:(?!: ).)+?)")
        else:
            parts.append(rf"(?P<{field}>.+{'' if index == len(pieces) - 1 else '?'})")
    return re.compile("".join(parts), re.DOTALL), frozenset(numbers)


@functools.cache
def _specificity(template: str) -> int:
    return sum(len(literal) for literal, *_ in string.Formatter().parse(template))


def _number(text: str) -> str:
    tr = active()
    whole, _, decimals = text.replace(",", "").partition(".")
    return tr.number(float(text.replace(",", "")), len(decimals)) if decimals else tr.integer(int(whole))


def _translate_one(text: str) -> tuple[str, str] | None:
    """The most specific template (the most words of its own) that the text starts with: (its
    translation with the values, the rest of the text)."""
    best = None
    for template in _TEMPLATES:
        pattern, numbers = _pattern(template)
        found = pattern.match(text)
        if found and (best is None or _specificity(template) > _specificity(best[0])):
            best = (template, found, numbers)
    if best is None:
        return None
    template, found, numbers = best
    values = {}
    for field, value in found.groupdict().items():
        if field in numbers:
            values[field] = _number(value)
        elif field in NESTED:
            values[field] = translated(value)
        else:
            values[field] = value
    return active().translations.gettext(template).format(**values), text[found.end():]


def translated(text: str) -> str:
    """A reason the loader wrote, in the reader's language: each sentence made from a template above in
    its translation, anything else as written."""
    if active().language == i18n.DEFAULT_LANGUAGE or not text:
        return text
    out, rest = [], text
    while rest:
        found = _translate_one(rest)
        if found is None:
            out.append(rest)
            break
        sentence, rest = found
        out.append(sentence)
        spaces = len(rest) - len(rest.lstrip(" "))
        out.append(rest[:spaces])
        rest = rest[spaces:]
    return "".join(out)


def translated_list(text: str) -> str:
    """Reasons joined by '; ' (a quarantined row's, as cxkpi.quarantine lists them: 'amount: not a
    number ...; ordered_at: ...'), each in the reader's language. No row reason holds '; ' itself."""
    return "; ".join(translated(part) for part in text.split("; ")) if text else text
