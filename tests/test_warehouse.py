"""Readers and writers share the warehouse without lock errors, in one process and across processes."""

import subprocess
import sys
import threading
import time

import pytest

from cxkpi import i18n, ownership, views, warehouse
from cxkpi.registry import Owner
from cxkpi.warehouse import data_version, reading, resolve_db_path, writing
from tests.support import GOLDEN_DIR, PROJECT_ROOT, build_warehouse, person


def test_db_path_comes_from_the_option_then_the_environment_then_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("CXKPI_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(tmp_path / "option.duckdb") == tmp_path / "option.duckdb"
    assert resolve_db_path() == tmp_path / "env.duckdb"
    monkeypatch.delenv("CXKPI_DB")
    assert resolve_db_path() == PROJECT_ROOT / "data" / "cxkpi.duckdb"


def test_a_first_read_creates_an_empty_warehouse_with_its_schema(tmp_path):
    with reading(tmp_path / "new.duckdb") as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (0,)


def test_a_warehouse_deleted_after_its_first_read_is_created_again_on_the_next(tmp_path):
    db = tmp_path / "w.duckdb"
    with reading(db):
        pass
    db.unlink()
    with reading(db) as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (0,)


def test_a_writer_in_the_same_process_waits_for_open_readers_instead_of_failing(tmp_path):
    """DuckDB refuses a read-write connection while a read-only one is open in the same process."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR / "orders.csv")
    reader_open, events = threading.Event(), []

    def slow_reader():
        with reading(db) as connection:
            reader_open.set()
            time.sleep(0.5)
            events.append(("read", connection.execute("select count(*) from orders").fetchone()[0]))

    thread = threading.Thread(target=slow_reader)
    thread.start()
    reader_open.wait()
    with writing(db) as connection:
        connection.execute("delete from orders where order_id = 'O1'")
        events.append(("wrote", None))
    thread.join()
    assert events == [("read", 10), ("wrote", None)]


def test_a_cli_load_waits_while_another_process_is_reading(tmp_path):
    """The app holds short read-only connections; a loader in another process waits its turn."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR / "customers.csv")
    with reading(db):
        loader = subprocess.Popen(
            [sys.executable, "-m", "cxkpi", "ingest", str(GOLDEN_DIR / "orders.csv"), "--db", str(db)],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(1.0)  # the loader starts and finds the file locked by this reader
        assert loader.poll() is None, loader.communicate()
    stdout, stderr = loader.communicate(timeout=60)
    assert loader.returncode == 0, stderr
    assert "orders.csv: orders: 10 rows read, 10 inserted" in stdout
    with reading(db) as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (10,)


def test_reading_one_warehouse_does_not_hold_up_writing_another(tmp_path):
    """The gate is per file: with a reader open on A, a write to B in the same thread goes ahead."""
    first = build_warehouse(tmp_path / "a.duckdb", GOLDEN_DIR / "customers.csv")
    second = tmp_path / "b.duckdb"
    with reading(first), writing(second) as connection:
        connection.execute("insert into orders (order_id, ordered_at) values ('O1', '2026-01-01')")
    with reading(second) as connection:
        assert connection.execute("select count(*) from orders").fetchone() == (1,)


def test_only_a_committed_load_changes_the_data_version_that_keys_the_apps_cached_numbers(tmp_path, registry):
    """Saving a view or changing an owner also writes the file; if that made the cached KPIs stale,
    every viewer would recompute every KPI after someone saved a view in a meeting."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR / "customers.csv")
    loaded = data_version(db)
    assert loaded != 0

    views.save_view(db, person(), "Board review Q3 - EMEA", "dashboard.py", "from=2026-07-01&to=2026-09-30&region=EMEA")
    ownership.change(db, registry["nps"], person(), owner=Owner("Lena Vogt", "VP Customer Insight", "lena@example.com"))
    build_warehouse(db, GOLDEN_DIR / "customers.csv")  # the same bytes again: skipped as already loaded
    assert data_version(db) == loaded

    build_warehouse(db, GOLDEN_DIR / "orders.csv")
    assert data_version(db) > loaded


def test_a_warehouse_held_by_another_process_is_reported_busy_in_russian(tmp_path, monkeypatch):
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); "
                               "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(warehouse, "LOCK_TIMEOUT_SECONDS", 0.2)
        with i18n.use("ru"), pytest.raises(warehouse.WarehouseBusyError) as busy, reading(db):
            pass
        # Unbound: English, as before.
        with pytest.raises(warehouse.WarehouseBusyError, match=r"stayed locked by another process for 0 s: "), \
                reading(db):
            pass
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert str(busy.value).startswith(f"{db} оставался заблокирован другим процессом 0 с: ")
