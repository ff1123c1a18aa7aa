"""A load's verdict is its exit code, and the Data page says the same (cxkpi/verdict.py).

0: every row of every file loaded; 3: the files loaded but some rows were quarantined; 1: a file was
refused (nothing of it loaded), among them a file with more quarantined rows than the limit (5% of
its rows by default: --quarantine-limit, $CXKPI_QUARANTINE_LIMIT); 2: the limit or a mapping cannot
be used. The worst verdict of a run is its exit code.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from cxkpi import verdict
from cxkpi.inbox import process_inbox
from tests.support import GOLDEN_DIR, app_test, build_warehouse, cxkpi, kpis_json, rows


def orders_file(path: Path, rows_total: int, bad_dates: int = 0, bad_amounts: int = 0) -> Path:
    """rows_total orders of C1..C5 in May 2026, the first bad_dates with no date anyone can read, the
    next bad_amounts with a word for an amount."""
    lines = ["order_id,customer_id,ordered_at,amount"]
    for index in range(rows_total):
        date = "sometime in May" if index < bad_dates else f"2026-05-{1 + index % 28:02d}"
        amount = "ten" if bad_dates <= index < bad_dates + bad_amounts else "10.00"
        lines.append(f"O{index:03d},C{index % 5 + 1},{date},{amount}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_exit_0_when_every_row_of_every_file_loads(tmp_path):
    result = cxkpi("ingest", GOLDEN_DIR, "--db", tmp_path / "w.duckdb")
    assert result.returncode == verdict.EXIT_LOADED == 0, result.stderr
    assert "quarantined" in result.stdout and "QUARANTINED" not in result.stdout


def test_exit_3_and_a_loud_summary_when_some_rows_are_quarantined(tmp_path):
    """3 of 100 rows cannot be read: 3% is under the 5% limit, so the 97 others load. Complaint-free
    orders: the repeat-purchase rate of May 2026 counts C1..C5, each with 19-20 orders: 5 / 5 = 100%."""
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", orders_file(tmp_path / "orders.csv", 100, bad_dates=3), "--db", db)
    assert result.returncode == verdict.EXIT_QUARANTINED == 3, result.stderr
    assert "orders.csv: orders: 100 rows read, 97 inserted, 0 updated, 3 quarantined" in result.stdout
    assert ("QUARANTINED: 3 of 100 rows (3.0%, under the 5% limit) are not loaded and count in no KPI; "
            "fix them in the export and load it again") in result.stdout
    assert "row 2, ordered_at: not a date: use ISO 8601" in result.stdout
    assert rows(db, "select count(*) from quarantine") == [(3,)]
    repeat = kpis_json(db, "--start", "2026-05-01", "--end", "2026-05-31")["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (100.0, 5)


def test_a_file_with_more_quarantined_rows_than_the_limit_is_refused_with_its_commonest_reasons(tmp_path):
    """6 unreadable dates and 4 unreadable amounts in 100 rows: 10% is above 5%, a problem that would
    bias every KPI built on the other 90. Nothing loads; the reasons come with counts and first rows,
    never the file's values."""
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", orders_file(tmp_path / "orders.csv", 100, bad_dates=6, bad_amounts=4), "--db", db)
    assert result.returncode == verdict.EXIT_REFUSED == 1
    assert ("refused: orders.csv: refused, nothing was changed: 10 of 100 rows (10.0%) cannot be trusted, more "
            "than the 5% that refuses a whole file (a problem this common would bias every KPI built on the rest). "
            "Commonest reasons: ordered_at: not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00: "
            "6 rows (first: row 2); amount: not a number: use digits with a dot for decimals, e.g. 1234.50: 4 rows "
            "(first: row 8). Fix the export and load it again; to load the other rows anyway, raise the limit "
            "with --quarantine-limit PERCENT or $CXKPI_QUARANTINE_LIMIT.") in result.stderr
    assert "sometime in May" not in result.stderr
    assert rows(db, "select count(*) from orders") == [(0,)]
    assert rows(db, "select count(*) from quarantine") == [(0,)]


def test_the_limit_is_set_by_the_command_line_or_the_environment(tmp_path):
    source = orders_file(tmp_path / "orders.csv", 100, bad_dates=6, bad_amounts=4)
    flagged = cxkpi("ingest", source, "--db", tmp_path / "a.duckdb", "--quarantine-limit", "15")
    assert flagged.returncode == verdict.EXIT_QUARANTINED, flagged.stderr
    assert "QUARANTINED: 10 of 100 rows (10.0%, under the 15% limit)" in flagged.stdout
    by_environment = cxkpi("ingest", source, "--db", tmp_path / "b.duckdb",
                           env={verdict.QUARANTINE_LIMIT_ENV: "15"})
    assert by_environment.returncode == verdict.EXIT_QUARANTINED, by_environment.stderr
    unusable = cxkpi("ingest", source, "--db", tmp_path / "c.duckdb", "--quarantine-limit", "150")
    assert unusable.returncode == verdict.EXIT_SETUP == 2
    assert "the quarantine limit must be a percentage from 0 to 100, not 150" in unusable.stderr


def test_a_mapping_that_cannot_be_used_exits_2_and_loads_nothing(tmp_path):
    mapping = tmp_path / "mappings.toml"
    mapping.write_text('[[format]]\nname = "x"\ntable = "orders"\ncolumns.order_id = ["id"]\n', encoding="utf-8")
    result = cxkpi("ingest", GOLDEN_DIR, "--db", tmp_path / "w.duckdb", "--mapping", mapping)
    assert result.returncode == verdict.EXIT_SETUP
    assert "must say which header holds ordered_at" in result.stderr


def test_the_worst_verdict_of_a_run_is_its_exit_code(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    orders_file(folder / "a_some_bad.csv", 100, bad_dates=2)
    orders_file(folder / "b_too_many_bad.csv", 20, bad_dates=5)
    shutil.copy(GOLDEN_DIR / "customers.csv", folder / "c_customers.csv")
    result = cxkpi("ingest", folder, "--db", tmp_path / "w.duckdb")
    assert result.returncode == verdict.EXIT_REFUSED
    assert "a_some_bad.csv: orders: 100 rows read, 98 inserted" in result.stdout
    assert "c_customers.csv: customers: 5 rows read, 5 inserted" in result.stdout
    assert "b_too_many_bad.csv: refused, nothing was changed: 5 of 20 rows (25.0%)" in result.stderr
    assert [verdict.exit_code(v) for v in (["loaded", "unchanged"], ["loaded", "quarantined"],
                                           ["quarantined", "refused"])] == [0, 3, 1]


def test_the_inbox_gives_the_same_verdicts(tmp_path):
    db, inbox = tmp_path / "w.duckdb", tmp_path / "inbox"
    inbox.mkdir()
    orders_file(inbox / "some_bad.csv", 100, bad_dates=2)
    orders_file(inbox / "too_many_bad.csv", 20, bad_dates=5)
    for path in inbox.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))
    outcomes = {outcome.name: outcome.verdict for outcome in process_inbox(db, inbox)}
    assert outcomes == {"some_bad.csv": "quarantined", "too_many_bad.csv": "refused"}
    assert sorted(path.name for path in (inbox / "refused").iterdir()) == [
        "too_many_bad.csv", "too_many_bad.csv.reason.txt"]


def test_rebuild_loads_again_a_file_loaded_under_a_raised_limit(tmp_path):
    """The archive holds files that were accepted: rebuild replays them whatever the limit now is."""
    db = tmp_path / "w.duckdb"
    source = orders_file(tmp_path / "orders.csv", 100, bad_dates=8)
    assert cxkpi("ingest", source, "--db", db, "--quarantine-limit", "10").returncode == verdict.EXIT_QUARANTINED
    rebuilt = cxkpi("rebuild", "--db", db)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rows(db, "select count(*) from orders") == [(92,)]


def test_the_data_page_shows_amber_not_green_for_a_load_with_quarantined_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The same verdicts as the CLI: green for a clean file, amber for one with quarantined rows,
    red for a refused one."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    orders_file(inbox / "clean.csv", 10)
    orders_file(inbox / "some_bad.csv", 100, bad_dates=2)
    orders_file(inbox / "too_many_bad.csv", 20, bad_dates=5)
    for offset, name in enumerate(("clean.csv", "some_bad.csv", "too_many_bad.csv")):
        stamp = time.time() - 60 + offset
        os.utime(inbox / name, (stamp, stamp))
    at = app_test(monkeypatch, db).run()
    at = at.switch_page("pages/11_Data.py").run()
    at.button(key="load_inbox").click().run()
    assert not at.exception

    def shown(boxes) -> list[str]:  # the boxes' text without Markdown's escapes
        return [box.value.replace("\\", "") for box in boxes]

    assert [text.split(":")[0] for text in shown(at.success)] == ["clean.csv"]
    assert [text.split(":")[0] for text in shown(at.warning)] == ["some_bad.csv"]
    assert "QUARANTINED: 2 of 100 rows (2.0%, under the 5% limit)" in shown(at.warning)[0]
    assert [text.split(":")[1].strip() for text in shown(at.error)] == ["too_many_bad.csv"]
