"""The KPIs on Apache Spark: the same SQL files, over the canonical tables stored as Parquet.

A company whose data has outgrown one machine keeps it in a lakehouse; cxkpi then runs its
definitions there instead of copying the data out. `SparkConnection` answers the few calls cxkpi's
KPI code makes of a DuckDB connection (execute(sql, parameters).df() / fetchall()), translating each
statement with cxkpi.kpi_sql.spark_sql, so the KPI code, the statistics and the CLI are the same on
both engines. The tables the loader derives in DuckDB (queries/derived/) are computed by Spark from
the canonical tables with the same SQL, once per session, and cached.

Where the tables come from: $CXKPI_SPARK_TABLES, a folder (or any URI Spark reads: s3a://, abfss://,
dbfs:/) holding one Parquet dataset per canonical table (customers/, orders/, survey_responses/,
complaints/) with at least the columns of docs/data-model.md; else the copy `write_parquet` makes of
a warehouse beside it (<warehouse>.parquet/), written again when the warehouse has loaded new data.
Which Spark: $CXKPI_SPARK_REMOTE, a Spark Connect URL (sc://host:15002), else $CXKPI_SPARK_MASTER
(default local[*]: Spark inside this process, what the tests use), e.g. spark://host:7077 or yarn.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from cxkpi import kpi_sql
from cxkpi.schema import TABLES
from cxkpi.warehouse import DERIVED_TABLES, data_version, reading

TABLES_ENV = "CXKPI_SPARK_TABLES"
REMOTE_ENV = "CXKPI_SPARK_REMOTE"
MASTER_ENV = "CXKPI_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
# Each canonical table is partitioned by the month of the time its freshness is read from.
PARTITION_COLUMN = "month"
# The loads the warehouse recorded, for the freshness each card shows ("last loaded").
LOADS_TABLE = "ingest_log"
_STAMP = "cxkpi_data_version"


def parquet_copy_of(db_path: Path) -> Path:
    """Where `python -m cxkpi kpis --engine spark --db FILE` keeps FILE's tables as Parquet."""
    return db_path.with_name(db_path.name + ".parquet")


def write_parquet(db_path: Path, out_dir: Path) -> dict[str, int]:
    """Write the warehouse's canonical tables to out_dir/<table>/month=YYYY-MM/*.parquet (and its loads
    to out_dir/ingest_log/), replacing what was there; return the rows written per table."""
    written = {}
    staging = out_dir.with_name(out_dir.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with reading(db_path) as connection:
        for table in TABLES.values():
            columns = ", ".join(table.column_names)
            month = f"coalesce(strftime({table.freshness_column}, '%Y-%m'), 'none')"
            connection.execute(
                f"copy (select {columns}, {month} as {PARTITION_COLUMN} from {table.name}) "
                f"to '{_sql_path(staging / table.name)}' (format parquet, partition_by ({PARTITION_COLUMN}))"
            )
            written[table.name] = connection.execute(f"select count(*) from {table.name}").fetchone()[0]
        connection.execute(
            f"copy (select table_name, loaded_at from {LOADS_TABLE}) "
            f"to '{_sql_path(staging / LOADS_TABLE)}' (format parquet, per_thread_output)"
        )
    (staging / _STAMP).write_text(str(data_version(db_path)), encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)  # the copy is whole or absent, never half-written
    return written


def current_parquet_copy(db_path: Path) -> Path:
    """The Parquet copy of the warehouse at db_path, written first if missing or older than its data."""
    out_dir = parquet_copy_of(db_path)
    stamp = out_dir / _STAMP
    if not stamp.exists() or stamp.read_text(encoding="utf-8").strip() != str(data_version(db_path)):
        write_parquet(db_path, out_dir)
    return out_dir


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class SparkResult:
    def __init__(self, names: list[str], rows: list[Any]) -> None:
        self._names, self._rows = names, rows

    def df(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records([tuple(row) for row in self._rows], columns=self._names)
        for name in frame.columns:  # dates as DuckDB gives them: pandas timestamps
            if frame[name].map(lambda value: hasattr(value, "isoformat")).any():
                frame[name] = pd.to_datetime(frame[name])
        return frame

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self._rows]

    def fetchone(self) -> tuple | None:
        return tuple(self._rows[0]) if self._rows else None


class SparkConnection:
    """The part of a DuckDB connection cxkpi's KPI code uses, answered by a Spark session."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def execute(self, sql: str, parameters: dict[str, Any] | None = None) -> SparkResult:
        frame = self.session.sql(kpi_sql.spark_sql(sql), args=_spark_values(parameters or {}))
        return SparkResult(frame.columns, frame.collect())

    def cursor(self) -> SparkConnection:
        return self

    def close(self) -> None:
        """Nothing to close: the session outlives a query (see session())."""


def _spark_values(parameters: dict[str, Any]) -> dict[str, Any]:
    # Spark binds a Python list as an array literal; a tuple is not one.
    return {name: list(value) if isinstance(value, tuple) else value for name, value in parameters.items()}


# For a few thousand rows (the tests' golden data): one partition, no adaptive planning and no code
# generation, whose fixed costs dwarf the work (a KPI's query 0.5 s instead of 4 s here).
SMALL_DATA = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def session(remote: str | None = None, master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """The Spark session: $CXKPI_SPARK_REMOTE (Spark Connect) or $CXKPI_SPARK_MASTER, default local[*].
    Spark keeps one per process; asking again returns it as it is."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    remote = remote or os.environ.get(REMOTE_ENV)
    builder = SparkSession.builder.appName("cxkpi")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = (
            builder.master(master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER)
            .config("spark.ui.enabled", "false")
            # A KPI reads a few thousand aggregated rows: Spark's default of 200 shuffle partitions
            # would spend most of each query scheduling empty tasks.
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.adaptive.enabled", "true")
        )
    for name, value in (config or {}).items():
        builder = builder.config(name, value)
    spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def connected(tables: str | Path, spark: Any | None = None) -> Iterator[SparkConnection]:
    """A connection whose tables are the Parquet datasets under `tables` and the derived tables
    computed from them (cached for the session; dropped on leaving)."""
    spark = spark or session()
    location = str(tables).rstrip("/")
    views = []
    try:
        for table in TABLES.values():
            spark.read.parquet(f"{location}/{table.name}").select(*table.column_names) \
                .createOrReplaceTempView(table.name)
            views.append(table.name)
        _register_loads(spark, location)
        views.append(LOADS_TABLE)
        for name, statement in kpi_sql.spark_derived_statements():
            spark.sql(f"cache table {name} as {statement}")
            views.append(name)
        yield SparkConnection(spark)
    finally:
        for name in reversed(views):
            if name in DERIVED_TABLES:
                spark.sql(f"uncache table if exists {name}")
            spark.catalog.dropTempView(name)


def _register_loads(spark: Any, location: str) -> None:
    """The warehouse's loads when the copy has them; a company's own tables have none (then each
    card's 'last loaded' is empty, as for tables cxkpi never loaded)."""
    try:
        spark.read.parquet(f"{location}/{LOADS_TABLE}").createOrReplaceTempView(LOADS_TABLE)
    except Exception as error:  # pyspark raises AnalysisException for a path that does not exist
        if "PATH_NOT_FOUND" not in str(error) and "does not exist" not in str(error):
            raise
        spark.sql("select cast(null as string) as table_name, cast(null as timestamp) as loaded_at where false") \
            .createOrReplaceTempView(LOADS_TABLE)


def tables_location(db_path: Path | None) -> str | Path:
    """$CXKPI_SPARK_TABLES when set (a company's own tables), else the warehouse's Parquet copy."""
    configured = os.environ.get(TABLES_ENV)
    if configured:
        return configured
    if db_path is None:
        raise ValueError(f"no tables for Spark: set ${TABLES_ENV} or give a warehouse (--db)")
    return current_parquet_copy(db_path)

