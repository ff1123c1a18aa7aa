"""Reassigning a KPI's owner or changing its target from the app, with an audit trail.

metrics.toml stays the definition; changes made in the app live in the warehouse: `kpi_overrides`
holds the current owner/target of a changed KPI, `kpi_changes` records who changed what (the
signed-in identity, never typed text), when, from which value to which. Both are written in one
transaction. Only admins may make a change (cxkpi.access; a refusal is audited). A change replaces
the owner's name and role together, so a KPI always has exactly one owner.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from cxkpi import access
from cxkpi.access import Identity, Permission
from cxkpi.registry import Kpi, Owner, owner_problem
from cxkpi.warehouse import writing


class OwnershipError(ValueError):
    """A change that would break the rules (no owner, two people as the owner, a target that is not
    a number or outside what the KPI can be); the message says what to fix."""


def problems(kpi: Kpi, owner: Owner | None = None, target: float | None = None) -> list[str]:
    """Why this owner or target cannot be given to the KPI, one sentence each; empty when they can.
    An owner is one person with a role; a target is a number the KPI can take (its registry
    target_range: 0-100 for a share, −100..100 for an NPS, above 0 for hours and rates)."""
    found = []
    if owner is not None and (problem := owner_problem(owner)):
        found.append(f"{kpi.title} {problem}.")
    if target is not None:
        if not isinstance(target, (int, float)) or isinstance(target, bool) or not math.isfinite(target):
            found.append(f"The target of {kpi.title} must be a number in {kpi.unit}.")
        elif not kpi.target_range.allows(float(target)):
            found.append(f"The target of {kpi.title} must be {kpi.target_range.describe()} ({kpi.unit}); "
                         f"{target:g} is not.")
    return found


def effective(connection: duckdb.DuckDBPyConnection, kpis: list[Kpi]) -> list[Kpi]:
    """The registry with the app's changes applied."""
    overrides = {
        kpi_id: (name, role, target)
        for kpi_id, name, role, target in connection.execute("select * from kpi_overrides").fetchall()
    }
    changed = []
    for kpi in kpis:
        if kpi.id in overrides:
            name, role, target = overrides[kpi.id]
            kpi = replace(kpi, owner=Owner(name, role), target=target)
        changed.append(kpi)
    return changed


def history(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every change, newest first."""
    return connection.execute("select * from kpi_changes order by changed_at desc, kpi_id, field").df()


def change(
    db_path: Path,
    kpi: Kpi,
    actor: Identity,
    owner: Owner | None = None,
    target: float | None = None,
    now: datetime | None = None,
) -> list[tuple[str, str, str]]:
    """Apply a new owner and/or target to `kpi` (as currently in effect) as `actor`, who must be
    allowed to; returns (field, old, new)."""
    # Who may is asked first: a viewer's attempt is refused (and audited) whatever values it carries.
    if owner is not None and Owner(owner.name.strip(), owner.role.strip()) != kpi.owner:
        access.require(db_path, actor, Permission.CHANGE_OWNER, subject=kpi.title)
    if target is not None and target != kpi.target:
        access.require(db_path, actor, Permission.CHANGE_TARGET, subject=kpi.title)
    refusals = problems(kpi, owner, target)
    if refusals:
        raise OwnershipError(" ".join(refusals))
    new_owner = Owner(owner.name.strip(), owner.role.strip()) if owner else kpi.owner
    new_target = float(target) if target is not None else kpi.target
    changes = []
    if new_owner != kpi.owner:
        changes.append(("owner", str(kpi.owner), str(new_owner)))
    if new_target != kpi.target:
        changes.append(("target", f"{kpi.target:g}", f"{new_target:g}"))
    if not changes:
        return []
    moment = (now or datetime.now()).replace(microsecond=0)
    with writing(db_path) as connection:
        connection.begin()
        connection.execute(
            "insert or replace into kpi_overrides values ($kpi_id, $name, $role, $target)",
            {"kpi_id": kpi.id, "name": new_owner.name, "role": new_owner.role, "target": new_target},
        )
        for field, old, new in changes:
            connection.execute(
                "insert into kpi_changes values ($at, $by, $kpi_id, $field, $old, $new)",
                {"at": moment, "by": actor.user_id, "kpi_id": kpi.id, "field": field, "old": old, "new": new},
            )
        connection.commit()
    return changes
