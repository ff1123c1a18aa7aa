"""Saved views: a name for a page and its query string, kept in the warehouse so everyone sees them.

A view is what its link says: the page's URL path ("" for the overview, "NPS", ...) and the query
string with every setting pinned (see ui/state.py). Opening one is opening that link, so a saved
view and a shared link can never disagree. Writes go through warehouse.writing (one short
read-write connection each); names are trimmed, at most MAX_NAME characters, and unique regardless
of case. User text is always bound, never formatted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cxkpi.warehouse import reading, writing

MAX_NAME = 80


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

    @property
    def link(self) -> str:
        """The view's address relative to the app's root: 'NPS?from=...'."""
        return f"{self.page}?{self.query}" if self.query else self.page


def list_views(db_path: Path) -> list[SavedView]:
    """Every saved view, by name (case-insensitive)."""
    with reading(db_path) as connection:
        rows = connection.execute(
            "select id, name, page, query, created_at, updated_at from saved_views order by lower(name), id"
        ).fetchall()
    return [SavedView(*row) for row in rows]


def save_view(db_path: Path, name: str, page: str, query: str) -> tuple[SavedView, bool]:
    """Save under `name`; a view of that name (any case) is overwritten. Returns the view and whether it is new."""
    name = clean_name(name)
    now = _now()
    with writing(db_path) as connection:
        existing = _find_by_name(connection, name)
        if existing is not None:
            connection.execute(
                "update saved_views set name = $name, page = $page, query = $query, updated_at = $now where id = $id",
                {"name": name, "page": page, "query": query, "now": now, "id": existing},
            )
            view_id, created = existing, False
        else:
            row = connection.execute(
                "insert into saved_views (name, page, query, created_at, updated_at) "
                "values ($name, $page, $query, $now, $now) returning id",
                {"name": name, "page": page, "query": query, "now": now},
            ).fetchone()
            assert row is not None
            view_id, created = row[0], True
        return _get(connection, view_id), created


def rename_view(db_path: Path, view_id: int, new_name: str) -> SavedView:
    new_name = clean_name(new_name)
    with writing(db_path) as connection:
        _get(connection, view_id)  # raises if it was deleted meanwhile
        other = _find_by_name(connection, new_name)
        if other is not None and other != view_id:
            raise ViewError(f"A view named '{new_name}' already exists.")
        connection.execute(
            "update saved_views set name = $name, updated_at = $now where id = $id",
            {"name": new_name, "now": _now(), "id": view_id},
        )
        return _get(connection, view_id)


def delete_view(db_path: Path, view_id: int) -> None:
    with writing(db_path) as connection:
        deleted = connection.execute("delete from saved_views where id = $id returning id", {"id": view_id}).fetchall()
    if not deleted:
        raise ViewError("That view no longer exists (someone may have deleted it).")


def clean_name(name: str) -> str:
    name = " ".join(name.split())  # trimmed, inner runs of spaces and newlines made single spaces
    if not name:
        raise ViewError("Give the view a name.")
    if len(name) > MAX_NAME:
        raise ViewError(f"Keep the name to {MAX_NAME} characters (this one has {len(name)}).")
    return name


def _find_by_name(connection: duckdb.DuckDBPyConnection, name: str) -> int | None:
    row = connection.execute(
        "select id from saved_views where lower(name) = lower($name) order by id limit 1", {"name": name}
    ).fetchone()
    return None if row is None else row[0]


def _get(connection: duckdb.DuckDBPyConnection, view_id: int) -> SavedView:
    row = connection.execute(
        "select id, name, page, query, created_at, updated_at from saved_views where id = $id", {"id": view_id}
    ).fetchone()
    if row is None:
        raise ViewError("That view no longer exists (someone may have deleted it).")
    return SavedView(*row)


def _now() -> datetime:
    """UTC, without tzinfo: the warehouse stores naive UTC timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)
