"""The overview's body: the headline of what needs attention and whose it is, the cards in that order
(or the registry's, for those who want it fixed), and the exports."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence

import streamlit as st

from cxkpi.i18n import N_, gettext
from cxkpi.kpis import KpiReport, by_attention
from ui import cards, data, exports, sidebar, state
from ui import formatting as fmt

COLUMNS = 4
PRESENT_COLUMNS = 5  # presentation mode: nine cards in two rows fill one 16:9 screen
ORDER_KEY = "overview_order"
REFRESH_ENV = "CXKPI_PRESENT_REFRESH_SECONDS"
DEFAULT_REFRESH_SECONDS = 300
TITLE = N_("Customer experience KPIs")


def present_refresh_seconds() -> float:
    """How often presentation mode recomputes its numbers: $CXKPI_PRESENT_REFRESH_SECONDS, default 5 minutes.
    Only new data costs anything: the numbers are cached per version of the warehouse."""
    return float(os.environ.get(REFRESH_ENV) or DEFAULT_REFRESH_SECONDS)


def render(page: sidebar.PageContext) -> None:
    reports = data.overview(page.db_path, page.kpis, page.period, page.filters)
    ordered = reports if page.order == "registry" else by_attention(reports)
    follow_ups = data.follow_ups(page.db_path, page.kpis, page.period)  # owners' notes and actions
    # Everything written before the first element is drawn: the browser redraws the page for each batch
    # of elements that reaches it, so a pause between the title and the cards costs a redraw.
    card_texts = [cards.card_html(report, page.present, follow_ups.get(report.kpi.id)) for report in ordered]
    headline = attention_html(reports)
    stale = data.stale_sources(page.db_path)  # the rule: cxkpi/health.py
    st.title(gettext(TITLE))
    with st.container(horizontal=True, vertical_alignment="center", key="overview-controls", gap="small"):
        st.markdown(
            f"**{fmt.period(page.period)}** · {fmt.markdown_literal(fmt.filters(page.filters))} · "
            + gettext("compared with {period}", period=fmt.period_name(page.period.previous())), width="content",
        )
        if not page.present:  # presentation mode shows the numbers only
            st.space("stretch")
            # A button, not a toggle: a kind of element the page already draws costs the browser less
            # on a first visit than a new kind (docs/decisions.md).
            fixed = page.order == "registry"
            st.button(
                gettext("Order by attention") if fixed else gettext("Registry order"), key=ORDER_KEY, type="tertiary",
                icon=":material/sort:", on_click=state.update, kwargs={"order": "attention" if fixed else "registry"},
                help=gettext("The cards in metrics.toml's order, fixed") if not fixed else
                     gettext("Off target first, then near target, too uncertain and on target"),
            )
            exports.overview_downloads(ordered, page.period, fmt.filters(page.filters), page.link, gettext(TITLE),
                                       follow_ups)
    st.html(headline)
    for source in stale:
        st.warning(source.message(), icon=":material/schedule:")
    columns = PRESENT_COLUMNS if page.present else COLUMNS
    for first in range(0, len(ordered), columns):
        row = zip(st.columns(columns), ordered[first : first + columns], card_texts[first : first + columns],
                  strict=False)
        for column, report, text in row:
            with column:
                cards.draw(report.kpi.id, text, details_page=sidebar.kpi_page(report.kpi.id), presenting=page.present)


def attention_html(reports: Sequence[KpiReport]) -> str:
    """'4 of 9 off target: CSAT, Priya Raman; ... · 2 near target · 3 on target' (ui.formatting.attention),
    the count in orange when any KPI is off target; names escaped."""
    lead, off, rest = fmt.attention(reports)
    tone = "cx-orange" if off else "cx-blue"
    comma = html.escape(gettext(", "))
    named = html.escape(gettext("; ")).join(
        f"<strong>{html.escape(title)}</strong>{comma}{html.escape(owner)}" for title, owner in off)
    colon = html.escape(gettext(":")) if named else ""
    return (
        f'<p class="cx-attention"><span class="cx-attention-lead {tone}">{html.escape(lead)}{colon}</span>'
        f"{' ' + named if named else ''}"
        f"{_rest_html(rest)}</p>"
    )


def _rest_html(rest: str) -> str:
    return f' <span class="cx-attention-rest">· {html.escape(rest)}</span>' if rest else ""
