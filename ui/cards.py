"""The KPI card: one bordered block per KPI, the same on the overview and on the KPI's own page."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import streamlit as st

from cxkpi.assessment import OFF_TARGET, ON_TARGET
from cxkpi.kpis import KpiReport
from ui import charts, data, kpi_details
from ui import formatting as fmt

# Status and change use colour AND words/icons/arrows, so they read the same without colour vision;
# blue/orange rather than green/red because red-green is the common colour-vision deficiency.
READING_TONES = {"better": "blue", "worse": "orange"}  # any other reading is gray


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
    return f"{p90_text} · " + (fmt.alert(awaiting_text) if awaiting else awaiting_text)


def _repeat_details(details: dict[str, Any]) -> str:
    return f"{fmt.plural(int(details['repeat_customers']), 'repeat buyer')} (2+ orders)"


def _trust_details(details: dict[str, Any]) -> str:
    return f"{fmt.plural(int(details['trusting']), 'trusting answer')}{kpi_details.top_box(details)}"


# The one line under the headline, from the KPI-specific columns its query returns: HTML, its text escaped.
DETAIL_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "nps": _nps_details,
    "complaint_response_hours": _response_details,
    "repeat_purchase_rate": _repeat_details,
    "brand_trust": _trust_details,
    **kpi_details.DETAIL_LINES,
}


def kpi_card(report: KpiReport, details_page: str | None = None) -> None:
    """Draw the card; its container key gives the DOM class st-key-card-<id> for tests and styling.

    One HTML element and a link, on purpose: the browser's time to draw the overview grows with the
    number and kind of Streamlit elements. Nine cards of ~17 elements each (st.metric, badges,
    captions, a popover) took about a second to draw (bench/browser_timings.py). As one Markdown
    block each they took a fraction of it; as HTML (st.html), which the browser does not parse as
    Markdown first, the overview opened another 0.1-0.4 s sooner in A/B runs (docs/decisions.md).
    """
    with st.container(border=True, key=f"card-{report.kpi.id}", height="stretch", gap="small"):
        st.html(card_html(report))
        # Push the link to the bottom so the links line up across cards of unequal text.
        st.space("stretch")
        if details_page:
            st.page_link(details_page, label="Trend and breakdown", icon=":material/arrow_forward:")


def card_html(report: KpiReport) -> str:
    """The card's text: title, status badge, headline, sparkline, statistics and owner. Every text
    that comes from data or from people (titles, owner names, reasons) is HTML-escaped, so it shows
    as typed. The formula is an HTML <details> opened on click."""
    kpi = report.kpi
    status = fmt.status_code(report)
    tone, icon_name = fmt.STATUS_BADGES[status]
    lines = [*_statistics(report), html.escape(fmt.sample_line(report))]
    detail_line = DETAIL_LINES.get(kpi.id)
    if detail_line and report.current.details:
        lines.append(detail_line(report.current.details))
    return (
        '<div class="cx-card">'
        f'<h5 class="cx-title">{html.escape(kpi.title)}</h5>'
        f'<p><span class="cx-badge cx-{tone}">{fmt.icon(icon_name)} {fmt.STATUS_WORDS[status]}</span> '
        f"target {html.escape(fmt.target(kpi))}</p>"
        f"{headline_html(report)}"
        f"{charts.sparkline_html(report)}"
        f'<p>{"<br>".join(lines)}</p>'
        f"{_owner_block(report, status)}"
        "</div>"
    )


def _owner_block(report: KpiReport, status: str) -> str:
    """Owner (prominent when the statistics say off target: whom to ask is the first thing an executive
    needs), data freshness, and the definition on demand."""
    kpi = report.kpi
    # Names come from the Owners page, typed by people: shown as typed.
    if status == OFF_TARGET and report.assessment is not None:
        name, role = html.escape(kpi.owner.name), html.escape(kpi.owner.role)
        owner = f'<span class="cx-alert">{fmt.icon("person_alert")} <strong>Owner: {name}</strong>, {role}</span>'
    else:
        owner = f"<strong>Owner:</strong> {html.escape(str(kpi.owner))}"
    freshness = html.escape(fmt.freshness(report.data_through, report.last_loaded_at))
    definition = (
        f'<details class="cx-definition"><summary>How is this computed</summary>'
        f"<p>{html.escape(kpi.description)}</p>"
        f'<div class="cx-sql">{html.escape(data.definition_comment(kpi.id))}</div></details>'
    )
    return f'<p><span class="cx-owner">{owner}</span><br>{freshness}</p>{definition}'


def _statistics(report: KpiReport) -> list[str]:
    """The interval, whether the changes are real, and how long the KPI has been off target (HTML)."""
    found, kpi = report.assessment, report.kpi
    if found is None or report.current.value is None:
        return []
    lines = []  # HTML: each text escaped as it is added
    if found.uncertain_because:
        lines.append(f"{fmt.icon('help')} {html.escape(f'{fmt.UNCERTAIN}: {found.uncertain_because}.')}")
    if found.interval:
        lines.append(html.escape(f"95% interval {fmt.interval(kpi, found.interval)}"))
    if fmt.compares_with_last_year(report):
        # "Compare with last year" chosen: the previous period is last year; one line says it.
        lines.append(html.escape(f"vs same period last year: {fmt.change_test(kpi, found.vs_previous)}"))
    else:
        lines.append(html.escape(f"vs previous period: {fmt.change_test(kpi, found.vs_previous)}"))
        lines.append(html.escape(f"vs same period last year: {fmt.change_test(kpi, found.vs_last_year)}"))
    if found.months_off_target and found.band != ON_TARGET:
        months = found.months_off_target
        lines.append(f"Missed target {months} month{'s' if months != 1 else ''} in a row"
                     + (" (all 12 shown)" if months >= 12 else ""))  # no text from outside
    return lines


def headline_html(report: KpiReport) -> str:
    """The value, and its change in colour, arrow AND words (fmt.change_reading): only 'better' and
    'worse' are coloured; a change too uncertain to judge is shown but not coloured."""
    kpi = report.kpi
    value = f'<span class="cx-value">{html.escape(fmt.value(kpi, report.current.value))}</span>'
    reading = fmt.change_reading(report)
    if reading is None:
        # No value now or none to compare with: say so rather than invent a change.
        return f'<div class="cx-headline">{value}</div>'
    arrow = "→" if reading == "no change" else "↑" if report.change > 0 else "↓"
    tone = READING_TONES.get(reading, "gray")
    change = html.escape(fmt.change(kpi, report.change))
    return (
        f'<div class="cx-headline">{value} <span class="cx-change cx-{tone}">{arrow} {change}</span> '
        f'<span class="cx-reading">{reading}</span></div>'
    )
