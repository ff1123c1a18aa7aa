"""The card's lines of an owner's notes and actions, as HTML. Their words are cxkpi.follow_up's, which every
surface (the KPI page, the Owners page, the slide and PDF, the digest) uses. No Streamlit here."""

from __future__ import annotations

import html

from cxkpi.follow_up import FollowUp, action_counts, action_line, note_line
from ui import formatting as fmt

CARD_NOTE_CHARACTERS = 160  # of the latest note on the card (CSS cuts it to two lines); all on hover and the KPI page


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
    open_actions, overdue = action_counts(follow_up)
    if open_actions:
        titles = "; ".join(action_line(action, action.overdue(follow_up.today)) for action in follow_up.open_actions)
        line = html.escape(open_actions) + (" · " + fmt.alert(overdue) if overdue else "")
        parts.append(f'<p class="cx-actions" title="{html.escape(titles)}">{fmt.icon("task_alt")} {line}</p>')
    return "".join(parts)
