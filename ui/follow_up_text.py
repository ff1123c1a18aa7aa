"""How owners' notes and actions read, in the words every surface uses (the card, the KPI page, the
Owners page, the slide and PDF, the digest): plain text and the card's HTML. No Streamlit here."""

from __future__ import annotations

import html

from cxkpi.actions import Action
from cxkpi.follow_up import FollowUp
from cxkpi.i18n import N_, active, gettext
from cxkpi.notes import Note
from ui import formatting as fmt

CARD_NOTE_CHARACTERS = 160  # of the latest note on the card (CSS cuts it to two lines); all on hover and the KPI page


def note_line(note: Note) -> str:
    """'15 Jun 2026, Amara Okafor: Q2 dip: survey vendor change'."""
    return f"{fmt.day(note.noted_on)}{gettext(', ')}{note.author_name}{gettext(': ')}{note.body}"


def actions_line(follow_up: FollowUp) -> str:
    """'2 open actions, 1 overdue' or '' when none is open."""
    if not follow_up.open_actions:
        return ""
    overdue = len(follow_up.overdue)
    return fmt.plural(len(follow_up.open_actions), "{n} open action", "{n} open actions") + (
        gettext(", {n} overdue", n=active().integer(overdue)) if overdue else "")


def action_line(action: Action, today_overdue: bool) -> str:
    """'Retrain the night shift on triage: Lukas Brenner, due 15 Jan 2027 (in progress, OVERDUE)'."""
    state = action_status(action.status) + (gettext(", overdue") if today_overdue else "")
    return gettext("{what}: {who}, due {day} ({state})", what=action.what, who=action.assignee_name,
                   day=fmt.day(action.due_on), state=state)


# An action's status (cxkpi.actions.STATUSES) in words.
ACTION_STATUSES = {"open": N_("open"), "in progress": N_("in progress"), "done": N_("done"),
                   "dropped": N_("dropped")}


def action_status(status: str) -> str:
    return gettext(ACTION_STATUSES[status]) if status in ACTION_STATUSES else status


def card_html(follow_up: FollowUp | None) -> str:
    """The latest note with its date (cut to two lines; whole on hover), and the open and overdue actions,
    overdue in orange: HTML, every text escaped."""
    if follow_up is None:
        return ""
    parts = []
    note = follow_up.latest_note
    if note is not None:
        body = note.body
        if len(body) > CARD_NOTE_CHARACTERS:
            body = body[:CARD_NOTE_CHARACTERS - 1].rstrip() + "…"
        parts.append(f'<p class="cx-latest-note" title="{html.escape(note_line(note))}">{fmt.icon("sticky_note_2")} '
                     f"<strong>{html.escape(fmt.day(note.noted_on))}</strong>, {html.escape(note.author_name)}: "
                     f"{html.escape(body)}</p>")
    if follow_up.open_actions:
        overdue = len(follow_up.overdue)
        titles = "; ".join(action_line(action, action.overdue(follow_up.today)) for action in follow_up.open_actions)
        line = html.escape(fmt.plural(len(follow_up.open_actions), "{n} open action", "{n} open actions"))
        if overdue:
            line += " · " + fmt.alert(gettext("{n} overdue", n=active().integer(overdue)))
        parts.append(f'<p class="cx-actions" title="{html.escape(titles)}">{fmt.icon("task_alt")} {line}</p>')
    return "".join(parts)
