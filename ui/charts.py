"""Altair charts: the card sparkline, the trend with its target line, and the breakdown bars."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from cxkpi import i18n
from cxkpi import report as page_report
from cxkpi.assessment import ControlChart
from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar
from cxkpi.follow_up import note_line
from cxkpi.i18n import DEFAULT_LANGUAGE, N_, active, gettext, ngettext
from cxkpi.kpis import KpiReport, sample_columns
from cxkpi.notes import Note
from cxkpi.periods import Period, bucket_of
from cxkpi.registry import Kpi
from cxkpi.stats import Interval
from cxkpi.status import ChangeReading, Status
from ui import exports
from ui import formatting as fmt

LINE = "#1f4e79"  # the theme's primary colour
TARGET = "#6b7280"
LIMIT = "#9ca3af"
EWMA = "#56B4E9"  # Okabe-Ito sky blue
NOTE = "#CC79A7"  # Okabe-Ito reddish purple: the owner's notes, apart from the data's blue and the signals' orange
# Okabe-Ito vermillion: told apart from the blue line with every common colour-vision deficiency.
SIGNAL = page_report.TONE_COLOURS["orange"]
BUCKETS = {"week": (N_("Week starting"), "%-d %b"), "month": (N_("Month"), "%b %Y")}
# A bucket's point on the control chart, in its tooltip.
NOISE, SHIFT = N_("within the limits: noise"), N_("outside the control limits: a real shift")
PENDING = "\N{HOURGLASS}"  # a month still maturing, in the sparkline's description (its words are the card's note)


def _labelled(frame: pd.DataFrame, kpi: Kpi, grain: str = "month",
              calendar: Calendar = GREGORIAN_CALENDAR) -> pd.DataFrame:
    """Keep rows with a value and add text columns for tooltips (Altair cannot call our formatters)."""
    frame = frame.dropna(subset=["value"]).copy()
    frame["shown"] = [fmt.value(kpi, number) for number in frame["value"]]
    frame["status_words"] = [fmt.status_words(Status(status)) for status in frame["status"]]
    frame["count"] = [active().integer(int(n)) for n in frame["n"]]
    if "bucket_start" in frame:
        frame["bucket_start"] = pd.to_datetime(frame["bucket_start"])
        frame["bucket"] = [fmt.bucket(stamp, grain, calendar) for stamp in frame["bucket_start"]]
    return frame


def _bucket_labels(frame: pd.DataFrame, calendar: Calendar = GREGORIAN_CALENDAR) -> dict[str, str]:
    """Outside English or the Gregorian calendar, the axis says each bucket as the tooltips do (Vega's own
    date format writes English Gregorian month names and ASCII digits): a label looked up by the tick's date."""
    if active().language == DEFAULT_LANGUAGE and calendar.system == GREGORIAN_CALENDAR.system:
        return {}
    labels = {f"{stamp:%Y-%m-%d}": shown for stamp, shown in zip(frame["bucket_start"], frame["bucket"], strict=True)}
    return {"labelExpr": f"{json.dumps(labels, ensure_ascii=False)}[timeFormat(datum.value, '%Y-%m-%d')] || ''",
            "labelFlush": True}


def _number_axis() -> alt.Axis | alt.UndefinedType:
    """A value axis whose numbers are in the session's digits and decimal sign (Vega writes ASCII ones)."""
    translator = active()
    native = i18n.NATIVE_DIGITS.get(translator.locale.default_numbering_system)
    if not native:
        return alt.Undefined
    expression = "format(datum.value, ',')"
    for ascii_character, local in (*zip("0123456789", native, strict=True), (".", translator.number(0.5)[1]),
                                   (",", translator.number(1000, 0)[1])):
        expression = f"replace({expression}, /{re.escape(ascii_character)}/g, '{local}')"
    return alt.Axis(labelExpr=expression)


def localized(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A chart drawn in the session's script: Vazirmatn for a right-to-left language (the page serves it)."""
    return chart.configure(font=page_report.RTL_FONT) if active().right_to_left else chart


def _datetime(stamp: pd.Timestamp) -> alt.DateTime:
    return alt.DateTime(year=stamp.year, month=stamp.month, date=stamp.day)


def _target_line(kpi: Kpi, channel: str = "y") -> alt.Chart:
    """A dashed line at the target. alt.datum rather than a one-row data frame: layering a second
    data set made Vega-Lite draw some charts 0 px high and merged the axis titles."""
    encoding = {channel: alt.datum(kpi.target)}
    return alt.Chart().mark_rule(color=TARGET, strokeDash=[4, 4], strokeWidth=1.5).encode(**encoding)


def sparkline_html(report: KpiReport) -> str:
    """Monthly values over the trailing 12 months, target dashed, no axes: shape at a glance. Months
    still maturing are pending: no point, a grey band, and 'pending' in the description.

    An SVG picture rather than a Vega chart: nine Vega views on the overview cost the browser about
    half a second to draw (bench/browser_timings.py), and a sparkline needs no interaction. An <img>
    of the SVG, because the card is st.html, which keeps no inline SVG. Each month's value is in the
    image's alt text and title, which screen readers read out and browsers show on hover. Plain Python
    over the twelve rows: a pandas pipeline per card cost the overview 60 ms on every rerun.
    """
    kpi = report.kpi
    pending = set(report.pending_months())
    tr = active()
    calendar = (report.moved_from or report.period).calendar
    months = [(fmt.bucket(month, "month", calendar), value,
               PENDING if month in pending else tr.gettext("no data") if value is None else fmt.value(kpi, value))
              for month, value in report.monthly()]
    if all(value is None for _, value, _ in months):
        return f"<p>{html.escape(tr.gettext(page_report.NO_MONTHLY_DATA))}</p>"
    return sparkline_image(kpi, months)


def sparkline_image(kpi: Kpi, months: list[tuple[str, float | None, str]]) -> str:
    """The sparkline as an <img> of sparkline_svg, its months in its alt text and title."""
    picture = base64.b64encode(sparkline_svg(kpi, months).encode("utf-8")).decode("ascii")
    described = "; ".join(f"{month}: {shown}" for month, _, shown in months)
    described = html.escape(gettext("{title}, monthly: {months}. Target {target}.", title=kpi.title,
                                    months=described, target=fmt.target(kpi)))
    return (
        '<div class="cxkpi-sparkline">'
        f'<img src="data:image/svg+xml;base64,{picture}" alt="{described}" title="{described}"></div>'
    )


def sparkline_svg(kpi: Kpi, months: list[tuple[str, float | None, str]], width: int = 240, height: int = 40) -> str:
    """The sparkline as an SVG document, from (month label, value or None, value as shown) in time order.
    Each month has its place; a month without data breaks the line, as on the exported slide; a
    pending month (shown 'pending') gets a grey band instead of a point."""
    pad = 4
    inner = width - 2 * pad
    lines, target_y = page_report.sparkline_geometry(
        [value for _, value, _ in months], kpi.target, pad, pad, inner, height - 2 * pad
    )
    step = inner / max(len(months) - 1, 1)
    bands = "".join(
        f'<rect x="{max(0.0, pad + step * (index - 0.5)):.1f}" y="0" width="{step:.1f}" height="{height}" '
        f'fill="{LIMIT}" fill-opacity="0.25"/>'
        for index, (_, _, shown) in enumerate(months) if shown == PENDING
    )
    polylines = "".join(
        f'<polyline points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in line)}" fill="none" stroke="{LINE}" '
        f'stroke-width="2" vector-effect="non-scaling-stroke"/>'
        for line in lines
    )
    dots = "".join(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2" fill="{LINE}"/>' for line in lines for px, py in line)
    # No <title> or role: inside an <img> nobody sees them; the image's alt text says it.
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">{bands}'
        f'<line x1="0" x2="{width}" y1="{target_y:.1f}" y2="{target_y:.1f}" stroke="{TARGET}" '
        f'stroke-dasharray="4 4" stroke-width="1.2"/>{polylines}{dots}</svg>'
    )


def trend(chart: ControlChart, kpi: Kpi, grain: str, pending: list[str], comparison: str | None,
          notes: Sequence[Note], period: Period) -> None:
    """The series with each bucket's 95 % interval (shaded), its control limits (dotted), the EWMA for
    NPS, medians and differences (dashed), the target (a step where it changed: each bucket against the
    target in force on its last day) and a marker at each owner's note (on its bucket; the note on
    hover); points that signal are orange and named below, with what the limits come from, the buckets
    still pending, and how the verdict squares with the card's test (`comparison`)."""
    calendar = period.calendar
    frame = _labelled(chart.frame.drop(columns=sample_columns(chart.frame)), kpi, grain, calendar)
    frame, unplaced = _with_notes(frame, notes, grain, period)
    if frame.empty:
        st.info(gettext("No data for this period and these filters.")
                + (gettext(" Pending: {months}.", months=", ".join(pending)) if pending else ""),
                icon=":material/info:")
        return
    frame["interval"] = [
        gettext("not enough data") if pd.isna(low) else fmt.interval(kpi, Interval(low, high))
        for low, high in zip(frame["interval_low"], frame["interval_high"], strict=True)
    ]
    frame["reading"] = [gettext(SHIFT) if flag else gettext(NOISE)
                        for flag in frame["signal"]]
    title, date_format = BUCKETS.get(grain, (grain, "%-d %b %Y"))
    title = gettext(title)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "bucket_start:T", title=title,
            # Ticks exactly on the buckets: Vega's own week ticks fall on Sundays, our weeks start on the
            # calendar's first day.
            axis=alt.Axis(format=date_format, values=[_datetime(stamp) for stamp in frame["bucket_start"]],
                          **_bucket_labels(frame, calendar)),
        ),
        tooltip=[
            alt.Tooltip("bucket:N", title=title),
            alt.Tooltip("shown:N", title=kpi.title),
            alt.Tooltip("status_words:N", title=gettext("Status")),
            alt.Tooltip("count:N", title="n"),
            alt.Tooltip("interval:N", title=gettext("95% interval")),
            alt.Tooltip("reading:N", title=gettext("Control chart")),
        ],
    )
    y_title = f"{kpi.title} ({fmt.unit_symbol(kpi)})"
    layers = [
        base.mark_area(color=LINE, opacity=0.12).encode(
            y=alt.Y("interval_low:Q", title=y_title, scale=alt.Scale(zero=False), axis=_number_axis()),
            y2="interval_high:Q"
        ),
        base.mark_line(color=LIMIT, strokeDash=[2, 3], interpolate="step-after").encode(y="limit_low:Q"),
        base.mark_line(color=LIMIT, strokeDash=[2, 3], interpolate="step-after").encode(y="limit_high:Q"),
        base.mark_line(color=LINE, strokeWidth=2.5).encode(y="value:Q"),
    ]
    if frame["ewma"].notna().any():
        layers.append(base.mark_line(color=EWMA, strokeDash=[6, 3], strokeWidth=1.5).encode(y="ewma:Q"))
    targets = frame["target"] if "target" in frame else pd.Series([kpi.target] * len(frame))
    shown_kpi = replace(kpi, target=float(targets.iloc[-1]))  # the label: the target of the last bucket
    if targets.nunique() > 1:  # changed within the period: a step, each bucket against its own target
        layers.append(base.mark_line(color=TARGET, strokeDash=[4, 4], strokeWidth=1.5, interpolate="step-after")
                      .encode(y="target:Q"))
    if frame["note_count"].gt(0).any():
        # Same data as the series, filtered: a layer with a data set of its own made Vega-Lite merge axis titles.
        noted = base.transform_filter("datum.note_count > 0").encode(
            tooltip=[alt.Tooltip("bucket:N", title=title), alt.Tooltip("note_text:N", title=gettext("Owner's notes"))])
        layers.append(noted.mark_rule(color=NOTE, strokeWidth=1.5, opacity=0.7))
        layers.append(noted.mark_point(shape="triangle-down", filled=True, size=160, color=NOTE, opacity=1)
                      .encode(y=alt.value(6)))
    layers.append(
        base.mark_circle(size=80, opacity=1).encode(
            y="value:Q",
            color=alt.Color("reading:N", legend=None, scale=alt.Scale(
                domain=[gettext(NOISE), gettext(SHIFT)],
                range=[LINE, SIGNAL])),
        )
    )
    label = (
        alt.Chart()
        .mark_text(align="right", baseline="bottom", dy=-3, color=TARGET)
        .encode(y=alt.datum(shown_kpi.target), x=alt.value(alt.expr("width")),
                text=alt.datum(gettext("Target {target}", target=fmt.target(shown_kpi))))
    )
    rule = [] if targets.nunique() > 1 else [_target_line(shown_kpi)]
    st.altair_chart(drawn := localized(alt.layer(*layers, *rule, label).properties(height=300)), width="stretch")
    exports.chart_downloads(drawn, f"{kpi.id}-trend-{grain}")
    st.caption(_trend_legend(kpi, chart, frame, grain, pending, comparison, unplaced))


def _with_notes(
    frame: pd.DataFrame, notes: Sequence[Note], grain: str, period: Period
) -> tuple[pd.DataFrame, list[Note]]:
    """The trend with, per bucket, how many of the owner's notes are dated in it (cxkpi.periods.bucket_of)
    and their text; and the notes whose bucket is not drawn (no data, or pending), which the caption
    names instead."""
    frame = frame.assign(note_count=0, note_text="")
    if not notes or frame.empty:
        return frame, list(notes)
    rows = {pd.Timestamp(stamp): index for index, stamp in zip(frame.index, frame["bucket_start"], strict=True)}
    unplaced = []
    for note in notes:
        start = bucket_of(note.noted_on, period, grain)
        index = None if start is None else rows.get(pd.Timestamp(start))
        if index is None:
            unplaced.append(note)
            continue
        frame.loc[index, "note_count"] += 1
        text = frame.loc[index, "note_text"]
        frame.loc[index, "note_text"] = f"{text} | {note_line(note)}" if text else note_line(note)
    return frame, unplaced


def _trend_legend(
    kpi: Kpi, chart: ControlChart, frame: pd.DataFrame, grain: str, pending: list[str], comparison: str | None,
    unplaced: Sequence[Note] = (),
) -> str:
    ewma = N_("dotted: EWMA control limits (λ = 0.3); dashed: the EWMA")
    kind = {
        "proportion": N_("dotted: p-chart limits, the usual share ± 3σ for each bucket's n"),
        "rate": N_("dotted: u-chart limits, the usual rate ± 3σ for each bucket's n"),
        "nps": ewma, "median": ewma, "difference": ewma,
    }.get(kpi.statistic)
    kind = gettext(kind) if kind else None
    stepped = "target" in frame and frame["target"].nunique() > 1
    target = gettext("grey dashes: the target, a step where it changed") if stepped else \
        gettext("grey dashes: the target")
    parts = [gettext("Shaded: each bucket's 95% interval")] + ([kind] if kind else []) + [target]
    if frame["note_count"].gt(0).any():
        parts.append(gettext("purple markers: the owner's notes (hover for the text)"))
    if kind:
        weekly = grain == "week"
        if chart.baseline_buckets:
            parts.append(ngettext("limits from the {n} week before the period",
                                  "limits from the {n} weeks before the period", chart.baseline_buckets) if weekly
                         else ngettext("limits from the {n} month before the period",
                                       "limits from the {n} months before the period", chart.baseline_buckets))
        else:
            parts.append(gettext("limits from the weeks shown: the data has no earlier history") if weekly else
                         gettext("limits from the months shown: the data has no earlier history"))
    signals = [bucket for bucket, flag in zip(frame["bucket"], frame["signal"], strict=True) if flag]
    comma = gettext(", ")
    if signals:
        parts.append("**" + gettext("orange: outside the limits, a real shift, not noise ({buckets})",
                                    buckets=comma.join(signals)) + "**")
    elif kind:
        parts.append(gettext("no point is outside the limits: the movement is within noise"))
    if pending:
        parts.append(ngettext("pending, left out: {months} (their {n} day has not passed)",
                              "pending, left out: {months} (their {n} days have not passed)", kpi.maturity_days,
                              months=comma.join(pending)))
    if unplaced:
        parts.append(gettext("notes on buckets not drawn: {notes}", notes=gettext("; ").join(
            fmt.markdown_literal(note_line(note)) for note in unplaced)))
    text = " · ".join(parts) + "."
    return f"{text}\n\n{comparison}" if comparison else text


def verdicts_compared(signals: bool, reading: ChangeReading, against: str) -> str | None:
    """How the chart's verdict squares with the card's test of the change against `against` (a period's
    name), or None when there is nothing to square (no test, too uncertain)."""
    real = reading in (ChangeReading.BETTER, ChangeReading.WORSE)
    if reading not in (ChangeReading.BETTER, ChangeReading.WORSE, ChangeReading.NO_REAL_CHANGE):
        return None
    if real and signals:
        return gettext("The card's test agrees: the change against {period} is real.", period=against)
    if not real and not signals:
        return gettext("The card's test agrees: the change against {period} is within noise.", period=against)
    if real:
        return gettext("The card's test finds a real change against {period}, while no bucket leaves the limits: "
                       "the test pools every record of both periods, so it sees a smaller shift than one bucket can "
                       "show against the usual month-to-month spread.", period=against)
    return gettext("A bucket leaves the limits, while the card's test finds no real change against {period}: the "
                   "shift is in that bucket, or the previous period had it too.", period=against)


def breakdown(frame: pd.DataFrame, kpi: Kpi, dimension: str) -> None:
    """One bar per slice, coloured and labelled by its status (cxkpi.status: a slice of a few records is
    too uncertain, grey), best first."""
    frame = _labelled(frame, kpi)
    if frame.empty:
        st.info(gettext("No data for this period and these filters."), icon=":material/info:")
        return
    # An explicit order: a sort by field was dropped once the chart had layers.
    best_first = frame.sort_values("value", ascending=kpi.direction != "higher")["slice"].tolist()
    base = alt.Chart(frame).encode(
        y=alt.Y("slice:N", title=None, sort=best_first),
        x=alt.X("value:Q", title=f"{kpi.title} ({fmt.unit_symbol(kpi)})", axis=_number_axis()),
        tooltip=[
            alt.Tooltip("slice:N", title=gettext(fmt.DIMENSION_WORDS[dimension])),
            alt.Tooltip("shown:N", title=kpi.title),
            alt.Tooltip("count:N", title="n"),
            alt.Tooltip("status_words:N", title=gettext("Status")),
        ],
    )
    # No legend: in Streamlit 1.67 a colour legend squeezed the bars into a fraction of the height
    # (and a top/bottom one collapsed them). The caption and the table's Status column say it in words.
    statuses = [fmt.status_words(status) for status in fmt.STATUS_WORDS]
    bars = base.mark_bar().encode(
        color=alt.Color("status_words:N", legend=None, scale=alt.Scale(
            domain=statuses, range=[page_report.TONE_COLOURS.get(fmt.STATUS_BADGES[status][0], page_report.MUTED)
                                    for status in fmt.STATUS_WORDS]))
    )
    labels = base.mark_text(align="left", dx=4, color="#1f2937").encode(text="shown:N")
    # Streamlit sizes the whole chart (axes included) to this height, so leave room for the x axis.
    height = 90 + 36 * len(frame)
    st.altair_chart(chart := localized((bars + labels + _target_line(kpi, "x")).properties(height=height)),
                    width="stretch")
    exports.chart_downloads(chart, f"{kpi.id}-by-{dimension}")
    st.caption(gettext("Bars by status against the target ({target}, dashed line): blue on target, violet near it, "
                       "orange off it, grey too uncertain to act on (too few records).", target=fmt.target(kpi)))
