"""Never merge distinct records, never count one twice.

A file without ids keys each line by the hash of its values and its occurrence in the file: two
identical answers in one file are two records, the same line in a later overlapping export is the
same record again, and the same bytes twice change nothing. A file with ids: a key repeated with the
same values is one record; with other values, the last row is kept and the others are reported row
by row in the quarantine.
"""

from __future__ import annotations

from pathlib import Path

from cxkpi.ingest import ingest_paths
from tests.real_shapes.make_files import SURVEY_1_TO_10
from tests.support import cxkpi, rows

SCALE_1_TO_10 = (
    '[[format]]\nname = "Satisfaction survey 1-10"\ntable = "survey_responses"\nkey_from_row = true\n'
    'columns.responded_at = ["Timestamp"]\n'
    'columns.csat_score = { aliases = ["How satisfied are you with your visit? (1-10)"], scale = "1-10" }\n'
    'columns.comment = ["Comments"]\n'
)


def export(path: Path, answers: list[tuple[str, int, str]]) -> Path:
    lines = ["Timestamp,How satisfied are you with your visit? (1-10),Comments"]
    lines += [f"{day},{score},{comment}" for day, score, comment in answers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_identical_answers_in_one_file_without_ids_stay_separate_records(tmp_path):
    """The survey's 40 lines include ("2026-04-02", 8, "") three times and ("2026-05-07", 8, "") twice:
    40 responses, not the handful of distinct lines (once 1,811 answers became 5)."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(SCALE_1_TO_10, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    [result], refusals = ingest_paths(db, [export(tmp_path / "a.csv", SURVEY_1_TO_10)], mapping=mapping)
    assert not refusals
    assert (result.rows_read, result.rows_inserted, result.exact_repeats) == (40, 40, 0)
    assert rows(db, "select count(*), count(distinct response_id) from survey_responses") == [(40, 40)]
    assert rows(db, "select count(*) from survey_responses where responded_at = '2026-04-02' "
                    "and csat_score = 8") == [(3,)]


def test_the_same_bytes_twice_change_nothing_and_an_overlapping_export_updates_its_records(tmp_path):
    """Export B holds A's last 20 lines (dated from 21 May, none of them repeating A's first 20) and 5
    new answers: those 20 are the same records again (updated), the 5 are new: 40 + 5 = 45."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(SCALE_1_TO_10, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    first = export(tmp_path / "a.csv", SURVEY_1_TO_10)
    assert cxkpi("ingest", first, "--db", db, "--mapping", mapping).returncode == 0
    again = cxkpi("ingest", first, "--db", db, "--mapping", mapping)
    assert again.returncode == 0
    assert "a.csv: already loaded (the same bytes were loaded as a.csv into survey_responses" in again.stdout
    new = [("2026-06-30", 10, "Back again"), ("2026-06-30", 10, "Back again"), ("2026-06-30", 1, ""),
           ("2026-06-30", 5, ""), ("2026-06-30", 7, "")]
    later = export(tmp_path / "b.csv", SURVEY_1_TO_10[20:] + new)
    result = cxkpi("ingest", later, "--db", db, "--mapping", mapping)
    assert result.returncode == 0, result.stderr
    assert "b.csv: survey_responses: 25 rows read, 5 inserted, 20 updated, 0 quarantined" in result.stdout
    assert rows(db, "select count(*) from survey_responses") == [(45,)]


def test_a_key_repeated_with_the_same_values_is_one_record(tmp_path):
    """O1 twice, byte for byte: one order, said so, and nothing quarantined (exit 0)."""
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2026-05-01,10.00\nO2,C2,2026-05-02,20.00\n"
                    "O1,C1,2026-05-01,10.00\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 0, result.stderr
    assert ("orders.csv: orders: 3 rows read, 2 inserted, 0 updated, 0 quarantined [utf-8, comma-separated] "
            "(1 row repeats an earlier row exactly: each record loaded once)") in result.stdout
    assert rows(db, "select count(*) from orders where order_id = 'O1'") == [(1,)]


def test_a_key_repeated_with_other_values_is_reported_row_by_row(tmp_path):
    """O1 appears three times: 10.00, 10.00 again, then 12.00. The last is kept; the two earlier
    versions are quarantined, each naming the row kept (2 of 21 rows, over 5%: the limit is raised to
    load the rest and see them)."""
    lines = ["order_id,customer_id,ordered_at,amount", "O1,C1,2026-05-01,10.00", "O1,C1,2026-05-01,10.00"]
    lines += [f"P{index},C2,2026-05-02,20.00" for index in range(18)] + ["O1,C1,2026-05-01,12.00"]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db, "--quarantine-limit", "20")
    assert result.returncode == 3, result.stderr
    assert ("row 2, order_id: the same order_id as row 22, with other values: row 22, the later, is kept "
            "(value: 'O1')") in result.stdout
    assert "row 3, order_id: the same order_id as row 22" in result.stdout
    assert rows(db, "select amount from orders where order_id = 'O1'") == [(12,)]
