"""Exports for slides and spreadsheets, without a browser: the overview as one landscape page (PNG or a
one-page PDF), charts as PNG/SVG, tables as formula-safe CSV.

The overview page is drawn as SVG here (plain text and numbers in, no Streamlit) and rendered to PNG
and PDF by vl-convert, which also renders the Vega-Lite charts; its PDF keeps text as text, so the
filters, period, freshness and owners on the page can be searched and copied.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from html import escape
from typing import Any

import pandas as pd
import vl_convert

from cxkpi.i18n import N_, active, gettext
from cxkpi.warehouse import PROJECT_ROOT

# The page: 16:9, 960 x 540 pt (a widescreen slide); drawn on a 1600 x 900 grid.
PAGE_WIDTH, PAGE_HEIGHT = 1600, 900
PAGE_SIZE_PT = (960, 540)
PNG_SCALE = 1.5  # 2400 x 1350 px: sharp on a projector, small enough to mail
MARGIN = 48
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# Persian (and any right-to-left language): Vazirmatn, bundled under static/fonts (SIL Open Font License),
# which vl-convert's renderer (resvg, shaping with rustybuzz) joins and orders correctly.
RTL_FONT = "Vazirmatn, Liberation Sans, sans-serif"
FONTS_DIR = PROJECT_ROOT / "static" / "fonts"
vl_convert.register_font_directory(str(FONTS_DIR))
# Right-to-left text inside the SVG: resvg orders each text as a left-to-right paragraph, so it is wrapped
# in RIGHT-TO-LEFT ISOLATE ... POP DIRECTIONAL ISOLATE, and the page is drawn mirrored (_MIRRORED).
RIGHT_TO_LEFT_ISOLATE, POP_ISOLATE = "\N{RIGHT-TO-LEFT ISOLATE}", "\N{POP DIRECTIONAL ISOLATE}"
_MIRRORED: ContextVar[bool] = ContextVar("cxkpi_slide_mirrored", default=False)
INK, MUTED, RULE, LINE = "#1f2937", "#6b7280", "#d1d5db", "#1f4e79"
# As the app's cards: blue/orange (not green/red), always with words. By the tone of the card's
# status badge and change (ui.formatting.STATUS_BADGES, READING_TONES); any other (gray): MUTED.
NO_MONTHLY_DATA = N_("No monthly data in the last 12 months")  # the slide and the card say it alike
# Okabe-Ito blue and vermillion and a violet: told apart with every common colour-vision deficiency.
TONE_COLOURS = {"blue": "#0072B2", "violet": "#583f84", "orange": "#D55E00"}
PENDING = "#9ca3af"
NOTE = "#CC79A7"  # the owner's notes, as on the KPI page's trend
CARD_HEIGHT = 340  # the height a card is designed for; smaller cards scale their type down
MIN_SCALE = 0.55  # type never shrinks below this share of its size: it wraps onto more lines instead
CHART_SCALE = 2  # chart PNGs at twice their CSS size
CHART_WIDTH = 800  # charts are "as wide as the page" in the app; exports get a fixed width
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Card:
    """One KPI as the page shows it: already formatted text, plus the numbers for the sparkline."""

    title: str
    value: str  # '131.2', '+32.0 pts', 'No data'
    status: str  # as on the app's card: 'On target', 'Near target', 'Off target', 'Too uncertain to act on', 'No data'
    status_tone: str  # its badge's tone on the card: 'blue', 'violet', 'orange' or 'gray'
    target: str
    change: str  # '-1.7 pts vs Q2 2026 · no real change (p = 0.49)', or '' when there is no value
    change_tone: str  # 'blue' (better), 'orange' (worse) or 'gray': as on the card
    sample: str  # 'n = 6 responses · Q2 2026: +100.0 pts (n = 1 response)'
    owner: str  # 'Amara Okafor, Chief Customer Officer'
    freshness: str
    sparkline: Sequence[float | None] = ()
    target_value: float | None = None
    owner_first: bool = False  # off target: the owner right under the status, as on the card
    note: str = ""  # why the card shows an earlier period (a KPI that needs time to mature)
    pending: Sequence[bool] = ()  # per sparkline month: still maturing
    unit: str = ""  # words after the value, smaller: 'per 1,000 orders'
    latest_note: str = ""  # the owner's latest note with its date: 'Note 15 Jun 2026, Amara Okafor: ...'
    actions: str = ""  # '2 open actions, 1 overdue'
    actions_overdue: bool = False  # one of them is past its due date: the line in orange
    noted: Sequence[bool] = ()  # per sparkline month: an owner's note is dated in it (a marker)


@dataclass(frozen=True)
class OverviewPage:
    title: str
    period: str  # 'Q2 2026 (1 Apr 2026 – 30 Jun 2026), compared with ...'
    filters: str  # 'region: EMEA' or 'all customers and channels'
    summary: str  # '4 of 9 off target: CSAT, Priya Raman; ... · 2 near target · 3 on target'
    freshness: str  # 'Data through 30 Sep 2026 · loaded ...'
    cards: Sequence[Card]
    link: str = ""  # the view's address, so the slide leads back to the live numbers
    generated: str = ""  # 'Exported 22 Nov 2026 17:40 UTC'


def overview_svg(page: OverviewPage) -> str:
    """The page as SVG. Nothing is cut: every text is wrapped onto the lines it is allowed and its type
    shrunk until it fits (never below MIN_SCALE of its size, where it wraps onto more lines), and the
    cards all take the scale at which the fullest of them fits its box."""
    right_to_left = active().right_to_left
    token = _MIRRORED.set(right_to_left)
    try:
        return _overview_svg(page, RTL_FONT if right_to_left else FONT)
    finally:
        _MIRRORED.reset(token)


def _overview_svg(page: OverviewPage, font: str) -> str:
    inner = PAGE_WIDTH - 2 * MARGIN
    freshness_size = _shrunk(page.freshness, 16, inner * 0.4)
    freshness_width = _text_width(page.freshness, freshness_size)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_SIZE_PT[0]}" height="{PAGE_SIZE_PT[1]}" '
        f'viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}" font-family="{font}">',
        f'<rect width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" fill="white"/>',
        _text(PAGE_WIDTH - MARGIN, 66, page.freshness, freshness_size, MUTED, anchor="end"),
    ]
    line = 30.0
    header = [(page.title, 38, INK, "bold", 1, inner - freshness_width - 40),
              (page.period, 20, INK, "normal", 2, inner),
              (gettext("Filters: {filters}", filters=page.filters), 20, INK, "bold", 2, inner),
              (page.summary, 20, INK, "normal", 2, inner)]
    for content, size, colour, weight, max_lines, width in header:
        if not content:
            continue
        lines, fitted = _block(content, size, width, max_lines, bold=weight == "bold")
        for text in lines:
            line += fitted * 1.3
            parts.append(_text(MARGIN, line, text, fitted, colour, weight=weight))
    line += 14
    parts.append(f'<line x1="{MARGIN}" y1="{line:.1f}" x2="{PAGE_WIDTH - MARGIN}" y2="{line:.1f}" stroke="{RULE}" '
                 'stroke-width="2"/>')
    footer = " · ".join(part for part in (page.generated, gettext("Every KPI has one accountable owner")) if part)
    link_lines, link_size = _block(page.link, 13, inner, 2) if page.link else ([], 13.0)
    bottom = PAGE_HEIGHT - 20 - link_size * 1.3 * len(link_lines) - 24
    top = line + 20
    cards = list(page.cards)
    if cards:
        columns = len(cards) if len(cards) <= 4 else (4 if len(cards) <= 8 else 5)
        rows = math.ceil(len(cards) / columns)
        gap = 20
        width = (inner - gap * (columns - 1)) / columns
        height = (bottom - top - gap * (rows - 1)) / rows
        # As drawn: a few cards get bigger type, not stretched boxes (and their text must fit the box drawn).
        height = min(height, CARD_HEIGHT * 1.25)
        scale = min(_card_scale(card, width, height) for card in cards)
        for index, card in enumerate(cards):
            row, column = divmod(index, columns)
            parts.append(_card(card, MARGIN + column * (width + gap), top + row * (height + gap), width, height, scale))
    parts.append(_text(MARGIN, bottom + 24, footer, 14, MUTED))
    for index, text in enumerate(link_lines):
        parts.append(_text(MARGIN, bottom + 24 + (index + 1) * link_size * 1.3, text, link_size, LINE))
    parts.append("</svg>")
    return "\n".join(parts)


def overview_png(page: OverviewPage) -> bytes:
    return bytes(vl_convert.svg_to_png(overview_svg(page), scale=PNG_SCALE * PAGE_WIDTH / PAGE_SIZE_PT[0]))


def overview_pdf(page: OverviewPage) -> bytes:
    return bytes(vl_convert.svg_to_pdf(overview_svg(page)))


def chart_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec (altair's chart.to_dict()) as SVG."""
    return vl_convert.vegalite_to_svg(_sized(spec), vl_version=_vega_lite_version(spec))


def chart_png(spec: dict[str, Any]) -> bytes:
    return bytes(vl_convert.vegalite_to_png(_sized(spec), vl_version=_vega_lite_version(spec), scale=CHART_SCALE))


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading single quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """The table as CSV (UTF-8, header row, no index) with every formula-like text cell neutralised."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow([neutralise(str(name)) for name in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if _missing(value) else neutralise(value) for value in row])
    return output.getvalue()


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays: not a missing scalar
        return False


@dataclass(frozen=True)
class _Line:
    text: str
    size: float
    colour: str
    weight: str = "normal"
    beside: _Line | None = None  # smaller words drawn after the text on its line: a value's unit


@dataclass(frozen=True)
class _Layout:
    top: list[list[_Line]]  # from the title down to the sparkline; top[1] is the status badge
    bottom: list[list[_Line]]  # under the sparkline, aligned to the card's bottom
    beside_badge: _Line | None  # the target, on the badge's line when it fits there


def _card_blocks(card: Card, inner: float, scale: float) -> _Layout:
    """The card's text at `scale`, wrapped and shrunk to `inner` width."""

    def block(content: str, points: float, colour: str, max_lines: int, weight: str = "normal") -> list[_Line]:
        lines, size = _block(content, points * scale, inner, max_lines, bold=weight == "bold")
        return [_Line(text, size, colour, weight) for text in lines]

    status_colour = TONE_COLOURS.get(card.status_tone, MUTED)
    badge = _Line(card.status, _shrunk(card.status, 14 * scale, inner - 16 * scale, bold=True), status_colour, "bold")
    target = gettext("target {target}", target=card.target)
    badge_width = _text_width(card.status, badge.size, bold=True) + 26 * scale
    beside = _Line(target, 14 * scale, MUTED) if badge_width + _text_width(target, 14 * scale) <= inner else None
    top = [block(card.title, 21, INK, 2, "bold"), [badge]]
    if beside is None:
        top.append(block(target, 14, MUTED, 2))
    owner = block(gettext("Owner: {owner}", owner=card.owner), 15,
                  TONE_COLOURS["orange"] if card.owner_first else INK, 2,
                  "bold" if card.owner_first else "normal")
    if card.owner_first:
        top.append(owner)
    value = block(card.value, 42, INK, 2, "bold")
    top.append(value)
    if card.unit:
        unit = _Line(card.unit, _shrunk(card.unit, 17 * scale, inner), INK)
        value_width = _text_width(value[-1].text, value[-1].size, bold=True)
        if value_width + 8 * scale + _text_width(unit.text, unit.size) <= inner:
            value[-1] = replace(value[-1], beside=unit)
        else:
            top.append([unit])
    if card.change:
        top.append(block(card.change, 16, TONE_COLOURS.get(card.change_tone, MUTED), 3))
    if card.note:
        top.append(block(card.note, 13, MUTED, 3))
    bottom = [block(card.sample, 14, MUTED, 3)]
    if not card.owner_first:
        bottom.append(owner)
    if card.latest_note:
        bottom.append(block(card.latest_note, 13, INK, 3))
    if card.actions:
        bottom.append(block(card.actions, 13, TONE_COLOURS["orange"] if card.actions_overdue else INK, 1))
    bottom.append(block(card.freshness, 13, MUTED, 2))
    return _Layout(top, bottom, beside)


def _line(x: float, y: float, line: _Line, scale: float) -> str:
    """One line of text, and the smaller words beside it if any ('131.2' 'per 1,000 orders')."""
    drawn = _text(x, y, line.text, line.size, line.colour, weight=line.weight)
    if line.beside is None:
        return drawn
    after = x + _text_width(line.text, line.size, bold=line.weight == "bold") + 8 * scale
    return "\n".join([drawn, _text(after, y, line.beside.text, line.beside.size, line.beside.colour)])


def _height(blocks: list[list[_Line]]) -> float:
    """The height the blocks take: each line 1.3 × its size, 6 after each block."""
    return sum(sum(line.size * 1.3 for line in lines) + 6 for lines in blocks)


def _card_scale(card: Card, width: float, height: float) -> float:
    """The largest scale (up to 1.25) at which the card's text, sparkline and padding fit its box."""
    scale = min(1.25, height / CARD_HEIGHT, width / 300)
    while scale > MIN_SCALE:
        pad = 18 * scale
        layout = _card_blocks(card, width - 2 * pad, scale)
        if 2 * pad + _height(layout.top) + _height(layout.bottom) + 48 * scale <= height:
            return scale
        scale *= 0.95
    return MIN_SCALE


def _card(card: Card, x: float, y: float, width: float, height: float, scale: float) -> str:
    pad = 18 * scale
    inner = width - 2 * pad
    left = x + pad
    layout = _card_blocks(card, inner, scale)
    parts = [
        f'<rect x="{_x(x, width):.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="10" fill="white" '
        f'stroke="{RULE}" stroke-width="1.5"/>',
    ]
    line = y + pad
    for index, lines in enumerate(layout.top):
        if index == 1:  # the status row: a badge behind the status, the target beside it if it fits
            badge = lines[0]
            line += badge.size * 1.3
            badge_width = _text_width(badge.text, badge.size, bold=True) + 16 * scale
            parts.append(
                f'<rect x="{_x(left, badge_width):.1f}" y="{line - badge.size * 1.1:.1f}" width="{badge_width:.1f}" '
                f'height="{badge.size * 1.55:.1f}" rx="4" fill="{badge.colour}" fill-opacity="0.14"/>'
            )
            parts.append(_text(left + 8 * scale, line, badge.text, badge.size, badge.colour, weight="bold"))
            if layout.beside_badge is not None:
                parts.append(_text(left + badge_width + 10 * scale, line, layout.beside_badge.text,
                                   layout.beside_badge.size, MUTED))
            line += 6
            continue
        for text in lines:
            line += text.size * 1.3
            parts.append(_line(left, line, text, scale))
        line += 6
    line += 4 * scale
    spark_height = 44 * scale
    # Time runs left to right in both directions; a mirrored page moves the whole sparkline to its card.
    spark_left = _x(left, inner)
    parts.append(_sparkline(card.sparkline, card.target_value, spark_left, line, inner, spark_height, card.pending,
                            card.noted))
    # The sample, owner and freshness at the bottom, so they line up across cards.
    line = y + height - pad - _height(layout.bottom)
    for lines in layout.bottom:
        for text in lines:
            line += text.size * 1.3
            parts.append(_text(left, line, text.text, text.size, text.colour, weight=text.weight))
        line += 6
    return "\n".join(parts)


def _wrap(content: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap onto as many lines as it takes; a word wider than a line (a link) is split."""
    lines: list[str] = []
    # Split at ordinary spaces only: a no-break space (Persian 'n = 6', 'p = 0.49') holds its words together.
    for word in content.replace("\n", " ").split(" "):
        if not word:
            continue
        while len(word) > 1 and _text_width(word, size, bold) > max_width:
            cut = 1
            while cut < len(word) - 1 and _text_width(word[:cut + 1], size, bold) <= max_width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        if lines and _text_width(f"{lines[-1]} {word}", size, bold) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _block(content: str, size: float, max_width: float, max_lines: int, bold: bool = False) -> tuple[list[str], float]:
    """`content` wrapped onto at most `max_lines` lines of `max_width`, its type shrunk as needed (not
    below MIN_SCALE of `size`, where it takes the lines it needs): nothing is ever cut."""
    fitted = size
    while True:
        lines = _wrap(content, fitted, max_width, bold)
        if len(lines) <= max_lines or fitted <= size * MIN_SCALE:
            return lines, round(fitted, 1)
        fitted = max(size * MIN_SCALE, fitted * 0.93)


def _shrunk(content: str, size: float, max_width: float, bold: bool = False) -> float:
    """The size at which `content` fits `max_width` on one line."""
    while size > 1 and _text_width(content, size, bold) > max_width:
        size *= 0.95
    return round(size, 1)


def _sparkline(
    values: Sequence[float | None], target: float | None, x: float, y: float, width: float, height: float,
    pending: Sequence[bool] = (), noted: Sequence[bool] = (),
) -> str:
    lines, target_y = sparkline_geometry(values, target, x, y, width, height)
    if not lines:
        words = gettext(NO_MONTHLY_DATA)
        return _text(_x(x, width), y + height / 2, words, _shrunk(words, 13, width), MUTED)
    parts = [_pending_band(index, len(values), x, y, width, height) for index, flag in enumerate(pending) if flag]
    parts += [_note_marker(index, len(values), x, y, width) for index, flag in enumerate(noted) if flag]
    if target_y is not None:
        parts.append(
            f'<line x1="{x:.1f}" y1="{target_y:.1f}" x2="{x + width:.1f}" y2="{target_y:.1f}" stroke="{MUTED}" '
            f'stroke-width="1.5" stroke-dasharray="5 5"/>'
        )
    for line in lines:
        coordinates = " ".join(f"{px:.1f},{py:.1f}" for px, py in line)
        parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{LINE}"/>' for line in lines for px, py in line]
    return "\n".join(parts)


def _note_marker(index: int, count: int, x: float, y: float, width: float, size: float = 7.0) -> str:
    """A small triangle pointing down at the month of an owner's note (its place along the width, as the
    sparkline's points), hanging from the top of the sparkline's box."""
    centre = x + width * index / max(count - 1, 1)
    corners = f"{centre - size:.1f},{y:.1f} {centre + size:.1f},{y:.1f} {centre:.1f},{y + size * 1.4:.1f}"
    return f'<polygon points="{corners}" fill="{NOTE}"/>'


def _pending_band(index: int, count: int, x: float, y: float, width: float, height: float) -> str:
    """A grey band over the place of a month still maturing, within the sparkline's box."""
    step = width / max(count - 1, 1)
    left, right = max(x, x + step * (index - 0.5)), min(x + width, x + step * (index + 0.5))
    return (f'<rect x="{left:.1f}" y="{y:.1f}" width="{right - left:.1f}" height="{height:.1f}" fill="{PENDING}" '
            'fill-opacity="0.25"/>')


def sparkline_geometry(
    values: Sequence[float | None], target: float | None, x: float, y: float, width: float, height: float
) -> tuple[list[list[tuple[float, float]]], float | None]:
    """Where a sparkline's points go in the box (x, y, width, height), for the slide and the app's card
    alike: each value keeps its place along the width, the scale spans the values and the target, and
    a missing value (None or NaN) breaks the line. Returns the lines' points and the target's y."""
    present = [value for value in values if value is not None and not math.isnan(value)]
    if not present:
        return [], None
    numbers = present + ([target] if target is not None else [])
    low, high = min(numbers), max(numbers)
    spread = (high - low) or 1.0
    last = max(len(values) - 1, 1)

    def height_of(value: float) -> float:
        return y + height - height * (value - low) / spread

    lines: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None or math.isnan(value):
            lines.append([])
        else:
            lines[-1].append((x + width * index / last, height_of(value)))
    return [line for line in lines if line], None if target is None else height_of(target)


def _x(x: float, width: float = 0.0) -> float:
    """Where a box that starts at x (in reading order) and is `width` wide starts on the page: mirrored on
    a right-to-left page."""
    return PAGE_WIDTH - x - width if _MIRRORED.get() else x


def _text(
    x: float, y: float, content: str, size: float, colour: str, *, weight: str = "normal", anchor: str = "start",
) -> str:
    """A line of text whose start (in reading order) is at x: on a right-to-left page its right end,
    mirrored, and the text isolated as right to left."""
    if _MIRRORED.get():
        x, anchor = PAGE_WIDTH - x, {"start": "end", "end": "start"}.get(anchor, anchor)
        content = f"{RIGHT_TO_LEFT_ISOLATE}{content}{POP_ISOLATE}"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{escape(content)}</text>'
    )


def _text_width(content: str, size: float, bold: bool = False) -> float:
    """An estimate for a proportional sans font (no layout engine here), a little generous so that text
    never overflows its box: Liberation Sans's widths (Arial's metrics) for ASCII, 5 % more; more room
    than that font gives for other scripts (Cyrillic, Persian, ...), and a full em for wide (CJK)
    characters."""
    return sum(_character_width(character, bold) for character in content) * size * 1.05


# Liberation Sans (metric-compatible with Arial), per em, regular and bold, for printable ASCII (32-126).
_ASCII_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
    "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_ASCII_BOLD_WIDTHS = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 "
    "611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {False: [int(width) / 1000 for width in _ASCII_WIDTHS.split()],
           True: [int(width) / 1000 for width in _ASCII_BOLD_WIDTHS.split()]}


def _character_width(character: str, bold: bool) -> float:
    code = ord(character)
    if 32 <= code <= 126:
        return _WIDTHS[bold][code - 32]
    if unicodedata.east_asian_width(character) in "WF":
        return 1.05
    if character in "·–≥≤":
        return 0.56
    return 0.8 if character.isupper() else 0.7  # Cyrillic, Greek, Arabic, Persian, arrows...: room to spare


def _sized(spec: dict[str, Any]) -> dict[str, Any]:
    """A fixed width instead of the app's "as wide as the container" (which has no meaning in a file)."""
    spec = dict(spec)
    if not isinstance(spec.get("width"), (int, float)) and not any(key in spec for key in ("hconcat", "concat")):
        spec["width"] = CHART_WIDTH
    return spec


def _vega_lite_version(spec: dict[str, Any]) -> str:
    """'6.4' from '.../vega-lite/v6.4.1.json', if vl-convert knows it; else its newest."""
    known = vl_convert.get_vegalite_versions()
    schema = str(spec.get("$schema", ""))
    for version in sorted(known, key=lambda text: [int(part) for part in text.split(".")], reverse=True):
        if f"/v{version}." in schema or schema.endswith(f"/v{version}.json"):
            return version
    return known[-1]
