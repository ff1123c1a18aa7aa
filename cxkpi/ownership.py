"""Reassigning a KPI's owner or changing its target from the app, with an audit trail.

metrics.toml stays the definition; changes made in the app live in the warehouse: `kpi_overrides`
holds the current owner of a changed KPI, `kpi_changes` records who changed what (the signed-in
identity, never typed text), when, from which value to which. Both are written in one transaction.
Only admins may make a change (cxkpi.access; a refusal is audited). A change replaces the owner's
name, role and email together, so a KPI always has exactly one owner.

A target has a start date (`applies_from`): a change keeps the old target for the days before it, so a
past period's status and "months off target" use the target in force then. The KPI's target history
is metrics.toml's target, from the start, then every target change in `kpi_changes` in the order of
their start dates (of two with the same start, the later change wins): the audit trail is the history,
and nothing is ever overwritten (effective).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from cxkpi import access
from cxkpi.access import Identity, Permission
from cxkpi.i18n import N_, gettext, written_number
from cxkpi.registry import Kpi, Owner, owner_problem
from cxkpi.warehouse import writing


class OwnershipError(ValueError):
    """A change that would break the rules (no owner, two people as the owner, a target that is not
    a number or outside what the KPI can be); the message says what to fix."""


TARGET_NOT_A_NUMBER = N_("The target of {kpi} must be a number in {unit}.")
TARGET_OUT_OF_RANGE = N_("The target of {kpi} must be {range} ({unit}); {target} is not.")


def problems(kpi: Kpi, owner: Owner | None = None, target: float | None = None) -> list[str]:
    """Why this owner or target cannot be given to the KPI, one sentence each, in the bound language
    (the Owners page's reader's); empty when they can. An owner is one person with a role; a target is a
    number the KPI can take (its registry target_range: 0-100 for a share, −100..100 for an NPS, above 0
    for hours and rates)."""
    found = []
    if owner is not None and (problem := owner_problem(owner, kpi.title)):
        found.append(f"{problem}.")
    if target is not None:
        if not isinstance(target, (int, float)) or isinstance(target, bool) or not math.isfinite(target):
            found.append(gettext(TARGET_NOT_A_NUMBER, kpi=kpi.title, unit=kpi.unit_name()))
        elif not kpi.target_range.allows(float(target)):
            found.append(gettext(TARGET_OUT_OF_RANGE, kpi=kpi.title, range=kpi.target_range.describe(),
                                 unit=kpi.unit_name(), target=written_number(target)))
    return found


def effective(connection: duckdb.DuckDBPyConnection, kpis: list[Kpi], today: date) -> list[Kpi]:
    """The registry with the app's changes applied: the owner in effect, every target the KPI has had
    (Kpi.target_history) and, as `target`, the one in force `today` (default: the real today)."""
    owners = {
        kpi_id: Owner(name, role, email or "")
        for kpi_id, name, role, email in connection.execute(
            "select kpi_id, owner_name, owner_role, owner_email from kpi_overrides").fetchall()
    }
    steps: dict[str, dict[date, float]] = {}
    # A change made before targets had start dates started the day it was made.
    for kpi_id, first_day, value in connection.execute(
        """select kpi_id, coalesce(applies_from, cast(changed_at as date)), new_value from kpi_changes
           where field = 'target' order by changed_at, rowid"""
    ).fetchall():
        steps.setdefault(kpi_id, {})[first_day] = float(value)  # of two changes from one day, the later wins
    changed = []
    for kpi in kpis:
        if kpi.id in owners:
            kpi = replace(kpi, owner=owners[kpi.id])
        if kpi.id in steps:
            history = ((date.min, kpi.target), *sorted(steps[kpi.id].items()))
            kpi = replace(kpi, target_history=history).as_of(today)
        changed.append(kpi)
    return changed


def history(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every change, newest first: changed_at, changed_by, kpi_id, field, old_value, new_value and, for a
    target, applies_from (the day it starts)."""
    return connection.execute(
        """select changed_at, changed_by, kpi_id, field, old_value, new_value,
                  case when field = 'target' then coalesce(applies_from, cast(changed_at as date)) end
                      as applies_from
           from kpi_changes order by changed_at desc, kpi_id, field"""
    ).df()


def change(
    db_path: Path,
    kpi: Kpi,
    actor: Identity,
    owner: Owner | None = None,
    target: float | None = None,
    now: datetime | None = None,
    target_from: date | None = None,
) -> list[tuple[str, str, str]]:
    """Apply a new owner and/or target to `kpi` (as currently in effect) as `actor`, who must be
    allowed to; returns (field, old, new). A new target starts on `target_from` (default: today) and
    leaves the targets before it as they were; the old value recorded is the one in force that day."""
    moment = (now or datetime.now()).replace(microsecond=0)
    first_day = target_from or moment.date()
    new_owner = _cleaned(owner) if owner else kpi.owner
    old_target = kpi.target_on(first_day)
    # Who may is asked first: a viewer's attempt is refused (and audited) whatever values it carries.
    if new_owner != kpi.owner:
        access.require(db_path, actor, Permission.CHANGE_OWNER, subject=kpi.title)
    if target is not None and target != old_target:
        access.require(db_path, actor, Permission.CHANGE_TARGET, subject=kpi.title)
    refusals = problems(kpi, owner, target)
    if new_owner != kpi.owner and not refusals:
        if not new_owner.email:
            refusals.append(gettext("Give {name}'s email: it is how they sign in to write the notes and actions of "
                                    "{kpi}, and where its alerts and digest go.", name=new_owner.name, kpi=kpi.title))
        elif new_owner.name != kpi.owner.name and new_owner.user_id == kpi.owner.user_id:
            # Else the previous owner would keep writing the new owner's notes and receive their mail.
            refusals.append(gettext("Give {name}'s own email: {email} is {owner}'s.", name=new_owner.name,
                                    email=new_owner.email, owner=kpi.owner.name))
    if refusals:
        raise OwnershipError(" ".join(refusals))
    changes = []
    if new_owner != kpi.owner:
        changes.append(("owner", kpi.owner.recorded(), new_owner.recorded()))
    if target is not None and float(target) != old_target:
        changes.append(("target", _number(old_target), _number(float(target))))
    if not changes:
        return []
    with writing(db_path) as connection:
        connection.begin()
        connection.execute(
            """insert or replace into kpi_overrides (kpi_id, owner_name, owner_role, owner_email, target)
               values ($kpi_id, $name, $role, $email, $target)""",
            # target: what it was before target history, for a warehouse an older cxkpi reads; not read here.
            {"kpi_id": kpi.id, "name": new_owner.name, "role": new_owner.role, "email": new_owner.email,
             "target": float(target) if target is not None else kpi.target},
        )
        for field, old, new in changes:
            connection.execute(
                """insert into kpi_changes (changed_at, changed_by, kpi_id, field, old_value, new_value, applies_from)
                   values ($at, $by, $kpi_id, $field, $old, $new, $from)""",
                {"at": moment, "by": actor.user_id, "kpi_id": kpi.id, "field": field, "old": old, "new": new,
                 "from": first_day if field == "target" else None},
            )
        connection.commit()
    return changes


def _cleaned(owner: Owner) -> Owner:
    return Owner(owner.name.strip(), owner.role.strip(), owner.email.strip())


def _number(value: float) -> str:
    """A target as the audit trail keeps it, exactly (the history is read back from it): '35', '4.5'."""
    return f"{value:.15g}"
