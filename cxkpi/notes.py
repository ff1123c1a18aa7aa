"""Owners' notes on their KPIs: what happened and what they are doing about it, dated, with replies.

The KPI's owner (the signed-in person whose email is the owner's, cxkpi.registry.Owner.user_id) or an
admin writes a note on a KPI ("Q4 dip: ticketing migration; backlog cleared by 15 Jan"), dated by the
day it is about (`noted_on`: where its marker goes on the trend and the slide); anyone signed in may
reply. Nothing is edited or deleted: `kpi_notes` is append-only (a correction is another note), and each
note records who wrote it (their sign-in, never typed text) and when. Writing one is audited too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from cxkpi import access
from cxkpi.access import Identity, Permission
from cxkpi.i18n import N_, active, gettext, written_day
from cxkpi.registry import Kpi
from cxkpi.warehouse import writing

MAX_LENGTH = 2000  # characters: a note is a few sentences, not a report
COLUMNS = "id, kpi_id, noted_on, body, reply_to, written_at, author_id, author_name"


class NoteError(ValueError):
    """A note that cannot be written as given (empty, too long, dated after today, a reply to nothing);
    the message says what to fix."""


@dataclass(frozen=True)
class Note:
    id: int
    kpi_id: str
    noted_on: date  # the day it is about
    body: str
    reply_to: int | None  # the note it answers; None for a note
    written_at: datetime  # UTC
    author_id: str
    author_name: str


@dataclass(frozen=True)
class Thread:
    note: Note
    replies: tuple[Note, ...]  # oldest first


def owner_of(kpi: Kpi) -> list[tuple[str, str]]:
    """Who may write on the KPI whatever their role (cxkpi.access.require's `people`)."""
    return [(N_("the KPI's owner"), kpi.owner.user_id)]


def write(db_path: Path, actor: Identity, kpi: Kpi, body: str, noted_on: date, now: datetime | None = None) -> int:
    """A note on `kpi` by `actor` (its owner or an admin), about the day `noted_on`; returns its id."""
    access.require(db_path, actor, Permission.WRITE_NOTE, subject=kpi.title, people=owner_of(kpi))
    moment = now or access.utc_now()
    if noted_on > moment.date():
        raise NoteError(gettext("A note is about what has happened: date it today ({today}) or earlier, not {day}.",
                                today=written_day(moment.date()), day=written_day(noted_on)))
    return _insert(db_path, actor, kpi, _text(body), noted_on, None, moment)


def reply(db_path: Path, actor: Identity, kpi: Kpi, note_id: int, body: str, now: datetime | None = None) -> int:
    """A reply by anyone signed in to the note `note_id` on `kpi`; returns its id."""
    access.require(db_path, actor, Permission.REPLY_TO_NOTE, subject=kpi.title)
    with writing(db_path) as connection:
        found = connection.execute(
            "select noted_on from kpi_notes where id = $id and kpi_id = $kpi_id and reply_to is null",
            {"id": note_id, "kpi_id": kpi.id},
        ).fetchone()
    if found is None:
        raise NoteError(gettext("There is no note {note} on {kpi} to reply to.", note=active().digits(str(note_id)),
                                kpi=kpi.title))
    return _insert(db_path, actor, kpi, _text(body), found[0], note_id, now or access.utc_now())


def _text(body: str) -> str:
    text = body.strip()
    if not text:
        raise NoteError(gettext("Write the note first: it is empty."))
    if len(text) > MAX_LENGTH:
        raise NoteError(gettext("A note holds up to {limit} characters; this one has {length}. Shorten it, or split it "
                                "into a note and replies.", limit=active().integer(MAX_LENGTH),
                                length=active().integer(len(text))))
    return text


def _insert(db_path: Path, actor: Identity, kpi: Kpi, body: str, noted_on: date, reply_to: int | None,
            moment: datetime) -> int:
    with writing(db_path) as connection:
        connection.begin()
        [new_id] = connection.execute(
            """insert into kpi_notes (kpi_id, noted_on, body, reply_to, written_at, author_id, author_name)
               values ($kpi_id, $noted_on, $body, $reply_to, $at, $author_id, $author_name) returning id""",
            {"kpi_id": kpi.id, "noted_on": noted_on, "body": body, "reply_to": reply_to, "at": moment,
             "author_id": actor.user_id, "author_name": _name_of(actor, kpi)},
        ).fetchone()
        access.append(connection, actor, "reply to a note" if reply_to else "write a note", kpi.title,
                      f"{f'reply {new_id} to note {reply_to}' if reply_to else f'note {new_id}'}, "
                      f"dated {noted_on.isoformat()}")
        connection.commit()
    return int(new_id)


def _name_of(actor: Identity, kpi: Kpi) -> str:
    """The writer as people read it: the owner by their name in the registry (a sign-in proxy may send only
    an email), anyone else as their sign-in names them."""
    return kpi.owner.name if kpi.owner.user_id and actor.user_id == kpi.owner.user_id else actor.name


def threads(connection: duckdb.DuckDBPyConnection, kpi_id: str) -> list[Thread]:
    """Every note on the KPI with its replies: the latest-dated note first, replies oldest first."""
    rows = _notes(connection, "kpi_id = $kpi_id", {"kpi_id": kpi_id})
    replies: dict[int, list[Note]] = {}
    for note in rows:
        if note.reply_to is not None:
            replies.setdefault(note.reply_to, []).append(note)
    notes = [note for note in rows if note.reply_to is None]
    notes.sort(key=lambda note: (note.noted_on, note.written_at, note.id), reverse=True)
    return [Thread(note, tuple(sorted(replies.get(note.id, []), key=lambda reply: reply.id))) for note in notes]


def dated_within(connection: duckdb.DuckDBPyConnection, kpi_ids: Iterable[str], start: date, end: date) -> list[Note]:
    """The notes (not replies) on these KPIs dated from `start` to `end`, oldest first: the markers."""
    return _notes(connection, "reply_to is null and kpi_id in (select unnest($kpi_ids)) "
                  "and noted_on between $start and $end", {"kpi_ids": list(kpi_ids), "start": start, "end": end})


def latest(notes: Iterable[Note]) -> dict[str, Note]:
    """The latest-dated note of each KPI among `notes` (of two on one day, the later written)."""
    found: dict[str, Note] = {}
    for note in notes:
        best = found.get(note.kpi_id)
        if note.reply_to is None and (best is None or (note.noted_on, note.written_at) > (best.noted_on,
                                                                                           best.written_at)):
            found[note.kpi_id] = note
    return found


def written_since(connection: duckdb.DuckDBPyConnection, kpi_ids: Iterable[str], since: datetime) -> list[Note]:
    """Notes and replies on these KPIs written since `since` (UTC), oldest first: what a digest reports."""
    return _notes(connection, "kpi_id in (select unnest($kpi_ids)) and written_at >= $since",
                  {"kpi_ids": list(kpi_ids), "since": since})


def _notes(connection: duckdb.DuckDBPyConnection, where: str, parameters: dict) -> list[Note]:
    rows = connection.execute(
        f"select {COLUMNS} from kpi_notes where {where} order by noted_on, written_at, id", parameters
    ).fetchall()
    return [Note(*row) for row in rows]
