"""The layout every KPI page shares: headline card, trend, breakdown, the definition, notes and
drill-downs, all from the KPI's registry entry. The page files of the KPIs shipped first call render(id);
the KPI page (pages/13_KPI.py, /KPI?kpi=<id>) calls render_named_in_link() for any other KPI."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxkpi.assessment import baseline_period, control_chart
from cxkpi.i18n import DEFAULT_LANGUAGE, N_, active, gettext
from cxkpi.kpis import STANDARD_COLUMNS, KpiReport, pending_buckets, sample_columns
from cxkpi.periods import Period
from cxkpi.registry import Kpi, RegistryError
from cxkpi.status import ChangeReading, Status
from ui import cards, charts, data, drilldowns, exports, follow_up, language, sidebar, state
from ui import formatting as fmt

GRAINS = {"week": N_("Weekly"), "month": N_("Monthly")}
DIMENSIONS = ("region", "segment", "channel")
# The KPI-specific columns the queries return, as the breakdown table's headings (others: the name, readable).
DETAIL_COLUMNS = {
    "promoters": N_("Promoters"), "passives": N_("Passives"), "detractors": N_("Detractors"),
    "p90_hours": N_("P90 hours"), "awaiting_response": N_("Awaiting response"),
    "repeat_customers": N_("Repeat customers"), "trusting": N_("Trusting"), "satisfied": N_("Satisfied"),
    "complaints": N_("Complaints"), "orders": N_("Orders"), "within_sla": N_("Within SLA"), "breached": N_("Breached"),
    "pending": N_("Pending"), "resolved_time_unknown": N_("Resolved, time unknown"),
    "immature_customers": N_("Not yet 90 days old"), "fast_repeat_rate": N_("Fast repeat rate"),
    "late_repeat_rate": N_("Late repeat rate"), "fast_customers": N_("Fast customers"),
    "late_customers": N_("Late customers"), "top_points": N_("Top points"), "scales": N_("Scales"),
}


def render(kpi_id: str) -> None:
    """The page of `kpi_id`, for a page file of its own (pages/1_NPS.py)."""
    _render(kpi_id, route={})


def render_named_in_link() -> None:
    """The KPI page: the KPI its link names (?kpi=<id>), any KPI in the registry; an unknown or missing
    id is said, with the KPIs there are."""
    kpi_id = st.query_params.get(state.KPI, "")
    _render(kpi_id, route={state.KPI: [kpi_id]} if kpi_id else {}, named_in_link=True)


def _page_title(kpi_id: str) -> str:
    """The browser tab's title: the KPI's page_title in the reader's language; 'KPI' for an id the registry
    lacks (the page says so)."""
    language_code = language.bind().language  # decided before the page is set up, which needs its title
    try:
        return next((kpi.in_language(language_code).page_title for kpi in data.load_kpis() if kpi.id == kpi_id),
                    "KPI")
    except RegistryError:  # sidebar.render says what is wrong with the registry
        return "KPI"


def _render(kpi_id: str, route: dict[str, list[str]], named_in_link: bool = False) -> None:
    page = sidebar.render(_page_title(kpi_id), route)
    if named_in_link:
        sidebar.mark_current_kpi(page, kpi_id)
    kpi = page.kpi(kpi_id)

    st.title(kpi.title)
    st.markdown(kpi.description)
    better = gettext("higher is better") if kpi.direction == "higher" else gettext("lower is better")
    report = data.overview(page.db_path, [kpi], page.period, page.filters)[0]
    owner, target = gettext("Owner:"), gettext("Target:")
    st.markdown(
        f":material/person: **{owner}** {fmt.markdown_literal(str(kpi.owner))} &nbsp;·&nbsp; "
        # The target of the period shown: a changed target keeps the old one for the past.
        f":material/flag: **{target}** {fmt.target(report.kpi)} ({better}){_other_targets(report.kpi)}"
    )
    st.caption(f"{fmt.period(page.period)} · {fmt.filters(page.filters)}")

    card_column, trend_column = st.columns([1, 2], gap="large")
    with card_column:
        cards.kpi_card(report, follow_up=data.follow_ups(page.db_path, [kpi], page.period).get(kpi.id))
    with trend_column, st.container(border=True, key=f"trend-{kpi.id}"):
        with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
            st.markdown("**" + gettext("Trend in the period") + "**", width="content")
            # No default=: ui.state seeds these controls from the view (URL), before the page draws them.
            grain = st.segmented_control(
                gettext("Grain"), list(GRAINS), format_func=lambda name: gettext(GRAINS[name]), required=True,
                key=f"{kpi.id}_grain", label_visibility="collapsed",
            )
        _trend(page, report, grain)

    with st.container(border=True, key=f"breakdown-{kpi.id}"):
        with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
            st.markdown("**" + gettext("Breakdown") + "**", width="content")
            dimension = st.segmented_control(
                gettext("Break down by"), list(DIMENSIONS), format_func=lambda name: gettext(fmt.DIMENSION_WORDS[name]),
                required=True,
                key=f"{kpi.id}_breakdown", label_visibility="collapsed",
            )
        # For the card's period: a slow KPI's latest matured one (its card says so).
        frame = data.kpi_frame(page.db_path, kpi, report.period, page.filters, breakdown=dimension)
        if report.moved_from is not None:
            st.caption(f"{fmt.matured_note(report)}.")
        chart_column, table_column = st.columns([1, 1], gap="large")
        with chart_column:
            charts.breakdown(frame, report.kpi, dimension)  # the target of its period
        with table_column:
            _breakdown_table(frame, report.kpi, dimension)

    with st.expander(gettext("How it is computed"), icon=":material/functions:"):
        st.caption(gettext("From the header of `{file}`, the SQL that computes every number above.",
                           file=kpi.query_path.name))
        st.code(data.definition_comment(kpi), language=None, wrap_lines=True)
        if kpi.schedule:
            st.caption(gettext("Working week ([business_hours] in metrics.toml): {schedule}.",
                               schedule=fmt.schedule(kpi.schedule)))

    follow_up.kpi_section(page, kpi, report.status)  # the owner's notes and the actions

    drilldowns.render(report.kpi, page)


def _trend(page: sidebar.PageContext, report: KpiReport, grain: str) -> None:
    """The period asked for, each bucket judged against the buckets before it (cxkpi.assessment), the
    buckets still maturing left out and named. For a slow KPI shown for an earlier period (its card
    says so), from that period's start, so its matured months are on the chart too."""
    kpi = report.kpi
    shown = page.period if report.moved_from is None else Period(report.period.start, page.period.end,
                                                                 page.period.calendar)
    before = baseline_period(shown, grain)
    frame = data.kpi_frame(page.db_path, kpi, shown, page.filters, grain=grain)
    baseline = data.kpi_frame(page.db_path, kpi, before, page.filters, grain=grain)
    horizon = report.maturity_horizon
    pending = pending_buckets(kpi, frame, grain, shown, horizon)
    history_pending = pending_buckets(kpi, baseline, grain, before, horizon)
    chart = control_chart(kpi, _without(frame, pending), _without(baseline, history_pending))
    pending_names = [fmt.bucket(pd.Timestamp(stamp), grain, shown.calendar)
                     for stamp, flag in zip(frame["bucket_start"], pending, strict=True) if flag]
    comparison = None
    if report.moved_from is None and report.status != Status.TOO_UNCERTAIN:
        comparison = charts.verdicts_compared(bool(chart.signals), report.change_reading,
                                              fmt.period_name(report.period.previous()))
    elif report.change_reading == ChangeReading.TOO_UNCERTAIN:
        comparison = gettext("The card does not judge the change: too few records stand behind the number.")
    charts.trend(chart, kpi, grain, pending_names, comparison, data.notes_dated(page.db_path, kpi.id, shown), shown)


def _other_targets(kpi: Kpi) -> str:
    """' · targets over time: +35 pts → +40 pts from 1 May 2026': every target the KPI has had, when more than one."""
    if len(kpi.target_history) < 2:
        return ""
    steps = [fmt.value(kpi, target, 0 if float(target).is_integer() else 1)
             + (" " + gettext("from {day}", day=fmt.day(first_day)) if first_day != date.min else "")
             for first_day, target in kpi.target_history]
    return " &nbsp;·&nbsp; :gray[" + gettext("targets over time: {steps}", steps=" → ".join(steps)) + "]"


def _without(frame: pd.DataFrame, dropped: list[bool]) -> pd.DataFrame:
    return frame[~pd.Series(dropped, index=frame.index, dtype=bool)]


def _breakdown_table(frame: pd.DataFrame, kpi: Kpi, dimension: str) -> None:
    if frame.empty:
        return
    hidden = {*STANDARD_COLUMNS, "status", "target", *sample_columns(frame)}
    extras = [name for name in frame.columns if name not in hidden]
    frame = frame.sort_values("value", ascending=kpi.direction != "higher", na_position="last")  # as the bars
    table = frame[["slice", "value", "n", *extras]].rename(columns={"slice": gettext(fmt.DIMENSION_WORDS[dimension])})
    # Each slice's status as cxkpi.status decided it: a slice of 2 records is too uncertain, never off target.
    table.insert(2, "status", [fmt.status_words(Status(found)) for found in frame["status"]])
    formats = {"points": "%+.1f pts", "hours": "%.1f h", "%": "%.1f%%"}
    english = active().language == DEFAULT_LANGUAGE
    if english:
        value_column = st.column_config.NumberColumn(gettext("Value"), format=formats.get(kpi.unit, "%.1f"),
                                                     help=kpi.title)
        n_column = st.column_config.NumberColumn("n", format="%d")
    else:  # the table's number formats are English ones: the values as the cards write them, already sorted
        table["value"] = [fmt.value(kpi, None if pd.isna(number) else float(number)) for number in table["value"]]
        table["n"] = [active().integer(int(number)) for number in table["n"]]
        for name in extras:  # the detail columns too: their digits in this language, as text
            if pd.api.types.is_numeric_dtype(table[name]):
                table[name] = [fmt.EMPTY if pd.isna(number) else active().number(
                    float(number), 0 if float(number).is_integer() else 1) for number in table[name]]
        value_column = st.column_config.TextColumn(gettext("Value"), help=kpi.title)
        n_column = st.column_config.TextColumn("n")
    config = {
        "value": value_column,
        "status": gettext("Status"),
        "n": n_column,
        # KPI-specific detail columns (p90_hours, promoters, ...) keep the query's names, made readable.
        **{name: _detail_column(name, table[name]) for name in extras},
    }
    st.dataframe(table, hide_index=True, placeholder=fmt.EMPTY, column_config=config, width="stretch")
    exports.table_downloads(table, f"{kpi.id}-by-{dimension}-table")


def _detail_column(name: str, values: pd.Series) -> st.column_config.NumberColumn | str:
    label = gettext(DETAIL_COLUMNS[name]) if name in DETAIL_COLUMNS else name.replace("_", " ").capitalize()
    if pd.api.types.is_float_dtype(values):
        return st.column_config.NumberColumn(label, format="%.1f")
    if pd.api.types.is_integer_dtype(values):
        return st.column_config.NumberColumn(label, format="%d")
    return label
