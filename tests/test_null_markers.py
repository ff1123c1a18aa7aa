"""Nulls as people write them: empty, NA, N/A, n/a, #N/A, null, NULL, None, -, ? are missing values.

A missing score is not a bad row, and a comment column keeps nothing of a marker. "NA" stays a value
in columns of codes (region NA = North America, country NA = Namibia). A mapping's null_values
replaces the list.
"""

from __future__ import annotations

from datetime import date

from cxkpi import drilldowns, kpis
from cxkpi.ingest import ingest_paths
from cxkpi.periods import Period
from cxkpi.warehouse import reading
from tests.support import cxkpi, rows

MAY = Period(date(2026, 5, 1), date(2026, 5, 31))
MARKERS = ["", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "None", "-", "?"]


def test_null_markers_are_missing_scores_and_comments_not_bad_rows(tmp_path):
    """Ten answers, each with one marker as its recommend score and its comment, plus two real ones
    (R10: 10 "Great", R11: 2 "Late"). Nothing is quarantined; NPS counts the two answers:
    100 * (1 - 1) / 2 = 0, and the detractor comments hold "Late" only, no "N/A"."""
    path = tmp_path / "survey.csv"
    lines = ["response_id,customer_id,responded_at,recommend_score,comment"]
    lines += [f"R{index},C{index},2026-05-{index + 1:02d},{marker},{marker}" for index, marker in enumerate(MARKERS)]
    lines += ["R10,C10,2026-05-20,10,Great", "R11,C11,2026-05-21,2,Late"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 rows read, 12 inserted, 0 updated, 0 quarantined" in result.stdout
    assert rows(db, "select count(recommend_score), count(comment) from survey_responses") == [(2, 2)]
    with reading(db) as connection:
        nps = kpis.measure(connection, "nps", MAY)
        comments = drilldowns.detractor_comments(connection, MAY)
    assert (nps.value, nps.n) == (0.0, 2)
    assert list(comments["comment"]) == ["Late"]


def test_na_stays_a_value_in_columns_of_codes(tmp_path):
    """Region NA (North America) is a region; "-" there is still no region."""
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,created_at,region,segment\nC1,2026-01-05,NA,Consumer\nC2,2026-01-06,-,N/A\n",
                    encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert not ingest_paths(db, [path])[1]
    assert rows(db, "select customer_id, region, segment from customers order by 1") == [
        ("C1", "NA", "Consumer"), ("C2", None, None)]


def test_a_mapping_states_its_own_null_values(tmp_path):
    """A German export writes "k.A." (keine Angabe) for no answer: stated, it is missing; the usual
    markers are then plain text ("NA" stays in the comment)."""
    path = tmp_path / "umfrage.csv"
    path.write_text("response_id;customer_id;responded_at;recommend_score;comment\n"
                    "U1;C1;2026-05-02;k.A.;NA\nU2;C2;2026-05-03;9;k.A.\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[[format]]\nname = "Umfrage"\ntable = "survey_responses"\nnull_values = ["k.A."]\n'
                       'columns.response_id = ["response_id"]\ncolumns.responded_at = ["responded_at"]\n'
                       'columns.recommend_score = ["recommend_score"]\ncolumns.comment = ["comment"]\n',
                       encoding="utf-8")
    db = tmp_path / "w.duckdb"
    [result], refusals = ingest_paths(db, [path], mapping=mapping)
    assert not refusals and result.rows_quarantined == 0
    assert rows(db, "select response_id, recommend_score, comment from survey_responses order by 1") == [
        ("U1", None, "NA"), ("U2", 9, None)]
