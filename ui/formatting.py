"""Formatting of KPI numbers, periods and timestamps as plain text, and the few HTML marks the cards use
(no Streamlit here, so it is easy to test)."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from cxkpi import calendars
from cxkpi.business_hours import Schedule
from cxkpi.calendars import GREGORIAN, GREGORIAN_CALENDAR, Calendar
from cxkpi.i18n import N_, N_plural, active, gettext, ngettext
from cxkpi.kpis import Filters, KpiReport
from cxkpi.periods import Period, name_of
from cxkpi.registry import Kpi
from cxkpi.stats import ChangeTest, Interval
from cxkpi.status import ChangeReading, Status

# What n counts is each KPI's (`counts` in metrics.toml, singular and plural); the card says
# "n = 6 responses" through the catalog's '{n} response' / '{n} responses', so every language gets its
# plural forms (Russian: 1 ответ, 2 ответа, 5 ответов). The shipped KPIs' nouns, for extraction:
SHIPPED_COUNTS = (
    N_plural("{n} response", "{n} responses"),
    N_plural("{n} answered complaint", "{n} answered complaints"),
    N_plural("{n} customer", "{n} customers"),
    N_plural("{n} order", "{n} orders"),
    N_plural("{n} decided complaint", "{n} decided complaints"),
    N_plural("{n} new customer", "{n} new customers"),
    N_plural("{n} complainant", "{n} complainants"),
    N_plural("{n} record", "{n} records"),
)
# The Solar Hijri months, for extraction (cxkpi.calendars names them in English; their words come from here).
PERSIAN_MONTHS = (N_("Farvardin"), N_("Ordibehesht"), N_("Khordad"), N_("Tir"), N_("Mordad"), N_("Shahrivar"),
                  N_("Mehr"), N_("Aban"), N_("Azar"), N_("Dey"), N_("Bahman"), N_("Esfand"))
# The filters' dimensions, as labels.
DIMENSION_WORDS = {"region": N_("Region"), "segment": N_("Segment"), "channel": N_("Channel")}
EN_DASH = "\N{EN DASH}"
LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE = "\N{LEFT-TO-RIGHT ISOLATE}", "\N{POP DIRECTIONAL ISOLATE}"
NO_BREAK_SPACE = "\N{NO-BREAK SPACE}"
EMPTY = "\N{EM DASH}"  # an empty table cell, never 'None' or 'nan'
# What Streamlit's Markdown would read as syntax: emphasis, links, :emoji: and :colour[...], $math$, #...
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$])")
UNIT_SYMBOLS = {"points": N_("pts"), "hours": N_("h"), "%": "%"}
# A change is in points for NPS and in percentage points for shares.
CHANGE_UNITS = {"hours": N_("h"), "points": N_("pts"), "%": N_("pts")}
UNCERTAIN = N_("Too uncertain to act on")
# A KPI's status (cxkpi.status) in the words of its card, the KPI page's tables and charts, the slide,
# the PDF and the Owners page: English here, in the session's language through status_words().
STATUS_WORDS = {
    Status.ON_TARGET: N_("On target"), Status.NEAR_TARGET: N_("Near target"), Status.OFF_TARGET: N_("Off target"),
    Status.TOO_UNCERTAIN: UNCERTAIN, Status.NO_DATA: N_("No data"),
}
# The status words in lower case, where they follow a count in a sentence ('2 near target').
STATUS_COUNTS = {
    Status.ON_TARGET: N_plural("{n} on target", "{n} on target"),
    Status.NEAR_TARGET: N_plural("{n} near target", "{n} near target"),
    Status.OFF_TARGET: N_plural("{n} off target", "{n} off target"),
    Status.TOO_UNCERTAIN: N_plural("{n} too uncertain to act on", "{n} too uncertain to act on"),
    Status.NO_DATA: N_plural("{n} no data", "{n} no data"),
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
    """The number in the KPI's unit: '+16.7 pts', '7.0 h', '50.0%'; 'No data' for None (never 0). In
    the session's language: '+۱۶٫۷ امتیاز', '7,0 ч', '۵۰٫۰٪'."""
    tr = active()
    if number is None:
        return tr.gettext("No data")
    if kpi.unit == "points":
        # NPS runs -100..+100, so the sign carries meaning even when positive.
        return tr.number(number, decimals, signed=True) + " " + tr.gettext("pts")
    if kpi.unit == "hours":
        return tr.number(number, decimals) + " " + tr.gettext("h")
    if kpi.unit == "%":
        return tr.percent(number, decimals)
    return f"{tr.number(number, decimals)} {kpi.unit_words or kpi.unit}"


def value_and_unit(kpi: Kpi, number: float | None) -> tuple[str, str]:
    """value() in two parts, the words of a unit without a symbol apart: ('131.2', 'per 1,000 orders'),
    ('+32.0 pts', ''), ('No data', '')."""
    shown = value(kpi, number)
    if number is None or kpi.unit in UNIT_SYMBOLS:
        return shown, ""
    number_text, unit = shown.split(" ", 1)
    return number_text, unit


def unit_symbol(kpi: Kpi) -> str:
    return gettext(UNIT_SYMBOLS[kpi.unit]) if kpi.unit in UNIT_SYMBOLS else kpi.unit_words or kpi.unit


def change(kpi: Kpi, difference: float) -> str:
    """A change between periods, always signed; % KPIs change by percentage points ('pts')."""
    tr = active()
    unit = tr.gettext(CHANGE_UNITS[kpi.unit]) if kpi.unit in CHANGE_UNITS else kpi.unit_words or kpi.unit
    if shows_as_zero(difference):
        return f"{tr.symbol('plusSign', '+')}{tr.number(0.0)} {unit}"  # '+0.0', never '-0.0'
    return f"{tr.number(difference, 1, signed=True)} {unit}"


def shows_as_zero(difference: float) -> bool:
    """True when change() shows the difference as 0.0 (one decimal)."""
    return round(difference, 1) == 0


def status_reading(report: KpiReport) -> str:
    """The status in the same words on the card, the slide, the PDF and the Owners page: 'On target',
    'Near target', 'Off target', 'Too uncertain to act on' or 'No data'."""
    return status_words(report.status)


def status_words(status: Status) -> str:
    """A status in the session's language: 'Off target', 'دور از هدف', 'Вне цели'."""
    return gettext(STATUS_WORDS[status])


def change_phrase(kpi: Kpi, difference: float | None, reading: ChangeReading, against: Period,
                  test: ChangeTest | None = None, p_values: bool = True) -> str:
    """One change in words, its number first: '-1.7 pts vs Q2 2026 · no real change (p = 0.49)',
    '+5.2 pts vs Q2 2026 · better (p = 0.003)', 'no data to compare with Q2 2026'. The number is the
    change shown everywhere (value − the value compared with); p is the test of that same change."""
    if difference is None:
        return gettext("no data to compare with {period}", period=period_name(against))
    return f"{change(kpi, difference)} {reading_words(reading, against, test, p_values)}"


def reading_words(reading: ChangeReading, against: Period, test: ChangeTest | None = None,
                  p_values: bool = True) -> str:
    """What a change compares with and how it reads, after its number: 'vs Q2 2026 · better (p = 0.003)'."""
    text = gettext("vs {period}", period=period_name(against)) + f" · {reading_word(reading)}"
    if p_values and test is not None and reading in (ChangeReading.BETTER, ChangeReading.WORSE,
                                                      ChangeReading.NO_REAL_CHANGE):
        text += f" ({p_value(test.p_value)})"
    return text


# How a change reads (cxkpi.status.ChangeReading's values), as messages of the catalog.
READING_WORDS = {
    ChangeReading.BETTER: N_("better"), ChangeReading.WORSE: N_("worse"),
    ChangeReading.NO_REAL_CHANGE: N_("no real change"), ChangeReading.TOO_UNCERTAIN: N_("too uncertain to judge"),
    ChangeReading.NOT_TESTED: N_("not tested"), ChangeReading.NO_DATA: N_("no data to compare"),
}


def reading_word(reading: ChangeReading) -> str:
    return gettext(READING_WORDS[reading])


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
    tr = active()
    off = [(report.kpi.title, report.kpi.owner.name) for report in reports if report.status == Status.OFF_TARGET]
    lead = tr.gettext("{off} of {total} off target", off=tr.integer(len(off)), total=tr.integer(len(reports))) \
        if off else tr.gettext("None of {total} off target", total=tr.integer(len(reports)))
    counts = [(sum(report.status == status for report in reports), status) for status in
              (Status.NEAR_TARGET, Status.ON_TARGET, Status.TOO_UNCERTAIN, Status.NO_DATA)]
    rest = " · ".join(tr.ngettext(*STATUS_COUNTS[status], count) for count, status in counts if count)
    return lead, off, rest


def attention_text(reports: Sequence[KpiReport]) -> str:
    """The headline as one line of text: '4 of 9 off target: CSAT, Priya Raman; ... · 2 near target ...'."""
    lead, off, rest = attention(reports)
    comma, colon = gettext(", "), gettext(": ")
    named = gettext("; ").join(f"{title}{comma}{owner}" for title, owner in off)
    return f"{lead}{colon + named if named else ''}{' · ' + rest if rest else ''}"


def target(kpi: Kpi) -> str:
    """'≥ +30 pts' or '≤ 8 h': the comparison says which direction is good."""
    decimals = 0 if float(kpi.target).is_integer() else 1
    comparison = "≥" if kpi.direction == "higher" else "≤"
    return f"{comparison} {value(kpi, kpi.target, decimals)}"


def target_phrase(kpi: Kpi) -> str:
    """'target ≥ +35 pts', as the card says it."""
    return gettext("target {target}", target=target(kpi))


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


def plural(n: int, singular: str, plural_form: str) -> str:
    """'1 promoter', '1,234 promoters' (messages '{n} promoter' / '{n} promoters' of the catalog)."""
    return ngettext(singular, plural_form, n)


def count(kpi: Kpi, n: int) -> str:
    """'n = 887 responses' ('n = 5 ответов'): what n counts is the registry's (counts in metrics.toml)."""
    singular, plural_form = kpi.counts
    return f"{sample_size_sign()}{ngettext(f'{{n}} {singular}', f'{{n}} {plural_form}', n)}"


def sample_size_sign() -> str:
    """'n = ', a left-to-right island inside right-to-left text (else it reads '= n')."""
    return f"{LEFT_TO_RIGHT_ISOLATE}n{NO_BREAK_SPACE}={POP_ISOLATE}{NO_BREAK_SPACE}" if active().right_to_left \
        else "n = "


def month(number: int, year: int, calendar: Calendar = GREGORIAN_CALENDAR) -> str:
    """Month 1-12 of a year in the calendar, in the session's language: 'Jul 2026', 'ژوئیه ۲۰۲۶',
    'Farvardin 1405', 'فروردین ۱۴۰۵' (CLDR's names for Gregorian months, the catalog's for Jalali ones)."""
    translator = active()
    if calendar.system == GREGORIAN:
        return translator.month(number, year)
    return translator.digits(f"{gettext(calendar.month_name(number))} {year}")


# A day in the reader's calendar and words: decided in cxkpi (the digest and the notes' lines use it too).
day = calendars.day


def bucket(start: date | datetime, grain: str, calendar: Calendar = GREGORIAN_CALENDAR) -> str:
    """A trend's bucket by its first day: a week as its day ('21 Farvardin 1405'), a month by name and
    year in the calendar ('Aug 2026', 'Farvardin 1405')."""
    if grain == "week":
        return day(start, calendar)
    year, number, _ = calendar.date_parts(start if type(start) is date else start.date())
    return month(number, year, calendar)


def timestamp(moment: datetime | None) -> str:
    if moment is None:
        return gettext("unknown")
    return f"{day(moment)} {active().time(moment)}"


def schedule(working_week: Schedule) -> str:
    """Schedule.describe() in the session's language: 'Mon-Fri 09:00-17:00, 2 holidays',
    'دوشنبه-جمعه ۰۹:۰۰-۱۷:۰۰، ۲ روز تعطیل', 'пн-пт 09:00-17:00, 2 праздничных дня'."""
    tr = active()
    names = get_day_names("abbreviated", context="stand-alone", locale=tr.locale)
    days = list(working_week.working_days)
    # Saturday to Wednesday is a run too (a Tehran week), across the end of date.weekday()'s numbering:
    # the days from the one after the week's gap.
    runs = [days[start:] + days[:start] for start in range(len(days))]
    run = next((run for run in runs if all((after - before) % 7 == 1 for before, after in itertools.pairwise(run))),
               None)
    contiguous = len(days) > 2 and run is not None
    days = run if contiguous and run else days
    named = (f"{names[days[0]]}-{names[days[-1]]}" if contiguous
             else gettext(", ").join(names[day] for day in days))
    opens, closes = (f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
                     for seconds in (working_week.opens_seconds, working_week.closes_seconds))
    text = f"{named} {tr.digits(opens)}-{tr.digits(closes)}"
    if working_week.holidays:
        text += gettext(", ") + ngettext("{n} holiday", "{n} holidays", len(working_week.holidays))
    return text


def company_time(moment: datetime, timezone: str) -> str:
    """A moment (aware, or naive UTC as the warehouse keeps them) on the company's clock, saying whose
    clock: '6 Dec 2026 23:40 (Asia/Tehran)', '۱۵ آذر ۱۴۰۵ ۲۳:۴۰ (Asia/Tehran)'. The zone's name reads
    left to right inside right-to-left text."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    zone = f"{LEFT_TO_RIGHT_ISOLATE}{timezone}{POP_ISOLATE}" if active().right_to_left else timezone
    return gettext("{moment} ({zone})", moment=timestamp(local), zone=zone)


def period(span: Period) -> str:
    """'Q2 2026 (1 Apr 2026 - 30 Jun 2026)' for a named period (period_name), else '3 Feb 2026 - 15 May 2026';
    days in the period's calendar ('Q1 1405 (1 Farvardin 1405 - 31 Khordad 1405)')."""
    text = f"{day(span.start, span.calendar)} {EN_DASH} {day(span.end, span.calendar)}"
    name = period_name(span)
    return text if name == text else f"{name} ({text})"


def period_name(span: Period) -> str:
    """What people call the period, in its calendar and the session's language: 'Q2 2026', 'Aug 2026',
    '2025', 'Jul 2025 - Jun 2026' (whole months), 'Q1 1405', 'Farvardin 1405' (Solar Hijri), else its
    days, '3 Feb 2026 - 15 May 2026' (en dashes)."""
    translator = active()
    name = name_of(span)
    if name is None:
        return f"{day(span.start, span.calendar)} {EN_DASH} {day(span.end, span.calendar)}"
    if name.kind == "quarter":
        return translator.gettext("Q{quarter} {year}", quarter=translator.integer(name.number),
                                  year=translator.digits(str(name.year)))
    if name.kind == "year":
        return translator.digits(str(name.year))
    first = month(name.number, name.year, span.calendar)
    if name.kind == "month":
        return first
    return f"{first} {EN_DASH} {month(name.last_month, name.last_year, span.calendar)}"


# The filters' dimensions in a sentence ("region: EMEA").
FILTER_NAMES = {"region": N_("region"), "segment": N_("segment"), "channel": N_("channel")}


def filters(chosen: Filters) -> str:
    """Filters.describe() in the session's language: 'region: EMEA; channel: web', 'all customers and channels'."""
    colon, comma = gettext(": "), gettext(", ")
    parts = [f"{gettext(FILTER_NAMES[name])}{colon}{comma.join(values)}" for name, values in chosen.as_dict().items()
             if values]
    return gettext("; ").join(parts) or gettext("all customers and channels")


def freshness(data_through: datetime | None, last_loaded_at: datetime | None) -> str:
    text = gettext("Data through {day}", day=day(data_through))
    if last_loaded_at is not None:
        text += " · " + gettext("loaded {moment}", moment=timestamp(last_loaded_at))
    return text


def interval(kpi: Kpi, span: Interval) -> str:
    """'27.1 to 36.7 pts' / '3.7 to 5.2 h' / '60.8% to 66.2%'."""
    if kpi.unit == "%":
        return gettext("{low} to {high}", low=value(kpi, span.low), high=value(kpi, span.high))
    low = value(kpi, span.low).rsplit(" ", 1)[0]
    return gettext("{low} to {high}", low=low, high=value(kpi, span.high))


def p_value(p: float) -> str:
    tr = active()
    text = f"p < {tr.number(0.001, 3)}" if p < 0.001 else f"p = {tr.number(p, 3)}" if p < 0.01 \
        else f"p = {tr.number(p, 2)}"
    # Inside right-to-left text, "p = 0.49" is a left-to-right island that never breaks across lines (else
    # its "=" and "(" are reordered).
    return f"{LEFT_TO_RIGHT_ISOLATE}{text.replace(' ', NO_BREAK_SPACE)}{POP_ISOLATE}" if tr.right_to_left else text


def compares_with_last_year(report: KpiReport) -> bool:
    """'Compare with last year' chosen: the previous period is last year's."""
    return report.period.previous() == report.period.a_year_earlier()


def sample_line(report: KpiReport) -> str:
    """'n = 887 responses · Q2 2026: +31.8 pts (n = 860)', as the card's details and the slide say it."""
    previous = report.previous
    name = period_name(report.period.previous())
    colon, no_data = gettext(": "), gettext("no data")
    compared = f"{name}{colon}{no_data}" if previous.value is None else \
        f"{name}{colon}{value(report.kpi, previous.value)} ({count(report.kpi, previous.n)})"
    return f"{count(report.kpi, report.current.n)} · {compared}"


def matured_note(report: KpiReport) -> str | None:
    """Why a slow KPI shows an earlier period: 'Q2 2026 shown: Q3 2026 is still maturing (90 days)'."""
    if report.moved_from is None:
        return None
    return ngettext("{shown} shown: {maturing} is still maturing ({n} day)",
                    "{shown} shown: {maturing} is still maturing ({n} days)", report.kpi.maturity_days,
                    shown=period_name(report.period), maturing=period_name(report.moved_from))
