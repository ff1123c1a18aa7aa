"""Text exports whose columns are lined up with spaces instead of separated by a delimiter.

Old systems and report writers print tables: a purchase log of `   00001 19970101  1   11.77`, a
report with `Order ID    Date        Amount`. No comma, semicolon, tab or pipe splits them, so a CSV
reader sees one column. They are read as what they are, or refused saying so:

- **runs of spaces**: every line splits into the same number of fields at runs of two or more
  spaces (a header like `Order ID` keeps its single space), or else at any run of spaces;
- **fixed width**: otherwise, the columns are the character positions between gaps that are blank
  on every line (values touching each other leave no gap and cannot be told apart: refused).

The layout is decided from the sniffed lines; the copy DuckDB reads is then written tab-separated,
line by line, and a later line that does not fit the layout refuses the file naming that line.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass

from cxkpi import reasons

TWO_OR_MORE_SPACES = re.compile(r"[ \t]{2,}")
ANY_SPACES = re.compile(r"[ \t]+")
SPACE_RUN_INSIDE = re.compile(r"\S[ \t]{2,}\S|\S[ \t]+\S")


class AlignedTextError(ValueError):
    """The file is lined up with spaces, but its columns cannot be told apart for sure."""


@dataclass(frozen=True)
class Layout:
    kind: str  # 'runs of spaces', 'any spaces' or 'fixed width'
    width: int  # fields per line
    cuts: tuple[tuple[int, int], ...] = ()  # fixed width: (start, end) of each column

    def describe(self) -> str:
        return reasons.FIXED_WIDTH_COLUMNS if self.kind == "fixed width" else reasons.SPACE_SEPARATED_COLUMNS

    def split(self, line: str) -> list[str]:
        text = line.rstrip("\r\n")
        if self.kind == "fixed width":
            last = len(self.cuts) - 1  # the last column runs to the end of the line (a long comment)
            return [text[start:end if index < last else None].strip() for index, (start, end) in enumerate(self.cuts)]
        pattern = TWO_OR_MORE_SPACES if self.kind == "runs of spaces" else ANY_SPACES
        return pattern.split(text.strip())

    def fits(self, line: str) -> bool:
        text = line.rstrip("\r\n")
        if self.kind == "fixed width":
            gaps = _gaps(self.cuts, len(text))
            return all(text[position] in " \t" for position in gaps)
        return len(self.split(text)) == self.width

    def as_tab_separated(self, line: str, number: int) -> str:
        """One line of the file as a tab-separated line (quoted where a value needs it)."""
        if not line.strip():
            return line
        if not self.fits(line):
            fields = len(self.split(line))
            raise AlignedTextError(reasons.LINE_DOES_NOT_FIT.format(line=number, layout=self.describe(), found=fields,
                                                                    expected=self.width))
        buffer = io.StringIO()
        csv.writer(buffer, delimiter="\t", lineterminator="\n").writerow(self.split(line))
        return buffer.getvalue()


def looks_aligned(first_line: str) -> bool:
    """True when a line holds several values separated by spaces (and no CSV delimiter split it)."""
    return bool(SPACE_RUN_INSIDE.search(first_line.strip()))


def find_layout(lines: list[str]) -> Layout:
    """The layout every one of these lines (the first is the header, or the first record) fits. Of
    the ways to split at spaces that every line agrees with, the one giving the most fields: a single
    space splits too when no value holds one (`00001 19970101  1`)."""
    lines = [line.rstrip("\r\n") for line in lines if line.strip()]
    consistent = []
    for kind, pattern in (("runs of spaces", TWO_OR_MORE_SPACES), ("any spaces", ANY_SPACES)):
        widths = [len(pattern.split(line.strip())) for line in lines]
        if widths[0] >= 2 and all(width == widths[0] for width in widths):
            consistent.append(Layout(kind=kind, width=widths[0]))
    if consistent:
        return max(consistent, key=lambda layout: layout.width)
    cuts = _named_columns(_columns(lines), lines)
    if len(cuts) >= 2:
        layout = Layout(kind="fixed width", width=len(cuts), cuts=cuts)
        names = layout.split(lines[0])
        # Every column has a header name, and no name holds a run of spaces (two columns run together).
        if all(names) and not any(TWO_OR_MORE_SPACES.search(name) for name in names):
            return layout
    widths = [len(TWO_OR_MORE_SPACES.split(line.strip())) for line in lines]
    odd = next((index for index, width in enumerate(widths) if width != widths[0]), 0)
    raise AlignedTextError(reasons.RAGGED_LINE.format(line=odd + 1, found=widths[odd], expected=widths[0]))


def _columns(lines: list[str]) -> tuple[tuple[int, int], ...]:
    """(start, end) of each run of character positions that is not blank on every line."""
    length = max(len(line) for line in lines)
    used = [False] * length
    for line in lines:
        for position, character in enumerate(line):
            if character not in " \t":
                used[position] = True
    cuts, start = [], None
    for position, busy in enumerate([*used, False]):
        if busy and start is None:
            start = position
        elif not busy and start is not None:
            cuts.append((start, position))
            start = None
    return tuple(cuts)


def _named_columns(cuts: tuple[tuple[int, int], ...], lines: list[str]) -> tuple[tuple[int, int], ...]:
    """A column with no header name above it belongs to the column on its left (a date's time under
    "Order Date"), and so does one with nothing but a header word ("ID" of "Customer ID")."""
    header, body = lines[0], lines[1:]
    merged: list[tuple[int, int]] = []
    for start, end in cuts:
        unnamed = not header[start:end].strip()
        empty = bool(body) and not any(line[start:end].strip() for line in body)
        if merged and (unnamed or empty):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _gaps(cuts: tuple[tuple[int, int], ...], length: int) -> list[int]:
    gaps = [position for (_, end), (start, _) in itertools.pairwise(cuts) for position in range(end, start)]
    return [position for position in gaps if position < length]
