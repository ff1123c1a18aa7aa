"""What owners have said and planned about their KPIs, as each surface shows it beside the numbers: the
latest note (with its date), the notes dated in the card's 12 months (markers on the sparkline of the
slide and PDF), and the open and overdue actions. Read in one go for a set of KPIs and a period, apart
from the numbers (cxkpi.kpis), so that writing a note never recomputes a KPI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from cxkpi import actions, notes
from cxkpi.actions import Action
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
           today: date | None = None) -> dict[str, FollowUp]:
    """Each KPI's follow-up for a card of `period` (its sparkline runs over the 12 months to its end)."""
    ids = list(kpi_ids)
    window = trailing_months(period.end, calendar=period.calendar)
    dated: dict[str, list[Note]] = {}
    for note in notes.dated_within(connection, ids, window.start, window.end):
        dated.setdefault(note.kpi_id, []).append(note)
    planned: dict[str, list[Action]] = {}
    for action in actions.listing(connection, ids, open_only=True):
        planned.setdefault(action.kpi_id, []).append(action)
    today = today or date.today()
    return {kpi_id: FollowUp(tuple(dated.get(kpi_id, ())), tuple(planned.get(kpi_id, ())), today) for kpi_id in ids}
