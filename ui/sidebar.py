"""The start of every page: page config, registry check, sidebar navigation, filters and sharing.

Every page script (dashboard.py included) calls render() first. Because each page draws the whole
sidebar itself, a deep link straight to any page shows navigation and filters too. The view (filters,
comparison, grain) is kept in the URL by ui.state, so the address bar is always a shareable link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cxkpi import calendars, reasons
from cxkpi.access import Identity
from cxkpi.i18n import N_, gettext
from cxkpi.kpis import FILTER_DIMENSIONS, Filters
from cxkpi.periods import QUICK_RANGES, Period, quick_range
from cxkpi.registry import Kpi, RegistryError
from cxkpi.warehouse import PROJECT_ROOT, WarehouseBusyError, clock_mismatch
from ui import data, identity, language, share, state, theme
from ui import formatting as fmt

OVERVIEW_PAGE = "dashboard.py"
# Where a KPI is shown (kpi_page decides, for the navigation, the cards and shared links): the KPIs shipped
# first keep the page files that links people have shared name (/NPS); every other KPI in the registry is
# shown by the KPI page, which reads its id from the link: /KPI?kpi=<id> (docs/decisions.md).
KPI_PAGE = "pages/13_KPI.py"
OWN_PAGE_FILES = {
    "nps": "pages/1_NPS.py",
    "complaint_response_hours": "pages/2_Complaint_response.py",
    "repeat_purchase_rate": "pages/3_Repeat_purchase.py",
    "brand_trust": "pages/4_Brand_trust.py",
    "csat": "pages/5_CSAT.py",
    "complaint_rate": "pages/6_Complaint_rate.py",
    "complaints_resolved_within_sla": "pages/7_Resolution_SLA.py",
    "cohort_repeat_90d": "pages/8_New_customer_repeat.py",
    "recovery_effect": "pages/9_Recovery_effect.py",
}
# Streamlit marks every link to the page being shown as current, so on the KPI page every KPI it shows
# would: the links to the KPI page that name another KPI (their query starts with kpi=<id>) are drawn plain.
OTHER_KPI_LINKS_CSS = """<style>
[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href*="KPI?kpi="]:not([href*="KPI?kpi={id}&"]):not(
  [href$="KPI?kpi={id}"]):not(:hover) { background-color: transparent; }
[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href*="KPI?kpi="]:not([href*="KPI?kpi={id}&"]):not(
  [href$="KPI?kpi={id}"]) * { font-weight: 400; }
</style>"""
# Pages that are not a KPI, linked below the KPIs once their file exists.
OTHER_PAGES = (
    ("pages/10_Owners.py", N_("Owners"), ":material/groups:"),
    ("pages/11_Data.py", N_("Data"), ":material/database:"),
    ("pages/12_Access.py", N_("Access"), ":material/admin_panel_settings:"),
)
# Widget keys; the values they show live in ui.state, these only hold the widgets' own copies.
DATE_KEYS = {"start": "filter_start", "end": "filter_end"}
CHOICE_KEYS = {name: f"filter_{name}" for name in FILTER_DIMENSIONS}
COMPARE_KEY = "filter_compare"
COMPARE_LABELS = {"previous": N_("Previous period"), "last_year": N_("Same dates last year")}
RANGE_KEY = "filter_range"
# Set while the person has picked Custom: the date inputs stay, even once their dates are a quick range's.
# Not part of the view (the dates are): a link with a quick range's dates opens on that range.
CUSTOM_KEY = "filter_custom_dates"
RANGE_LABELS = {"last_month": N_("Last month"), "last_quarter": N_("Last quarter"), "year_to_date": N_("Year to date"),
                "last_12_months": N_("Last 12 months"), "custom": N_("Custom")}
# "All regions" in the filters' empty boxes.
ALL_VALUES = {"region": N_("All regions"), "segment": N_("All segments"), "channel": N_("All channels")}
# The date inputs need bounds; these are wide enough for any export while staying valid dates.
EARLIEST, LATEST = state.EARLIEST, state.LATEST
EMPTY_WAREHOUSE_MESSAGE = N_(
    "**No data yet.** The warehouse at `{path}` holds no rows. Upload your exports on the **Data** page, "
    "or load the sample data with `python -m cxkpi ingest sample_data` (`make run` does it for you), "
    "then reload this page."
)


# Streamlit's date input applies a typed date when its calendar closes (Escape, a click elsewhere), not on
# Enter, which people press; a blur alone does not apply it while the calendar is open. So Enter in a date
# input is turned into Escape. Invisible; listens once per page. A script in an st.html block rather than a
# custom component, which would make a first visit load Streamlit's component code and Apache Arrow's
# (docs/decisions.md).
ENTER_APPLIES_DATES = """<script>
(() => {
  if (window.__cxkpiEnterAppliesDates) return;
  window.__cxkpiEnterAppliesDates = true;
  document.addEventListener("keydown", (event) => {
    const field = event.key === "Enter" && event.isTrusted && event.target instanceof Element
      && event.target.closest('[data-testid="stDateInputField"]');
    if (!field) return;
    event.preventDefault();
    event.stopPropagation();
    event.target.dispatchEvent(new KeyboardEvent("keydown", {
      key: "Escape", code: "Escape", keyCode: 27, bubbles: true, cancelable: true,
    }));
  }, true);
})();
</script>"""


@dataclass(frozen=True)
class PageContext:
    """What a page needs to show its numbers."""

    kpis: list[Kpi]
    identity: Identity  # the signed-in person (ui.identity)
    period: Period  # a state.LastYearComparison when comparing with last year: previous() says what with
    filters: Filters
    db_path: Path
    query: dict[str, list[str]] = field(default_factory=dict)  # the view's query string (ui.state)
    present: bool = False  # presentation mode: no sidebar or controls, large cards
    order: str = "attention"  # the overview's card order (ui.state.ORDERS)
    route: dict[str, list[str]] = field(default_factory=dict)  # which KPI the KPI page shows: {"kpi": [id]}

    @property
    def link(self) -> str:
        """The full address of this view on this page."""
        return share.view_link(self.address)

    @property
    def address(self) -> dict[str, list[str]]:
        """The query string of this view on this page: the view and, on the KPI page, which KPI."""
        return {**self.route, **self.query}

    def kpi(self, kpi_id: str) -> Kpi:
        for kpi in self.kpis:
            if kpi.id == kpi_id:
                return kpi
        known = gettext(", ").join(f"{fmt.markdown_literal(kpi.title)} (`{kpi.id}`)" for kpi in self.kpis)
        asked = (gettext("There is no KPI “{kpi_id}” in the registry ({path})", kpi_id=fmt.markdown_literal(kpi_id),
                         path=data.registry_path())
                 if kpi_id else gettext("This page shows the KPI its link names (`/KPI?kpi=<id>`), and this link "
                                        "names none"))
        st.error(gettext("**{asked}**, so this page has nothing to show. The KPIs there are: {known}. Open one from "
                         "the navigation.", asked=asked, known=known), icon=":material/link_off:")
        st.stop()
        raise AssertionError("st.stop() returned")  # for type checkers: st.stop() never returns


def render(page_title: str, route: dict[str, list[str]] | None = None) -> PageContext:
    """Set up the page and sidebar; stop the script with a clear message if the app cannot show numbers.
    route: on the KPI page, the KPI its link names ({"kpi": [id]}), kept in its shared link and saved views."""
    page = _render(page_title, allow_empty=False, route=route or {})
    assert page is not None  # an empty warehouse stopped the script
    return page


def render_allowing_empty(page_title: str) -> PageContext | None:
    """For the Data page: an empty warehouse is the reason to be there, so it draws the navigation and
    returns None instead of stopping. No KPI filters: they do not apply to loading files; the view
    stays in the address and the navigation links, for the way back."""
    return _render(page_title, allow_empty=True, route={})


def _render(page_title: str, allow_empty: bool, route: dict[str, list[str]]) -> PageContext | None:
    translator = language.bind()  # first: everything below is written in the session's language
    st.set_page_config(
        # "auto": open on a wide screen, closed on a phone, where it would cover the page.
        page_title=f"{gettext(page_title)} · cxkpi", page_icon="📊", layout="wide", initial_sidebar_state="auto",
    )
    theme.apply()
    language.apply(translator)
    person = identity.current()  # nothing is drawn for a browser that has not signed in
    identity.demo_warning(person)
    try:
        kpis = data.load_kpis()
    except RegistryError as error:
        # The app refuses to start on a bad registry: a KPI without one accountable owner is not shown.
        refusal = gettext("The KPI registry cannot be used, so cxkpi will not start.")
        st.error(f"**{refusal}**\n\n{error}",
                 icon=":material/error:")
        st.stop()
    kpis = [kpi.in_language(translator.language) for kpi in kpis]
    # Drawn once the view is known, so its links carry the view's query string (open in a new tab keeps it).
    navigation = st.sidebar.container()

    db_path = data.db_path()
    calendar = state.view_calendar(data.load_settings())
    calendars.activate(calendar)  # every date this run writes is in the view's calendar (ui.formatting.day)
    try:
        context = data.context(db_path, calendar)
    except WarehouseBusyError:
        _navigation(kpis, navigation, person)
        st.warning(gettext("The warehouse is being loaded right now. Reload the page in a moment."),
                   icon=":material/hourglass:")
        st.stop()
    if not allow_empty and (problem := clock_mismatch(context.timezone, data.load_settings().timezone)):
        # Tehran times read as UTC ones would put records in other days and quarters: no number is shown.
        _navigation(kpis, navigation, person)
        st.error(gettext("**The KPIs cannot be shown:** {problem}.", problem=reasons.translated(problem)),
                 icon=":material/schedule:")
        st.stop()
    if context.default_period is None:
        _navigation(kpis, navigation, person)
        if allow_empty:
            return None
        st.info(gettext(EMPTY_WAREHOUSE_MESSAGE, path=db_path), icon=":material/database:")
        st.stop()
    page = _filters(context, kpis, db_path, person, route, draw=not allow_empty)
    _navigation(kpis, navigation, person, page.query)
    share.apply_css()
    _link_notes()
    return page


def kpi_page(kpi_id: str) -> tuple[str, dict[str, list[str]]]:
    """Where a KPI is shown: its page file and the query naming it there, ('pages/1_NPS.py', {}) or
    ('pages/13_KPI.py', {'kpi': ['first_contact_resolution']})."""
    own = OWN_PAGE_FILES.get(kpi_id)
    return (own, {}) if own else (KPI_PAGE, {state.KPI: [kpi_id]})


def _navigation(
    kpis: list[Kpi], container: DeltaGenerator, person: Identity, query: dict[str, list[str]] | None = None
) -> None:
    """The page links, with the view's query string so the filters go along (also to a new tab), then
    who is signed in."""
    query = {name: values for name, values in (query or {}).items() if name != state.PRESENT}
    with container:
        st.markdown("### :material/monitoring: cxkpi")
        st.page_link(OVERVIEW_PAGE, label=gettext("Overview"), icon=":material/dashboard:", query_params=query)
        for kpi in kpis:
            page_file, kpi_route = kpi_page(kpi.id)
            st.page_link(page_file, label=kpi.title, icon=kpi.icon, query_params={**kpi_route, **query})
        for page_file, label, icon in OTHER_PAGES:
            if (PROJECT_ROOT / page_file).exists():
                st.page_link(page_file, label=gettext(label), icon=icon, query_params=query)
        identity.badge(person)
        language.switcher()
        language.calendar_switcher()
        st.divider()


def mark_current_kpi(page: PageContext, kpi_id: str) -> None:
    """On the KPI page: only the link of the KPI shown reads as the current page (none for an id the
    registry lacks)."""
    shown = kpi_id if kpi_id in {kpi.id for kpi in page.kpis} else ""  # registry ids are plain (cxkpi.registry)
    st.html(OTHER_KPI_LINKS_CSS.replace("{id}", shown))


def _link_notes() -> None:
    """What an opened link asked for that could not be used, until the user changes something."""
    notes = state.notes()
    if notes:
        st.warning(
            gettext("**Part of this link could not be used**, so defaults are shown for it:") + "\n\n"
            + "\n".join(f"- {note}" for note in notes),
            icon=":material/link_off:",
        )


def _filters(
    context: data.Context, kpis: list[Kpi], db_path: Path, person: Identity, route: dict[str, list[str]],
    draw: bool = True,
) -> PageContext:
    default = context.default_period
    assert default is not None  # render() stops on an empty warehouse before calling this
    kpi_ids = [kpi.id for kpi in kpis]
    state.read_page_controls(kpi_ids)  # a KPI page's grain/breakdown change, before the URL is written
    chosen = state.sync_with_url(context.choices, default)
    state.seed_page_controls(kpi_ids)
    period = chosen.period(default)
    query = chosen.query(default, present=state.presenting())

    # Seed every widget from ui.state before drawing it (no value=/default=): see ui/state.py.
    st.session_state[DATE_KEYS["start"]] = period.start
    st.session_state[DATE_KEYS["end"]] = period.end
    for name, key in CHOICE_KEYS.items():
        st.session_state[key] = list(getattr(chosen, name))
    st.session_state[COMPARE_KEY] = chosen.compare
    latest = context.latest_day
    ranges = {name: quick_range(name, latest, default.calendar) for name in QUICK_RANGES} if latest else {}
    quick = next((name for name, span in ranges.items() if span == period), None)
    # A quick range says the dates already (the page's header spells them out): the date inputs are drawn
    # for Custom only, as analytics tools do, and the browser draws two heavy widgets fewer.
    custom = quick is None or st.session_state.get(CUSTOM_KEY, False)
    st.session_state[RANGE_KEY] = "custom" if custom else quick
    page = PageContext(
        kpis=kpis, identity=person, period=period, filters=chosen.filters(), db_path=db_path, query=query,
        present=state.presenting(), order=chosen.order, route=route,
    )
    if not draw:
        return page

    with st.sidebar:
        st.markdown("**" + gettext("Filters") + "**")
        st.selectbox(
            gettext("Period"), [*ranges, "custom"], format_func=lambda name: gettext(RANGE_LABELS[name]),
            key=RANGE_KEY, on_change=_copy_range, args=(ranges,),
            help=gettext("Relative to the latest data; Custom: pick the dates below."),
        )
        if custom:
            for which, label in (("start", N_("From")), ("end", N_("To (inclusive)"))):
                st.date_input(
                    gettext(label), key=DATE_KEYS[which], min_value=EARLIEST, max_value=LATEST, format="YYYY-MM-DD",
                    on_change=_copy_date, args=(which,),
                )
            st.html(ENTER_APPLIES_DATES, unsafe_allow_javascript=True, width="content")
        st.selectbox(
            gettext("Compare with"), list(state.COMPARISONS), format_func=lambda name: gettext(COMPARE_LABELS[name]),
            key=COMPARE_KEY, on_change=_copy_compare,
        )
        # the previous month, quarter or year
        st.caption(gettext("Compared with {period}", period=fmt.period(period.previous())))
        for name, key in CHOICE_KEYS.items():
            st.multiselect(
                gettext(fmt.DIMENSION_WORDS[name]), context.choices[name], key=key, on_change=_copy_choice,
                args=(name,), placeholder=gettext(ALL_VALUES[name]),
            )
        st.button(
            gettext("Reset filters"), icon=":material/restart_alt:", on_click=_reset, key="filter_reset",
            disabled=state.current() == state.FilterState(
                compare=chosen.compare, grain=chosen.grain, breakdown=chosen.breakdown, order=chosen.order,
                calendar=chosen.calendar, language=chosen.language,
            ),
            help=gettext("Back to the last full quarter of data ({period}) and all customers",
                         period=fmt.period(default)),
        )
        if not state.presenting():
            st.divider()
            share.share_section(page.address)
            share.saved_views_section(db_path, page.address, person)
    if state.presenting():
        share.exit_presentation()
    return page


def _copy_date(which: str) -> None:
    """Store the changed end of the period; if the two ends cross, move the other one along."""
    start, end = st.session_state.get(DATE_KEYS["start"]), st.session_state.get(DATE_KEYS["end"])
    if not isinstance(start, date) or not isinstance(end, date):
        return  # a cleared input: keep the last valid period
    if start > end:
        start, end = (start, start) if which == "start" else (end, end)
    state.update(start=start, end=end)


def _copy_range(ranges: dict[str, Period]) -> None:
    """A quick range picked: its dates become the period; 'Custom' keeps the period and shows the date
    inputs, starting from its dates."""
    chosen = ranges.get(st.session_state.get(RANGE_KEY, "custom"))
    st.session_state[CUSTOM_KEY] = chosen is None
    if chosen is not None:
        state.update(start=chosen.start, end=chosen.end)


def _reset() -> None:
    """Reset filters: the default period and all customers, shown as a quick range when it is one."""
    st.session_state[CUSTOM_KEY] = False
    state.reset()


def _copy_compare() -> None:
    state.update(compare=st.session_state.get(COMPARE_KEY, "previous"))


def _copy_choice(name: str) -> None:
    state.update(**{name: tuple(st.session_state.get(CHOICE_KEYS[name], ()))})
