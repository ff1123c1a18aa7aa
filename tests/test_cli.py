"""python -m cxkpi, run as a real subprocess the way scripts and cron jobs run it."""

import argparse
import json
import re

import pytest

from cxkpi.cli import build_parser
from tests.support import GOLDEN_DIR, PROJECT_ROOT, TESTS_DIR, cxkpi, kpis_json


def test_ingest_prints_table_and_counts_per_file(tmp_path):
    result = cxkpi("ingest", GOLDEN_DIR, "--db", tmp_path / "w.duckdb")
    assert result.returncode == 0, result.stderr
    assert "orders.csv: orders: 10 rows read, 10 inserted, 0 updated, 0 quarantined" in result.stdout


def test_ingest_exits_non_zero_naming_the_file_and_its_missing_columns(tmp_path):
    result = cxkpi("ingest", TESTS_DIR / "ingest_files" / "fits_no_table.csv", "--db", tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "refused: fits_no_table.csv: fits no table" in result.stderr
    assert "needs the columns order_id, customer_id, ordered_at, amount, channel" in result.stderr


def test_ingest_prints_its_lines_in_russian_with_lang(tmp_path):
    """--lang ru: the counts, the quarantined rows' reasons and a refusal's reason in Russian; the file's
    names and values as written; the exit code the same as in English (a file refused: 1)."""
    files = [TESTS_DIR / "ingest_files" / name for name in ("orders_with_bad_rows.csv", "fits_no_table.csv")]
    result = cxkpi("ingest", *files, "--db", tmp_path / "w.duckdb", "--quarantine-limit", "100", "--lang", "ru")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "orders_with_bad_rows.csv: Заказы: прочитано строк: 5, добавлено: 2, обновлено: 0, в карантине: 3",
        "  В КАРАНТИНЕ: 3 из 5 строк (60,0\xa0%) не загружены и не входят ни в один KPI; исправьте их в выгрузке и "
        "загрузите её снова",
        "  строка 3, ordered_at: не дата: пишите по ISO 8601, например 2026-03-31 или 2026-03-31 14:05:00 "
        "(значение: '2026-02-30')",
        "  строка 4, order_id: нет order_id: он нужен в каждой строке (значение: None)",
        "  строка 5, amount: не число: пишите цифры с точкой для дробной части, например 1234.50 "
        "(значение: 'ten euros')",
    ]
    assert result.stderr.startswith("отклонён: fits_no_table.csv: не подходит ни к одной таблице. Ближе всего "
                                    "orders, которой нужны столбцы order_id, customer_id, ordered_at, amount, channel")
    assert "rows read" not in result.stdout and "fits no table" not in result.stderr


def test_rebuild_and_users_speak_persian_with_lang(tmp_path):
    db = tmp_path / "w.duckdb"
    assert cxkpi("ingest", GOLDEN_DIR / "orders.csv", "--db", db).returncode == 0
    rebuilt = cxkpi("rebuild", "--db", db, "--lang", "fa")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.splitlines()[-1] == f"{db} از ۱ فایل بایگانی‌شده بازسازی شد"
    assert rebuilt.stdout.startswith("orders.csv: سفارش‌ها: ۱۰ سطر خوانده شد، ۱۰ افزوده")
    given = cxkpi("users", "set", "Amara@Example.com", "analyst", "--db", db, "--lang", "fa")
    assert (given.returncode, given.stdout) == (0, "amara@example.com: نه در جدول ← تحلیل‌گر\n")
    listed = cxkpi("users", "list", "--db", db, "--lang", "ru").stdout.splitlines()
    assert re.fullmatch(r"amara@example\.com +аналитик выдал cli:\S+ \d{4}-\d\d-\d\d в \d\d:\d\d", listed[0]), listed
    assert listed[-1].startswith("все остальные, кто входит, — зрители")
    english = cxkpi("users", "list", "--db", db).stdout.splitlines()
    assert re.fullmatch(r"amara@example\.com +analyst  given by cli:\S+ on \d{4}-\d\d-\d\d \d\d:\d\d", english[0])
    refused = cxkpi("users", "remove", "nadia@example.com", "--db", db, "--lang", "fa")
    assert (refused.returncode, refused.stderr) == (2, "error: nadia@example.com is not in the roles table.\n")


def test_ingest_if_empty_loads_only_into_an_empty_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    assert "10 inserted" in cxkpi("ingest", GOLDEN_DIR, "--if-empty", "--db", db).stdout
    second = cxkpi("ingest", GOLDEN_DIR, "--if-empty", "--db", db)
    assert (second.returncode, "already holds data; nothing loaded" in second.stdout) == (0, True)


STATUSES = {"on target", "near target", "off target", "too uncertain", "no data"}


def test_kpis_json_gives_value_n_owner_target_one_status_and_the_change_from_the_previous_value(golden_db):
    """Golden values for Q2 2026, worked out in tests/test_kpis.py; the previous period is Q1 2026."""
    result = cxkpi("kpis", "--db", golden_db, "--json", "--start", "2026-04-01", "--end", "2026-06-30")
    document = json.loads(result.stdout)
    assert document["previous_period"] == {"start": "2026-01-01", "end": "2026-03-31", "label": "Q1 2026"}
    rows = {row["id"]: row for row in document["kpis"]}
    nps = rows["nps"]
    assert (round(nps["value"], 2), nps["n"], nps["previous_value"]) == (16.67, 6, 100.0)
    assert (nps["owner"], nps["target"], nps["direction"]) == ("Amara Okafor", 35.0, "higher")
    assert nps["status"] == "too uncertain"  # 6 responses, below the minimum of 30
    assert nps["change"] == pytest.approx(16.67 - 100.0, abs=0.01)
    response = rows["complaint_response_hours"]
    assert (response["value"], response["n"], response["awaiting_response"], response["change"]) == (7.0, 4, 1, 4.0)
    assert (rows["repeat_purchase_rate"]["value"], rows["brand_trust"]["n"]) == (50.0, 6)
    for row in rows.values():
        assert row["status"] in STATUSES
        assert not {"band", "too_uncertain"} & set(row), row
        if row["value"] is None or row["previous_value"] is None:
            assert row["change"] is None
        else:
            assert row["change"] == pytest.approx(row["value"] - row["previous_value"])


def test_kpis_json_compares_q3_with_q2_and_gives_each_kpis_status(golden_db):
    """Q3 2026 (92 days) is compared with Q2 (1 April to 30 June), not with the 92 days before it. The
    golden NPS in Q3: R6 (10) alone -> +100 against Q2's +16.7; on one response, too uncertain to judge."""
    q3 = json.loads(cxkpi("kpis", "--db", golden_db, "--json", "--start", "2026-07-01", "--end", "2026-09-30").stdout)
    q2 = kpis_json(golden_db, "--start", "2026-04-01", "--end", "2026-06-30")
    assert q3["previous_period"] == {"start": "2026-04-01", "end": "2026-06-30", "label": "Q2 2026"}
    nps = next(row for row in q3["kpis"] if row["id"] == "nps")
    assert (nps["value"], nps["previous_value"]) == (100.0, q2["nps"]["value"])
    assert nps["change"] == pytest.approx(100.0 - q2["nps"]["value"])
    assert nps["vs_previous"]["reading"] == "too uncertain to judge"


def test_kpis_json_says_which_period_a_slow_kpi_is_shown_for(golden_db):
    """The golden orders end on 1 August 2026: Q2's new customers have not all had their 90 days (30 June
    + 90 = 28 September), so the 90-day repeat rate is shown for Q1 2026: C1 (first order 20 January)
    came back on 5 May, after 105 days -> 0 of 1 = 0%."""
    row = kpis_json(golden_db, "--start", "2026-04-01", "--end", "2026-06-30")["cohort_repeat_90d"]
    assert row["period"] == {"start": "2026-01-01", "end": "2026-03-31", "label": "Q1 2026"}
    assert (row["value"], row["n"], row["status"]) == (0.0, 1, "too uncertain")
    assert row["previous_period"] == {"start": "2025-10-01", "end": "2025-12-31", "label": "Q4 2025"}


def test_kpis_default_to_the_last_full_quarter_of_data(golden_db):
    """The golden data runs to 2026-08-01, so the last full quarter is Q2 2026."""
    result = cxkpi("kpis", "--db", golden_db, "--json")
    assert json.loads(result.stdout)["period"] == {"start": "2026-04-01", "end": "2026-06-30", "label": "Q2 2026"}


@pytest.mark.parametrize("half", [["--start", "2026-04-01"], ["--end", "2026-06-30"]])
def test_kpis_refuse_half_a_period_rather_than_complete_it_from_the_default_quarter(golden_db, half):
    """--start alone used to end at the default quarter's end: a view nobody asked for."""
    result = cxkpi("kpis", "--db", golden_db, "--json", *half)
    assert (result.returncode, result.stdout) == (2, "")
    assert "give both --start and --end" in result.stderr


def test_kpis_filters_repeat_and_combine(golden_db):
    rows = kpis_json(golden_db, "--start", "2026-04-01", "--end", "2026-06-30", "--filter", "region=EMEA")
    assert (round(rows["nps"]["value"], 2), rows["nps"]["n"]) == (33.33, 3)
    both = kpis_json(golden_db, "--start", "2026-04-01", "--end", "2026-06-30",
                     "--filter", "region=EMEA", "--filter", "region=APAC")
    assert both["nps"]["n"] == 4  # R1, R2, R5 (EMEA) and R4 (APAC)


def test_kpis_with_no_data_in_the_period_report_null_not_zero(golden_db):
    rows = kpis_json(golden_db, "--start", "2030-01-01", "--end", "2030-03-31")
    assert {row["value"] for row in rows.values()} == {None}
    assert {row["status"] for row in rows.values()} == {"no data"}
    assert {row["change"] for row in rows.values()} == {None}


def test_kpis_refuse_a_registry_where_a_kpi_has_no_owner(golden_db, tmp_path):
    broken = (PROJECT_ROOT / "metrics.toml").read_text().replace(
        'owner = { name = "Lukas Brenner", role = "VP Customer Service", email = "lukas.brenner@example.com" }', "")
    (tmp_path / "metrics.toml").write_text(broken)
    result = cxkpi("kpis", "--db", golden_db, "--registry", tmp_path / "metrics.toml")
    assert result.returncode == 2
    assert "KPI 'complaint_response_hours' has no owner" in result.stderr


def test_a_malformed_filter_says_how_to_write_it(golden_db):
    result = cxkpi("kpis", "--db", golden_db, "--filter", "country=FR")
    assert result.returncode == 2
    assert "use NAME=VALUE with NAME one of region, segment, channel" in result.stderr


def test_the_database_can_come_from_the_environment(golden_db):
    result = cxkpi("kpis", "--start", "2026-04-01", "--end", "2026-06-30", env_db=golden_db)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Net Promoter Score\s+\+16\.7 pts\s+n = 6 responses", result.stdout)


def test_every_command_is_documented_in_the_readme():
    """Like datasette's docs tests: a command the README does not show is a command nobody finds."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    [subcommands] = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
    commands = list(subcommands.choices)
    assert commands == ["ingest", "rebuild", "kpis", "parquet", "digest", "alerts", "users", "sample"]
    for command in commands:
        assert f"python -m cxkpi {command}" in readme, f"README.md does not document `python -m cxkpi {command}`"
    [users] = [action for action in subcommands.choices["users"]._actions
               if isinstance(action, argparse._SubParsersAction)]
    for action in users.choices:
        assert f"python -m cxkpi users {action}" in readme, f"README.md does not document `cxkpi users {action}`"
