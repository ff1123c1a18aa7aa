"""Alerts that respect noise: a KPI's owner is told when it goes off target, or when a real shift appears
(the card's test of the change says it is real, or a month of the control chart is outside its limits),
once per event, and not again until it changes.

What the alerts last saw of each KPI is kept per scope (the view they watch: a quick range such as
"last_quarter", or fixed dates, with the filters) in `alert_states`, one row per change of state:
- status: the KPI's status (cxkpi.status) when it is decided: on, near or off target. Too uncertain and
  no data say nothing either way, so they change nothing: a KPI that dips below the minimum sample
  and back is not alerted again. Off target after anything else is an event.
- shift: 'better' or 'worse' with the period it is in, or 'none'; a real shift in a period is one
  event, and the same shift seen again (the next run, the next load) is not another.
The state changes and the messages they queue (cxkpi.delivery) commit in one transaction, so an event
is never recorded without its message, nor queued twice.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from cxkpi import calendars, delivery, kpis
from cxkpi.access import utc_now
from cxkpi.assessment import baseline_period, control_chart
from cxkpi.delivery import Outgoing, SmtpSettings, Webhook
from cxkpi.i18n import active, gettext, ngettext, use
from cxkpi.kpis import Filters, KpiReport
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Settings
from cxkpi.status import ChangeReading, Status
from cxkpi.warehouse import writing
from ui import formatting as fmt

DECIDED = (Status.ON_TARGET, Status.NEAR_TARGET, Status.OFF_TARGET)


@dataclass(frozen=True)
class Shift:
    """A real change: 'better' or 'worse', and what says it is real: the test of the change against the
    previous period (as on the card), the months of the control chart outside its limits. Figures only:
    each reader's message words them (test(), chart()), so they are worked out once for every language."""

    direction: str
    tested: bool = False  # the test of the change against the previous period says it is real
    signals: tuple[tuple[pd.Timestamp, str], ...] = ()  # (the month's first day, 'better' or 'worse')

    def test(self, report: KpiReport) -> str:
        """'-27.4 pts vs Q1 2026 · worse (p = 0.03)', or '' when the test finds no real change."""
        return fmt.previous_phrase(report) if self.tested else ""

    def chart(self, report: KpiReport) -> str:
        """'control chart: Sep 2026 (worse) outside the limits from the 12 months before', or ''."""
        if not self.signals:
            return ""
        months = gettext(", ").join(
            f"{fmt.bucket(month, 'month', report.period.calendar)} ({fmt.reading_word(ChangeReading(way))})"
            for month, way in self.signals)
        return gettext("control chart: {months} outside the limits from the 12 months before", months=months)

    def evidence(self, report: KpiReport) -> tuple[str, ...]:
        return tuple(part for part in (self.test(report), self.chart(report)) if part)


@dataclass(frozen=True)
class Observation:
    report: KpiReport
    kind: str  # 'status' or 'shift'
    state: str  # 'off target', 'near target', 'on target'; 'worse 2026-07-01..2026-09-30', 'none'
    worth_telling: bool  # off target; a shift
    shift: Shift | None = None


@dataclass(frozen=True)
class Alert:
    observation: Observation
    message: Outgoing


def chart_signals(connection: duckdb.DuckDBPyConnection, report: KpiReport,
                  filters: Filters) -> list[tuple[pd.Timestamp, str]]:
    """The months of the report's period whose control chart (monthly, limits from the 12 months before,
    as on the KPI page) is outside its limits: (the month's first day, 'better' or 'worse')."""
    kpi, period = report.kpi, report.period
    before = baseline_period(period, "month")
    frame, baseline = kpis.run_kpi_views(connection, kpi, [kpis.View(period, "month", filters),
                                                           kpis.View(before, "month", filters)])
    horizon = report.maturity_horizon
    frame = frame[[not flag for flag in kpis.pending_buckets(kpi, frame, "month", period, horizon)]]
    baseline = baseline[[not flag for flag in kpis.pending_buckets(kpi, baseline, "month", before, horizon)]]
    chart = control_chart(kpi, frame, baseline)
    found = []
    for row in chart.frame[chart.frame["signal"]].to_dict("records"):
        level = row["value"] if pd.isna(row["ewma"]) else row["ewma"]
        higher = level > row["centre"]
        way = "better" if higher == (kpi.direction == "higher") else "worse"
        found.append((pd.Timestamp(row["bucket_start"]), way))
    return found


def shift_of(connection: duckdb.DuckDBPyConnection, report: KpiReport, filters: Filters) -> Shift | None:
    """The real shift in the report's period, if any: its change's test says it is real, or a month of
    its control chart is outside the limits. A change within noise is none."""
    if report.status in (Status.TOO_UNCERTAIN, Status.NO_DATA):
        return None
    tested = report.change_reading in (ChangeReading.BETTER, ChangeReading.WORSE)
    signals = tuple(chart_signals(connection, report, filters))
    if not tested and not signals:
        return None
    direction = report.change_reading.value if tested else signals[-1][1]
    return Shift(direction, tested, signals)


def observe(connection: duckdb.DuckDBPyConnection, kpi_list: Sequence[Kpi], period: Period, filters: Filters,
            settings: Settings) -> list[Observation]:
    """What each KPI's status and shift are now, in the view of `period` and `filters`."""
    observations = []
    for report in kpis.overview(connection, list(kpi_list), period, filters, settings, workers=1):
        if report.status in DECIDED:
            observations.append(Observation(report, "status", report.status.value,
                                            report.status == Status.OFF_TARGET))
        shift = shift_of(connection, report, filters)
        state = "none" if shift is None else f"{shift.direction} {report.period.start}..{report.period.end}"
        observations.append(Observation(report, "shift", state, shift is not None, shift))
    return observations


def last_states(connection: duckdb.DuckDBPyConnection, scope: str) -> dict[tuple[str, str], str]:
    """(KPI id, kind) -> the state the alerts last recorded in this scope."""
    rows = connection.execute(
        """select kpi_id, kind, state from alert_states where scope = $scope
           qualify row_number() over (partition by kpi_id, kind order by observed_at desc, rowid desc) = 1""",
        {"scope": scope},
    ).fetchall()
    return {(kpi_id, kind): state for kpi_id, kind, state in rows}


def changed(observations: Sequence[Observation], last: dict[tuple[str, str], str]) -> list[Observation]:
    """The observations whose state differs from the one last recorded (the first one always does)."""
    return [found for found in observations if last.get((found.report.kpi.id, found.kind)) != found.state]


def news(observations: Sequence[Observation], last: dict[tuple[str, str], str]) -> list[Observation]:
    """The events: a changed state worth telling (off target now, a shift now)."""
    return [found for found in changed(observations, last) if found.worth_telling]


def record(db_path: Path, scope: str, observations: Sequence[Observation],
           compose: Callable[[Observation, str], Outgoing], smtp: SmtpSettings | None,
           webhooks: Sequence[Webhook]) -> list[Alert]:
    """Record every changed state, and queue one message per event (`compose(observation, event_key)`:
    for_owner), in one transaction; returns the alerts queued. States another run recorded meanwhile are
    read again inside it, so an event is queued once."""
    moment = utc_now()
    alerts = []
    with writing(db_path) as connection:
        connection.begin()
        last = last_states(connection, scope)
        for found in changed(observations, last):
            period = found.report.period
            connection.execute(
                "insert into alert_states values ($at, $scope, $kpi_id, $kind, $state, $start, $end, $alerted)",
                {"at": moment, "scope": scope, "kpi_id": found.report.kpi.id, "kind": found.kind,
                 "state": found.state, "start": period.start, "end": period.end, "alerted": found.worth_telling},
            )
            if found.worth_telling:
                key = f"alert|{scope}|{found.report.kpi.id}|{found.kind}|{found.state}|{moment.isoformat()}"
                alerts.append(Alert(found, compose(found, key)))
        delivery.enqueue(connection, [alert.message for alert in alerts], smtp, webhooks)
        connection.commit()
    return alerts


def for_owner(found: Observation, event_key: str, settings: Settings, run_language: str,
              link_for: Callable[[str], str]) -> Outgoing:
    """The alert in its owner's language and calendar ([settings.owner_languages], by their email), else
    in the run's (`run_language`), with the link (`link_for(language)`) that opens the view in it. The
    event and its figures are the same in every language: a change of language never sends it twice."""
    language = settings.owner_language(found.report.kpi.owner) or run_language
    with use(language), calendars.use(settings.calendar_for(language)):
        return message(found, event_key, link_for(language))


def message(found: Observation, event_key: str, link: str) -> Outgoing:
    """The alert as the owner reads it, in the bound language: what happened, the numbers behind it, what
    to do, and the link."""
    kpi = found.report.kpi.in_language(active().language)
    report = replace(found.report, kpi=kpi)
    period = fmt.period(report.period)
    period_name = fmt.period_name(report.period)
    if found.kind == "status":
        subject = gettext("{kpi} is off target ({period})", kpi=kpi.title, period=period_name)
        lead = gettext("{kpi} is off target in {period}.", kpi=kpi.title, period=period)
    else:
        assert found.shift is not None
        way = fmt.reading_word(ChangeReading(found.shift.direction))
        subject = gettext("A real change in {kpi}: {direction} ({period})", kpi=kpi.title, direction=way,
                          period=period_name)
        lead = gettext("{kpi} changed for the {direction} in {period}, beyond noise.", kpi=kpi.title, direction=way,
                       period=period)
    lines = [
        gettext("Value: {value} ({count}), {target}: {status}.", value=fmt.value(kpi, report.current.value),
                count=fmt.count(kpi, report.current.n), target=fmt.target_phrase(kpi),
                status=fmt.status_reading(report).lower()),
        gettext("Change: {change}.", change=fmt.previous_phrase(report)),
    ]
    if found.shift is not None:
        lines += [gettext("Why it is real: {evidence}.", evidence=gettext("; ").join(found.shift.evidence(report)))]
    if missed := missed_months(report):
        lines.append(gettext("It has {missed}.", missed=missed))
    closing = gettext("You own this KPI ({owner}). Say what is behind it and what you are doing: add a note or an "
                      "action on its page. You are told once per event: not again until this changes.",
                      owner=kpi.owner)
    open_view = gettext("Open the view")
    text = "\n".join([lead, "", *lines, "", closing, "", f"{open_view}{gettext(': ')}{link}"]) + "\n"
    html_lines = "".join(f"<li>{_escape(line)}</li>" for line in lines)
    body_html = (f"<p><strong>{_escape(lead)}</strong></p><ul>{html_lines}</ul><p>{_escape(closing)}</p>"
                 f'<p><a href="{_escape(link)}">{_escape(open_view)}</a></p>')
    owner = gettext("owner: {name}", name=kpi.owner.name)
    payload = {"text": f"{subject}\n{lead}",
               "blocks": [{"type": "section",
                           "text": {"type": "mrkdwn", "text": f"*{_slack(subject)}*\n{_slack(lead)}"}},
                          {"type": "section", "text": {"type": "mrkdwn", "text": _slack("\n".join(lines))}},
                          {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|{_slack(open_view)}> · "
                                                            f"{_slack(owner)}"}]}]}
    return Outgoing(event_key, "alert", kpi.owner.name, kpi.owner.user_id, f"cxkpi: {subject}", text, body_html,
                    payload)


def missed_months(report: KpiReport) -> str:
    """'missed its target 3 months in a row' ('at least 12': the sparkline's 12), or '' when it has not."""
    months = report.months_off_target
    if not months or report.status == Status.ON_TARGET:
        return ""
    if months >= 12:
        return ngettext("missed its target at least {n} month in a row",
                        "missed its target at least {n} months in a row", months)
    return ngettext("missed its target {n} month in a row", "missed its target {n} months in a row", months)


def _escape(text: str) -> str:
    return html.escape(text)


def _slack(text: str) -> str:
    """Text as Slack's mrkdwn shows it as written: &, < and > escaped (Slack's own rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
