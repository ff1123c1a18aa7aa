"""The inbox, the archive, rebuilding from it, uploads' file names, and a load killed halfway."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from cxkpi import access, archive, ownership, views
from cxkpi.inbox import (
    accept_upload,
    process_inbox,
    rebuild,
    refused_files,
    release_held,
    safe_name,
    waiting_files,
)
from cxkpi.ingest import IngestError, ingest_paths
from cxkpi.registry import Owner
from cxkpi.sample_data import generate
from tests.support import (
    GOLDEN_DIR,
    HOSTILE,
    PROJECT_ROOT,
    TESTS_DIR,
    build_warehouse,
    cxkpi,
    drop,
    person,
    rows,
    snapshot,
)


def holds_open(pid: int, path: Path) -> bool:
    """True while process pid has path open (Linux /proc): the loader is inside its write connection."""
    try:
        return any(os.path.realpath(fd) == str(path.resolve()) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def test_the_inbox_loads_archives_and_empties_and_sets_refused_files_aside_with_the_reason(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv", HOSTILE / "orders_ambiguous_dates.csv")
    outcomes = process_inbox(db, inbox)
    assert [(o.name, o.result.rows_inserted if o.result else None) for o in outcomes] == [
        ("orders_2026_jan_mar.csv", 3), ("orders_ambiguous_dates.csv", None),
    ]
    assert sorted(p.name for p in inbox.iterdir()) == [".loaded", "refused"]
    # The loaded file waits in .loaded/ (deleted after an hour, unless it changes: see release_held).
    [held] = (inbox / ".loaded").iterdir()
    assert held.name.endswith("-orders_2026_jan_mar.csv")
    assert sorted(p.name for p in (inbox / "refused").iterdir()) == [
        "orders_ambiguous_dates.csv", "orders_ambiguous_dates.csv.reason.txt",
    ]
    [(name, reason)] = refused_files(inbox)
    assert name == "orders_ambiguous_dates.csv" and "cannot be told" in reason
    # The original bytes are archived under their sha256.
    [entry] = archive.entries(tmp_path / "archive")
    kept = archive.stored_path(tmp_path / "archive", entry.sha256)
    assert kept.read_bytes() == (HOSTILE / "orders_2026_jan_mar.csv").read_bytes()
    assert (entry.name, entry.table) == ("orders_2026_jan_mar.csv", "orders")


def test_the_same_file_dropped_again_changes_nothing_and_says_so(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv")
    process_inbox(db, inbox)
    before = snapshot(db)
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv")
    [outcome] = process_inbox(db, inbox)
    assert "already loaded" in outcome.summary() and outcome.summary().endswith("nothing changed")
    assert snapshot(db) == before
    assert [p.name for p in inbox.iterdir()] == [".loaded"]
    assert len(archive.entries(tmp_path / "archive")) == 1


def test_overlapping_exports_in_the_inbox_load_oldest_first_so_the_newer_wins(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    # Named so that alphabetical order would be wrong: the February-April export arrived later.
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv")
    newer = tmp_path / "a_feb_apr.csv"
    shutil.copyfile(HOSTILE / "orders_2026_feb_apr.csv", newer)
    drop(inbox, newer, age_seconds=30)
    process_inbox(db, inbox)
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("select status from orders where order_id = 'O-FEB'").fetchall() == [("cancelled",)]


def test_files_still_arriving_hidden_or_partial_wait_for_the_next_run(tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv")
    (inbox / "fresh.csv").write_text("order_id\n", encoding="utf-8")  # modified just now
    (inbox / ".hidden.csv").write_text("x\n", encoding="utf-8")
    (inbox / "big.csv.part").write_text("x\n", encoding="utf-8")
    (inbox / "notes.pdf").write_text("x\n", encoding="utf-8")
    for name in (".hidden.csv", "big.csv.part", "notes.pdf"):
        os.utime(inbox / name, (time.time() - 60, time.time() - 60))
    assert [path.name for path in waiting_files(inbox)] == ["orders_2026_jan_mar.csv"]


def test_rebuild_from_the_archive_alone_gives_the_same_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest_paths(db, [GOLDEN_DIR, HOSTILE / "orders_2026_jan_mar.csv", HOSTILE / "orders_2026_feb_apr.csv",
                      HOSTILE / "customers_cp1252_french.csv"])
    canonical = ("customers", "orders", "survey_responses", "complaints")
    with duckdb.connect(str(db), read_only=True) as connection:
        before = {t: connection.execute(f"select * from {t} order by all").fetchall() for t in canonical}
    db.unlink()  # the warehouse is lost; the archive is all there is
    outcomes = rebuild(db)
    assert [o.refusal for o in outcomes] == [None] * 7
    with duckdb.connect(str(db), read_only=True) as connection:
        assert {t: connection.execute(f"select * from {t} order by all").fetchall() for t in canonical} == before
    assert not db.with_name(db.name + ".rebuilding").exists()
    # Rebuilding over an existing warehouse swaps it whole; the result takes new loads and leaves no WAL behind.
    assert [o.refusal for o in rebuild(db)] == [None] * 7
    [result], _ = ingest_paths(db, [HOSTILE / "orders_pipe_delimited.csv"])
    assert result.rows_inserted == 2
    assert not db.with_name(db.name + ".wal").exists()
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (len(before["orders"]) + 2,)


def test_rebuild_keeps_what_people_made_in_the_app_and_every_saved_views_id(tmp_path, registry):
    """Views, owner changes, roles and the audit log are not in the archive: people made them in the app,
    so rebuild carries them over. A view keeps its id, and no id is given twice: a page opened before
    the rebuild that deletes "view 2" deletes that view, or nothing."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)  # not golden_copy: rebuild needs the archive
    admin, analyst = person("admin"), person("analyst")
    board, _ = views.save_view(db, analyst, "Board review Q3 - EMEA", "NPS",
                               "from=2026-07-01&to=2026-09-30&region=EMEA", shared=True)
    draft, _ = views.save_view(db, analyst, "Draft", "", "from=2026-04-01&to=2026-06-30")
    mine, _ = views.save_view(db, admin, "Mine", "", "from=2026-01-01&to=2026-03-31")
    views.delete_view(db, admin, mine.id)  # the last id given is now not in the table
    ownership.change(db, registry["nps"], admin, owner=Owner("Lena Vogt", "VP Customer Insight", "lena@example.com"))
    access.set_role(db, admin, "Vera@Example.com", access.Role.VIEWER)
    audit_before = rows(db, "select * from audit_log order by all")
    with duckdb.connect(str(db)) as connection:  # a table another part of the app may add: carried over too
        connection.execute("create table app_notes (note varchar); insert into app_notes values ('kept')")

    assert [o.refusal for o in rebuild(db)] == [None] * 4
    assert rows(db, "select note from app_notes") == [("kept",)]

    assert [(v.id, v.name, v.query, v.owner_id, v.shared) for v in views.list_views(db, analyst.user_id)] == [
        (board.id, "Board review Q3 - EMEA", "from=2026-07-01&to=2026-09-30&region=EMEA", analyst.user_id, True),
        (draft.id, "Draft", "from=2026-04-01&to=2026-06-30", analyst.user_id, False)]
    assert rows(db, "select owner_name, owner_role from kpi_overrides") == [("Lena Vogt", "VP Customer Insight")]
    assert rows(db, "select changed_by, old_value, new_value from kpi_changes") == [
        ("admin@example.com", "Amara Okafor, Chief Customer Officer <amara.okafor@example.com>",
         "Lena Vogt, VP Customer Insight <lena@example.com>")]
    assert access.grants(db) == {"vera@example.com": access.Role.VIEWER}
    assert rows(db, "select * from audit_log order by all") == audit_before
    # A stale page holding the deleted view's id finds nothing; the next view gets an id never given before.
    with pytest.raises(views.ViewError, match="no longer exists"):
        views.delete_view(db, admin, mine.id)
    second, _ = views.save_view(db, admin, "Second", "", "from=2026-04-01&to=2026-06-30")
    assert second.id > mine.id


def test_rebuild_leaves_the_warehouse_alone_when_an_archived_file_no_longer_loads(tmp_path):
    db = tmp_path / "w.duckdb"
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[format]]\nname = "ours"\ntable = "orders"\ndate_order = "day-first"\n'
                       'columns.order_id = ["order_id"]\ncolumns.ordered_at = ["ordered_at"]\n', encoding="utf-8")
    ingest_paths(db, [HOSTILE / "orders_ambiguous_dates.csv"], mapping=mapping)
    before = snapshot(db)
    outcomes = rebuild(db)  # without the mapping, the ambiguous dates are refused
    assert "cannot be told" in outcomes[0].refusal
    assert snapshot(db) == before
    assert [o.refusal for o in rebuild(db, mapping=mapping)] == [None]


def test_cli_ingest_without_a_path_loads_the_inbox_and_rebuild_is_a_command(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "in"
    drop(inbox, HOSTILE / "orders_pipe_delimited.csv")
    run = cxkpi("ingest", "--inbox", inbox, "--db", db)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("orders_pipe_delimited.csv: orders: 2 rows read, 2 inserted")
    run = cxkpi("rebuild", "--db", db)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == f"rebuilt {db} from 1 archived files"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd.csv"),
        ("..\\..\\Windows\\win.ini", "win.ini.csv"),
        ("/tmp/x/orders.CSV", "orders.CSV"),
        (".bashrc", "bashrc.csv"),
        ("réponses clients;rm -rf.csv", "réponses clients_rm -rf.csv"),
        ("", "upload.csv"),
    ],
)
def test_uploaded_file_names_are_never_used_as_paths(given, safe):
    assert safe_name(given) == safe


def test_an_upload_lands_in_the_inbox_whole_and_an_oversized_one_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    path = accept_upload(inbox, "../orders.csv", b"order_id,ordered_at\nO1,2026-01-01\n", max_bytes=1000)
    assert path == inbox / "orders.csv" and path.read_bytes().startswith(b"order_id")
    again = accept_upload(inbox, "orders.csv", b"order_id,ordered_at\n", max_bytes=1000)
    assert again == inbox / "orders (2).csv"
    with pytest.raises(ValueError, match=r"uploads are limited to 0 MB\. Copy large files into the inbox folder"):
        accept_upload(inbox, "big.csv", b"x" * 2000, max_bytes=1000)


def test_a_load_killed_halfway_leaves_the_warehouse_exactly_as_before(tmp_path):
    """A real `python -m cxkpi ingest` of 400,000 orders, killed with SIGKILL while it writes."""
    db = tmp_path / "w.duckdb"
    ingest_paths(db, [GOLDEN_DIR])
    before = snapshot(db)
    files = generate(tmp_path / "big", customers=1000, orders=400_000, survey_responses=10, complaints=10)
    loader = subprocess.Popen(
        [sys.executable, "-m", "cxkpi", "ingest", str(files["orders"]), "--db", str(db)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not holds_open(loader.pid, db) and loader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)  # the loader opens the warehouse only once the file is prepared
    time.sleep(0.1)  # into reading, typing and upserting 400,000 rows, inside the file's transaction
    assert loader.poll() is None and holds_open(loader.pid, db), "the load finished before it could be killed"
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    assert loader.returncode == -signal.SIGKILL
    assert snapshot(db) == before
    # And the warehouse takes the next load normally.
    [result], refusals = ingest_paths(db, [HOSTILE / "orders_pipe_delimited.csv"])
    assert (refusals, result.rows_inserted) == ([], 2)


def test_a_symbolic_link_in_the_inbox_is_refused_and_never_followed(tmp_path):
    """Whoever can write to the inbox must not make cxkpi read, or write, anywhere else."""
    db, inbox, outside = tmp_path / "w.duckdb", tmp_path / "inbox", tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "payroll.csv"
    secret.write_text("order_id,ordered_at,amount\nSECRET-1,2026-01-01,99999.00\n", encoding="utf-8")
    inbox.mkdir()
    (inbox / "orders.csv").symlink_to(secret)
    (inbox / "refused").symlink_to(outside, target_is_directory=True)  # nor is a refusal written through a link
    stamp = time.time() - 60
    os.utime(inbox / "orders.csv", (stamp, stamp), follow_symlinks=False)
    [outcome] = process_inbox(db, inbox)
    assert outcome.refusal == (
        "orders.csv: is a symbolic link; the inbox loads only files copied into it, never what a link points to. "
        "Copy the file itself into the inbox")
    assert not db.exists()  # nothing was read into a warehouse
    assert sorted(path.name for path in outside.iterdir()) == ["payroll.csv"]
    assert (inbox / "refused").is_dir() and not (inbox / "refused").is_symlink()
    assert (inbox / "refused" / "orders.csv").is_symlink()  # the link itself, set aside
    assert refused_files(inbox) == [("orders.csv", outcome.refusal)]
    assert not list((tmp_path / "archive").glob("*.csv"))


def test_a_refused_file_leaves_no_copy_in_the_archive_and_the_same_file_refused_again_does_not_pile_up(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    for _ in range(3):  # the reader refuses it only after it was archived: the copy goes again
        drop(inbox, TESTS_DIR / "ingest_files" / "orders_broken_structure.csv")
        [outcome] = process_inbox(db, inbox)
        assert outcome.refusal.endswith("line 3 has 7 fields where the header has 6 (an unquoted delimiter inside "
                                        "a value?)")
    assert not list((tmp_path / "archive").glob("*.csv"))
    assert archive.entries(tmp_path / "archive") == []
    assert sorted(path.name for path in (inbox / "refused").iterdir()) == [
        "orders_broken_structure.csv", "orders_broken_structure.csv.reason.txt"]


def test_a_loaded_file_waits_in_loaded_and_is_deleted_once_its_hold_is_over(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    drop(inbox, HOSTILE / "orders_2026_jan_mar.csv")
    process_inbox(db, inbox)
    [held] = (inbox / ".loaded").iterdir()
    release_held(inbox)  # within the hour: kept, in case its copy resumes
    assert held.exists()
    release_held(inbox, hold_seconds=0)
    assert not held.exists()
    assert waiting_files(inbox, settle_seconds=0) == []


def test_rebuild_refuses_to_lose_a_load_whose_file_is_not_in_the_archive(tmp_path):
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    [orders] = [entry for entry in archive.entries(tmp_path / "archive") if entry.name == "orders.csv"]
    archive.stored_path(tmp_path / "archive", orders.sha256).unlink()
    before = snapshot(db)
    with pytest.raises(IngestError, match=r"1 load\(s\) in the warehouse have no file in the archive .*: orders\.csv\. "
                       r"A rebuild would lose their rows, so nothing was changed\. Load those files again"):
        rebuild(db)
    assert snapshot(db) == before
    [again], _ = ingest_paths(db, [GOLDEN_DIR / "orders.csv"])  # as the message says
    assert again.already_loaded
    assert [o.refusal for o in rebuild(db)] == [None] * 4
    assert snapshot(db) == before
