"""Saved views: a name for a page and its query string, kept in the warehouse, personal or shared.

A view is what its link says: the page's URL path ("" for the overview, "NPS", ...) and the query
string with every setting pinned (see ui/state.py). Opening one is opening that link, so a saved
view and a shared link can never disagree. Each view has an owner (the identity that saved it) and
is personal (its owner sees it) or shared (everyone sees it; analysts and admins share). Only its
owner or an admin renames, unshares or deletes it; every change to a shared view is audited
(cxkpi.access). Ids come from a sequence and are never reused, and `rebuild` keeps them, so an id
held by a page opened earlier names the same view or none. Writes go through warehouse.writing (one
short read-write connection each); names are trimmed, at most MAX_NAME characters, unique among a
person's own views and among shared views regardless of case. User text is always bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cxkpi import access
from cxkpi.access import Identity, Permission
from cxkpi.i18n import N_, active, gettext
from cxkpi.warehouse import reading, writing

MAX_NAME = 80
COLUMNS = "id, name, page, query, created_at, updated_at, owner_id, shared"
GONE = N_("That view no longer exists (someone may have deleted it).")


class ViewError(ValueError):
    """A name that cannot be used (empty, too long, taken) or a view that no longer exists."""


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    page: str  # URL path of the page, "" for the overview
    query: str  # the query string, without "?"
    created_at: datetime
    updated_at: datetime
    owner_id: str | None  # the identity that saved it; None for views saved before sign-in existed
    shared: bool  # everyone sees it; otherwise only its owner

    @property
    def link(self) -> str:
        """The view's address relative to the app's root: 'NPS?from=...'."""
        return f"{self.page}?{self.query}" if self.query else self.page


def list_views(db_path: Path, viewer_id: str) -> list[SavedView]:
    """The views the person `viewer_id` sees: every shared view and their own, by name (case-insensitive)."""
    with reading(db_path) as connection:
        rows = connection.execute(
            f"select {COLUMNS} from saved_views where shared or owner_id = $owner order by lower(name), id",
            {"owner": viewer_id},
        ).fetchall()
    return [SavedView(*row) for row in rows]


def may_manage(actor: Identity, view: SavedView) -> bool:
    """Its owner or an admin renames, shares, unshares or deletes a view."""
    return view.owner_id == actor.user_id or actor.can(Permission.MANAGE_ANY_VIEW)


def save_view(
    db_path: Path, actor: Identity, name: str, page: str, query: str, shared: bool = False
) -> tuple[SavedView, bool]:
    """Save under `name` as `actor`'s view; their own view of that name (any case) is replaced and keeps
    being shared if it was. Sharing needs an analyst. Returns the view and whether it is new."""
    name = clean_name(name)
    if shared:
        access.require(db_path, actor, Permission.SHARE_VIEW, subject=name)
    now = _now()
    with writing(db_path) as connection:
        connection.begin()
        existing = _own_by_name(connection, actor, name)
        if existing is not None:
            shared = shared or existing.shared
            _refuse_taken(connection, actor.user_id, name, shared, existing.id)
            connection.execute(
                "update saved_views set name = $name, page = $page, query = $query, shared = $shared, "
                "updated_at = $now where id = $id",
                {"name": name, "page": page, "query": query, "shared": shared, "now": now, "id": existing.id},
            )
            view_id, created = existing.id, False
        else:
            _refuse_taken(connection, actor.user_id, name, shared, None)
            row = connection.execute(
                "insert into saved_views (name, page, query, created_at, updated_at, owner_id, shared) "
                "values ($name, $page, $query, $now, $now, $owner, $shared) returning id",
                {"name": name, "page": page, "query": query, "now": now, "owner": actor.user_id, "shared": shared},
            ).fetchone()
            assert row is not None
            view_id, created = row[0], True
        view = _get(connection, view_id)
        if view.shared:
            access.append(connection, actor, "save shared view" if created else "replace shared view",
                          _subject(view), f"/{view.link}")
        connection.commit()
    return view, created


def rename_view(db_path: Path, actor: Identity, view_id: int, new_name: str) -> SavedView:
    new_name = clean_name(new_name)
    _managed(db_path, actor, view_id)
    with writing(db_path) as connection:
        connection.begin()
        view = _get(connection, view_id)  # raises if it was deleted meanwhile
        _refuse_taken(connection, view.owner_id, new_name, view.shared, view_id)
        connection.execute(
            "update saved_views set name = $name, updated_at = $now where id = $id",
            {"name": new_name, "now": _now(), "id": view_id},
        )
        if view.shared:
            access.append(connection, actor, "rename shared view", _subject(view), f"“{view.name}” → “{new_name}”")
        renamed = _get(connection, view_id)
        connection.commit()
    return renamed


def set_shared(db_path: Path, actor: Identity, view_id: int, shared: bool) -> SavedView:
    """Share a view with everyone (an analyst's or admin's own view, or any as admin), or make it personal again."""
    view = _managed(db_path, actor, view_id)
    if shared:
        access.require(db_path, actor, Permission.SHARE_VIEW, subject=view.name)
    with writing(db_path) as connection:
        connection.begin()
        view = _get(connection, view_id)
        if view.shared != shared:
            _refuse_taken(connection, view.owner_id, view.name, shared, view_id)
            connection.execute("update saved_views set shared = $shared, updated_at = $now where id = $id",
                               {"shared": shared, "now": _now(), "id": view_id})
            access.append(connection, actor, "share view" if shared else "unshare view", _subject(view),
                          f"/{view.link}")
        changed = _get(connection, view_id)
        connection.commit()
    return changed


def delete_view(db_path: Path, actor: Identity, view_id: int) -> SavedView:
    """Delete the view with this id (ids are never reused, so a stale page cannot delete another view)."""
    _managed(db_path, actor, view_id)
    with writing(db_path) as connection:
        connection.begin()
        rows = connection.execute(f"delete from saved_views where id = $id returning {COLUMNS}",
                                  {"id": view_id}).fetchall()
        if not rows:
            connection.rollback()
            raise ViewError(gettext(GONE))
        view = SavedView(*rows[0])
        if view.shared:
            access.append(connection, actor, "delete shared view", _subject(view), f"/{view.link}")
        connection.commit()
    return view


def clean_name(name: str) -> str:
    name = " ".join(name.split())  # trimmed, inner runs of spaces and newlines made single spaces
    if not name:
        raise ViewError(gettext("Give the view a name."))
    if len(name) > MAX_NAME:
        raise ViewError(gettext("Keep the name to {limit} characters (this one has {length}).",
                                limit=active().digits(str(MAX_NAME)), length=active().digits(str(len(name)))))
    return name


def _managed(db_path: Path, actor: Identity, view_id: int) -> SavedView:
    """The view, if `actor` may change it: another person's personal view is as good as gone; another
    person's shared view needs an admin (a refusal is audited)."""
    with reading(db_path) as connection:
        view = _get(connection, view_id)
    if not view.shared and view.owner_id != actor.user_id and not actor.can(Permission.MANAGE_ANY_VIEW):
        raise ViewError(gettext(GONE))
    if not may_manage(actor, view):
        access.require(db_path, actor, Permission.MANAGE_ANY_VIEW, subject=_subject(view))
    return view


def _own_by_name(connection: duckdb.DuckDBPyConnection, actor: Identity, name: str) -> SavedView | None:
    row = connection.execute(
        f"select {COLUMNS} from saved_views where owner_id = $owner and lower(name) = lower($name) order by id limit 1",
        {"owner": actor.user_id, "name": name},
    ).fetchone()
    return None if row is None else SavedView(*row)


def _refuse_taken(
    connection: duckdb.DuckDBPyConnection, owner_id: str | None, name: str, shared: bool, except_id: int | None
) -> None:
    """Names are unique among one person's views, and among the shared views everyone sees."""
    row = connection.execute(
        "select shared, owner_id is not distinct from $owner from saved_views "
        "where lower(name) = lower($name) and id is distinct from $id "
        "and (owner_id is not distinct from $owner or (shared and $shared)) order by id limit 1",
        {"owner": owner_id, "name": name, "id": except_id, "shared": shared},
    ).fetchone()
    if row is not None:
        raise ViewError(gettext("A shared view named '{name}' already exists.", name=name) if row[0] and not row[1]
                        else gettext("A view named '{name}' already exists.", name=name))


def _get(connection: duckdb.DuckDBPyConnection, view_id: int) -> SavedView:
    row = connection.execute(f"select {COLUMNS} from saved_views where id = $id", {"id": view_id}).fetchone()
    if row is None:
        raise ViewError(gettext(GONE))
    return SavedView(*row)


def _subject(view: SavedView) -> str:
    return f"view {view.id} “{view.name}”"


def _now() -> datetime:
    """UTC, without tzinfo: the warehouse stores naive UTC timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)
