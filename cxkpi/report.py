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
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd
import vl_convert

# The page: 16:9, 960 x 540 pt (a widescreen slide); drawn on a 1600 x 900 grid.
PAGE_WIDTH, PAGE_HEIGHT = 1600, 900
PAGE_SIZE_PT = (960, 540)
PNG_SCALE = 1.5  # 2400 x 1350 px: sharp on a projector, small enough to mail
MARGIN = 48
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
INK, MUTED, RULE, LINE = "#1f2937", "#6b7280", "#d1d5db", "#1f4e79"
# As the app's cards: blue/orange (not green/red), always with words.
# By the tone of the card's status badge (ui.formatting.STATUS_BADGES); any other (gray: too uncertain, no data): MUTED.
NO_MONTHLY_DATA = "No monthly data in the last 12 months"  # the slide and the card say it alike
STATUS_COLOURS = {"blue": "#0072B2", "violet": "#583f84", "orange": "#D55E00"}
CHANGE_COLOURS = {"better": "#0072B2", "worse": "#D55E00"}  # any other reading: MUTED
CARD_HEIGHT = 340  # the height a card is designed for; smaller cards scale their type down
CHART_SCALE = 2  # chart PNGs at twice their CSS size
CHART_WIDTH = 800  # charts are "as wide as the page" in the app; exports get a fixed width
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Card:
    """One KPI as the page shows it: already formatted text, plus the numbers for the sparkline."""

    title: str
    value: str
    status: str  # as on the app's card: 'On target', 'Near target', 'Off target', 'Too uncertain to act on', 'No data'
    status_tone: str  # its badge's tone on the card: 'blue', 'violet', 'orange' or 'gray'
    target: str
    change: str  # '-83.3 pts (worse)', or '' when there is nothing to compare
    change_reading: str | None  # 'better', 'worse', 'no change', 'too uncertain to judge' (its colour)
    sample: str  # 'n = 6 responses · previous +100.0 pts'
    owner: str  # 'Amara Okafor, Chief Customer Officer'
    freshness: str
    sparkline: Sequence[float | None] = ()
    target_value: float | None = None


@dataclass(frozen=True)
class OverviewPage:
    title: str
    period: str  # 'Q2 2026 (1 Apr 2026 – 30 Jun 2026), compared with ...'
    filters: str  # 'region: EMEA' or 'all customers and channels'
    summary: str  # '3 of 9 KPIs on target'
    freshness: str  # 'Data through 30 Sep 2026 · loaded ...'
    cards: Sequence[Card]
    link: str = ""  # the view's address, so the slide leads back to the live numbers
    generated: str = ""  # 'Exported 22 Nov 2026 17:40 UTC'


def overview_svg(page: OverviewPage) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_SIZE_PT[0]}" height="{PAGE_SIZE_PT[1]}" '
        f'viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}" font-family="{FONT}">',
        f'<rect width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" fill="white"/>',
        _text(MARGIN, 70, page.title, 38, INK, weight="bold"),
        _text(MARGIN, 108, page.period, 20, INK),
        _text(MARGIN, 138, f"Filters: {page.filters}", 20, INK, weight="bold"),
        _text(PAGE_WIDTH - MARGIN, 70, page.summary, 20, INK, anchor="end"),
        _text(PAGE_WIDTH - MARGIN, 100, page.freshness, 16, MUTED, anchor="end"),
        f'<line x1="{MARGIN}" y1="160" x2="{PAGE_WIDTH - MARGIN}" y2="160" stroke="{RULE}" stroke-width="2"/>',
    ]
    top, bottom = 182, PAGE_HEIGHT - 70
    cards = list(page.cards)
    if cards:
        columns = len(cards) if len(cards) <= 4 else (4 if len(cards) <= 8 else 5)
        rows = math.ceil(len(cards) / columns)
        gap = 20
        width = (PAGE_WIDTH - 2 * MARGIN - gap * (columns - 1)) / columns
        height = (bottom - top - gap * (rows - 1)) / rows
        for index, card in enumerate(cards):
            row, column = divmod(index, columns)
            parts.append(_card(card, MARGIN + column * (width + gap), top + row * (height + gap), width, height))
    footer = " · ".join(part for part in (page.generated, "Every KPI has one accountable owner") if part)
    parts.append(_text(MARGIN, PAGE_HEIGHT - 36, footer, 14, MUTED))
    if page.link:
        parts.append(_text(MARGIN, PAGE_HEIGHT - 14, page.link, 13, LINE, max_width=PAGE_WIDTH - 2 * MARGIN))
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


def _card(card: Card, x: float, y: float, width: float, height: float) -> str:
    scale = min(1.25, height / CARD_HEIGHT, width / 300)
    height = min(height, CARD_HEIGHT * scale)  # a few cards get bigger type, not stretched boxes
    pad = 18 * scale
    inner = width - 2 * pad
    left = x + pad

    def size(points: float) -> float:
        return round(points * scale, 1)

    status_colour = STATUS_COLOURS.get(card.status_tone, MUTED)
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="10" fill="white" '
        f'stroke="{RULE}" stroke-width="1.5"/>',
    ]
    line = y + pad + size(4)
    for text in _wrap(card.title, size(21), inner, 2):
        line += size(24)
        parts.append(_text(left, line, text, size(21), INK, weight="bold"))
    line += size(30)
    badge_width = _text_width(card.status, size(14)) + size(16)
    parts.append(
        f'<rect x="{left:.1f}" y="{line - size(16):.1f}" width="{badge_width:.1f}" height="{size(22):.1f}" rx="4" '
        f'fill="{status_colour}" fill-opacity="0.14"/>'
    )
    parts.append(_text(left + size(8), line, card.status, size(14), status_colour, weight="bold"))
    parts.append(
        _text(left + badge_width + size(10), line, f"target {card.target}", size(14), MUTED,
              max_width=inner - badge_width - size(10))
    )
    line += size(50)
    parts.append(_text(left, line, card.value, size(42), INK, weight="bold", max_width=inner))
    if card.change:
        line += size(26)
        colour = CHANGE_COLOURS.get(card.change_reading or "", MUTED)
        parts.append(_text(left, line, card.change, size(17), colour, max_width=inner))
    line += size(14)
    spark_height = size(48)
    parts.append(_sparkline(card.sparkline, card.target_value, left, line, inner, spark_height))
    line += spark_height + size(6)
    # Owner and freshness at the bottom, so they line up across cards; the sample line gets the room
    # above them (a title on two lines leaves it one line, shortened with an ellipsis).
    bottom = y + height - pad
    owner_lines = _wrap(f"Owner: {card.owner}", size(15), inner, 2)
    owner_top = bottom - size(22) - (len(owner_lines) - 1) * size(19) - size(15)
    room = int((owner_top - size(4) - line) // size(19))
    for text in _wrap(card.sample, size(14), inner, max(1, min(2, room))):
        line += size(19)
        parts.append(_text(left, line, text, size(14), MUTED))
    parts.append(_text(left, bottom, card.freshness, size(13), MUTED, max_width=inner))
    for index, text in enumerate(reversed(owner_lines)):
        parts.append(_text(left, bottom - size(22) - index * size(19), text, size(15), INK))
    return "\n".join(parts)


def _wrap(content: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap to at most max_lines; the last line is shortened with an ellipsis if need be."""
    lines: list[str] = []
    words = content.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and _text_width(f"{line} {words[0]}", size) <= max_width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines[-1] = _fit(f"{lines[-1]} {' '.join(words)}", size, max_width)
    return [_fit(line, size, max_width) for line in lines]


def _sparkline(
    values: Sequence[float | None], target: float | None, x: float, y: float, width: float, height: float
) -> str:
    lines, target_y = sparkline_geometry(values, target, x, y, width, height)
    if not lines:
        return _text(x, y + height / 2, NO_MONTHLY_DATA, 13, MUTED)
    parts = []
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


def _text(
    x: float, y: float, content: str, size: float, colour: str, *, weight: str = "normal", anchor: str = "start",
    max_width: float | None = None,
) -> str:
    if max_width is not None:
        content = _fit(content, size, max_width)
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{escape(content)}</text>'
    )


def _text_width(content: str, size: float) -> float:
    """An estimate for a proportional sans font (no layout engine here): generous, so text never overflows."""
    return sum(0.64 if character.isupper() else 0.56 if character.isdigit() else 0.5 for character in content) * size


def _fit(content: str, size: float, max_width: float) -> str:
    if _text_width(content, size) <= max_width:
        return content
    while content and _text_width(content + "…", size) > max_width:
        content = content[:-1]
    return content.rstrip() + "…"


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
