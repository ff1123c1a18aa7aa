"""Download buttons for slides and follow-up: each chart as PNG/SVG, each table as formula-safe CSV, and the
overview as one landscape PNG and a one-page PDF (drawn by cxkpi.report).

Files are made only when a button is clicked (Streamlit's deferred download data), so drawing a
page costs nothing extra; the click does not rerun the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from cxkpi import calendars, i18n
from cxkpi import report as page_report
from cxkpi.follow_up import FollowUp, actions_line, note_line
from cxkpi.kpis import KpiReport
from cxkpi.periods import Period
from cxkpi.status import Status
from ui import formatting as fmt

PNG, SVG, PDF, CSV = "image/png", "image/svg+xml", "application/pdf", "text/csv"


def file_stem(*parts: str) -> str:
    """'cxkpi-nps-trend-2026-04-01-to-2026-06-30': safe in every file system."""
    text = "-".join(part for part in ("cxkpi", *parts) if part)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")


def period_stem(period: Period) -> str:
    return f"{period.start.isoformat()}-to-{period.end.isoformat()}"


def chart_downloads(chart: alt.TopLevelMixin, name: str) -> None:
    """PNG and SVG buttons for a chart just drawn; `name` like 'nps-trend'. The file has a fixed width.

    The chart becomes a Vega-Lite spec only on a click: to_dict() takes ~0.2 s for a trend chart."""
    with st.container(horizontal=True, gap="small", key=f"export-{name}"):
        _button("PNG", lambda: page_report.chart_png(chart.to_dict()), f"{file_stem(name)}.png", PNG,
                f"export-{name}-png")
        _button("SVG", lambda: page_report.chart_svg(chart.to_dict()), f"{file_stem(name)}.svg", SVG,
                f"export-{name}-svg")


def table_downloads(frame: pd.DataFrame, name: str) -> None:
    """A CSV button for a table; text cells starting with = + - @ get a leading ' so spreadsheets never run them."""
    table = frame.copy()
    with st.container(horizontal=True, gap="small", key=f"export-{name}"):
        _button("CSV", lambda: page_report.safe_csv(table), f"{file_stem(name)}.csv", CSV, f"export-{name}-csv")


def overview_downloads(
    reports: Sequence[KpiReport], period: Period, filters_text: str, link: str, title: str,
    follow_ups: Mapping[str, FollowUp] | None = None,
) -> None:
    """The overview as a slide: one landscape PNG, and the same page as a one-page PDF."""
    stem = file_stem("overview", period_stem(period))
    # The files are made when downloaded, outside this script run: in this session's language and
    # calendar, bound here, and on the company's clock.
    from ui import data  # the app's cached settings; imported here so the digest (CLI) loads no st.cache_data

    translator, calendar = i18n.active(), calendars.reader()
    timezone = data.load_settings().timezone

    def png() -> bytes:
        with i18n.use(translator), calendars.use(calendar):
            return page_report.overview_png(overview_page(reports, period, filters_text, link, title,
                                                          follow_ups=follow_ups, timezone=timezone))

    def pdf() -> bytes:
        with i18n.use(translator), calendars.use(calendar):
            return page_report.overview_pdf(overview_page(reports, period, filters_text, link, title,
                                                          follow_ups=follow_ups, timezone=timezone))

    with st.container(horizontal=True, gap="small", key="export-overview", width="content"):
        _button(i18n.gettext("Slide (PNG)"), png, f"{stem}.png", PNG, "export-overview-png")
        _button(i18n.gettext("Page (PDF)"), pdf, f"{stem}.pdf", PDF, "export-overview-pdf")


def overview_page(
    reports: Sequence[KpiReport], period: Period, filters_text: str, link: str, title: str,
    now: datetime | None = None, follow_ups: Mapping[str, FollowUp] | None = None, timezone: str = "UTC",
) -> page_report.OverviewPage:
    """The page the slide and the PDF draw: the cards in the order given (the overview's), with the same
    status, change and words as the app's cards, each owner's latest note and open actions, and a marker
    on the sparkline at every month with a note (`follow_ups`, by KPI id). When it was exported is said
    on the company's clock (`timezone`, [settings] timezone), naming the zone."""
    follow_ups = follow_ups or {}
    now = now or datetime.now(UTC)
    through = [report.data_through for report in reports if report.data_through is not None]
    loaded = [report.last_loaded_at for report in reports if report.last_loaded_at is not None]
    return page_report.OverviewPage(
        title=title,
        period=i18n.gettext("{period}, compared with {previous}", period=fmt.period(period),
                            previous=fmt.period(period.previous())),
        filters=filters_text,
        summary=fmt.attention_text(reports),
        freshness=fmt.freshness(min(through) if through else None, max(loaded) if loaded else None),
        cards=[_card(report, follow_ups.get(report.kpi.id)) for report in reports],
        link=link,
        generated=i18n.gettext("Exported {moment}", moment=fmt.company_time(now, timezone)),
    )


def _card(report: KpiReport, follow_up: FollowUp | None = None) -> page_report.Card:
    kpi = report.kpi
    pending = set(report.pending_months())
    monthly = report.monthly()
    follow_up = follow_up or FollowUp()
    latest = follow_up.latest_note
    value, unit = fmt.value_and_unit(kpi, report.current.value)
    return page_report.Card(
        title=kpi.title,
        value=value,
        unit=unit,
        status=fmt.status_words(report.status),
        status_tone=fmt.STATUS_BADGES[report.status][0],
        target=fmt.target(kpi),
        change="" if report.current.value is None else fmt.previous_phrase(report),
        change_tone=fmt.READING_TONES.get(report.change_reading, "gray"),
        sample=fmt.sample_line(report),
        owner=str(kpi.owner),
        owner_first=report.status == Status.OFF_TARGET,
        note=fmt.matured_note(report) or "",
        freshness=fmt.freshness(report.data_through, report.last_loaded_at),
        sparkline=[value for _, value in monthly],
        pending=[month in pending for month, _ in monthly],
        target_value=float(kpi.target),
        latest_note="" if latest is None else i18n.gettext("Note {note}", note=note_line(latest)),
        actions=actions_line(follow_up),
        actions_overdue=bool(follow_up.overdue),
        noted=follow_up.noted_months(month for month, _ in monthly),
    )


def _button(label: str, make: Callable[[], bytes | str], file_name: str, mime: str, key: str) -> None:
    st.download_button(
        label, data=make, file_name=file_name, mime=mime, key=key, on_click="ignore", type="tertiary",
        icon=":material/download:", help=i18n.gettext("Download {file}", file=file_name),
    )
