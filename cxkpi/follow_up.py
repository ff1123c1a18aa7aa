"""What owners have said and planned about their KPIs, as each surface shows it beside the numbers: the
latest note (with its date), the notes dated in the card's 12 months (markers on the sparkline of the
slide and PDF), and the open and overdue actions. Read in one go for a set of KPIs and a period, apart
from the numbers (cxkpi.kpis), so that writing a note never recomputes a KPI.

And how notes and actions read, in the words every surface uses (the card, the KPI page, the Owners
page, the slide and PDF, the digest), in the bound language (cxkpi.i18n); the card's HTML is
ui.follow_up_text's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from cxkpi import actions, calendars, notes
from cxkpi.actions import Action
from cxkpi.i18n import active, gettext, ngettext
from cxkpi.notes import Note
from cxkpi.periods import Period, trailing_months


@dataclass(frozen=True)
class FollowUp:
    notes: tuple[Note, ...] = ()  # dated in the card's 12 months (trailing_months of the period), oldest first
    open_actions: tuple[Action, ...] = ()  # the earliest due first
    today: date = field(default_factory=date.today)

    @property
    def latest_note(self) -> Note | None:
        return notes.latest(self.notes).get(self.notes[0].kpi_id) if self.notes else None

    @property
    def overdue(self) -> tuple[Action, ...]:
        return tuple(action for action in self.open_actions if action.overdue(self.today))

    def noted_months(self, months: Iterable[date]) -> list[bool]:
        """For each month (its first day), whether a note is dated in it: the sparkline's markers."""
        noted = {(note.noted_on.year, note.noted_on.month) for note in self.notes}
        return [(month.year, month.month) in noted for month in months]


def gather(connection: duckdb.DuckDBPyConnection, kpi_ids: Iterable[str], period: Period,
           today: date) -> dict[str, FollowUp]:
    """Each KPI's follow-up for a card of `period` (its sparkline runs over the 12 months to its end);
    `today` is the company's date (Settings.today), which decides what is overdue."""
    ids = list(kpi_ids)
    window = trailing_months(period.end, calendar=period.calendar)
    dated: dict[str, list[Note]] = {}
    for note in notes.dated_within(connection, ids, window.start, window.end):
        dated.setdefault(note.kpi_id, []).append(note)
    planned: dict[str, list[Action]] = {}
    for action in actions.listing(connection, ids, open_only=True):
        planned.setdefault(action.kpi_id, []).append(action)
    return {kpi_id: FollowUp(tuple(dated.get(kpi_id, ())), tuple(planned.get(kpi_id, ())), today) for kpi_id in ids}


# --- in words ------------------------------------------------------------------------------------------

def action_status(status: str) -> str:
    """An action's status (cxkpi.actions.STATUSES) in words."""
    return gettext(actions.STATUS_WORDS[status]) if status in actions.STATUS_WORDS else status


def note_line(note: Note) -> str:
    """'15 Jun 2026, Amara Okafor: Q2 dip: survey vendor change'."""
    return f"{calendars.day(note.noted_on)}{gettext(', ')}{note.author_name}{gettext(': ')}{note.body}"


def action_line(action: Action, today_overdue: bool) -> str:
    """'Retrain the night shift on triage: Lukas Brenner, due 15 Jan 2027 (in progress, overdue)'."""
    state = action_status(action.status) + (gettext(", overdue") if today_overdue else "")
    return gettext("{what}: {who}, due {day} ({state})", what=action.what, who=action.assignee_name,
                   day=calendars.day(action.due_on), state=state)


def action_counts(follow_up: FollowUp) -> tuple[str, str]:
    """('2 open actions', '1 overdue'): the open actions and how many of them are overdue, '' for none."""
    if not follow_up.open_actions:
        return "", ""
    overdue = len(follow_up.overdue)
    return (ngettext("{n} open action", "{n} open actions", len(follow_up.open_actions)),
            gettext("{n} overdue", n=active().integer(overdue)) if overdue else "")


def actions_line(follow_up: FollowUp) -> str:
    """'2 open actions, 1 overdue' or '' when none is open."""
    open_actions, overdue = action_counts(follow_up)
    return open_actions + (gettext(", ") + overdue if overdue else "")
