"""Formatting of KPI numbers, periods and timestamps as plain text, and the few HTML marks the cards use
(no Streamlit here, so it is easy to test)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime

from cxkpi.assessment import NEAR_TARGET, NO_DATA, OFF_TARGET, ON_TARGET
from cxkpi.kpis import KpiReport
from cxkpi.periods import Period, quarter_of
from cxkpi.registry import Kpi
from cxkpi.stats import ChangeTest, Interval

# What n counts, by the KPI's source table: the card says "n = 6 responses", not just "n = 6".
N_NOUNS = {
    "survey_responses": ("response", "responses"),
    "complaints": ("answered complaint", "answered complaints"),
    "orders": ("customer", "customers"),
    "customers": ("customer", "customers"),
}
# What n counts, by KPI id, where the source table says it wrongly.
KPI_N_NOUNS = {
    "csat": ("response", "responses"),
    "complaint_rate": ("order", "orders"),
    "complaints_resolved_within_sla": ("decided complaint", "decided complaints"),
    "cohort_repeat_90d": ("new customer", "new customers"),
    "recovery_effect": ("complainant", "complainants"),
}
EN_DASH = "\N{EN DASH}"
# What Streamlit's Markdown would read as syntax: emphasis, links, :emoji: and :colour[...], $math$, #...
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")
UNIT_SYMBOLS = {"points": "pts", "hours": "h", "%": "%"}
STATUS_LABELS = {"met": "On target", "missed": "Off target", "no data": "No data"}
UNCERTAIN = "Too uncertain to act on"
TOO_UNCERTAIN = "too uncertain"  # a status beside cxkpi.assessment's bands: too few records to act on
# A KPI's status (status_code) in the words of its card, slide, PDF and Owners page.
STATUS_WORDS = {
    ON_TARGET: "On target", NEAR_TARGET: "Near target", OFF_TARGET: "Off target", NO_DATA: "No data",
    TOO_UNCERTAIN: UNCERTAIN,
}
# The status badge on the card, by status_code: (tone, Material Symbols icon); the slide takes its tone.
STATUS_BADGES = {
    ON_TARGET: ("blue", "check_circle"),
    NEAR_TARGET: ("violet", "adjust"),
    OFF_TARGET: ("orange", "error"),
    NO_DATA: ("gray", "remove"),
    TOO_UNCERTAIN: ("gray", "help"),
}
STATUS_OF_VALUE = {"met": ON_TARGET, "missed": OFF_TARGET, "no data": NO_DATA}  # cxkpi.kpis.status_of


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


def change_reading(report: KpiReport) -> str | None:
    """The word for a change, the same on the card, the slide and the PDF: 'better', 'worse', 'no change',
    or 'too uncertain to judge' (too few answers to act on: the movement is shown but not judged).
    None when there is no value now or none to compare with."""
    if report.change is None:
        return None
    if shows_as_zero(report.change):  # shown as +0.0: calling it better or worse would contradict it
        return "no change"
    if report.assessment is not None and report.assessment.uncertain_because is not None:
        return "too uncertain to judge"
    return "better" if report.change_is_improvement else "worse"


def status_code(report: KpiReport) -> str:
    """Where the KPI stands: a cxkpi.assessment band (ON_TARGET, NEAR_TARGET, OFF_TARGET, NO_DATA) or
    TOO_UNCERTAIN. Without the statistics (assessment None), from the value against the target alone."""
    found = report.assessment
    if found is None:
        return STATUS_OF_VALUE[report.status]
    if found.uncertain_because:
        return TOO_UNCERTAIN
    return found.band


def status_reading(report: KpiReport) -> str:
    """The status in the same words on the card, the slide, the PDF and the Owners page: 'On target',
    'Near target', 'Off target', 'Too uncertain to act on' or 'No data'."""
    return STATUS_WORDS[status_code(report)]


def on_target_summary(reports: Sequence[KpiReport]) -> str:
    """'2 of 9 KPIs on target', counting the cards whose badge says 'On target' (overview and slide)."""
    on_target = sum(status_code(report) == ON_TARGET for report in reports)
    return f"{on_target} of {len(reports)} KPIs on target"


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
    # What n counts is the KPI's own business; the source table is only a fallback.
    singular, plural_form = KPI_N_NOUNS.get(kpi.id) or N_NOUNS.get(kpi.source, ("record", "records"))
    return f"n = {n:,} {singular if n == 1 else plural_form}"


def status(code: str) -> str:
    return STATUS_LABELS.get(code, code)


def day(moment: date | datetime | None) -> str:
    """'1 Jul 2026' (built by hand: %-d is not portable)."""
    if moment is None:
        return "unknown"
    return f"{moment.day} {moment:%b %Y}"


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return f"{day(moment)} {moment:%H:%M}"


def period(span: Period) -> str:
    """'Q2 2026 (1 Apr 2026 - 30 Jun 2026)' for a calendar quarter, else '3 Feb 2026 - 15 May 2026' (en dash)."""
    text = f"{day(span.start)} {EN_DASH} {day(span.end)}"
    if quarter_of(span.start) == span:
        quarter = (span.start.month - 1) // 3 + 1
        return f"Q{quarter} {span.start.year} ({text})"
    return text


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


def change_test(kpi: Kpi, test: ChangeTest | None) -> str:
    """'+6.7 pts, likely real (p = 0.001)' or '+0.3 pts, within noise (p = 0.94)'."""
    if test is None:
        return "no data to compare"
    verdict = "likely real" if test.is_significant() else "within noise"
    return f"{change(kpi, test.difference)}, {verdict} ({p_value(test.p_value)})"


def p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def compares_with_last_year(report: KpiReport) -> bool:
    """'Compare with last year' chosen: the previous period is last year's."""
    return report.period.previous() == report.period.a_year_earlier()


def sample_line(report: KpiReport) -> str:
    """'n = 887 responses · previous +31.8 pts' (or 'last year ...'), as the card and the slide say it."""
    previous = report.previous.value
    if report.current.value is None:
        compared = "no data in this period"
    elif previous is None:
        compared = "no data last year" if compares_with_last_year(report) else "no data in the previous period"
    else:
        label = "last year" if compares_with_last_year(report) else "previous"
        compared = f"{label} {value(report.kpi, previous)}"
    return f"{count(report.kpi, report.current.n)} · {compared}"
