"""The KPI card: one bordered block per KPI, the same on the overview and on the KPI's own page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cxkpi.kpis import KpiReport
from ui import charts, data, kpi_details
from ui import formatting as fmt

# Status and change use colour AND words/icons/arrows, so they read the same without colour vision;
# blue/orange rather than green/red because red-green is the common colour-vision deficiency.
BAND_BADGES = {
    "on target": ("blue", ":material/check_circle:", "On target"),
    "near target": ("violet", ":material/adjust:", "Near target"),
    "off target": ("orange", ":material/error:", "Off target"),
    "no data": ("gray", ":material/remove:", "No data"),
}
UNCERTAIN_BADGE = ("gray", ":material/help:", "Too uncertain to act on")
GOOD, BAD, FLAT = "blue", "orange", "gray"


def _nps_details(details: dict[str, Any]) -> str:
    return " · ".join(
        fmt.plural(int(details[key]), noun) for key, noun in
        (("promoters", "promoter"), ("passives", "passive"), ("detractors", "detractor"))
    )


def _response_details(details: dict[str, Any]) -> str:
    p90 = details.get("p90_hours")
    awaiting = int(details["awaiting_response"] or 0)
    p90_text = f"p90 {p90:,.1f} h" if p90 is not None else "p90: no data"
    awaiting_text = f"{awaiting:,} awaiting a first response"
    # Unanswered complaints are the urgent part: make them stand out when there are any.
    return f"{p90_text} · " + (f":orange[**{awaiting_text}**]" if awaiting else awaiting_text)


def _repeat_details(details: dict[str, Any]) -> str:
    return f"{fmt.plural(int(details['repeat_customers']), 'repeat buyer')} (2+ orders)"


def _trust_details(details: dict[str, Any]) -> str:
    return f"{fmt.plural(int(details['trusting']), 'trusting answer')} (4 or 5 out of 5)"


# The one line under the headline, from the KPI-specific columns its query returns.
DETAIL_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "nps": _nps_details,
    "complaint_response_hours": _response_details,
    "repeat_purchase_rate": _repeat_details,
    "brand_trust": _trust_details,
    **kpi_details.DETAIL_LINES,
}


def kpi_card(report: KpiReport, details_page: str | None = None) -> None:
    """Draw the card; its container key gives the DOM class st-key-card-<id> for tests and styling."""
    kpi = report.kpi
    with st.container(border=True, key=f"card-{kpi.id}", height="stretch"):
        st.markdown(f"##### {kpi.title}", anchors=False)
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            color, icon, label = _badge(report)
            st.badge(label, color=color, icon=icon)  # type: ignore[arg-type]
            st.caption(f"target {fmt.target(kpi)}", width="content")
        _headline(report)
        _statistics(report)
        # The sparkline comes right under the headline so the four cards line up.
        charts.sparkline(report)
        st.caption(_sample_line(report))
        detail_line = DETAIL_LINES.get(kpi.id)
        if detail_line and report.current.details:
            st.caption(detail_line(report.current.details))
        # Push owner, freshness and link to the bottom so they line up across cards of unequal text.
        st.space("stretch")
        found = report.assessment
        if found and found.actionable and found.band == "off target":
            # Off target: whom to ask is the first thing an executive needs.
            st.markdown(f":orange[:material/person_alert: **Owner: {kpi.owner.name}**, {kpi.owner.role}]")
        else:
            st.markdown(f"**Owner:** {kpi.owner.name}, {kpi.owner.role}")
        st.caption(fmt.freshness(report.data_through, report.last_loaded_at))
        with st.container(horizontal=True, gap="small"):
            if details_page:
                st.page_link(details_page, label="Trend and breakdown", icon=":material/arrow_forward:")
            with st.popover("How is this computed", icon=":material/functions:", width="content"):
                st.markdown(kpi.description)
                st.code(data.definition_comment(kpi), language=None, wrap_lines=True)


def _badge(report: KpiReport) -> tuple[str, str, str]:
    found = report.assessment
    if found is None:
        return BAND_BADGES["no data" if report.current.value is None else
                           ("on target" if report.status == "met" else "off target")]
    if found.uncertain_because:
        return UNCERTAIN_BADGE
    return BAND_BADGES[found.band]


def _statistics(report: KpiReport) -> None:
    """The interval, whether the changes are real, and how long the KPI has been off target."""
    found, kpi = report.assessment, report.kpi
    if found is None or report.current.value is None:
        return
    lines = []
    if found.uncertain_because:
        lines.append(f":gray[:material/help: Too uncertain to act on: {found.uncertain_because}.]")
    if found.interval:
        lines.append(f"95% interval {fmt.interval(kpi, found.interval)}")
    if _compares_with_last_year(report):
        # "Compare with last year" chosen: the previous period is last year; one line says it.
        lines.append(f"vs same period last year: {fmt.change_test(kpi, found.vs_previous)}")
    else:
        lines.append(f"vs previous period: {fmt.change_test(kpi, found.vs_previous)}")
        lines.append(f"vs same period last year: {fmt.change_test(kpi, found.vs_last_year)}")
    if found.months_off_target and found.band != "on target":
        months = found.months_off_target
        lines.append(f"Missed target {months} month{'s' if months != 1 else ''} in a row"
                     + (" (all 12 shown)" if months >= 12 else ""))
    st.caption("  \n".join(lines))


def _compares_with_last_year(report: KpiReport) -> bool:
    return report.period.previous() == report.period.a_year_earlier()


def _headline(report: KpiReport) -> None:
    kpi = report.kpi
    shown = fmt.value(kpi, report.current.value)
    if report.change is None:
        # No value now or none to compare with: say so rather than invent a change.
        st.metric(kpi.title, shown, label_visibility="collapsed")
        return
    uncertain = report.assessment is not None and report.assessment.uncertain_because is not None
    if report.change_is_improvement is None:
        color, arrow, word = FLAT, "off", "no change"
    elif uncertain:
        # Too few answers to act on: show the movement, but do not colour it as good or bad news.
        color, arrow, word = FLAT, "up" if report.change > 0 else "down", "too uncertain to judge"
    elif report.change_is_improvement:
        color, arrow, word = GOOD, "up" if report.change > 0 else "down", "better"
    else:
        color, arrow, word = BAD, "up" if report.change > 0 else "down", "worse"
    st.metric(
        kpi.title, shown, delta=fmt.change(kpi, report.change), delta_color=color, delta_arrow=arrow,
        delta_description=word, label_visibility="collapsed",
    )


def _sample_line(report: KpiReport) -> str:
    previous = report.previous.value
    if report.current.value is None:
        compared = "no data in this period"
    elif previous is None:
        compared = "no data last year" if _compares_with_last_year(report) else "no data in the previous period"
    else:
        label = "last year" if _compares_with_last_year(report) else "previous"
        compared = f"{label} {fmt.value(report.kpi, previous)}"
    return f"{fmt.count(report.kpi, report.current.n)} · {compared}"
