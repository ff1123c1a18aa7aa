"""The KPI card: one bordered block per KPI, the same on the overview and on the KPI's own page."""

from __future__ import annotations

import html

import streamlit as st

from cxkpi.follow_up import FollowUp
from cxkpi.i18n import gettext, ngettext
from cxkpi.kpis import KpiReport
from cxkpi.status import Status
from ui import charts, data, follow_up_text, kpi_details
from ui import formatting as fmt

# Status and change use colour AND words/icons/arrows, so they read the same without colour vision;
# blue/orange rather than green/red because red-green is the common colour-vision deficiency
# (ui.formatting.STATUS_BADGES, READING_TONES).


def OWNER() -> str:  # noqa: N802 (a message, as a constant would be, in the session's language)
    return gettext("Owner:")


def DETAILS() -> str:  # noqa: N802
    return gettext("Details")


def kpi_card(report: KpiReport, details_page: tuple[str, dict[str, list[str]]] | None = None, presenting: bool = False,
             follow_up: FollowUp | None = None) -> None:
    """Draw the card; its container key gives the DOM class st-key-card-<id> for tests and styling.

    One HTML element and a link, on purpose: the browser's time to draw the overview grows with the
    number and kind of Streamlit elements. Nine cards of ~17 elements each (st.metric, badges,
    captions, a popover) took about a second to draw (bench/browser_timings.py). As one Markdown
    block each they took a fraction of it; as HTML (st.html), which the browser does not parse as
    Markdown first, the overview opened another 0.1-0.4 s sooner in A/B runs (docs/decisions.md).
    """
    draw(report.kpi.id, card_html(report, presenting, follow_up), details_page, presenting)


def draw(kpi_id: str, text: str, details_page: tuple[str, dict[str, list[str]]] | None = None,
         presenting: bool = False) -> None:
    """Draw a card whose HTML (card_html) is already written: the overview writes all nine before it
    draws anything, so the browser gets the cards at once instead of redrawing the page as each arrives."""
    with st.container(border=True, key=f"card-{kpi_id}", gap="small"):
        st.html(text)
        if details_page and not presenting:
            page_file, route = details_page  # ui.sidebar.kpi_page: a KPI's page file and the query naming it
            st.page_link(page_file, label=gettext("Trend and breakdown"), icon=":material/arrow_forward:",
                         query_params=route or None)


def card_html(report: KpiReport, presenting: bool = False, follow_up: FollowUp | None = None) -> str:
    """The card's text, compact: title, status (and the owner next, when off target: whom to ask is the
    first thing an executive needs), value, its change against the previous period, the sparkline and
    the owner, and under it the owner's latest note and the open actions (`follow_up`); the interval, the
    tests, the counts, the freshness and the definition open on click (an HTML <details>). Presenting (a
    meeting room's screen): no p-values, no details, no notes. Every text that comes from data or from
    people (titles, owner names, reasons, notes) is HTML-escaped, so it shows as typed."""
    kpi = report.kpi
    tone, icon_name = fmt.STATUS_BADGES[report.status]
    off_target = report.status == Status.OFF_TARGET
    note = fmt.matured_note(report)
    return (
        f'<div class="cx-card cx-status-{tone}">'
        f'<h5 class="cx-title">{html.escape(kpi.title)}</h5>'
        f'<p class="cx-status"><span class="cx-badge cx-{tone}">{fmt.icon(icon_name)} '
        f"{html.escape(fmt.status_words(report.status))}</span> "
        f"{html.escape(fmt.target_phrase(kpi))}</p>"
        f"{_owner_html(report) if off_target else ''}"
        f"{headline_html(report, p_values=not presenting)}"
        f"{_note_html(note)}"
        f"{charts.sparkline_html(report)}"
        f"{'' if off_target else _owner_html(report)}"
        f"{'' if presenting else follow_up_text.card_html(follow_up)}"
        f"{'' if presenting else _details_html(report)}"
        "</div>"
    )


def _note_html(note: str | None) -> str:
    return f'<p class="cx-note">{html.escape(note)}</p>' if note else ""


def _owner_html(report: KpiReport) -> str:
    """The owner's name (the role on hover and in the details): in orange with an icon, and placed above
    the value, when the KPI is off target."""
    # Names come from the Owners page, typed by people: shown as typed.
    name, role = html.escape(report.kpi.owner.name), html.escape(report.kpi.owner.role)
    if report.status == Status.OFF_TARGET:
        return (f'<p class="cx-owner cx-alert" title="{role}">{fmt.icon("person_alert")} '
                f"<strong>{html.escape(OWNER())} {name}</strong></p>")
    return f'<p class="cx-owner" title="{role}"><strong>{html.escape(OWNER())}</strong> {name}</p>'


def _details_html(report: KpiReport) -> str:
    """Details on demand: the interval, both tests, the counts, how long off target, the freshness and
    how the number is computed."""
    kpi = report.kpi
    lines = [*_statistics(report), html.escape(fmt.sample_line(report))]
    if report.current.details:  # the lines its registry entry names (details in metrics.toml)
        lines.extend(_detail_line(report, name) for name in kpi.details)
    lines.append(html.escape(f"{OWNER()} {kpi.owner}"))
    lines.append(html.escape(fmt.freshness(report.data_through, report.last_loaded_at)))
    return (
        f'<details class="cx-details"><summary>{html.escape(DETAILS())}</summary>'
        f'<p>{"<br>".join(lines)}</p>'
        f"<p>{html.escape(kpi.description)}</p>"
        f'<div class="cx-sql">{html.escape(data.definition_comment(kpi))}</div></details>'
    )


def _detail_line(report: KpiReport, name: str) -> str:
    """A named detail line; a column it reads that the KPI's SQL does not return is said, not a traceback."""
    try:
        return kpi_details.DETAIL_LINES[name](report.current.details)
    except KeyError as missing:
        return html.escape(f"The detail line {name} reads the column {missing}, which {report.kpi.query_path.name} "
                           "does not return: return it, or drop the line from details in metrics.toml.")


def _statistics(report: KpiReport) -> list[str]:
    """Why the number is too uncertain, its interval, both changes with their tests, and how long the
    KPI has missed its target (HTML, each text escaped as it is added)."""
    found, kpi = report.assessment, report.kpi
    if report.current.value is None:
        return []
    lines = []
    if report.standing.reason:
        lines.append(f"{fmt.icon('help')} {html.escape(f'{gettext(fmt.UNCERTAIN)}: {report.standing.reason}.')}")
    if found is not None and found.interval:
        lines.append(html.escape(gettext("95% interval {interval}", interval=fmt.interval(kpi, found.interval))))
    if found is not None:
        lines.append(html.escape(fmt.previous_phrase(report)))
        if not fmt.compares_with_last_year(report):
            lines.append(html.escape(fmt.last_year_phrase(report)))
    months = report.months_off_target
    if months and report.status != Status.ON_TARGET:
        lines.append(ngettext("Missed target {n} month in a row", "Missed target {n} months in a row", months)
                     + (gettext(" (all 12 shown)") if months >= 12 else ""))  # no text from outside
    return lines


def headline_html(report: KpiReport, p_values: bool = True) -> str:
    """The value, and its change against the previous period: a number, an arrow and words; coloured
    only when the change is real (its test says so), grey otherwise (cxkpi.status.read_change)."""
    kpi = report.kpi
    number, unit = fmt.value_and_unit(kpi, report.current.value)  # '131.2' large, 'per 1,000 orders' not
    unit_html = f'<span class="cx-unit"> {html.escape(unit)}</span>' if unit else ""
    value = f'<span class="cx-value">{html.escape(number)}{unit_html}</span>'
    if report.current.value is None:
        return f'<div class="cx-headline">{value}</div>'
    if report.change is None:  # nothing to compare with: say so, without a number
        return (f'<div class="cx-headline">{value} <span class="cx-reading">'
                f"{html.escape(fmt.previous_phrase(report))}</span></div>")
    reading = report.change_reading
    tone = fmt.READING_TONES.get(reading, "gray")
    arrow = "→" if fmt.shows_as_zero(report.change) else "↑" if report.change > 0 else "↓"
    words = fmt.reading_words(reading, report.period.previous(), report.vs_previous, p_values)
    return (
        f'<div class="cx-headline">{value} <span class="cx-change cx-{tone}">{arrow} '
        f"{html.escape(fmt.change(kpi, report.change))}</span> "
        f'<span class="cx-reading">{html.escape(words)}</span></div>'
    )
