"""Scales are stated, not guessed: a score column on another scale is refused from the whole column;
a mapping states the scale, each response keeps it, and the KPI counts by metrics.toml's rule.

The 1-10 survey of issue 13 is tests/test_real_shapes.py; here, the rules around it. Expected values
are worked out by hand in each docstring.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from cxkpi import kpis
from cxkpi.ingest import ingest_paths
from cxkpi.periods import Period
from cxkpi.warehouse import reading
from tests.support import SHIPPED_PARAMETERS, cxkpi, rows

MAY = Period(date(2026, 5, 1), date(2026, 5, 31))


def survey(path: Path, scores: list[int | str], column: str = "csat_score", prefix: str = "R") -> Path:
    lines = [f"response_id,customer_id,responded_at,{column}"]
    lines += [f"{prefix}{index},C{index % 7},2026-05-{1 + index % 28:02d},{score}"
              for index, score in enumerate(scores)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mapping(path: Path, scale: str, column: str = "csat_score") -> Path:
    path.write_text(
        f'[[format]]\nname = "Survey on {scale}"\ntable = "survey_responses"\nrequires = ["{column}"]\n'
        f'columns.response_id = ["response_id"]\ncolumns.customer_id = ["customer_id"]\n'
        f'columns.responded_at = ["responded_at"]\n'
        f'columns.{column} = {{ aliases = ["{column}"], scale = "{scale}" }}\n',
        encoding="utf-8",
    )
    return path


def csat(db: Path, parameters=SHIPPED_PARAMETERS["csat"]) -> kpis.Measurement:
    with reading(db) as connection:
        return kpis.measure(connection, "csat", MAY, settings=parameters)


def test_a_recommend_column_on_0_to_100_is_refused_saying_nps_needs_0_to_10(tmp_path):
    """A slider from 0 to 100 is not an NPS question: 9 of its 10 answers are above 10. Refused, nothing
    loaded, no mapping offered."""
    db = tmp_path / "w.duckdb"
    path = survey(tmp_path / "slider.csv", [0, 15, 35, 50, 65, 80, 90, 100, 100, 70], "recommend_score")
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 1
    assert ("its recommend_score column ('recommend_score') holds answers from 0 to 100 (9 of 10 outside 0-10): "
            "it looks like a 0-100 scale, not 0-10. recommend_score must be answered on 0-10: the Net Promoter "
            "Score is defined on answers from 0 to 10.") in result.stderr
    assert "[[format]]" not in result.stderr
    assert rows(db, "select count(*) from survey_responses") == [(0,)]


def test_a_few_stray_out_of_range_answers_stay_quarantined_row_by_row(tmp_path):
    """Two 6s among 100 answers on 1-5 are typos, not a scale: quarantined (2%, under the 5% limit),
    the 98 others load. CSAT: the 98 are 49 fives and 49 ones -> 49 / 98 = 50.0%."""
    db = tmp_path / "w.duckdb"
    scores = [6, 6] + [5, 1] * 49
    result = cxkpi("ingest", survey(tmp_path / "survey.csv", scores), "--db", db)
    assert result.returncode == 3, result.stderr
    assert "row 2, csat_score: not a whole number from 1 to 5 (value: '6')" in result.stdout
    assert (csat(db).value, csat(db).n) == (50.0, 98)


def test_answers_on_different_scales_are_each_counted_on_their_own_scale(tmp_path):
    """A 1-5 export (4 fives, 1 four, 5 ones: 5 satisfied of 10) and a 1-10 export stated in its mapping
    (10, 9, 8, 8, 7: 2 satisfied of 5). Each answer keeps its scale; top 2 points of each:
    CSAT = (5 + 2) / 15 = 46.67%, and the KPI names both scales."""
    db = tmp_path / "w.duckdb"
    five = survey(tmp_path / "five.csv", [5, 5, 5, 5, 4, 1, 1, 1, 1, 1])
    ten = survey(tmp_path / "ten.csv", [10, 9, 8, 8, 7], prefix="T")
    assert not ingest_paths(db, [five])[1]
    _, refusals = ingest_paths(db, [ten], mapping=mapping(tmp_path / "ten.toml", "1-10"))
    assert not refusals, refusals
    assert rows(db, "select csat_scale, count(*) from survey_responses group by 1 order by 1") == [
        ("1-10", 5), ("1-5", 10)]
    measured = csat(db)
    assert (round(measured.value, 2), measured.n, measured.details["satisfied"], measured.details["scales"]) == (
        46.67, 15, 7, "1-10, 1-5")


def test_the_top_points_rule_is_the_one_in_metrics_toml(tmp_path):
    """satisfied_top_points = 3 counts 8-10 on 1-10: 10, 9, 8, 8 of 10, 9, 8, 8, 7 = 80.0%."""
    db = tmp_path / "w.duckdb"
    ten = survey(tmp_path / "ten.csv", [10, 9, 8, 8, 7])
    assert not ingest_paths(db, [ten], mapping=mapping(tmp_path / "ten.toml", "1-10"))[1]
    assert csat(db, (("satisfied_top_points", 3.0),)).value == 80.0
    assert csat(db).value == 40.0  # the shipped rule, top 2: 10 and 9


def test_a_stated_scale_is_checked_like_the_canonical_one(tmp_path):
    """A 0-100 column stated as 1-10 is refused again, now as 0-100 against 1-10."""
    db = tmp_path / "w.duckdb"
    path = survey(tmp_path / "survey.csv", [0, 20, 40, 55, 70, 85, 90, 100])
    result = cxkpi("ingest", path, "--db", db, "--mapping", mapping(tmp_path / "m.toml", "1-10"))
    assert result.returncode == 1
    assert "it looks like a 0-100 scale, not 1-10" in result.stderr


def test_a_mapping_cannot_state_another_scale_for_the_recommend_question(tmp_path):
    result = cxkpi("ingest", survey(tmp_path / "s.csv", [9]), "--db", tmp_path / "w.duckdb", "--mapping",
                   mapping(tmp_path / "m.toml", "1-10", "recommend_score"))
    assert result.returncode == 2
    assert "recommend_score is on 0-10 only: the Net Promoter Score is defined on answers from 0 to 10" in result.stderr


def test_a_warehouse_made_before_scales_gains_them_as_the_canonical_scale(tmp_path):
    """An older warehouse's survey_responses has no trust_scale or csat_scale. Opened, it gains them,
    filled with 1-5 where a score was given, and its daily counts are rebuilt: CSAT of R1 5 and R2 2
    is 1 / 2 = 50.0%."""
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as old:
        old.execute("create table survey_responses (response_id varchar, customer_id varchar, responded_at "
                    "timestamp, recommend_score tinyint, trust_score tinyint, csat_score tinyint, comment varchar, "
                    "channel varchar, extra json)")
        old.execute("insert into survey_responses values ('R1', 'C1', '2026-05-02', 9, null, 5, null, 'web', null), "
                    "('R2', 'C2', '2026-05-03', 3, null, 2, null, 'web', null)")
    measured = csat(db)
    assert (measured.value, measured.n, measured.details["scales"]) == (50.0, 2, "1-5")
    assert rows(db, "select response_id, trust_scale, csat_scale from survey_responses order by 1") == [
        ("R1", None, "1-5"), ("R2", None, "1-5")]
