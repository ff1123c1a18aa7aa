"""Drill-downs under a KPI page's breakdown: from the number to what drives it.

Which drill-downs a page shows, and in which order, its KPI's registry entry says by name (drilldowns =
["slice_impact"] in metrics.toml; DRILLDOWNS maps the names, cxkpi.registry.DRILLDOWNS lists them and a
test holds the two to one list). The numbers come from cxkpi.drilldowns (queries/drilldown_*.sql) and the
KPI queries, cached per warehouse version like ui.data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from cxkpi import drilldowns as api
from cxkpi import kpi_sql, stats, status
from cxkpi.i18n import DEFAULT_LANGUAGE, N_, active, gettext, ngettext
from cxkpi.kpis import Filters, judging_days
from cxkpi.periods import Period, trailing_months
from cxkpi.registry import Kpi, Settings
from cxkpi.status import Status
from ui import data, sidebar
from ui import formatting as fmt
from ui.kpi_details import OUTSIDE_RECOVERY_SHARE

UP, DOWN, NEUTRAL = "#0072B2", "#D55E00", "#6b7280"  # Okabe-Ito blue / vermillion, as ui.charts
ALL_SLICES = "All"  # the slice picker's value for every slice (shown through the catalog)
# The response grid's cells by status (cxkpi.status), light enough for the number on them to read.
GRID_FILLS = {Status.ON_TARGET: "#cfe3f3", Status.NEAR_TARGET: "#e2daf0", Status.OFF_TARGET: "#f6d0b8",
              Status.TOO_UNCERTAIN: "#eeeeee", Status.NO_DATA: "#eeeeee"}
# What a slice does to the total: a chart's colour domain, in words.
EFFECTS = (N_("pulls up"), N_("pulls down"), N_("no effect"))
GROUPS = {"category": N_("Category"), "channel": N_("Channel")}
# The backlog's age buckets (cxkpi.drilldowns.AGE_BUCKETS, the SQL's labels) in words.
AGE_WORDS = {"< 1 day": N_("< 1 day"), "1-3 days": N_("1-3 days"), "3-7 days": N_("3-7 days"),
             "7-30 days": N_("7-30 days"), "> 30 days": N_("> 30 days")}


# --- cached data -----------------------------------------------------------------------------

# stamp_key is part of the cache key on purpose (a load by another process changes it): see ui.data.
@st.cache_data(show_spinner=False, max_entries=128)
def _slice_impact(path: str, stamp_key: data.Stamp, kpi: Kpi, dimension: str, period: Period,
                  filters: Filters) -> pd.DataFrame:
    return data.with_connection(
        path, lambda c: api.slice_impact(c, kpi, dimension, period, filters, kpi.parameters)  # type: ignore[arg-type]
    )


@st.cache_data(show_spinner=False, max_entries=128)
def _comments(path: str, stamp_key: data.Stamp, period: Period, filters: Filters, dimension: str, value: str,
              search: str) -> pd.DataFrame:
    return data.with_connection(path, lambda c: api.detractor_comments(c, period, filters, dimension, value, search))


@st.cache_data(show_spinner=False, max_entries=64)
def _response_grid(path: str, stamp_key: data.Stamp, period: Period, filters: Filters) -> pd.DataFrame:
    return data.with_connection(path, lambda c: api.response_by_channel_and_category(c, period, filters))


@st.cache_data(show_spinner=False, max_entries=64)
def _backlog(path: str, stamp_key: data.Stamp, period: Period, filters: Filters) -> pd.DataFrame:
    return data.with_connection(path, lambda c: api.open_backlog(c, period, filters))


@st.cache_data(show_spinner=False, max_entries=64)
def _survival(path: str, stamp_key: data.Stamp, period: Period, filters: Filters,
              group_by: str) -> api.ResolutionSurvival:
    return data.with_connection(path, lambda c: api.resolution_survival(c, period, filters, group_by))  # type: ignore[arg-type]


def _dimension_words(dimension: str) -> str:
    """'Region': a dimension of the KPI's fact table (cxkpi.kpi_sql.dimensions) in the session's language."""
    return gettext(fmt.DIMENSION_WORDS[dimension]) if dimension in fmt.DIMENSION_WORDS else dimension.capitalize()


def _key(page: sidebar.PageContext) -> tuple[str, data.Stamp]:
    return str(page.db_path), data.data_stamp(page.db_path)


def _number_column(table: pd.DataFrame, name: str, label: str, number_format: str, write: Callable[[float], str],
                   **options: Any) -> Any:
    """A table's number column: Streamlit's number format in English; in another language (Streamlit's
    formats write ASCII digits and English separators) its numbers as the cards write them, as text.
    Rewrites the column of `table` in place for that."""
    if active().language == DEFAULT_LANGUAGE:
        return st.column_config.NumberColumn(label, format=number_format, **options)
    table[name] = [fmt.EMPTY if pd.isna(number) else write(float(number)) for number in table[name]]
    return st.column_config.TextColumn(label, **options)


def _count(number: float) -> str:
    return active().integer(int(number))


# --- sections ----------------------------------------------------------------------------------

def slice_impact(kpi: Kpi, page: sidebar.PageContext) -> None:
    with st.container(border=True, key=f"drill-impact-{kpi.id}"):
        with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
            st.markdown("**" + gettext("What moves the total") + "**", width="content")
            dimension = st.segmented_control(
                gettext("Slice by"), list(kpi_sql.dimensions(kpi.reads)), format_func=_dimension_words,
                default="region",
                required=True, key=f"{kpi.id}_impact_dimension", label_visibility="collapsed",
            )
        frame = _slice_impact(*_key(page), kpi, dimension, page.period, page.filters)
        if frame.empty:
            st.info(gettext("No answers for this period and these filters."), icon=":material/info:")
            return
        total = fmt.value(kpi, float(frame["total_value"].iloc[0]))
        st.caption(gettext(
            "Impact = (slice value − total) × slice n / total n: the points each {dimension} pulls the total "
            "of {total} up or down (they add up to 0). Largest first.",
            dimension=gettext(fmt.FILTER_NAMES[dimension]), total=total,
        ))
        chart_column, table_column = st.columns([1, 1], gap="large")
        with chart_column:
            _impact_chart(frame, kpi, dimension)
        with table_column:
            table = frame[["slice", "value", "n", "impact", "rest_value"]].rename(
                columns={"slice": _dimension_words(dimension)}
            ).copy()
            points = gettext("pts")
            number = f"%+.1f {points}" if kpi.unit == "points" else "%.1f%%"
            value = lambda number: fmt.value(kpi, number)  # noqa: E731
            st.dataframe(
                table, hide_index=True, placeholder=fmt.EMPTY, width="stretch", key=f"{kpi.id}_impact_table",
                column_config={
                    "value": _number_column(table, "value", kpi.title, number, value),
                    "n": _number_column(table, "n", "n", "%d", _count),
                    "impact": _number_column(table, "impact", gettext("Impact on total"), f"%+.2f {points}",
                                             lambda number: f"{active().number(number, 2, signed=True)} {points}"),
                    "rest_value": _number_column(table, "rest_value", gettext("Total without it"), number, value,
                                                 help=gettext("The total if this slice were left out")),
                },
            )


def _impact_dimension(kpi: Kpi) -> str:
    """The dimension slice_impact's control shows (drawn earlier in the run), region until it is."""
    chosen = st.session_state.get(f"{kpi.id}_impact_dimension")
    return chosen if chosen in kpi_sql.dimensions(kpi.reads) else "region"


def _impact_chart(frame: pd.DataFrame, kpi: Kpi, dimension: str) -> None:
    frame = frame.copy()
    effects = [gettext(effect) for effect in EFFECTS]
    frame["effect"] = [effects[0] if impact > 0 else effects[1] if impact < 0 else effects[2]
                       for impact in frame["impact"]]
    points, tr = gettext("pts"), active()
    frame["shown"] = [f"{tr.number(impact, 2, signed=True)} {points}" for impact in frame["impact"]]
    frame["slice_value"] = [fmt.value(kpi, float(value)) for value in frame["value"]]
    order = frame["slice"].tolist()
    base = alt.Chart(frame).encode(
        y=alt.Y("slice:N", title=None, sort=order),
        x=alt.X("impact:Q", title=gettext("Impact on the total ({unit})", unit=points)),
        tooltip=[
            alt.Tooltip("slice:N", title=_dimension_words(dimension)),
            alt.Tooltip("slice_value:N", title=kpi.title),
            alt.Tooltip("n:Q", title="n", format=","),
            alt.Tooltip("shown:N", title=gettext("Impact")),
            alt.Tooltip("effect:N", title=gettext("Effect")),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "effect:N", legend=None,
            scale=alt.Scale(domain=effects, range=[UP, DOWN, NEUTRAL]),
        )
    )
    zero = alt.Chart().mark_rule(color=NEUTRAL).encode(x=alt.datum(0))
    st.altair_chart((bars + zero).properties(height=90 + 36 * len(frame)), width="stretch")
    st.caption(gettext("Blue bars pull the total up, orange bars pull it down."))


def detractor_comments(kpi: Kpi, page: sidebar.PageContext) -> None:
    """The comments of detractors (recommend score 0-6), in the slices slice_impact shows when the KPI has
    it (after it on the page: its dimension and its order), else in the data's."""
    dimension = _impact_dimension(kpi)
    if "slice_impact" in kpi.drilldowns:
        impact = _slice_impact(*_key(page), kpi, dimension, page.period, page.filters)
        if impact.empty:
            return  # slice_impact says there are no answers
        slices = impact["slice"].tolist()
    else:
        slices = data.context(page.db_path).choices[dimension]
    with st.container(border=True, key=f"drill-comments-{kpi.id}"):
        st.markdown(gettext("**What detractors wrote** (recommend score 0-6, word for word)"))
        slice_column, search_column = st.columns([1, 2])
        with slice_column:
            chosen = st.selectbox(
                _dimension_words(dimension), [ALL_SLICES, *slices],
                format_func=lambda name: gettext("All") if name == ALL_SLICES else name,
                key=f"{kpi.id}_comments_slice_{dimension}",
            )
        with search_column:
            search = st.text_input(
                gettext("Search the comments"), key=f"{kpi.id}_comments_search",
                placeholder=gettext("e.g. refund, courier, reply"),
            )
        slice_dimension, slice_value = ("none", "") if chosen == ALL_SLICES else (dimension, chosen)
        frame = _comments(*_key(page), page.period, page.filters, slice_dimension, slice_value, search.strip())
        matching = int(frame["matching"].iloc[0]) if not frame.empty else 0
        parts = [ngettext("{n} detractor comment", "{n} detractor comments", matching)]
        if chosen != ALL_SLICES:
            parts.append(gettext("in {dimension} {value}", dimension=gettext(fmt.FILTER_NAMES[dimension]),
                                 value=fmt.markdown_literal(chosen)))
        if search.strip():
            parts.append(gettext("containing \"{words}\"", words=fmt.markdown_literal(search.strip())))
        if matching > len(frame):
            parts.append(gettext("(showing the newest {n})", n=active().integer(len(frame))))
        st.caption(" ".join(parts))
        if frame.empty:
            return
        table = frame[["responded_at", "recommend_score", "comment", "region", "segment", "channel"]].copy()
        answered = st.column_config.DatetimeColumn(gettext("Answered"), format="YYYY-MM-DD")
        if active().language != DEFAULT_LANGUAGE:  # the day in the reader's words and calendar
            table["responded_at"] = [fmt.day(pd.Timestamp(stamp).to_pydatetime()) for stamp in table["responded_at"]]
            answered = st.column_config.TextColumn(gettext("Answered"))
        st.dataframe(
            table, hide_index=True, placeholder=fmt.EMPTY, width="stretch", key=f"{kpi.id}_comments_table",
            column_config={
                "responded_at": answered,
                "recommend_score": _number_column(table, "recommend_score", gettext("Score"), "%d", _count),
                "comment": st.column_config.TextColumn(gettext("Comment"), width="large"),
                **{name: _dimension_words(name) for name in fmt.DIMENSION_WORDS},
            },
        )


def response_by_channel_and_category(kpi: Kpi, page: sidebar.PageContext) -> None:
    with st.container(border=True, key=f"drill-response-grid-{kpi.id}"):
        st.markdown(gettext("**First-response time by channel and category** (median hours)"))
        frame = _response_grid(*_key(page), page.period, page.filters)
        if frame.empty:
            st.info(gettext("No complaints for this period and these filters."), icon=":material/info:")
            return
        frame = frame.copy()
        frame["shown"] = [fmt.value(kpi, None if pd.isna(v) else float(v)) for v in frame["value"]]
        frame["p90"] = [fmt.value(kpi, None if pd.isna(v) else float(v)) for v in frame["p90_hours"]]
        frame["status"] = [fmt.status_words(found) for found in cell_statuses(kpi, frame, data.load_settings(),
                                                                               page.period)]
        channels = [name for name in dict.fromkeys(frame["channel"]) if name != "(all)"] + ["(all)"]
        categories = [name for name in dict.fromkeys(frame["category"]) if name != "(all)"] + ["(all)"]
        base = alt.Chart(frame).encode(
            x=alt.X("category:N", title=None, sort=categories, axis=alt.Axis(orient="top", labelAngle=0)),
            y=alt.Y("channel:N", title=None, sort=channels),
            tooltip=[
                alt.Tooltip("channel:N", title=gettext("Channel")),
                alt.Tooltip("category:N", title=gettext("Category")),
                alt.Tooltip("shown:N", title=gettext("Median")), alt.Tooltip("p90:N", title="p90"),
                alt.Tooltip("n:Q", title=gettext("Answered")),
                alt.Tooltip("awaiting_response:Q", title=gettext("Awaiting reply")),
                alt.Tooltip("status:N", title=gettext("Status")),
            ],
        )
        cells = base.mark_rect(stroke="white").encode(
            color=alt.Color("status:N", legend=None, scale=alt.Scale(
                domain=[fmt.status_words(found) for found in GRID_FILLS], range=list(GRID_FILLS.values()))),
        )
        labels = base.mark_text(color="#1f2937").encode(text="shown:N")
        st.altair_chart((cells + labels).properties(height=60 + 40 * len(channels)), width="stretch")
        st.caption(gettext(
            "Cells by status against the {target} target: blue on target, violet near it, orange off it, grey "
            "too uncertain to act on (too few complaints) or no data; '(all)' is the row's or column's total. "
            "Hover a cell for n, p90 and complaints still awaiting a reply.", target=fmt.target(kpi),
        ))


def cell_statuses(kpi: Kpi, frame: pd.DataFrame, settings: Settings, period: Period) -> list[Status]:
    """Each cell's status as cxkpi.status decides a slice's: against the target in force on the period's
    last day, near target within the KPI's margin, too uncertain on too few complaints."""
    return status.of_rows(kpi, frame, settings, judging_days(frame, "period", period))


def open_backlog(kpi: Kpi, page: sidebar.PageContext) -> None:
    with st.container(border=True, key=f"drill-backlog-{kpi.id}"):
        frame = _backlog(*_key(page), page.period, page.filters).copy()
        as_of = pd.Timestamp(frame["as_of"].iloc[0]).to_pydatetime() if not frame.empty else None
        frame["age_bucket"] = [gettext(AGE_WORDS.get(bucket, bucket)) for bucket in frame["age_bucket"]]
        total, awaiting = int(frame["open_complaints"].sum()), int(frame["awaiting_response"].sum())
        st.markdown(gettext("**Open backlog by age** at {moment}", moment=fmt.timestamp(as_of)))
        st.caption(
            ngettext("{n} complaint still open then, whenever it was raised;",
                     "{n} complaints still open then, whenever they were raised;", total)
            + " " + gettext("{awaiting} of them without any reply. Age = calendar time since the complaint was raised.",
                            awaiting=active().integer(awaiting))
        )
        chart_column, table_column = st.columns([1, 1], gap="large")
        with chart_column:
            chart = alt.Chart(frame).mark_bar(color=DOWN).encode(
                x=alt.X("age_bucket:N", title=gettext("Age"), axis=alt.Axis(labelAngle=0),
                        sort=[gettext(AGE_WORDS[bucket]) for bucket in api.AGE_BUCKETS]),
                y=alt.Y("open_complaints:Q", title=gettext("Open complaints")),
                tooltip=[
                    alt.Tooltip("age_bucket:N", title=gettext("Age")),
                    alt.Tooltip("open_complaints:Q", title=gettext("Open")),
                    alt.Tooltip("awaiting_response:Q", title=gettext("Without a reply")),
                ],
            )
            st.altair_chart(chart.properties(height=240), width="stretch")
        with table_column:
            table = frame[["age_bucket", "open_complaints", "awaiting_response"]].copy()
            st.dataframe(
                table, hide_index=True, width="stretch",
                placeholder=fmt.EMPTY,
                key=f"{kpi.id}_backlog_table",
                column_config={
                    "age_bucket": gettext("Age"),
                    "open_complaints": _number_column(table, "open_complaints", gettext("Open"), "%d", _count),
                    "awaiting_response": _number_column(table, "awaiting_response", gettext("Without a reply"), "%d",
                                                        _count),
                },
            )


def time_to_resolution(kpi: Kpi, page: sidebar.PageContext) -> None:
    with st.container(border=True, key=f"drill-resolution-{kpi.id}"):
        with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
            st.markdown(gettext("**Time to resolution** (calendar hours, open complaints included)"),
                        width="content")
            group_by = st.segmented_control(
                gettext("Split by"), list(GROUPS), format_func=lambda name: gettext(GROUPS[name]),
                default="category", required=True,
                key=f"{kpi.id}_resolution_group", label_visibility="collapsed",
            )
        result = _survival(*_key(page), page.period, page.filters, group_by)
        summary = result.summary
        if summary.n == 0:
            st.info(gettext("No complaints raised in this period with these filters."), icon=":material/info:")
            return
        tr = active()
        hours = lambda value: gettext("not reached") if value is None else f"{tr.number(value)} {gettext('h')}"  # noqa: E731
        km_column, naive_column, open_column = st.columns(3)
        km_column.metric(gettext("Median time to resolution"), hours(summary.km_median),
                         help=gettext("Kaplan-Meier: open complaints count as 'not resolved after at least their "
                                      "age'."))
        naive_column.metric(gettext("Median of resolved ones only"), hours(summary.naive_median),
                            help=gettext("What ignoring the open complaints would say: too short, the slow ones are "
                                         "open."))
        open_column.metric(gettext("Still open"), gettext("{open} of {n}", open=tr.integer(summary.still_open),
                                                           n=tr.integer(summary.n)))
        if summary.km_median is None:
            st.caption(gettext("Fewer than half of these complaints are resolved yet, so the median is not known."))
        curve_column, table_column = st.columns([3, 2], gap="large")
        with curve_column:
            _survival_chart(result.curve)
        with table_column:
            table = result.by_group.copy()  # cached: never rewritten in place
            in_hours = f"%.1f {gettext('h')}"
            st.dataframe(
                table, hide_index=True, placeholder=fmt.EMPTY, width="stretch",
                key=f"{kpi.id}_resolution_table",
                column_config={
                    group_by: gettext(GROUPS[group_by]),
                    "km_median_hours": _number_column(table, "km_median_hours", gettext("Median (KM)"), in_hours,
                                                      hours),
                    "naive_median_hours": _number_column(table, "naive_median_hours", gettext("Resolved only"),
                                                         in_hours, hours),
                    "n": _number_column(table, "n", "n", "%d", _count),
                    "still_open": _number_column(table, "still_open", gettext("Open"), "%d", _count),
                },
            )
        st.caption(gettext(
            "Kaplan-Meier estimate: a complaint still open at the data's snapshot is counted as unresolved for "
            "as long as it has been open, not dropped. An empty median: fewer than half are resolved."
        ))


def _survival_chart(curve: pd.DataFrame) -> None:
    if curve.empty:
        return
    start = pd.DataFrame({"time": [0.0], "survival": [1.0]})
    frame = pd.concat([start, curve[["time", "survival"]]], ignore_index=True)
    frame["still_open_share"] = 100 * frame["survival"]
    line = alt.Chart(frame).mark_line(interpolate="step-after", color="#1f4e79").encode(
        x=alt.X("time:Q", title=gettext("Hours since the complaint was raised")),
        y=alt.Y("still_open_share:Q", title=gettext("Not yet resolved (%)"), scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("time:Q", title=gettext("Hours"), format=",.1f"),
                 alt.Tooltip("still_open_share:Q", title=gettext("Not yet resolved (%)"), format=".1f")],
    )
    half = alt.Chart().mark_rule(color=NEUTRAL, strokeDash=[4, 4]).encode(y=alt.datum(50))
    st.altair_chart((line + half).properties(height=260), width="stretch")


def cohort_maturity(kpi: Kpi, page: sidebar.PageContext) -> None:
    with st.container(border=True, key=f"drill-cohorts-{kpi.id}"):
        st.markdown(gettext("**Monthly cohorts of new customers**, last 12 months"))
        months = trailing_months(page.period.end, calendar=page.period.calendar)
        frame = data.kpi_frame(page.db_path, kpi, months, page.filters, grain="month")
        if frame.empty:
            st.info(gettext("No new customers in these months."), icon=":material/info:")
            return
        frame = frame.copy()
        frame["month"] = [fmt.bucket(stamp, "month", months.calendar)
                          for stamp in pd.to_datetime(frame["bucket_start"])]
        frame["state"] = [_cohort_state(int(n), int(immature)) for n, immature in
                          zip(frame["n"], frame["immature_customers"], strict=True)]
        table = frame[["month", "value", "n", "repeat_customers", "immature_customers", "state"]].copy()
        st.dataframe(
            table, hide_index=True, placeholder=fmt.EMPTY, width="stretch", key=f"{kpi.id}_cohort_table",
            height=38 + 35 * len(frame),
            column_config={
                "month": gettext("First order in"),
                "value": _number_column(table, "value", gettext("Came back within 90 days"), "%.1f%%",
                                        active().percent),
                "n": _number_column(table, "n", gettext("Customers counted"), "%d", _count),
                "repeat_customers": _number_column(table, "repeat_customers", gettext("Came back"), "%d", _count),
                "immature_customers": _number_column(table, "immature_customers", gettext("Not yet 90 days old"),
                                                     "%d", _count),
                "state": gettext("Final?"),
            },
        )
        st.caption(gettext(
            "A customer counts once 90 days have passed since their first order (up to the latest order in the "
            "data); until then they could still come back, so a cohort with such customers is not final."
        ))


def _cohort_state(counted: int, immature: int) -> str:
    if immature == 0:
        return gettext("final")
    if counted == 0:
        return gettext("too recent: not reported yet")
    return gettext("not final ({n} still inside their 90 days)", n=active().integer(immature))


def recovery_comparison(kpi: Kpi, page: sidebar.PageContext) -> None:
    report = data.overview(page.db_path, [kpi], page.period, page.filters)[0]
    details = report.current.details
    parameters = dict(kpi.parameters)
    sla, window = parameters.get("sla_hours", 24.0), parameters.get("window_days", 90.0)
    with st.container(border=True, key=f"drill-recovery-{kpi.id}"):
        tr = active()
        st.markdown("**" + gettext("Measured on our own data") + "**")
        fast_column, late_column, gap_column = st.columns(3)
        fast_column.metric(gettext("Answered within {sla} h: bought again", sla=tr.number(sla, 0)),
                           _share(details.get("fast_repeat_rate")))
        fast_column.caption(fmt.sample_size_sign() + ngettext("{n} complainant", "{n} complainants",
                                                              int(details.get("fast_customers") or 0)))
        late_column.metric(gettext("Answered later: bought again"), _share(details.get("late_repeat_rate")))
        late_column.caption(fmt.sample_size_sign() + ngettext("{n} complainant", "{n} complainants",
                                                              int(details.get("late_customers") or 0)))
        gap_column.metric(gettext("Difference"), fmt.value(kpi, report.current.value))
        gap_column.caption(_significance(details))
        immature = int(details.get("immature_customers") or 0)
        days = tr.number(window, 0)
        st.caption(" ".join([
            gettext("'Bought again' = a non-cancelled order within {days} days after the complaint was raised.",
                    days=days),
            *([ngettext("{n} complainant is too recent for their {days} days to have passed and is not counted yet.",
                        "{n} complainants are too recent for their {days} days to have passed and are not "
                        "counted yet.", immature, days=days)] if immature else []),
            gettext("An observed difference, not an experiment: complaints answered late may differ in kind."),
        ]))
    with st.container(border=True, key=f"drill-outside-{kpi.id}"):
        st.markdown(":material/menu_book: **" + gettext("Outside estimate, not our data") + "**")
        assumed = st.number_input(
            gettext("Assumed share of quickly-helped complainants who buy again (%)"), min_value=0.0, max_value=100.0,
            value=OUTSIDE_RECOVERY_SHARE, step=5.0, key=f"{kpi.id}_outside_share",
            help=gettext("Edit it: it is an assumption, not a measurement."),
        )
        own = details.get("fast_repeat_rate")
        assumed_share = tr.percent(assumed, 0)
        comparison = (
            gettext("Our own rate for complainants answered within {sla} h is {own}, {difference} points against "
                    "the assumed {assumed}.", sla=tr.number(sla, 0), own=_share(own),
                    difference=tr.number(own - assumed, 1, signed=True), assumed=assumed_share)
            if own is not None else gettext("We have no measured rate to set against it for this period.")
        )
        st.markdown(gettext(
            "*Estimate:* the often-quoted claim is that about 7 in 10 complaining customers buy again if their "
            "problem is solved quickly. **Assumption: {assumed}**, with 'solved quickly' read as a first reply "
            "within {sla} h and 'buy again' as an order within {days} days. The figure is weakly sourced "
            "(no primary study is known; it circulates second-hand), so it is context, not a benchmark.",
            assumed=assumed_share, sla=tr.number(sla, 0), days=days,
        ) + " " + comparison)


def _share(value: Any) -> str:
    return gettext("No data") if value is None else active().percent(value)


def _significance(details: dict[str, Any]) -> str:
    fast_n, late_n = int(details.get("fast_customers") or 0), int(details.get("late_customers") or 0)
    fast, late = details.get("fast_repeat_rate"), details.get("late_repeat_rate")
    if fast is None or late is None:
        return gettext("needs complainants in both groups")
    test = stats.two_proportion_test(
        (stats.successes(fast, fast_n), fast_n), (stats.successes(late, late_n), late_n)
    )
    if test.is_significant():
        return gettext("a real difference (two-proportion test, {p})", p=fmt.p_value(test.p_value))
    return gettext("within noise: could be chance (two-proportion test, {p})", p=fmt.p_value(test.p_value))


# --- which page shows what ----------------------------------------------------------------------

DRILLDOWNS: dict[str, Callable[[Kpi, sidebar.PageContext], None]] = {
    "slice_impact": slice_impact,
    "detractor_comments": detractor_comments,
    "response_by_channel_and_category": response_by_channel_and_category,
    "open_backlog": open_backlog,
    "time_to_resolution": time_to_resolution,
    "cohort_maturity": cohort_maturity,
    "recovery_comparison": recovery_comparison,
}


def render(kpi: Kpi, page: sidebar.PageContext) -> None:
    """Draw the drill-downs the KPI's registry entry names, in its order (none: nothing)."""
    if not kpi.drilldowns:
        return
    st.subheader(gettext("Drill down"), anchor=False)
    for name in kpi.drilldowns:
        DRILLDOWNS[name](kpi, page)
