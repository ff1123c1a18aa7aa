"""The weekly digest to each owner: their KPIs' status, the real changes, open and overdue actions and the
latest notes, with the link to the view and the slide of their KPIs attached; in HTML and plain text.

Built from the same reports as the overview (cxkpi.kpis), in the cards' words (ui.formatting, which has
no Streamlit), so the digest never says other than the app. One digest per owner (by their email, or
their name where metrics.toml gives no email) per week and view: its event key is the ISO week, the
period and the filters, so running `digest --send` twice in a week sends nothing twice.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import duckdb

from cxkpi import calendars, follow_up, kpis, notes, status
from cxkpi.alerts import Shift, missed_months, shift_of
from cxkpi.delivery import Outgoing
from cxkpi.follow_up import FollowUp, action_line, note_line
from cxkpi.i18n import N_, active, gettext, use
from cxkpi.kpis import Filters, KpiReport
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, Settings
from cxkpi.status import ChangeReading, Status
from ui import formatting as fmt

# Inline styles: mail clients drop <style>. The status colours are the app's (blue/violet/orange, with words).
TONES = {"blue": "#0054a3", "violet": "#583f84", "orange": "#b3410b", "gray": "#4b5563"}
MUTED = "#6b7280"
WEEK = timedelta(days=7)
SENT_BY = N_("Sent by cxkpi every week to each KPI's owner. Numbers as on the overview; a change is called better "
             "or worse only when its test says it is real (p < 0.05).")


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
    timezone: str = "UTC"  # the company's ([settings] timezone): the slide says when it was made on its clock

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
        tr = active()
        lead = (tr.gettext("{off} of your {count} KPIs off target", off=tr.integer(off), count=tr.integer(count))
                if count > 1 else
                tr.gettext("your KPI is {status}", status=fmt.status_reading(self.items[0].report).lower()))
        if count > 1 and not off:
            lead = tr.gettext("none of your {count} KPIs off target", count=tr.integer(count))
        return tr.gettext("cxkpi weekly, {period}: {lead}", period=fmt.period_name(self.period), lead=lead)

    @property
    def event_key(self) -> str:
        return (f"digest|{self.owner.user_id or self.owner.name}|{self.week}|{self.period.start}..{self.period.end}"
                f"|{self.filters.describe()}")

    @property
    def slide_name(self) -> str:
        from ui.exports import file_stem, period_stem

        return f"{file_stem(self.owner.name, period_stem(self.period))}.pdf"


def iso_week(day: date) -> str:
    """The week a digest is sent once in: '2026-W49'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def build(connection: duckdb.DuckDBPyConnection, kpi_list: Sequence[Kpi], period: Period, filters: Filters,
          settings: Settings, link: str, now: datetime) -> list[Digest]:
    """One digest per owner, in the registry's order of their first KPI; its week, and what is overdue,
    by the company's date at `now`."""
    today = settings.today(now)
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
    through = [report.data_through for report in reports if report.data_through is not None]
    return [
        Digest(owners[key], tuple(items),
               tuple(note for note in recent if note.kpi_id in {item.report.kpi.id for item in items}),
               period, filters, link, min(through) if through else None, iso_week(today), settings.timezone)
        for key, items in by_owner.items()
    ]


def text(digest: Digest) -> str:
    """The plain-text part."""
    lines = [gettext("Hello {name},", name=digest.owner.name), "", *_intro(digest), ""]
    for item in digest.items:
        lines += [_heading(item), *(f"  {line}" for line in _item_lines(item)), ""]
    if digest.recent_notes:
        lines.append(gettext("Written this week on your KPIs:"))
        lines += [f"  {_titled(digest, note)}" for note in digest.recent_notes]
        lines.append("")
    lines += [gettext("Open the view: {link}", link=digest.link),
              gettext("Attached: the slide of your KPIs ({file}).", file=digest.slide_name),
              "", gettext(SENT_BY)]
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
            f'<span style="color:{tone};font-size:14px">· {html.escape(fmt.status_reading(report))}</span></div>'
            f'<ul style="margin:6px 0 0 0;padding-left:18px;color:#1f2937;font-size:14px">{details}</ul></div>'
        )
    recent = ""
    if digest.recent_notes:
        rows = "".join(f"<li>{html.escape(_titled(digest, note))}</li>" for note in digest.recent_notes)
        written = html.escape(gettext("Written this week on your KPIs"))
        recent = f'<p style="margin:12px 0 4px 0"><strong>{written}</strong></p><ul>{rows}</ul>'
    tr = active()
    hello = html.escape(tr.gettext("Hello {name},", name=digest.owner.name))
    open_view = html.escape(tr.gettext("Open the view in cxkpi"))
    attached = html.escape(tr.gettext("the slide of your KPIs is attached ({file}).", file=digest.slide_name))
    return (
        f'<!doctype html><html lang="{tr.language}" dir="{tr.direction}"><body style="font-family:'
        f'{"Vazirmatn,Tahoma," if tr.right_to_left else ""}Arial,Helvetica,sans-serif;color:#1f2937;max-width:720px">'
        f"<p>{hello}</p>{intro}{''.join(blocks)}{recent}"
        f'<p><a href="{html.escape(digest.link)}" style="color:#1f4e79;font-weight:600">{open_view}</a>'
        f" · {attached}</p>"
        f'<p style="color:{MUTED};font-size:12px">{html.escape(tr.gettext(SENT_BY))}</p>'
        "</body></html>"
    )


def slide(digest: Digest, now: datetime) -> bytes:
    """The slide of the owner's KPIs (the overview's slide, their cards only), as the one-page 16:9 PDF: 43 KB
    where the PNG is 545 KB (sample data, two cards), and every message is kept in the warehouse's outbox."""
    from cxkpi import report as page_report
    from ui.exports import overview_page

    page = overview_page([item.report for item in digest.items], digest.period, fmt.filters(digest.filters),
                         digest.link, gettext("{name}: your KPIs", name=digest.owner.name), now=now,
                         follow_ups={item.report.kpi.id: item.follow_up for item in digest.items},
                         timezone=digest.timezone)
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
    tr = active()
    comma = tr.gettext(", ")
    scope = tr.ngettext("Your {n} KPI for {period}, compared with {previous} · {filters} · data through {day}.",
                        "Your {n} KPIs for {period}, compared with {previous} · {filters} · data through {day}.",
                        count, period=fmt.period(digest.period), previous=fmt.period_name(digest.period.previous()),
                        filters=fmt.filters(digest.filters), day=fmt.day(digest.data_through))
    if off:
        attention = tr.gettext("Off target: {kpis} ({off} of {count}).", kpis=comma.join(
            item.report.kpi.title for item in off), off=tr.integer(len(off)), count=tr.integer(count))
    else:
        attention = tr.gettext("None is off target.")
    if shifts:
        real = tr.gettext("Real changes: {kpis}.", kpis=comma.join(
            f"{item.report.kpi.title} ({fmt.reading_word(ChangeReading(item.shift.direction))})"
            for item in shifts if item.shift))
    else:
        real = tr.gettext("No real change: every movement is within noise.")
    overdue = sum(len(item.follow_up.overdue) for item in digest.items)
    open_count = sum(len(item.follow_up.open_actions) for item in digest.items)
    actions = (tr.gettext("Actions: {open} open, {overdue} overdue.", open=tr.integer(open_count),
                          overdue=tr.integer(overdue)) if open_count else
               tr.gettext("No open actions.")
               + (" " + tr.gettext("Add one on an off-target KPI's page.") if off else ""))
    return [scope, f"{attention} {real} {actions}"]


def _heading(item: Item) -> str:
    return f"{item.report.kpi.title.upper()}{gettext(': ')}{fmt.status_reading(item.report)}"


def _item_lines(item: Item) -> list[str]:
    report, kpi = item.report, item.report.kpi
    value = gettext("{value} ({count}), {target}", value=fmt.value(kpi, report.current.value),
                    count=fmt.count(kpi, report.current.n), target=fmt.target_phrase(kpi))
    lines = [value + (gettext("; ") + (fmt.matured_note(report) or "") if report.moved_from else "")]
    if report.standing.reason:
        lines.append(gettext("Too uncertain to act on: {reason}.", reason=report.standing.reason))
    if report.current.value is not None:
        lines.append(fmt.previous_phrase(report) + (gettext(": a real change") if item.shift and item.shift.tested
                                                    else ""))
    if item.shift is not None and item.shift.signals:
        lines.append(gettext("A real shift ({direction}), not noise: {months}.", months=item.shift.chart(report),
                             direction=fmt.reading_word(ChangeReading(item.shift.direction))))
    if missed := missed_months(report):
        lines.append(gettext("It has {missed}.", missed=missed))
    note = item.follow_up.latest_note
    lines.append(gettext("Latest note: {note}", note=note_line(note)) if note else gettext("No note yet."))
    for action in item.follow_up.open_actions:
        lines.append(gettext("Action: {action}", action=action_line(action, action.overdue(item.follow_up.today))))
    return lines


def _titled(digest: Digest, note: notes.Note) -> str:
    title = next(item.report.kpi.title for item in digest.items if item.report.kpi.id == note.kpi_id)
    said = gettext("{title}, reply by {author} ({moment}): {body}") if note.reply_to else \
        gettext("{title}, note by {author} ({moment}): {body}")
    # When it was written, on the company's clock, naming it (notes keep UTC).
    return said.format(title=title, author=note.author_name, moment=fmt.company_time(note.written_at, digest.timezone),
                       body=note.body)


def _slack(text_: str) -> str:
    return text_.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def per_recipient(connection: duckdb.DuckDBPyConnection, kpi_list: Sequence[Kpi], period: Period,
                  filters: Filters, settings: Settings, run_language: str, link_for: Callable[[str], str],
                  now: datetime) -> list[Outgoing]:
    """Each owner's digest as a message in their own language and calendar: [settings.owner_languages]
    names it by their email, else the run's (`run_language`: --lang, else [settings] language). The
    period and filters are the run's for everyone; the words, numbers, dates ("data through", a note's
    day, an action's due date) and the link (`link_for(language)`) are the reader's. In the registry's
    order of each owner's first KPI, as build() gives them."""
    # The figures once (the KPIs' queries, their tests and control charts), then each digest in its words.
    messages = []
    for found in build(connection, kpi_list, period, filters, settings, "", now):
        language = settings.owner_language(found.owner) or run_language
        with use(language), calendars.use(settings.calendar_for(language)):
            messages.append(outgoing(worded(found, language, settings, link_for(language)), now))
    return messages


def worded(found: Digest, language: str, settings: Settings, link: str) -> Digest:
    """The digest for a reader of `language` (bound with use()): its KPIs' words (title, unit) and why a
    number is too uncertain to act on in that language, and the link that opens the view in it; its
    figures as they were."""
    items = []
    for item in found.items:
        kpi = item.report.kpi.in_language(language)
        report = replace(item.report, kpi=kpi, standing=status.decide(kpi, item.report.current, settings))
        items.append(replace(item, report=report))
    return replace(found, items=tuple(items), link=link)
