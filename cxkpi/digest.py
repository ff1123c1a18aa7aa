"""The weekly digest to each owner: their KPIs' status, the real changes, open and overdue actions and the
latest notes, with the link to the view and the slide of their KPIs attached; in HTML and plain text.

Built from the same reports as the overview (cxkpi.kpis), in the cards' words (ui.formatting, which has
no Streamlit), so the digest never says other than the app. One digest per owner (by their email, or
their name where metrics.toml gives no email) per week and view: its event key is the ISO week, the
period and the filters, so running `digest --send` twice in a week sends nothing twice.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from cxkpi import follow_up, kpis, notes
from cxkpi.alerts import Shift, missed_months, shift_of
from cxkpi.delivery import Outgoing
from cxkpi.follow_up import FollowUp
from cxkpi.kpis import Filters, KpiReport
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, Settings
from cxkpi.status import Status
from ui import formatting as fmt
from ui.follow_up_text import action_line, note_line

# Inline styles: mail clients drop <style>. The status colours are the app's (blue/violet/orange, with words).
TONES = {"blue": "#0054a3", "violet": "#583f84", "orange": "#b3410b", "gray": "#4b5563"}
MUTED = "#6b7280"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Item:
    """One KPI of an owner's digest."""

    report: KpiReport
    shift: Shift | None
    follow_up: FollowUp


@dataclass(frozen=True)
class Digest:
    owner: Owner
    items: tuple[Item, ...]
    recent_notes: tuple[notes.Note, ...]  # notes and replies on their KPIs written in the last week
    period: Period
    filters: Filters
    link: str
    data_through: datetime | None
    week: str  # '2026-W49'

    @property
    def off_target(self) -> list[Item]:
        return [item for item in self.items if item.report.status == Status.OFF_TARGET]

    @property
    def shifts(self) -> list[Item]:
        return [item for item in self.items if item.shift is not None]

    @property
    def subject(self) -> str:
        count = len(self.items)
        off = len(self.off_target)
        lead = (f"{off} of your {count} KPIs off target" if count > 1 else
                f"your KPI is {fmt.STATUS_WORDS[self.items[0].report.status].lower()}")
        if count > 1 and not off:
            lead = f"none of your {count} KPIs off target"
        return f"cxkpi weekly, {fmt.period_name(self.period)}: {lead}"

    @property
    def event_key(self) -> str:
        return (f"digest|{self.owner.user_id or self.owner.name}|{self.week}|{self.period.start}..{self.period.end}"
                f"|{self.filters.describe()}")

    @property
    def slide_name(self) -> str:
        from ui.exports import file_stem, period_stem

        return f"{file_stem(self.owner.name, period_stem(self.period))}.pdf"


def build(connection: duckdb.DuckDBPyConnection, kpi_list: Sequence[Kpi], period: Period, filters: Filters,
          settings: Settings, link: str, now: datetime, today: date | None = None) -> list[Digest]:
    """One digest per owner, in the registry's order of their first KPI."""
    today = today or now.date()
    reports = kpis.overview(connection, list(kpi_list), period, filters, settings, workers=1)
    follow_ups = follow_up.gather(connection, [kpi.id for kpi in kpi_list], period, today)
    recent = notes.written_since(connection, [kpi.id for kpi in kpi_list], now - WEEK)
    by_owner: dict[str, list[Item]] = {}
    owners: dict[str, Owner] = {}
    for report in reports:
        key = report.kpi.owner.user_id or report.kpi.owner.name
        owners.setdefault(key, report.kpi.owner)
        by_owner.setdefault(key, []).append(Item(report, shift_of(connection, report, filters),
                                                 follow_ups[report.kpi.id]))
    year, week, _ = today.isocalendar()
    through = [report.data_through for report in reports if report.data_through is not None]
    return [
        Digest(owners[key], tuple(items),
               tuple(note for note in recent if note.kpi_id in {item.report.kpi.id for item in items}),
               period, filters, link, min(through) if through else None, f"{year}-W{week:02d}")
        for key, items in by_owner.items()
    ]


def text(digest: Digest) -> str:
    """The plain-text part."""
    lines = [f"Hello {digest.owner.name},", "", *_intro(digest), ""]
    for item in digest.items:
        lines += [_heading(item), *(f"  {line}" for line in _item_lines(item)), ""]
    if digest.recent_notes:
        lines.append("Written this week on your KPIs:")
        lines += [f"  {_titled(digest, note)}" for note in digest.recent_notes]
        lines.append("")
    lines += [f"Open the view: {digest.link}",
              f"Attached: the slide of your KPIs ({digest.slide_name}).",
              "", "Sent by cxkpi every week to each KPI's owner. Numbers as on the overview; a change is called "
              "better or worse only when its test says it is real (p < 0.05)."]
    return "\n".join(lines) + "\n"


def html_body(digest: Digest) -> str:
    """The HTML part: the same content, each KPI a block with its status coloured (and named) as on its card."""
    intro = "".join(f"<p style=\"margin:0 0 6px 0\">{html.escape(line)}</p>" for line in _intro(digest))
    blocks = []
    for item in digest.items:
        report = item.report
        tone = TONES[fmt.STATUS_BADGES[report.status][0]]
        details = "".join(f"<li style=\"margin:2px 0\">{html.escape(line)}</li>" for line in _item_lines(item))
        blocks.append(
            f'<div style="border:1px solid #d1d5db;border-left:4px solid {tone};border-radius:8px;'
            f'padding:10px 14px;margin:0 0 12px 0">'
            f'<div style="font-size:16px;font-weight:600;color:#1f2937">{html.escape(report.kpi.title)} '
            f'<span style="color:{tone};font-size:14px">· {html.escape(fmt.STATUS_WORDS[report.status])}</span></div>'
            f'<ul style="margin:6px 0 0 0;padding-left:18px;color:#1f2937;font-size:14px">{details}</ul></div>'
        )
    recent = ""
    if digest.recent_notes:
        rows = "".join(f"<li>{html.escape(_titled(digest, note))}</li>" for note in digest.recent_notes)
        recent = f'<p style="margin:12px 0 4px 0"><strong>Written this week on your KPIs</strong></p><ul>{rows}</ul>'
    return (
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937;max-width:720px">'
        f"<p>Hello {html.escape(digest.owner.name)},</p>{intro}{''.join(blocks)}{recent}"
        f'<p><a href="{html.escape(digest.link)}" style="color:#1f4e79;font-weight:600">Open the view in cxkpi</a>'
        f" · the slide of your KPIs is attached ({html.escape(digest.slide_name)}).</p>"
        f'<p style="color:{MUTED};font-size:12px">Sent by cxkpi every week to each KPI\'s owner. Numbers as on the '
        "overview; a change is called better or worse only when its test says it is real (p &lt; 0.05).</p>"
        "</body></html>"
    )


def slide(digest: Digest, now: datetime) -> bytes:
    """The slide of the owner's KPIs (the overview's slide, their cards only), as the one-page 16:9 PDF: 43 KB
    where the PNG is 545 KB (sample data, two cards), and every message is kept in the warehouse's outbox."""
    from cxkpi import report as page_report
    from ui.exports import overview_page

    page = overview_page([item.report for item in digest.items], digest.period, digest.filters.describe(),
                         digest.link, f"{digest.owner.name}: your KPIs", now=now,
                         follow_ups={item.report.kpi.id: item.follow_up for item in digest.items})
    return page_report.overview_pdf(page)


def outgoing(digest: Digest, now: datetime) -> Outgoing:
    """The digest as a message to queue (cxkpi.delivery): email parts, the webhook's JSON, the slide."""
    plain = text(digest)
    payload = {"text": f"{digest.subject}\n{digest.link}",
               "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _slack(plain[:2900])}}]}
    return Outgoing(digest.event_key, "digest", digest.owner.name, digest.owner.user_id, digest.subject, plain,
                    html_body(digest), payload, digest.slide_name, slide(digest, now))


def _intro(digest: Digest) -> list[str]:
    count, off, shifts = len(digest.items), digest.off_target, digest.shifts
    kpis = fmt.plural(count, "{n} KPI", "{n} KPIs")
    scope = (f"Your {kpis} for {fmt.period(digest.period)}, compared with "
             f"{fmt.period_name(digest.period.previous())} · {digest.filters.describe()} · "
             f"data through {fmt.day(digest.data_through)}.")
    if off:
        attention = (f"Off target: {', '.join(item.report.kpi.title for item in off)} "
                     f"({len(off)} of {count}).")
    else:
        attention = "None is off target."
    if shifts:
        real = "Real changes: " + ", ".join(f"{item.report.kpi.title} ({item.shift.direction})" for item in shifts
                                            if item.shift) + "."
    else:
        real = "No real change: every movement is within noise."
    overdue = sum(len(item.follow_up.overdue) for item in digest.items)
    open_count = sum(len(item.follow_up.open_actions) for item in digest.items)
    actions = (f"Actions: {open_count:,} open, {overdue:,} overdue." if open_count else
               "No open actions." + (" Add one on an off-target KPI's page." if off else ""))
    return [scope, f"{attention} {real} {actions}"]


def _heading(item: Item) -> str:
    return f"{item.report.kpi.title.upper()}: {fmt.STATUS_WORDS[item.report.status]}"


def _item_lines(item: Item) -> list[str]:
    report, kpi = item.report, item.report.kpi
    value = f"{fmt.value(kpi, report.current.value)} ({fmt.count(kpi, report.current.n)}), target {fmt.target(kpi)}"
    lines = [value + (f"; {fmt.matured_note(report)}" if report.moved_from else "")]
    if report.standing.reason:
        lines.append(f"Too uncertain to act on: {report.standing.reason}.")
    if report.current.value is not None:
        lines.append(fmt.previous_phrase(report) + (": a real change" if item.shift and item.shift.test else ""))
    if item.shift is not None and item.shift.chart:
        lines.append(f"A real shift ({item.shift.direction}), not noise: {item.shift.chart}.")
    if missed := missed_months(report):
        lines.append(f"It has {missed}.")
    note = item.follow_up.latest_note
    lines.append(f"Latest note: {note_line(note)}" if note else "No note yet.")
    for action in item.follow_up.open_actions:
        lines.append(f"Action: {action_line(action, action.overdue(item.follow_up.today))}")
    return lines


def _titled(digest: Digest, note: notes.Note) -> str:
    title = next(item.report.kpi.title for item in digest.items if item.report.kpi.id == note.kpi_id)
    kind = "reply" if note.reply_to else "note"
    return f"{title}, {kind} by {note.author_name} ({fmt.timestamp(note.written_at)} UTC): {note.body}"


def _slack(text_: str) -> str:
    return text_.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
