"""The same KPI definitions on Apache Spark: every KPI gives the values and n DuckDB gives.

Spark runs in local mode, in this process (one session for the whole test run), over the golden
warehouses' tables written as Parquet partitioned by month (python -m cxkpi parquet), or over tables
a company keeps itself in the same shape ($CXKPI_SPARK_TABLES). Each KPI's SQL is translated by
cxkpi.kpi_sql.spark_sql; these tests are what proves the translation, by running it.
"""

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cxkpi import cli, kpi_sql, kpis, spark
from cxkpi.calendars import Calendar
from cxkpi.ingest import ingest_paths
from cxkpi.kpis import Filters, View, run_kpi_views
from cxkpi.periods import Period
from cxkpi.registry import load_registry
from cxkpi.warehouse import reading
from tests.support import GOLDEN_DIR, OPTIONAL_KPIS_REGISTRY, Q2, TESTS_DIR, build_warehouse

WHOLE_HISTORY = Period(date(2025, 1, 1), date(2026, 12, 31))
# Solar Hijri months (the view rule's $month_starts) and weeks from Saturday ($week_start)
WHOLE_HISTORY_IN_IRAN = Period(WHOLE_HISTORY.start, WHOLE_HISTORY.end, Calendar("persian", week_start=5))
FILTERS = (Filters(), Filters(region=("EMEA",)), Filters(segment=("Consumer",), channel=("web", "store")))


def views_of(kpi) -> list[View]:
    """Q2 by each grain and by each breakdown the KPI offers, the whole history by month and region
    under each filter, and by Jalali month and Saturday week: every part of the view rule and of the
    KPI's own SQL, in a few Spark queries."""
    return [
        *(View(Q2, grain) for grain in ("period", "week", "month")),
        *(View(Q2, "period", Filters(), breakdown) for breakdown in kpi_sql.dimensions(kpi.reads)),
        *(View(WHOLE_HISTORY, "month", filters, "region") for filters in FILTERS),
        *(View(WHOLE_HISTORY_IN_IRAN, grain) for grain in ("week", "month")),
    ]


def comparable(frame: pd.DataFrame) -> list[tuple]:
    """Each row as plain values: dates as dates, lists as lists, no value (NaN/None) as None."""
    def plain(value):
        if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
            return tuple(value.tolist() if hasattr(value, "tolist") else value)
        if pd.isna(value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
        return value

    return [tuple(plain(value) for value in row) for row in frame.itertuples(index=False)]


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory) -> Path:
    """The golden data with what issue 13 taught the KPIs: trust and CSAT answered on 1-10 beside the
    golden 1-5 answers (tests/mixed_scales/: its mapping states the scale, and each answer counts the
    top points of its own) and complaints whose status says resolved without a resolution time
    (tests/real_shapes/)."""
    db = build_warehouse(tmp_path_factory.mktemp("mixed") / "mixed.duckdb", GOLDEN_DIR,
                         TESTS_DIR / "real_shapes" / "complaints_closed_without_resolution_times.csv")
    survey = TESTS_DIR / "mixed_scales" / "survey_on_1_to_10.csv"
    assert not ingest_paths(db, [survey], mapping=survey.with_suffix(".toml"))[1]
    return db


@pytest.mark.parametrize("warehouse", ["golden_db", "mixed_db"])
def test_every_kpi_gives_the_same_values_and_n_on_spark_as_on_duckdb(warehouse, spark_session, tmp_path, request):
    """For every KPI on the golden data (and on it with answers on two scales and complaints resolved
    at an unknown time), by every grain and breakdown, and under three filters: the same rows, bucket
    for bucket and slice for slice, the same value, n and details (the response-time distribution, the
    scales, the resolved at an unknown time included); and the same end of the data's body. Compared
    exactly: no tolerance."""
    db = request.getfixturevalue(warehouse)
    copy = tmp_path / "tables"
    spark.write_parquet(db, copy)
    compared = 0
    with spark.connected(copy, spark_session) as on_spark, reading(db) as on_duckdb:
        assert kpis.latest_day(on_spark) == kpis.latest_day(on_duckdb) is not None
        for kpi in [*load_registry(), *load_registry(OPTIONAL_KPIS_REGISTRY)]:
            views = views_of(kpi)
            expected = run_kpi_views(on_duckdb, kpi, views)
            found = run_kpi_views(on_spark, kpi, views)
            for view, want, got in zip(views, expected, found, strict=True):
                assert list(got.columns) == list(want.columns), (kpi.id, view)
                assert comparable(got) == comparable(want), (kpi.id, view)
                compared += len(want)
    assert compared > 100  # rows compared: the data is not empty


def test_kpis_on_spark_print_what_they_print_on_duckdb(golden_copy, spark_session, capsys):
    """`python -m cxkpi kpis --engine spark --db FILE --json` (run in this process, so on this test
    run's Spark session) writes FILE's tables beside it as Parquet and prints the same document as
    the DuckDB run: values, n, details, statistics and freshness; the filters still apply."""
    arguments = ["kpis", "--db", str(golden_copy), "--json", "--start", "2026-04-01", "--end", "2026-06-30",
                 "--filter", "region=EMEA"]
    assert cli.main(arguments) == 0
    on_duckdb = json.loads(capsys.readouterr().out)
    assert cli.main([*arguments, "--engine", "spark"]) == 0
    on_spark = json.loads(capsys.readouterr().out)
    assert on_spark == on_duckdb
    assert {row["id"]: row["n"] for row in on_spark["kpis"]}["nps"] == 3  # R1, R2, R5: EMEA's Q2 answers
    assert (golden_copy.parent / "w.duckdb.parquet" / "orders").is_dir()


def test_the_parquet_copy_is_partitioned_by_month_and_written_again_after_a_load(golden_copy, tmp_path):
    """`python -m cxkpi parquet` writes one folder per table and month; `--engine spark` reuses the
    copy while the warehouse is unchanged and writes it again once a load has committed."""
    assert cli.main(["parquet", "--db", str(golden_copy)]) == 0
    copy = spark.parquet_copy_of(golden_copy)
    months = sorted(path.name for path in (copy / "orders").iterdir())
    with duckdb.connect(str(golden_copy), read_only=True) as connection:
        expected = connection.execute(
            "select distinct 'month=' || strftime(ordered_at, '%Y-%m') from orders"
        ).fetchall()
    assert months == sorted(month for (month,) in expected)
    stamp = (copy / "orders").stat().st_mtime_ns
    assert spark.current_parquet_copy(golden_copy) == copy
    assert (copy / "orders").stat().st_mtime_ns == stamp  # reused

    # A month the golden orders do not have (one in the past: the loader refuses dates after the load).
    later = tmp_path / "orders_2026_02.csv"
    later.write_text("order_id,customer_id,ordered_at,amount,channel,status\nO99,C1,2026-02-02 10:00:00,9,web,\n")
    assert "month=2026-02" not in months
    build_warehouse(golden_copy, later)
    spark.current_parquet_copy(golden_copy)
    assert "month=2026-02" in {path.name for path in (copy / "orders").iterdir()}


def test_a_companys_own_tables_in_the_same_shape_are_read_from_the_folder_the_setting_names(
    golden_db, spark_session, tmp_path, monkeypatch, capsys
):
    """$CXKPI_SPARK_TABLES points at tables kept elsewhere (here one unpartitioned Parquet file per
    table, with a column of their own and in another column order): no warehouse is needed, and the
    numbers are the warehouse's. With no loads recorded, 'last loaded' is empty."""
    own = tmp_path / "lake"
    with duckdb.connect(str(golden_db), read_only=True) as connection:
        for table in ("customers", "orders", "survey_responses", "complaints"):
            (own / table).mkdir(parents=True)
            connection.execute(
                f"copy (select 'kept by us' as note, * exclude (extra) from {table} order by random()) "
                f"to '{own / table / 'part-0.parquet'}' (format parquet)"
            )
    monkeypatch.setenv(spark.TABLES_ENV, str(own))
    arguments = ["kpis", "--json", "--start", "2026-04-01", "--end", "2026-06-30"]
    assert cli.main([*arguments, "--engine", "spark", "--db", str(tmp_path / "none.duckdb")]) == 0
    on_spark = json.loads(capsys.readouterr().out)
    assert not (tmp_path / "none.duckdb").exists()
    monkeypatch.delenv(spark.TABLES_ENV)
    assert cli.main([*arguments, "--db", str(golden_db)]) == 0
    on_duckdb = json.loads(capsys.readouterr().out)
    for row in on_duckdb["kpis"]:
        row["last_loaded_at"] = None
    assert on_spark == on_duckdb
