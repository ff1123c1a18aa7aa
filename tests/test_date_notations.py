"""More date notations: spreadsheet day numbers, Unix epochs where a mapping says so, a mapping's own
date_format. ISO basic dates (19970101) and implausible dates are in tests/test_real_shapes.py.

Day numbers by hand: Excel's day 0 is 1899-12-30; 2024-01-01 is day 45292, 2025 starts 366 days
later (45658), 2026 365 days after that (46023), and 1 April 2026 is 31 + 28 + 31 = 90 days on:
46113. Epoch: 1 April 2026 is 20,544 days after 1970-01-01, 20,544 x 86,400 = 1,775,001,600 s.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cxkpi.ingest import ingest_paths
from tests.support import cxkpi, kpis_json, rows


def orders_mapping(path: Path, ordered_at: str, extra: str = "") -> Path:
    path.write_text(f'[[format]]\nname = "Till log"\ntable = "orders"\n{extra}columns.order_id = ["id"]\n'
                    f'columns.customer_id = ["customer"]\ncolumns.ordered_at = {ordered_at}\n', encoding="utf-8")
    return path


def test_spreadsheet_day_numbers_in_a_date_column_are_dates(tmp_path):
    """46113 = 2026-04-01, 46113.75 = 18:00 that day, 46203 = 2026-06-30. Q2 2026: C1 bought twice,
    C2 once: repeat-purchase rate 1 / 2 = 50.0%."""
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,ordered_at,amount\nX1,C1,46113,10.00\nX2,C1,46113.75,12.00\n"
                    "X3,C2,46203,8.00\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 0, result.stderr
    assert rows(db, "select order_id, ordered_at from orders order by 1") == [
        ("X1", datetime(2026, 4, 1)), ("X2", datetime(2026, 4, 1, 18)), ("X3", datetime(2026, 6, 30))]
    repeat = kpis_json(db)["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (50.0, 2)


def test_epoch_seconds_and_milliseconds_are_read_where_a_mapping_says_so(tmp_path):
    seconds = tmp_path / "seconds.csv"
    seconds.write_text("id,customer,ts\nE1,C1,1775001600\nE2,C1,1775005200.5\n", encoding="utf-8")
    millis = tmp_path / "millis.csv"
    millis.write_text("id,customer,ts\nM1,C2,1775001600000\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    for path, unit in ((seconds, "seconds"), (millis, "milliseconds")):
        mapping = orders_mapping(tmp_path / f"{unit}.toml", f'{{ aliases = ["ts"], epoch = "{unit}" }}')
        assert not ingest_paths(db, [path], mapping=mapping)[1]
    assert rows(db, "select order_id, ordered_at from orders order by 1") == [
        ("E1", datetime(2026, 4, 1)), ("E2", datetime(2026, 4, 1, 1, 0, 0, 500000)), ("M1", datetime(2026, 4, 1))]


def test_a_mapping_date_format_is_the_only_layout_tried(tmp_path):
    """"01.04.2026 14:05" as the mapping's %d.%m.%Y %H:%M; an ISO date in the same column is not what
    the mapping says and is quarantined with the mapping's layout named (1 of 21 rows: the limit is
    raised to load the rest)."""
    lines = ["id,customer,when"] + [f"D{index},C{index},{index + 1:02d}.04.2026 14:05" for index in range(20)]
    lines.append("D99,C99,2026-04-30 10:00")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = orders_mapping(tmp_path / "m.toml", '["when"]', 'date_format = "%d.%m.%Y %H:%M"\n')
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db, "--mapping", mapping, "--quarantine-limit", "10")
    assert result.returncode == 3, result.stderr
    assert ("row 22, ordered_at: not a date written as the mapping's date_format says (%d.%m.%Y %H:%M) "
            "(value: '2026-04-30 10:00')") in result.stdout
    assert rows(db, "select min(ordered_at), max(ordered_at), count(*) from orders") == [
        (datetime(2026, 4, 1, 14, 5), datetime(2026, 4, 20, 14, 5), 20)]


def test_in_tehran_time_epochs_and_offsets_are_converted_and_times_without_one_are_local(tmp_path):
    """timezone = "Asia/Tehran" (UTC+03:30): an epoch is an instant, 1,775,001,600 s = 1 April 2026
    00:00 UTC = 03:30 in Tehran; a mapping's %z layout and a day-first value with an offset are
    converted (12:00 +00:00 = 15:30; 09:00 +03:00 = 09:30); a day-first value without an offset
    is Tehran's own time, kept as written; 'GMT+3' (Google Forms) as +03:00."""
    epochs = tmp_path / "epochs.csv"
    epochs.write_text("id,customer,ts\nE1,C1,1775001600\n", encoding="utf-8")
    zoned = tmp_path / "zoned.csv"
    zoned.write_text("id,customer,when\nZ1,C1,2026-04-01 12:00 +0000\n", encoding="utf-8")
    day_first = tmp_path / "day_first.csv"
    day_first.write_text("order_id,customer_id,ordered_at,amount\nD1,C1,25/04/2026 09:00 +03:00,5.00\n"
                         "D2,C1,25/04/2026 23:30,5.00\nD3,C2,13/04/2026 08:00 GMT+3,5.00\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    for path, mapping in (
        (epochs, orders_mapping(tmp_path / "epoch.toml", '{ aliases = ["ts"], epoch = "seconds" }')),
        (zoned, orders_mapping(tmp_path / "zoned.toml", '["when"]', 'date_format = "%Y-%m-%d %H:%M %z"\n')),
        (day_first, None),
    ):
        assert not ingest_paths(db, [path], mapping=mapping, timezone="Asia/Tehran")[1]
    assert rows(db, "select order_id, ordered_at from orders order by 1") == [
        ("D1", datetime(2026, 4, 25, 9, 30)), ("D2", datetime(2026, 4, 25, 23, 30)),
        ("D3", datetime(2026, 4, 13, 8, 30)), ("E1", datetime(2026, 4, 1, 3, 30)), ("Z1", datetime(2026, 4, 1, 15, 30)),
    ]
