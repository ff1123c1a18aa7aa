"""Saved views in the warehouse: save, list for everyone, rename, delete; names checked, user text bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxkpi import views
from cxkpi.views import ViewError
from cxkpi.warehouse import reading

QUERY = "from=2026-04-01&to=2026-06-30&compare=previous&grain=month&by=region&region=EMEA"


def test_a_saved_view_is_listed_with_its_page_and_link(golden_copy: Path) -> None:
    db = golden_copy
    assert views.list_views(db) == []

    view, created = views.save_view(db, "  Board review Q2 -   EMEA ", "NPS", QUERY)
    assert created and view.name == "Board review Q2 - EMEA"
    assert view.link == f"NPS?{QUERY}"
    views.save_view(db, "All customers", "", "from=2026-04-01&to=2026-06-30")
    assert [(saved.name, saved.page) for saved in views.list_views(db)] == [
        ("All customers", ""), ("Board review Q2 - EMEA", "NPS"),
    ]


def test_saving_under_an_existing_name_in_any_case_replaces_that_view(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    first, _ = views.save_view(db, "Board review", "", "from=2026-01-01&to=2026-03-31")
    second, created = views.save_view(db, "BOARD REVIEW", "NPS", QUERY)
    assert not created and second.id == first.id and second.name == "BOARD REVIEW"
    assert second.updated_at >= first.updated_at
    assert [saved.link for saved in views.list_views(db)] == [f"NPS?{QUERY}"]


def test_rename_and_delete(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    view, _ = views.save_view(db, "Q2", "", QUERY)
    other, _ = views.save_view(db, "Q3", "", QUERY)
    assert views.rename_view(db, view.id, "Q2 - EMEA").name == "Q2 - EMEA"
    with pytest.raises(ViewError, match="already exists"):
        views.rename_view(db, view.id, "q3")
    views.delete_view(db, other.id)
    assert [saved.name for saved in views.list_views(db)] == ["Q2 - EMEA"]
    with pytest.raises(ViewError, match="no longer exists"):
        views.delete_view(db, other.id)
    with pytest.raises(ViewError, match="no longer exists"):
        views.rename_view(db, other.id, "Q3 again")


@pytest.mark.parametrize(("name", "message"), [("   ", "Give the view a name"), ("x" * 81, "80 characters")])
def test_unusable_names_are_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ViewError, match=message):
        views.save_view(tmp_path / "views.duckdb", name, "", QUERY)


def test_names_and_links_are_stored_as_written_never_run_as_sql(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    name = "x'); drop table saved_views; --"
    query = "region=O'Brien%27s&from=2026-04-01"
    view, _ = views.save_view(db, name, "NPS", query)
    assert (view.name, view.query) == (name, query)
    with reading(db) as connection:
        assert connection.execute("select count(*) from saved_views").fetchone()[0] == 1
