"""The loader keeps each derived table (queries/derived/) in step with every table it is built from.

The daily counts carry the customer's region and segment, so a customer who moves takes their
answers, orders and complaints along when customers load, not only when the records themselves do.
Golden Q2 (2026-04-01 to 2026-06-30); expected values worked out by hand from tests/golden/*.csv.
"""

import duckdb
import pytest

from cxkpi import kpis
from cxkpi.inbox import rebuild
from cxkpi.kpis import Filters
from cxkpi.warehouse import DERIVED_TABLES, reading, writing
from tests.support import GOLDEN_DIR, Q2, SHIPPED_PARAMETERS, build_warehouse, kpis_json, rows


def measure(db, kpi_id, **filters):
    with reading(db) as connection:
        result = kpis.measure(connection, kpi_id, Q2, Filters(**{k: tuple(v) for k, v in filters.items()}),
                              SHIPPED_PARAMETERS[kpi_id])
    return result.value, result.n


def test_a_customer_who_moves_region_takes_their_answers_orders_and_complaints_along(golden_copy, tmp_path):
    """Before: EMEA is C1 and C2. NPS from R1=10, R2=9, R5=0: 100 * (2 - 1) / 3 = 33.33, n=3.
    Complaint rate from K1, K2, K5 over orders O2, O3, O4: 1000 * 3 / 3 = 1000, n=3.
    C2 moves to APAC (with C4). EMEA is C1 alone: NPS from R1=10, R5=0 = 0, n=2; complaints K1, K5
    over order O2 = 2000, n=1. APAC: NPS from R2=9, R4=6 = 0, n=2; complaints K2, K4 over orders
    O3, O4, O7 = 666.67, n=3."""
    assert measure(golden_copy, "nps", region=["EMEA"]) == (pytest.approx(100 / 3), 3)
    assert measure(golden_copy, "complaint_rate", region=["EMEA"]) == (1000.0, 3)

    moved = tmp_path / "customers_update.csv"
    moved.write_text("customer_id,created_at,region,segment\nC2,2025-06-01,APAC,Enterprise\n", encoding="utf-8")
    build_warehouse(golden_copy, moved)

    assert measure(golden_copy, "nps", region=["EMEA"]) == (0.0, 2)
    assert measure(golden_copy, "complaint_rate", region=["EMEA"]) == (2000.0, 1)
    assert measure(golden_copy, "nps", region=["APAC"]) == (0.0, 2)
    assert measure(golden_copy, "complaint_rate", region=["APAC"]) == (pytest.approx(2000 / 3), 3)


def test_a_reloaded_answer_replaces_its_old_count(golden_copy, tmp_path):
    """R4 (C4) changes its recommend score from 6 to 10 and its trust score from 2 to 5. Q2 NPS:
    promoters R1, R2, R4, R8, detractor R5 over 6 answers = 100 * (4 - 1) / 6 = 50. Trust: R1=5, R2=4,
    R3=3, R4=5, R7=5, R8=4 are 5 of 6 scoring 4 or 5 = 83.33 (R5 did not answer it)."""
    assert measure(golden_copy, "nps") == (pytest.approx(100 / 6), 6)
    changed = tmp_path / "survey_update.csv"
    changed.write_text(
        "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
        "R4,C4,2026-05-02 10:00:00,10,5,2,Replaced after all,store\n",
        encoding="utf-8",
    )
    build_warehouse(golden_copy, changed)
    assert measure(golden_copy, "nps") == (50.0, 6)
    assert measure(golden_copy, "brand_trust") == (pytest.approx(500 / 6), 6)


def test_a_warehouse_made_before_the_derived_tables_existed_gets_them_on_its_first_read(golden_copy):
    """The derived tables came with later versions; a process that only reads an older file (here the
    CLI, a new process) builds them first instead of failing with 'table does not exist'.
    Golden Q2: buyers C1 (O1 in Jan + O2) and C2 (O3 + O4) repeat, C3 and C4 do not: 50%.
    NPS as in test_kpis: 100 * (3 - 2) / 6 = 16.67, n=6."""
    with writing(golden_copy) as connection:
        for name in DERIVED_TABLES:
            connection.execute(f"drop table {name}")
    rows = kpis_json(golden_copy, "--start", "2026-04-01", "--end", "2026-06-30")
    assert (rows["repeat_purchase_rate"]["value"], rows["repeat_purchase_rate"]["n"]) == (50.0, 4)
    assert (round(rows["nps"]["value"], 2), rows["nps"]["n"]) == (16.67, 6)


def test_a_warehouse_of_an_earlier_version_is_brought_up_to_date_and_a_rebuild_starts_afresh(tmp_path):
    """A warehouse written by an earlier version: a derived table it has since retired
    (order_daily_counts) and survey_daily_counts in an older shape (no trust_in_top_2, and recorded
    as built from another definition). Its first open drops the one and rebuilds the other, so brand
    trust reads the current shape: golden Q2 trust answers R1 5, R2 4, R3 3, R4 2, R7 5, R8 4 ->
    4 in the top 2 points of 1-5 of 6 = 66.67%. A rebuild from the archive makes derived_tables anew
    (one row per derived table), as every table a load writes, instead of carrying it over."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    with duckdb.connect(str(db)) as old:
        old.execute("create table order_daily_counts as select date '2026-04-01' as ordered_on, 1 as orders")
        old.execute("alter table survey_daily_counts drop column trust_in_top_2")
        old.execute("update derived_tables set definition_sha256 = 'an earlier definition' "
                    "where name = 'survey_daily_counts'")
    trust = kpis_json(db, "--start", "2026-04-01", "--end", "2026-06-30")["brand_trust"]
    assert (round(trust["value"], 2), trust["n"]) == (66.67, 6)
    assert not rows(db, "select table_name from duckdb_tables() where table_name in "
                        "('customer_channel_orders', 'order_daily_counts', 'complaint_daily_counts')")
    assert not [outcome.refusal for outcome in rebuild(db) if outcome.refusal]
    assert rows(db, "select name, count(*) from derived_tables group by name order by name") == sorted(
        (name, 1) for name in DERIVED_TABLES)
