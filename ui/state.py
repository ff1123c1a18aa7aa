"""The view state: ONE session_state entry shared by every page, mirrored in the URL's query string.

Widgets are not the source of truth: Streamlit deletes a widget's key when a run does not draw it,
and the "same" widget on another page is a different widget. So the chosen values live here, each
widget is seeded from them on every run and copies its value back when the user changes it.

The URL is the view: every run writes the whole state into the query string (dates pinned, so a
link keeps its meaning when new data moves the default period), and a query string the app did not
write itself (a link opened, a saved view, an edited URL) is read back into the state. The page is
the URL path (pages/1_NPS.py is served at /NPS), so `<page>?<query>` reproduces a view anywhere.

    /NPS?from=2026-04-01&to=2026-06-30&compare=previous&grain=month&by=region&region=EMEA

A KPI without a page file of its own is shown by the KPI page, whose link names it: /KPI?kpi=<id>&from=...
(ui.sidebar.kpi_page decides which). `kpi` says which page, not which view: it stays in the URL as
given and is no part of the view state.

Dates in the URL are ISO Gregorian whatever the calendar: `cal=persian` (or gregorian), written when a
link carried it, shows the view in that calendar (its quarters, months and labels) for whoever opens
it; without it each person sees their own calendar (metrics.toml's setting, else their language's).

Parameters the app cannot use (not a date, a region the data lacks, an unknown name) fall back to
their defaults and leave a note for the page to show; parsing never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from cxkpi.calendars import CALENDARS, Calendar, calendar_for
from cxkpi.i18n import DEFAULT_LANGUAGE, LANGUAGES, active, gettext, ngettext
from cxkpi.kpis import FILTER_DIMENSIONS, Filters
from cxkpi.periods import Period
from cxkpi.registry import Settings
from ui.formatting import DIMENSION_WORDS
from ui.formatting import markdown_code as code

STATE_KEY = "cxkpi_filter_state"
NOTES_KEY = "cxkpi_link_notes"  # what a link asked for that could not be used; shown until the next change
WRITTEN_KEY = "cxkpi_written_query"  # the query string this session last wrote, to tell it from a new link
PRESENT_KEY = "cxkpi_present"
SEEDED_KEY = "cxkpi_seeded_controls"  # the grain/breakdown last given to the KPI pages' controls

# What "compared with" means. The cards always show a previous value and the change against it.
COMPARISONS = {"previous": "the previous period of equal length", "last_year": "the same dates a year earlier"}
# The overview's card order: what needs attention first, or the registry's (metrics.toml) order.
ORDERS = ("attention", "registry")
# The KPI pages' trend grain and breakdown (ui/kpi_page.py draws them; tests check the lists agree).
GRAINS = ("month", "week")
BREAKDOWNS = ("region", "segment", "channel")
# Widget keys of those controls on the KPI pages, per KPI id (see seed_page_controls).
PAGE_CONTROL_KEYS = {"grain": "{kpi_id}_grain", "breakdown": "{kpi_id}_breakdown"}

# Query parameter names, in the order they are written.
FROM, TO, COMPARE, GRAIN, BY, ORDER, PRESENT = "from", "to", "compare", "grain", "by", "order", "present"
CAL = "cal"
LANG = "lang"
VIEW_PARAMETERS = (FROM, TO, COMPARE, GRAIN, BY, ORDER, CAL, *FILTER_DIMENSIONS, LANG)
# Streamlit's own query parameters (embedding options): left alone, never reported as unknown.
STREAMLIT_PARAMETERS = ("embed", "embed_options")
# The KPI the KPI page (pages/13_KPI.py) shows: part of the page's address, kept as given like Streamlit's.
KPI = "kpi"
KEPT_PARAMETERS = (*STREAMLIT_PARAMETERS, KPI)
# The date inputs' bounds: wide enough for any export while staying valid dates.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@dataclass(frozen=True, eq=False)
class LastYearComparison(Period):
    """A period whose previous() is the same dates a year earlier instead of the equal-length period before.

    cxkpi.kpis compares every KPI with `period.previous()`, so handing it this period makes the cards,
    captions and statistics compare with last year without another API. `compare` is a field (not
    just the class) because st.cache_data keys dataclasses by their fields: a cached overview for
    the plain period is never served for this one. Equal to a plain Period with the same dates and
    calendar, so formatting recognises calendar quarters ("Q2 2026", "Q1 1405").
    """

    compare: str = "last_year"

    def previous(self) -> Period:
        return Period(self.start, self.end, self.calendar).a_year_earlier()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.start, self.end, self.calendar) == (other.start, other.end, other.calendar)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.calendar))


@dataclass(frozen=True)
class FilterState:
    # None = "the default period" (the last full quarter): a fresh session follows the data as loads
    # arrive; the URL always carries the resolved dates, so a shared link does not move.
    start: date | None = None
    end: date | None = None
    region: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    compare: str = "previous"
    grain: str = "month"
    breakdown: str = "region"
    order: str = "attention"
    calendar: str | None = None  # a link's cal=; None: the person's own (view_calendar)
    # The language chosen by a link or the sidebar's switcher (cxkpi.i18n.LANGUAGES); "" = the reader's
    # default (metrics.toml's language, else the browser's): a link without lang= reads in each reader's.
    language: str = ""

    def period(self, default: Period) -> Period:
        """The period to show, in the calendar of `default` (the view's, view_calendar); a
        LastYearComparison when comparing with last year."""
        start, end = (default.start, default.end) if self.start is None or self.end is None else (self.start, self.end)
        if self.compare == "last_year":
            return LastYearComparison(start, end, default.calendar)
        return Period(start, end, default.calendar)

    def filters(self) -> Filters:
        return Filters(region=self.region, segment=self.segment, channel=self.channel)

    def limited_to(self, choices: dict[str, list[str]]) -> FilterState:
        """Drop chosen values the warehouse no longer offers (a multiselect refuses unknown defaults)."""
        kept = {name: tuple(v for v in getattr(self, name) if v in choices.get(name, [])) for name in FILTER_DIMENSIONS}
        return replace(self, **kept)

    def query(self, default: Period, present: bool = False) -> dict[str, list[str]]:
        """The query string of this view: every setting, the dates pinned. Empty filters are left out (= all)."""
        period = self.period(default)
        query = {
            FROM: [period.start.isoformat()], TO: [period.end.isoformat()], COMPARE: [self.compare],
            GRAIN: [self.grain], BY: [self.breakdown],
        }
        query.update({name: list(getattr(self, name)) for name in FILTER_DIMENSIONS if getattr(self, name)})
        if self.order != ORDERS[0]:  # written only when it is not the default, as the filters
            query[ORDER] = [self.order]
        if self.calendar is not None:  # written when a link chose it: else each reader's own calendar
            query[CAL] = [self.calendar]
        if self.language:
            query[LANG] = [self.language]
        if present:
            query[PRESENT] = ["1"]
        return query


@dataclass(frozen=True)
class ParsedLink:
    state: FilterState
    present: bool
    notes: tuple[str, ...]  # one sentence per parameter that fell back to its default


def query_string(query: Mapping[str, Iterable[str]]) -> str:
    """'from=2026-04-01&to=...&region=EMEA&region=APAC': repeated names for several values, as browsers write them."""
    return urlencode([(name, value) for name, values in query.items() for value in values])


def parse_query(
    query: Mapping[str, list[str]], choices: dict[str, list[str]], default: Period
) -> ParsedLink:
    """Read a link's query string into a view; anything unusable falls back to its default, with a note."""
    notes: list[str] = []

    def single(name: str) -> str | None:
        values = query.get(name) or []
        if len(values) > 1:
            notes.append(ngettext("{name} was given {n} time; the first value was used.",
                                  "{name} was given {n} times; the first value was used.", len(values),
                                  name=code(name)))
        return values[0] if values else None

    start, end = _dates(single(FROM), single(TO), default, notes)
    compare = _one_of(COMPARE, single(COMPARE), tuple(COMPARISONS), notes)
    grain = _one_of(GRAIN, single(GRAIN), GRAINS, notes)
    breakdown = _one_of(BY, single(BY), BREAKDOWNS, notes)
    order = _one_of(ORDER, single(ORDER), ORDERS, notes)
    calendar = single(CAL)
    if calendar is not None and calendar not in CALENDARS:
        notes.append(f"{code(f'{CAL}={calendar}')} is not one of {', '.join(CALENDARS)}; using your own calendar.")
        calendar = None
    dimensions = {
        name: _choices(name, query.get(name) or [], choices.get(name, []), notes) for name in FILTER_DIMENSIONS
    }
    language = _language(single(LANG), notes)
    present = _switch(PRESENT, single(PRESENT), notes)
    known = {*VIEW_PARAMETERS, PRESENT, *KEPT_PARAMETERS}
    for name in query:
        if name not in known:
            notes.append(gettext("{name} is not a setting of this dashboard and was ignored.", name=code(name)))
    state = FilterState(start=start, end=end, compare=compare, grain=grain, breakdown=breakdown, order=order,
                        calendar=calendar, language=language, **dimensions)
    return ParsedLink(state=state, present=present, notes=tuple(notes))


def _dates(
    start_text: str | None, end_text: str | None, default: Period, notes: list[str]
) -> tuple[date | None, date | None]:
    """Both ends or neither: one usable end alone would silently pair with the other end of the default."""
    if start_text is None and end_text is None:
        return None, None
    parsed: dict[str, date] = {}
    for name, text in ((FROM, start_text), (TO, end_text)):
        if text is None:
            notes.append(gettext("{name} is missing.", name=code(name)))
            continue
        day = _iso_date(text)
        if day is None:
            notes.append(gettext("{given} is not a date (YYYY-MM-DD).", given=code(f"{name}={text}")))
        elif not EARLIEST <= day <= LATEST:
            notes.append(gettext("{given} is outside {first}-{last}.", given=code(f"{name}={text}"),
                                 first=EARLIEST.year, last=LATEST.year))
        else:
            parsed[name] = day
    if len(parsed) == 2 and parsed[FROM] > parsed[TO]:
        notes.append(gettext("{start} is after {end}.", start=code(f"from={parsed[FROM]}"),
                             end=code(f"to={parsed[TO]}")))
        parsed.clear()
    if len(parsed) < 2:
        notes.append(gettext("Showing the default period, {start} to {end}.", start=default.start.isoformat(),
                             end=default.end.isoformat()))
        return None, None
    return parsed[FROM], parsed[TO]


def _iso_date(text: str) -> date | None:
    if not ISO_DATE.fullmatch(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:  # 2026-02-30
        return None


def _one_of(name: str, text: str | None, allowed: tuple[str, ...], notes: list[str]) -> str:
    if text is None:
        return allowed[0]
    if text in allowed:
        return text
    notes.append(gettext("{given} is not one of {allowed}; using {default}.", given=code(f"{name}={text}"),
                         allowed=", ".join(allowed), default=allowed[0]))
    return allowed[0]


def _choices(name: str, values: list[str], offered: list[str], notes: list[str]) -> tuple[str, ...]:
    """Repeated parameters (region=A&region=B), or comma-separated ones typed by hand (region=A,B)."""
    chosen: list[str] = []
    for value in values:
        parts = [value] if value in offered or "," not in value else [part.strip() for part in value.split(",")]
        for part in parts:
            if part in offered:
                if part not in chosen:
                    chosen.append(part)
            elif part:
                notes.append(gettext("{dimension} {value} is not in the data and was left out.",
                                     dimension=name.title() if active().language == DEFAULT_LANGUAGE
                                     else gettext(DIMENSION_WORDS[name]), value=code(part)))
    return tuple(chosen)


def _language(text: str | None, notes: list[str]) -> str:
    if text is None or text in LANGUAGES:
        return text or ""
    notes.append(gettext("{given} is not one of {allowed}; using the default language.", given=code(f"{LANG}={text}"),
                         allowed=", ".join(LANGUAGES)))
    return ""


def _switch(name: str, text: str | None, notes: list[str]) -> bool:
    if text is None:
        return False
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() not in FALSE_WORDS:
        notes.append(gettext("{given} is not 1 or 0; presentation mode stays off.", given=code(f"{name}={text}")))
    return False


# --- session state -------------------------------------------------------------------------------------------


def current() -> FilterState:
    return st.session_state.get(STATE_KEY) or FilterState()


def update(**changes: Any) -> None:
    st.session_state[STATE_KEY] = replace(current(), **changes)
    st.session_state[NOTES_KEY] = ()  # the user has moved on from the link's problems


def reset() -> None:
    """Back to the default period and all customers; view settings (comparison, grain) stay as chosen."""
    view = current()
    st.session_state[STATE_KEY] = FilterState(compare=view.compare, grain=view.grain, breakdown=view.breakdown,
                                              order=view.order, calendar=view.calendar, language=view.language)
    st.session_state[NOTES_KEY] = ()


def notes() -> tuple[str, ...]:
    return st.session_state.get(NOTES_KEY, ())


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY, False))


def view_calendar(settings: Settings, language: str | None = None) -> Calendar:
    """The calendar this session's view is in: the cal= of the link being opened or of the view kept in
    the session, else metrics.toml's `calendar`, else the language's (cxkpi.calendars.calendar_for; by
    default the session's, cxkpi.i18n.active). Read before the default period is worked out, which is a
    quarter of this calendar."""
    return calendar_for(calendar_of_view() or settings.calendar, settings.week_start,
                        active().language if language is None else language)


def calendar_of_view() -> str | None:
    """The calendar the view asks for before the URL is synced: a newly opened link's cal= (when it is
    one of CALENDARS), else the session's choice (the switcher's, ui.language); None for the reader's own.
    Like language_of_view, the session's choice wins over the URL the app wrote itself a run ago."""
    url = {name: st.query_params.get_all(name) for name in st.query_params if name not in KEPT_PARAMETERS}
    if url and url != st.session_state.get(WRITTEN_KEY):
        asked = (url.get(CAL) or [""])[0]
        return asked if asked in CALENDARS else None
    return current().calendar


def language_of_view() -> str:
    """The language the view asks for before the URL is synced: a newly opened link's lang= (when it is
    one cxkpi speaks), else the session's choice; "" for the reader's default."""
    url = {name: st.query_params.get_all(name) for name in st.query_params if name not in KEPT_PARAMETERS}
    if url and url != st.session_state.get(WRITTEN_KEY):
        asked = (url.get(LANG) or [""])[0]
        return asked if asked in LANGUAGES else ""
    return current().language


def sync_with_url(choices: dict[str, list[str]], default: Period) -> FilterState:
    """Adopt a query string this session did not write (a link was opened), then write the view back.

    A page switch without a query string (a card's link) keeps the session's view; a query string
    that equals the one last written is the app's own echo and changes nothing.
    """
    url = {name: st.query_params.get_all(name) for name in st.query_params if name not in KEPT_PARAMETERS}
    if url and url != st.session_state.get(WRITTEN_KEY):
        link = parse_query(url, choices, default)
        st.session_state[STATE_KEY] = link.state
        st.session_state[PRESENT_KEY] = link.present
        st.session_state[NOTES_KEY] = link.notes
    view = current().limited_to(choices)
    wanted = view.query(default, present=presenting())
    if url != wanted:
        kept = {name: st.query_params.get_all(name) for name in KEPT_PARAMETERS if name in st.query_params}
        st.query_params.from_dict({**wanted, **kept})
    st.session_state[WRITTEN_KEY] = wanted
    return view


def read_page_controls(kpi_ids: Iterable[str]) -> None:
    """Take the user's change of a KPI page's grain or breakdown control into the view state.

    Those controls (ui/kpi_page.py) have keys like `nps_grain` and no callback: seed_page_controls
    sets every KPI's control from the state and remembers the value, so a control now holding another
    value was changed by the user. Call before sync_with_url, so the change reaches the URL this run.
    """
    seeded = st.session_state.get(SEEDED_KEY, {})
    for setting, allowed in (("grain", GRAINS), ("breakdown", BREAKDOWNS)):
        template = PAGE_CONTROL_KEYS[setting]
        for kpi_id in kpi_ids:
            value = st.session_state.get(template.format(kpi_id=kpi_id))
            if value in allowed and setting in seeded and value != seeded[setting]:
                update(**{setting: value})
                break


def seed_page_controls(kpi_ids: Iterable[str]) -> None:
    """Set every KPI page's grain and breakdown control from the state: the choice follows the user
    from page to page and into links."""
    view = current()
    for setting, template in PAGE_CONTROL_KEYS.items():
        for kpi_id in kpi_ids:
            st.session_state[template.format(kpi_id=kpi_id)] = getattr(view, setting)
    st.session_state[SEEDED_KEY] = {setting: getattr(view, setting) for setting in PAGE_CONTROL_KEYS}
