"""Quarantined rows are kept whole, shown with why, and downloaded to be mended and loaded again."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cxkpi import quarantine
from cxkpi.ingest import REASON_COLUMN, ingest_paths
from cxkpi.warehouse import reading
from tests.support import TESTS_DIR, rows

HEADER = "order_id,customer_id,ordered_at,amount,channel,status"


def quarantined(db: Path) -> quarantine.WholeRows:
    with reading(db) as connection:
        [load] = quarantine.loads(connection)
        return quarantine.whole_rows(connection, load)


def parsed(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_each_quarantined_row_is_kept_whole_with_its_reasons(tmp_path):
    db = tmp_path / "w.duckdb"
    [result], _ = ingest_paths(db, [TESTS_DIR / "ingest_files" / "orders_with_bad_rows.csv"], quarantine_limit=100)
    assert result.rows_quarantined == 3
    found = quarantined(db)
    assert found.header_rows == [HEADER.split(",")]
    assert found.rows == [
        (3, ["O2", "C1", "2026-02-30", "55.50", "web", "completed"],
         "ordered_at: not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00"),
        (4, [None, "C2", "2026-02-01", "10.00", "app", "completed"], "order_id: missing order_id: every row needs one"),
        (5, ["O4", "C2", "2026-02-02", "ten euros", "app", "completed"],
         "amount: not a number: use digits with a dot for decimals, e.g. 1234.50"),
    ]
    frame = quarantine.table(found)
    assert list(frame.columns) == ["Row", *HEADER.split(","), "Why"]
    assert frame.iloc[2].tolist() == [5, "O4", "C2", "2026-02-02", "ten euros", "app", "completed",
                                      "amount: not a number: use digits with a dot for decimals, e.g. 1234.50"]


def test_the_rows_download_in_the_files_own_columns_and_load_again_once_mended(tmp_path):
    """A formula in a text cell gets a leading ' (CSV injection); a negative amount stays a number.
    Mended and dropped again, the rows load, and the reason column is no part of them."""
    source = tmp_path / "orders.csv"
    source.write_text(
        f"{HEADER},note\n"
        "O1,C1,2026-01-20,40.00,web,completed,fine\n"
        "O2,C1,2026-02-30,-12.50,web,refunded,=HYPERLINK(\"http://evil.example\")\n"
        "O3,C2,2026-02-02,ten euros,@app,completed,\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    ingest_paths(db, [source], quarantine_limit=100)
    table = parsed(quarantine.mend_csv(quarantined(db)))
    assert table == [
        [*HEADER.split(","), "note", REASON_COLUMN],
        ["O2", "C1", "2026-02-30", "-12.50", "web", "refunded", "'=HYPERLINK(\"http://evil.example\")",
         "row 3: ordered_at: not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00"],
        ["O3", "C2", "2026-02-02", "ten euros", "'@app", "completed", "",
         "row 4: amount: not a number: use digits with a dot for decimals, e.g. 1234.50"],
    ]
    # The analyst mends the values in a spreadsheet and drops the file again, reason column and all.
    table[1][2], table[1][6] = "2026-02-28", "called back"
    table[2][3], table[2][4] = "10.00", "app"
    mended = tmp_path / "orders-to-mend.csv"
    with mended.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(table)
    [result], refusals = ingest_paths(db, [mended], quarantine_limit=100)
    assert (refusals, result.rows_inserted, result.rows_quarantined) == ([], 2, 0)
    assert rows(db, "select order_id, ordered_at::varchar, amount::varchar, channel, extra from orders order by 1") == [
        ("O1", "2026-01-20 00:00:00", "40.00", "web", '{"note":"fine"}'),
        ("O2", "2026-02-28 00:00:00", "-12.50", "web", '{"note":"called back"}'),
        ("O3", "2026-02-02 00:00:00", "10.00", "app", '{"note":null}'),
    ]


def test_a_survey_export_with_three_header_rows_downloads_them_all_and_loads_again(tmp_path):
    """Qualtrics writes three header rows: the mended file keeps them, so it is recognised again."""
    db = tmp_path / "w.duckdb"
    ingest_paths(db, [TESTS_DIR / "exports" / "qualtrics_responses_export.csv"], quarantine_limit=100)
    table = parsed(quarantine.mend_csv(quarantined(db)))
    assert [len(row) for row in table] == [22, 22, 22, 22]
    assert table[0][-1] == REASON_COLUMN and table[1][-1] == table[2][-1] == ""
    assert table[1][17].startswith("How likely is it that you would recommend")
    recommend = table[0].index("Q1")
    assert (table[3][recommend], table[3][-1]) == ("11", "row 6: recommend_score: not a whole number from 0 to 10")
    table[3][recommend] = "10"
    mended = tmp_path / "qualtrics-to-mend.csv"
    with mended.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(table)
    [result], refusals = ingest_paths(db, [mended], quarantine_limit=100)
    assert (refusals, result.export_format, result.rows_inserted, result.rows_quarantined) == (
        [], "Qualtrics responses", 1, 0)
    assert rows(db, "select recommend_score from survey_responses where response_id = 'R_1abcDEFghiJKL03'") == [(10,)]


def test_a_mended_row_of_a_file_without_ids_is_the_same_record_as_that_line_in_a_later_export(tmp_path):
    """Google Forms has no id: a row's key is a hash of its cells. The reason column is no part of
    it, so once the source is corrected too, its next export does not count the answer twice."""
    form = "Timestamp,Email Address,How likely is it that you would recommend us to a friend or colleague?\n"
    source = tmp_path / "form.csv"
    source.write_text(form + "4/13/2026 14:05:11,ana@example.com,9\n4/14/2026 9:30:02,ben@example.com,11\n",
                      encoding="utf-8")
    db = tmp_path / "w.duckdb"
    [first], _ = ingest_paths(db, [source], quarantine_limit=100)
    assert (first.export_format, first.rows_inserted, first.rows_quarantined) == (
        "Google Forms / spreadsheet survey", 1, 1)
    table = parsed(quarantine.mend_csv(quarantined(db)))
    table[1][2] = "10"
    mended = tmp_path / "form-to-mend.csv"
    with mended.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(table)
    [again], _ = ingest_paths(db, [mended], quarantine_limit=100)
    assert (again.rows_inserted, again.rows_quarantined) == (1, 0)
    later = tmp_path / "form_later.csv"
    later.write_text(form + "4/13/2026 14:05:11,ana@example.com,9\n4/14/2026 9:30:02,ben@example.com,10\n",
                     encoding="utf-8")
    [last], _ = ingest_paths(db, [later], quarantine_limit=100)
    assert (last.rows_inserted, last.rows_updated) == (0, 2)
    assert rows(db, "select customer_id, recommend_score from survey_responses order by 1") == [
        ("ana@example.com", 9), ("ben@example.com", 10)]
