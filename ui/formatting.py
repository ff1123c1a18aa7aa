"""Formatting of KPI numbers, periods and timestamps as plain text, and the few HTML marks the cards use
(no Streamlit here, so it is easy to test)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime

from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar
from cxkpi.kpis import KpiReport
from cxkpi.periods import Period, name_of
from cxkpi.registry import Kpi
from cxkpi.stats import ChangeTest, Interval
from cxkpi.status import ChangeReading, Status

EN_DASH = "\N{EN DASH}"
EMPTY = "\N{EM DASH}"  # an empty table cell, never 'None' or 'nan'
# What Streamlit's Markdown would read as syntax: emphasis, links, :emoji: and :colour[...], $math$, #...
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")
UNIT_SYMBOLS = {"points": "pts", "hours": "h", "%": "%"}
UNCERTAIN = "Too uncertain to act on"
# A KPI's status (cxkpi.status) in the words of its card, the KPI page's tables and charts, the slide,
# the PDF and the Owners page.
STATUS_WORDS = {
    Status.ON_TARGET: "On target", Status.NEAR_TARGET: "Near target", Status.OFF_TARGET: "Off target",
    Status.TOO_UNCERTAIN: UNCERTAIN, Status.NO_DATA: "No data",
}
# The status badge on the card, by status: (tone, Material Symbols icon); the slide and charts take its tone.
STATUS_BADGES = {
    Status.ON_TARGET: ("blue", "check_circle"),
    Status.NEAR_TARGET: ("violet", "adjust"),
    Status.OFF_TARGET: ("orange", "error"),
    Status.NO_DATA: ("gray", "remove"),
    Status.TOO_UNCERTAIN: ("gray", "help"),
}
# A change's tone: only a real change (its test says so) is coloured; the words always say it.
READING_TONES = {ChangeReading.BETTER: "blue", ChangeReading.WORSE: "orange"}  # any other: gray


def value(kpi: Kpi, number: float | None, decimals: int = 1) -> str:
    """The number in the KPI's unit: '+16.7 pts', '7.0 h', '50.0%'; 'No data' for None (never 0)."""
    if number is None:
        return "No data"
    if kpi.unit == "points":
        # NPS runs -100..+100, so the sign carries meaning even when positive.
        sign = "+" if round(number, decimals) > 0 else ""
        return f"{sign}{number:,.{decimals}f} pts"
    if kpi.unit == "hours":
        return f"{number:,.{decimals}f} h"
    if kpi.unit == "%":
        return f"{number:,.{decimals}f}%"
    return f"{number:,.{decimals}f} {kpi.unit}"


def value_and_unit(kpi: Kpi, number: float | None) -> tuple[str, str]:
    """value() in two parts, the words of a unit without a symbol apart: ('131.2', 'per 1,000 orders'),
    ('+32.0 pts', ''), ('No data', '')."""
    shown = value(kpi, number)
    if number is None or kpi.unit in UNIT_SYMBOLS:
        return shown, ""
    number_text, unit = shown.split(" ", 1)
    return number_text, unit


def unit_symbol(kpi: Kpi) -> str:
    return UNIT_SYMBOLS.get(kpi.unit, kpi.unit)


def change(kpi: Kpi, difference: float) -> str:
    """A change between periods, always signed; % KPIs change by percentage points ('pts')."""
    unit = {"hours": "h", "points": "pts", "%": "pts"}.get(kpi.unit, kpi.unit)
    if shows_as_zero(difference):
        difference = 0.0  # '+0.0', never '-0.0'
    return f"{difference:+,.1f} {unit}"


def shows_as_zero(difference: float) -> bool:
    """True when change() shows the difference as 0.0 (one decimal)."""
    return round(difference, 1) == 0


def status_reading(report: KpiReport) -> str:
    """The status in the same words on the card, the slide, the PDF and the Owners page: 'On target',
    'Near target', 'Off target', 'Too uncertain to act on' or 'No data'."""
    return STATUS_WORDS[report.status]


def change_phrase(kpi: Kpi, difference: float | None, reading: ChangeReading, against: Period,
                  test: ChangeTest | None = None, p_values: bool = True) -> str:
    """One change in words, its number first: '-1.7 pts vs Q2 2026 · no real change (p = 0.49)',
    '+5.2 pts vs Q2 2026 · better (p = 0.003)', 'no data to compare with Q2 2026'. The number is the
    change shown everywhere (value − the value compared with); p is the test of that same change."""
    if difference is None:
        return f"no data to compare with {period_name(against)}"
    return f"{change(kpi, difference)} {reading_words(reading, against, test, p_values)}"


def reading_words(reading: ChangeReading, against: Period, test: ChangeTest | None = None,
                  p_values: bool = True) -> str:
    """What a change compares with and how it reads, after its number: 'vs Q2 2026 · better (p = 0.003)'."""
    text = f"vs {period_name(against)} · {reading.value}"
    if p_values and test is not None and reading in (ChangeReading.BETTER, ChangeReading.WORSE,
                                                      ChangeReading.NO_REAL_CHANGE):
        text += f" ({p_value(test.p_value)})"
    return text


def previous_phrase(report: KpiReport, p_values: bool = True) -> str:
    """The card's change: against the previous period (or last year's, when that is the comparison)."""
    return change_phrase(report.kpi, report.change, report.change_reading, report.period.previous(),
                         report.vs_previous, p_values)


def last_year_phrase(report: KpiReport) -> str:
    return change_phrase(report.kpi, report.last_year_change, report.last_year_reading,
                         report.period.a_year_earlier(), report.vs_last_year)


def attention(reports: Sequence[KpiReport]) -> tuple[str, list[tuple[str, str]], str]:
    """The overview's headline in three parts: '4 of 9 off target' (or 'None of 9 off target'), each
    off-target KPI with its owner's name [(title, owner)], and how the others stand ('2 near target ·
    3 on target · 1 too uncertain to act on · 1 no data'). The slide and the page say it alike."""
    off = [(report.kpi.title, report.kpi.owner.name) for report in reports if report.status == Status.OFF_TARGET]
    lead = f"{len(off) or 'None'} of {len(reports)} off target"
    counts = [(sum(report.status == status for report in reports), status) for status in
              (Status.NEAR_TARGET, Status.ON_TARGET, Status.TOO_UNCERTAIN, Status.NO_DATA)]
    rest = " · ".join(f"{count} {STATUS_WORDS[status].lower()}" for count, status in counts if count)
    return lead, off, rest


def attention_text(reports: Sequence[KpiReport]) -> str:
    """The headline as one line of text: '4 of 9 off target: CSAT, Priya Raman; ... · 2 near target ...'."""
    lead, off, rest = attention(reports)
    named = "; ".join(f"{title}, {owner}" for title, owner in off)
    return f"{lead}{': ' + named if named else ''}{' · ' + rest if rest else ''}"


def target(kpi: Kpi) -> str:
    """'≥ +30 pts' or '≤ 8 h': the comparison says which direction is good."""
    decimals = 0 if float(kpi.target).is_integer() else 1
    comparison = "≥" if kpi.direction == "higher" else "≤"
    return f"{comparison} {value(kpi, kpi.target, decimals)}"


def markdown_literal(text: str) -> str:
    """Text that people typed (an owner's or a saved view's name, a file name), to show as typed in
    Streamlit's Markdown (messages, captions, button labels): Markdown punctuation backslash-escaped,
    then HTML escaped (a name like 'Ann *lead* :smile:' was drawn with emphasis and an emoji)."""
    return html.escape(MARKDOWN_PUNCTUATION.sub(r"\\\1", text))


def markdown_code(text: str) -> str:
    """Text from outside (a link's value, a file name) as a Markdown code span that shows it as typed:
    fenced by more backticks than it holds in a row, so a backtick in it cannot end the span, and on one
    line (Markdown splits blocks at line breaks before it reads code spans)."""
    text = re.sub(r"[\r\n]+", " ", text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def icon(name: str) -> str:
    """A Material Symbols icon (the font Streamlit ships) as HTML; decorative, the words beside it say it."""
    return f'<span class="cx-icon" aria-hidden="true" translate="no">{name}</span>'


def alert(text: str) -> str:
    """Text that asks for action (breaches, unanswered complaints) as HTML: bold and orange."""
    return f'<strong class="cx-alert">{html.escape(text)}</strong>'


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """'1 promoter', '1,234 promoters'."""
    return f"{n:,} {singular if n == 1 else (plural_form or singular + 's')}"


def count(kpi: Kpi, n: int) -> str:
    """'n = 887 responses': what n counts is the registry's (counts in metrics.toml)."""
    singular, plural_form = kpi.counts
    return f"n = {n:,} {singular if n == 1 else plural_form}"


def day(moment: date | datetime | None, calendar: Calendar = GREGORIAN_CALENDAR) -> str:
    """'1 Jul 2026', or in the Solar Hijri calendar '1 Farvardin 1405' (built by hand: %-d is not portable)."""
    if moment is None:
        return "unknown"
    year, month, day_of_month = calendar.date_parts(moment if type(moment) is date else moment.date())
    return f"{day_of_month} {calendar.month_name(month)} {year}"


def bucket(start: date | datetime, grain: str, calendar: Calendar = GREGORIAN_CALENDAR) -> str:
    """A trend's bucket by its first day: a week as its day ('21 Farvardin 1405'), a month by name and
    year in the calendar ('Aug 2026', 'Farvardin 1405')."""
    if grain == "week":
        return day(start, calendar)
    year, month, _ = calendar.date_parts(start if type(start) is date else start.date())
    return f"{calendar.month_name(month)} {year}"


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return f"{day(moment)} {moment:%H:%M}"


def period(span: Period) -> str:
    """'Q2 2026 (1 Apr 2026 - 30 Jun 2026)' for a named period (period_name), else '3 Feb 2026 - 15 May 2026';
    days in the period's calendar ('Q1 1405 (1 Farvardin 1405 - 31 Khordad 1405)')."""
    text = f"{day(span.start, span.calendar)} {EN_DASH} {day(span.end, span.calendar)}"
    name = period_name(span)
    return text if name == text else f"{name} ({text})"


def period_name(span: Period) -> str:
    """What people call the period, in its calendar: 'Q2 2026', 'Aug 2026', '2025', 'Jul 2025 - Jun 2026'
    (whole months), 'Q1 1405', 'Farvardin 1405' (Solar Hijri), else its days, '3 Feb 2026 - 15 May 2026'
    (en dashes)."""
    name = name_of(span)
    if name is None:
        return f"{day(span.start, span.calendar)} {EN_DASH} {day(span.end, span.calendar)}"
    if name.kind == "quarter":
        return f"Q{name.number} {name.year}"
    if name.kind == "year":
        return str(name.year)
    first = f"{span.calendar.month_name(name.number)} {name.year}"
    if name.kind == "month":
        return first
    return f"{first} {EN_DASH} {span.calendar.month_name(name.last_month)} {name.last_year}"


def freshness(data_through: datetime | None, last_loaded_at: datetime | None) -> str:
    text = f"Data through {day(data_through)}"
    if last_loaded_at is not None:
        text += f" · loaded {timestamp(last_loaded_at)}"
    return text


def interval(kpi: Kpi, span: Interval) -> str:
    """'27.1 to 36.7 pts' / '3.7 to 5.2 h' / '60.8% to 66.2%'."""
    if kpi.unit == "%":
        return f"{value(kpi, span.low)} to {value(kpi, span.high)}"
    low = value(kpi, span.low).rsplit(" ", 1)[0]
    return f"{low} to {value(kpi, span.high)}"


def p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def compares_with_last_year(report: KpiReport) -> bool:
    """'Compare with last year' chosen: the previous period is last year's."""
    return report.period.previous() == report.period.a_year_earlier()


def sample_line(report: KpiReport) -> str:
    """'n = 887 responses · Q2 2026: +31.8 pts (n = 860)', as the card's details and the slide say it."""
    previous = report.previous
    name = period_name(report.period.previous())
    compared = f"{name}: no data" if previous.value is None else \
        f"{name}: {value(report.kpi, previous.value)} ({count(report.kpi, previous.n)})"
    return f"{count(report.kpi, report.current.n)} · {compared}"


def matured_note(report: KpiReport) -> str | None:
    """Why a slow KPI shows an earlier period: 'Q2 2026 shown: Q3 2026 is still maturing (90 days)'."""
    if report.moved_from is None:
        return None
    return (f"{period_name(report.period)} shown: {period_name(report.moved_from)} is still maturing "
            f"({report.kpi.maturity_days} days)")
