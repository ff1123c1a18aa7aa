"""The KPI card: one bordered block per KPI, the same on the overview and on the KPI's own page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cxkpi.kpis import KpiReport
from ui import charts
from ui import formatting as fmt

# Status and change use colour AND words/icons/arrows, so they read the same without colour vision;
# blue/orange rather than green/red because red-green is the common colour-vision deficiency.
STATUS_BADGES = {
    "met": ("blue", ":material/check_circle:"),
    "missed": ("orange", ":material/error:"),
    "no data": ("gray", ":material/remove:"),
}
GOOD, BAD, FLAT = "blue", "orange", "gray"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def _nps_details(details: dict[str, Any]) -> str:
    return " · ".join(
        _plural(int(details[key]), noun) for key, noun in
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
    return f"{_plural(int(details['repeat_customers']), 'repeat buyer')} (2+ orders)"


def _trust_details(details: dict[str, Any]) -> str:
    return f"{_plural(int(details['trusting']), 'trusting answer')} (4 or 5 out of 5)"


# The one line under the headline, from the KPI-specific columns its query returns.
DETAIL_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "nps": _nps_details,
    "complaint_response_hours": _response_details,
    "repeat_purchase_rate": _repeat_details,
    "brand_trust": _trust_details,
}


def kpi_card(report: KpiReport, details_page: str | None = None) -> None:
    """Draw the card; its container key gives the DOM class st-key-card-<id> for tests and styling."""
    kpi = report.kpi
    with st.container(border=True, key=f"card-{kpi.id}", height="stretch"):
        st.markdown(f"##### {kpi.title}", anchors=False)
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            color, icon = STATUS_BADGES.get(report.status, ("gray", None))
            st.badge(fmt.status(report.status), color=color, icon=icon)  # type: ignore[arg-type]
            st.caption(f"target {fmt.target(kpi)}", width="content")
        _headline(report)
        # The sparkline comes right under the headline so the four cards line up.
        charts.sparkline(report)
        st.caption(_sample_line(report))
        detail_line = DETAIL_LINES.get(kpi.id)
        if detail_line and report.current.details:
            st.caption(detail_line(report.current.details))
        # Push owner, freshness and link to the bottom so they line up across cards of unequal text.
        st.space("stretch")
        st.markdown(f"**Owner:** {kpi.owner.name}, {kpi.owner.role}")
        st.caption(fmt.freshness(report.data_through, report.last_loaded_at))
        if details_page:
            st.page_link(details_page, label="Trend and breakdown", icon=":material/arrow_forward:")


def _headline(report: KpiReport) -> None:
    kpi = report.kpi
    shown = fmt.value(kpi, report.current.value)
    if report.change is None:
        # No value now or none to compare with: say so rather than invent a change.
        st.metric(kpi.title, shown, label_visibility="collapsed")
        return
    if report.change_is_improvement is None:
        color, arrow, word = FLAT, "off", "no change"
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
        compared = "no data in the previous period"
    else:
        compared = f"previous {fmt.value(report.kpi, previous)}"
    return f"{fmt.count(report.kpi, report.current.n)} · {compared}"
