"""Bench: ingest and overview speed at a large size, against DuckDB's read_csv and a pandas baseline.

Prints figures and ratios; targets are reported, never asserted (speed is measured, not assumed).
Usage: python bench/run.py [--scale 1.0] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pandas_kpis
from cxkpi import kpis, registry, sample_data, warehouse
from cxkpi.ingest import ingest_paths
from cxkpi.kpis import Filters

WORK_DIR = warehouse.PROJECT_ROOT / "data" / "bench"
FULL_SIZE = {"customers": 200_000, "orders": 1_000_000, "survey_responses": 300_000, "complaints": 100_000}
FILTERS = Filters(region=("EMEA",))


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median wall time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (1.0 = 1,000,000 orders)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per warm timing (the median is printed)")
    args = parser.parse_args()
    size = {table: max(1, int(rows * args.scale)) for table, rows in FULL_SIZE.items()}

    shutil.rmtree(WORK_DIR, ignore_errors=True)
    csv_dir, db_path = WORK_DIR / "csv", WORK_DIR / "bench.duckdb"
    print(f"generating {', '.join(f'{rows:,} {table}' for table, rows in size.items())} ...")
    seconds, files = timed(lambda: sample_data.generate(csv_dir, **size))
    print(f"  generated in {seconds:.1f} s")

    print("\n(a) ingest")
    ingest_seconds = {}
    for table in ("customers", "orders", "survey_responses", "complaints"):
        ingest_seconds[table], _ = timed(lambda table=table: _ingest_one(db_path, files[table]))
        print(f"  {table:<17} {size[table]:>9,} rows  {ingest_seconds[table]:6.2f} s")
    read_csv_seconds, _ = timed(lambda: duckdb_read_csv(files["orders"]), repeat=3)
    ratio = ingest_seconds["orders"] / read_csv_seconds
    print(f"  orders via cxkpi ingest {ingest_seconds['orders']:.2f} s vs DuckDB read_csv into a table "
          f"{read_csv_seconds:.2f} s: ratio {ratio:.2f}x (target <= 2x: {'met' if ratio <= 2 else 'MISSED'})")

    print(f"\n(b) overview numbers (4 KPIs: current, previous, 12-month sparkline; filter {FILTERS.describe()})")
    all_kpis = registry.load_registry()
    kpi_list = [kpi for kpi in all_kpis if kpi.id in pandas_kpis.KPI_FUNCTIONS]
    with warehouse.reading(db_path) as connection:
        period = kpis.default_period(connection)

        def plain_overview(kpi_subset: list, filters: Filters = FILTERS) -> list:
            return kpis.overview(connection, kpi_subset, period, filters, settings=None)

        cold_seconds, _ = timed(lambda: plain_overview(kpi_list))
        warm_seconds, reports = timed(lambda: plain_overview(kpi_list), args.repeat)
        unfiltered_seconds, _ = timed(lambda: plain_overview(kpi_list, Filters()), args.repeat)
        full_plain_seconds, _ = timed(lambda: plain_overview(all_kpis), args.repeat)
        full_statistics_seconds, _ = timed(
            lambda: kpis.overview(connection, all_kpis, period, FILTERS, registry.load_settings()), args.repeat
        )
        frames = pandas_kpis.Frames(
            **{table: connection.execute(f"select * exclude (extra) from {table}").df() for table in FULL_SIZE}
        )
    pandas_seconds, expected = timed(lambda: pandas_kpis.overview(frames, period, FILTERS), max(1, args.repeat // 2))
    print(f"  period {period.label()}")
    print(f"  cxkpi (DuckDB SQL): {warm_seconds:.3f} s warm (first run {cold_seconds:.3f} s); "
          f"target < 0.5 s: {'met' if warm_seconds < 0.5 else 'MISSED'}")
    print(f"  (for reference, with no filter at all: {unfiltered_seconds:.3f} s warm)")
    speedup = pandas_seconds / warm_seconds
    print(f"  pandas baseline:    {pandas_seconds:.3f} s; cxkpi is {speedup:.1f}x faster "
          f"(target >= 10x: {'met' if speedup >= 10 else 'MISSED'})")

    mismatches = _compare(reports, expected)
    print(f"  values agree with pandas: {'yes, every KPI, period and month' if not mismatches else 'NO'}")
    for mismatch in mismatches:
        print(f"    {mismatch}")
    for report in reports:
        print(f"    {report.kpi.id:<26} {report.current.value:8.2f} (n={report.current.n:,})")

    statistics_ratio = full_statistics_seconds / full_plain_seconds
    print(f"\n(c) the whole overview ({len(all_kpis)} KPIs) with 95% intervals, change tests vs the previous period "
          f"and last year, bands and months off target")
    print(f"  without statistics {full_plain_seconds:.3f} s, with them {full_statistics_seconds:.3f} s: "
          f"ratio {statistics_ratio:.2f}x (target <= 1.5x: {'met' if statistics_ratio <= 1.5 else 'MISSED'})")
    return 1 if mismatches else 0


def _ingest_one(db_path: Path, path: Path) -> None:
    results, refusals = ingest_paths(db_path, [path])
    assert not refusals and results[0].rows_quarantined == 0, (refusals, results)


def duckdb_read_csv(path: Path, work_dir: Path = WORK_DIR) -> None:
    """The baseline every ingest figure is a ratio to: DuckDB's own read_csv of a file into a table."""
    with duckdb.connect(str(work_dir / "read_csv.duckdb")) as connection:
        connection.execute("create or replace table orders as select * from read_csv($path)", {"path": str(path)})


def _same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def _compare(reports: list[kpis.KpiReport], expected: dict) -> list[str]:
    mismatches = []
    for report in reports:
        want = expected[report.kpi.id]
        got = {
            "current": (report.current.value, report.current.n),
            "previous": (report.previous.value, report.previous.n),
        }
        for name in ("current", "previous"):
            if not (_same(got[name][0], want[name][0]) and got[name][1] == want[name][1]):
                mismatches.append(f"{report.kpi.id} {name}: SQL {got[name]} vs pandas {want[name]}")
        sql_months = [(row.value, row.n) for row in report.sparkline.itertuples()]
        pandas_months = [month for month in want["sparkline"] if month[1] > 0]
        if len(sql_months) != len(pandas_months) or not all(
            _same(a[0], b[0]) and a[1] == b[1] for a, b in zip(sql_months, pandas_months, strict=False)
        ):
            mismatches.append(f"{report.kpi.id} sparkline: SQL {sql_months} vs pandas {pandas_months}")
    return mismatches


if __name__ == "__main__":
    sys.exit(main())
