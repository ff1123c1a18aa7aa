"""Saved views in the warehouse: each has an owner and is personal or shared; only its owner or an admin
changes it; names checked, user text bound, every change to a shared view audited."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cxkpi import access, i18n, views
from cxkpi.access import AccessDeniedError
from cxkpi.views import ViewError
from cxkpi.warehouse import reading
from tests.support import person, rows

QUERY = "from=2026-04-01&to=2026-06-30&compare=previous&grain=month&by=region&region=EMEA"
VIEWER, ANALYST, ADMIN = person("viewer"), person("analyst"), person("admin")
OTHER_VIEWER = person("viewer", "olga@example.com")


def names(db: Path, who=VIEWER) -> list[str]:
    return [view.name for view in views.list_views(db, who.user_id)]


def test_a_saved_view_is_listed_with_its_page_link_and_owner(golden_copy: Path) -> None:
    db = golden_copy
    assert views.list_views(db, VIEWER.user_id) == []

    view, created = views.save_view(db, VIEWER, "  Board review Q2 -   EMEA ", "NPS", QUERY)
    assert created and view.name == "Board review Q2 - EMEA"
    assert (view.link, view.owner_id, view.shared) == (f"NPS?{QUERY}", "viewer@example.com", False)
    views.save_view(db, VIEWER, "All customers", "", "from=2026-04-01&to=2026-06-30")
    assert [(saved.name, saved.page) for saved in views.list_views(db, VIEWER.user_id)] == [
        ("All customers", ""), ("Board review Q2 - EMEA", "NPS"),
    ]


def test_a_personal_view_is_seen_by_its_owner_only_and_a_shared_one_by_everyone(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    views.save_view(db, VIEWER, "Mine", "", QUERY)
    views.save_view(db, ANALYST, "For the board", "", QUERY, shared=True)
    assert names(db, VIEWER) == ["For the board", "Mine"]
    assert names(db, OTHER_VIEWER) == ["For the board"]
    assert names(db, ADMIN) == ["For the board"]  # personal means personal, for admins too


def test_only_analysts_and_admins_share_a_view_and_a_viewers_attempt_is_refused_and_audited(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    with pytest.raises(AccessDeniedError, match="only analysts and admins may share a view with everyone"):
        views.save_view(db, VIEWER, "For everyone", "", QUERY, shared=True)
    assert names(db, OTHER_VIEWER) == [] and names(db, VIEWER) == []
    mine, _ = views.save_view(db, VIEWER, "Mine", "", QUERY)
    with pytest.raises(AccessDeniedError):
        views.set_shared(db, VIEWER, mine.id, True)
    assert rows(db, "select actor, action, outcome from audit_log order by recorded_at") == [
        ("viewer@example.com", "share a view with everyone", "refused"),
        ("viewer@example.com", "share a view with everyone", "refused"),
    ]
    shared = views.set_shared(db, ADMIN, mine.id, True)  # an admin may share anyone's view
    assert shared.shared and names(db, OTHER_VIEWER) == ["Mine"]


def test_saving_under_the_name_of_ones_own_view_replaces_it_and_keeps_it_shared(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    first, _ = views.save_view(db, ANALYST, "Board review", "", "from=2026-01-01&to=2026-03-31", shared=True)
    second, created = views.save_view(db, ANALYST, "BOARD REVIEW", "NPS", QUERY)
    assert not created and second.id == first.id and second.name == "BOARD REVIEW" and second.shared
    assert second.updated_at >= first.updated_at
    assert [saved.link for saved in views.list_views(db, ANALYST.user_id)] == [f"NPS?{QUERY}"]
    # Another person's view of that name is theirs: saving makes a view of one's own.
    own, created = views.save_view(db, VIEWER, "Board review", "", QUERY)
    assert created and own.id != first.id and not own.shared


def test_shared_view_names_are_unique_so_everyones_list_reads_unambiguously(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    views.save_view(db, ANALYST, "Q3", "", QUERY, shared=True)
    with pytest.raises(ViewError, match="A shared view named 'q3' already exists"):
        views.save_view(db, ADMIN, "q3", "", QUERY, shared=True)
    mine, _ = views.save_view(db, ADMIN, "q3", "", QUERY)  # a personal one of that name is fine
    with pytest.raises(ViewError, match="already exists"):
        views.set_shared(db, ADMIN, mine.id, True)


def test_a_refused_view_name_reads_in_russian(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    views.save_view(db, ANALYST, "Q3", "", QUERY, shared=True)
    with i18n.use("ru"):
        with pytest.raises(ViewError) as taken:
            views.save_view(db, ADMIN, "q3", "", QUERY, shared=True)
        with pytest.raises(ViewError) as too_long:
            views.save_view(db, ADMIN, "x" * 81, "", QUERY)
        with pytest.raises(ViewError) as gone:
            views.delete_view(db, ADMIN, 999)
    assert (str(taken.value), str(too_long.value), str(gone.value)) == (
        "Общий вид «q3» уже существует.", "Название — не длиннее 80 символов (в этом — 81).",
        "Этого вида больше нет (возможно, его кто-то удалил).")


def test_the_owner_renames_and_deletes_their_view(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    view, _ = views.save_view(db, VIEWER, "Q2", "", QUERY)
    other, _ = views.save_view(db, VIEWER, "Q3", "", QUERY)
    assert views.rename_view(db, VIEWER, view.id, "Q2 - EMEA").name == "Q2 - EMEA"
    with pytest.raises(ViewError, match="already exists"):
        views.rename_view(db, VIEWER, view.id, "q3")
    assert views.delete_view(db, VIEWER, other.id).name == "Q3"
    assert names(db) == ["Q2 - EMEA"]
    with pytest.raises(ViewError, match="no longer exists"):
        views.delete_view(db, VIEWER, other.id)
    with pytest.raises(ViewError, match="no longer exists"):
        views.rename_view(db, VIEWER, other.id, "Q3 again")


def test_another_persons_shared_view_is_renamed_or_deleted_by_an_admin_only(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    view, _ = views.save_view(db, ANALYST, "For the board", "", QUERY, shared=True)
    for who in (VIEWER, person("analyst", "ann@example.com")):
        with pytest.raises(AccessDeniedError, match="only admins may rename, unshare or delete another person's"):
            views.rename_view(db, who, view.id, "Hijacked")
        with pytest.raises(AccessDeniedError):
            views.delete_view(db, who, view.id)
        with pytest.raises(AccessDeniedError):
            views.set_shared(db, who, view.id, False)
    assert names(db) == ["For the board"]
    assert views.rename_view(db, ADMIN, view.id, "Board pack").name == "Board pack"
    views.delete_view(db, ADMIN, view.id)
    assert names(db) == []
    audit = rows(db, "select actor, action, subject, outcome from audit_log where outcome = 'done' "
                     "order by recorded_at")
    assert audit == [
        ("analyst@example.com", "save shared view", f"view {view.id} “For the board”", "done"),
        ("admin@example.com", "rename shared view", f"view {view.id} “For the board”", "done"),
        ("admin@example.com", "delete shared view", f"view {view.id} “Board pack”", "done"),
    ]
    assert rows(db, "select count(*) from audit_log where outcome = 'refused'") == [(6,)]


def test_another_persons_personal_view_cannot_be_reached_by_its_id(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    view, _ = views.save_view(db, VIEWER, "Private", "", QUERY)
    with pytest.raises(ViewError, match="no longer exists"):
        views.delete_view(db, OTHER_VIEWER, view.id)
    assert names(db) == ["Private"]


def test_views_saved_before_sign_in_existed_stay_shared_and_only_admins_manage_them(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    with duckdb.connect(str(db)) as connection:  # a warehouse from before: views without owner or sharing
        connection.execute("create sequence saved_views_id_seq")
        connection.execute("create table saved_views (id bigint primary key default nextval('saved_views_id_seq'), "
                           "name varchar not null, page varchar not null, query varchar not null, "
                           "created_at timestamp not null, updated_at timestamp not null)")
        connection.execute("insert into saved_views (name, page, query, created_at, updated_at) "
                           "values ('Old board view', '', 'from=2026-04-01', now(), now())")
    [old] = views.list_views(db, VIEWER.user_id)  # opening it adds the columns, with their defaults
    assert (old.owner_id, old.shared) == (None, True)
    with pytest.raises(AccessDeniedError):
        views.delete_view(db, ANALYST, old.id)
    views.delete_view(db, ADMIN, old.id)


@pytest.mark.parametrize(("name", "message"), [("   ", "Give the view a name"), ("x" * 81, "80 characters")])
def test_unusable_names_are_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ViewError, match=message):
        views.save_view(tmp_path / "views.duckdb", VIEWER, name, "", QUERY)


def test_names_and_links_are_stored_as_written_never_run_as_sql(tmp_path: Path) -> None:
    db = tmp_path / "views.duckdb"
    name = "x'); drop table saved_views; --"
    query = "region=O'Brien%27s&from=2026-04-01"
    view, _ = views.save_view(db, ANALYST, name, "NPS", query, shared=True)
    assert (view.name, view.query) == (name, query)
    with reading(db) as connection:
        assert connection.execute("select count(*) from saved_views").fetchone()[0] == 1
    assert access.audit_log(db)["subject"].tolist() == [f"view {view.id} “{name}”"]
