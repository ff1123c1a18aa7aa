"""Actions on a KPI: what will be done, by one person, by when, and where it stands.

The KPI's owner or an admin adds an action (typically to an off-target KPI: the KPI page offers it
first there); its status (open, in progress, done, dropped) is changed by the KPI's owner, the person
doing it or an admin. Nothing is edited or deleted: `kpi_actions` holds each action as first written
and `kpi_action_updates` every status it has had (its status is the latest), each with who (their
sign-in) and when. An open or in-progress action past its due date is overdue.
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
from cxkpi.registry import SECOND_PERSON, Kpi, one_address
from cxkpi.warehouse import writing

STATUSES = ("open", "in progress", "done", "dropped")
OPEN_STATUSES = ("open", "in progress")
# Each status in words (cxkpi.follow_up.action_status shows them).
STATUS_WORDS = {"open": N_("open"), "in progress": N_("in progress"), "done": N_("done"), "dropped": N_("dropped")}
MAX_LENGTH = 500


class ActionError(ValueError):
    """An action that cannot be written as given; the message says what to fix."""


@dataclass(frozen=True)
class Action:
    id: int
    kpi_id: str
    what: str
    assignee_name: str
    assignee_email: str
    due_on: date
    created_at: datetime
    created_by: str
    status: str  # the latest update's
    updated_at: datetime
    updated_by: str
    comment: str  # the latest update's, '' when none

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


def add(db_path: Path, actor: Identity, kpi: Kpi, what: str, assignee_name: str, assignee_email: str, due_on: date,
        now: datetime | None = None) -> int:
    """An open action on `kpi` by `actor` (the KPI's owner or an admin); returns its id."""
    access.require(db_path, actor, Permission.PLAN_ACTION, subject=kpi.title,
                   people=[(N_("the KPI's owner"), kpi.owner.user_id)])
    moment = now or access.utc_now()
    what, name, email = what.strip(), assignee_name.strip(), assignee_email.strip().lower()
    problems = []
    if not what:
        problems.append(gettext("Say what will be done."))
    elif len(what) > MAX_LENGTH:
        problems.append(gettext("Say what will be done in up to {limit} characters (this is {length}); put the "
                                "detail in a note.", limit=active().digits(str(MAX_LENGTH)),
                                length=active().digits(str(len(what)))))
    if not name or SECOND_PERSON.search(name):
        problems.append(gettext("Name one person who does it: one person is accountable for an action."))
    if not email:
        problems.append(gettext("Give {name} email: it is how they sign in to update the action.", name=name)
                        if name else gettext("Give their email: it is how they sign in to update the action."))
    elif not one_address(email):
        problems.append(gettext("The action needs their email to be one address like name@example.com, not "
                                "{email}.", email=repr(email)))
    if due_on < moment.date():
        problems.append(gettext("Give a due date from today ({today}) on, not {day}.",
                                today=written_day(moment.date()), day=written_day(due_on)))
    if problems:
        raise ActionError(" ".join(problems))
    with writing(db_path) as connection:
        connection.begin()
        [new_id] = connection.execute(
            """insert into kpi_actions (kpi_id, what, assignee_name, assignee_email, due_on, created_at, created_by)
               values ($kpi_id, $what, $name, $email, $due_on, $at, $by) returning id""",
            {"kpi_id": kpi.id, "what": what, "name": name, "email": email, "due_on": due_on, "at": moment,
             "by": actor.user_id},
        ).fetchone()
        _update(connection, new_id, "open", "", moment, actor)
        access.append(connection, actor, "add an action", kpi.title,
                      f"action {new_id}: {what} ({name}, due {due_on.isoformat()})")
        connection.commit()
    return int(new_id)


def update(db_path: Path, actor: Identity, kpi: Kpi, action_id: int, status: str, comment: str = "",
           now: datetime | None = None) -> None:
    """Set the status of action `action_id` on `kpi` (by the KPI's owner, the person doing it or an admin)."""
    if status not in STATUSES:
        raise ActionError(f"An action's status is one of {', '.join(STATUSES)}; not {status!r}.")
    with writing(db_path) as connection:
        found = _actions(connection, "a.id = $id and a.kpi_id = $kpi_id", {"id": action_id, "kpi_id": kpi.id})
    if not found:
        raise ActionError(gettext("There is no action {action} on {kpi}.", action=active().digits(str(action_id)),
                                  kpi=kpi.title))
    action = found[0]
    access.require(db_path, actor, Permission.UPDATE_ACTION, subject=kpi.title,
                   people=[(N_("the KPI's owner"), kpi.owner.user_id),
                           (N_("the person doing it"), action.assignee_email)])
    if status == action.status:
        raise ActionError(gettext("The action is already {status}.", status=gettext(STATUS_WORDS[status])))
    with writing(db_path) as connection:
        connection.begin()
        _update(connection, action_id, status, comment.strip()[:MAX_LENGTH], now or access.utc_now(), actor)
        access.append(connection, actor, "update an action", kpi.title,
                      f"action {action_id}: {action.status} → {status}")
        connection.commit()


def _update(connection: duckdb.DuckDBPyConnection, action_id: int, status: str, comment: str, moment: datetime,
            actor: Identity) -> None:
    connection.execute(
        "insert into kpi_action_updates values ($id, $status, $comment, $at, $by)",
        {"id": action_id, "status": status, "comment": comment, "at": moment, "by": actor.user_id},
    )


def listing(connection: duckdb.DuckDBPyConnection, kpi_ids: Iterable[str] | None = None,
            open_only: bool = False) -> list[Action]:
    """Actions (of these KPIs, or all), each with its latest status: the earliest due first."""
    where, parameters = [], {}
    if kpi_ids is not None:
        where.append("a.kpi_id in (select unnest($kpi_ids))")
        parameters["kpi_ids"] = list(kpi_ids)
    if open_only:
        where.append("u.status in (select unnest($open))")
        parameters["open"] = list(OPEN_STATUSES)
    return _actions(connection, " and ".join(where) or "true", parameters)


def _actions(connection: duckdb.DuckDBPyConnection, where: str, parameters: dict) -> list[Action]:
    rows = connection.execute(
        f"""with latest as (
                select action_id, status, comment, updated_at, updated_by from kpi_action_updates
                qualify row_number() over (partition by action_id order by updated_at desc, rowid desc) = 1
            )
            select a.id, a.kpi_id, a.what, a.assignee_name, a.assignee_email, a.due_on, a.created_at, a.created_by,
                   u.status, u.updated_at, u.updated_by, u.comment
            from kpi_actions as a join latest as u on u.action_id = a.id
            where {where}
            order by a.due_on, a.id""",
        parameters,
    ).fetchall()
    return [Action(*row) for row in rows]
