"""Bench: ingest, the overview and `kpis --json` at a large size, each against its baseline.

Prints figures, ratios and peak memory; targets are reported, never asserted (speed is measured,
not assumed). At --scale 1: 1,000,000 orders, 300,000 survey responses, 100,000 complaints, 200,000
customers; --scale 10 is ten times that. The generated CSV files are kept under data/bench (data/bench10,
...) and made again only when missing; the warehouse is loaded afresh on every run.
Usage: python bench/run.py [--scale 1] [--repeat 5] [--pandas] [--db EXISTING] [--only ingest|overview]
  --only ingest    only part (a), ingest against read_csv, --repeat times, each run into a fresh warehouse
                   (the figures of a shared machine are noisy: compare runs, not one)
  --db EXISTING    time (b) and (c) on a warehouse already loaded (e.g. a copy of data/bench10/run/bench.duckdb)
                   instead of generating and loading one: no (a). Loading 10M orders takes minutes; this lets
                   a change to the KPI queries be timed in seconds. A derived table whose SQL changed is
                   rebuilt when the file is first opened (cxkpi.warehouse), before anything is timed.
  --only overview  only (b), the overview and each KPI alone
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pandas_kpis
from cxkpi import kpis, registry, sample_data, warehouse
from cxkpi.kpis import Filters

FULL_SIZE = {"customers": 200_000, "orders": 1_000_000, "survey_responses": 300_000, "complaints": 100_000}
TABLES = ("customers", "orders", "survey_responses", "complaints")
FILTERS = Filters(region=("EMEA",))
# A filter change: each overview run asks for another region, as a person clicking through them.
REGIONS = ("EMEA", "North America", "APAC", "LATAM")
CORE_KPIS = ("nps", "complaint_response_hours", "repeat_purchase_rate", "brand_trust")
PROJECT = warehouse.PROJECT_ROOT
GNU_TIME = "/usr/bin/time"


def work_dir(scale: float) -> Path:
    return PROJECT / "data" / ("bench" if scale == 1 else f"bench{scale:g}")


WORK_DIR = work_dir(1)


def timed(function, repeat: int = 1, clock=time.perf_counter) -> tuple[float, object]:
    """Median wall time (or the time of another clock: time.process_time for CPU) of `repeat` calls,
    and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = clock()
        result = function()
        times.append(clock() - started)
    return statistics.median(times), result


def process(*command: object) -> tuple[float, float, str, float]:
    """Run a command; its wall time in seconds, its peak memory (resident set) in MB, its output, and
    its CPU time (user + system, every thread) in seconds.

    The peak and CPU time come from GNU time (/usr/bin/time, Debian's package `time`), a small process
    that starts the command: a child's own ru_maxrss also counts the memory of the process it was
    forked from, here the bench itself. NaN where GNU time is missing. CPU time is the steadier figure
    on a machine others share: waiting for a core adds to the wall time only."""
    with tempfile.NamedTemporaryFile("r") as peak, tempfile.TemporaryFile("w+") as output, \
            tempfile.TemporaryFile("w+") as errors:
        wrapper = [GNU_TIME, "-f", "%M %U %S", "-o", peak.name] if Path(GNU_TIME).exists() else []
        started = time.perf_counter()
        result = subprocess.run([*wrapper, *map(str, command)], cwd=PROJECT, stdout=output, stderr=errors, check=False)
        seconds = time.perf_counter() - started
        output.seek(0)
        errors.seek(0)
        if result.returncode != 0:
            raise RuntimeError(f"{command} failed: {errors.read()}")
        if not wrapper:
            return seconds, math.nan, output.read(), math.nan
        kilobytes, user, system = peak.read().strip().splitlines()[-1].split()
        return seconds, int(kilobytes) / 1024, output.read(), float(user) + float(system)


def generated(scale: float) -> dict[str, Path]:
    size = {table: max(1, int(rows * scale)) for table, rows in FULL_SIZE.items()}
    csv_dir = work_dir(scale) / "csv"
    files = {table: csv_dir / f"{table}.csv" for table in TABLES}
    stamp = csv_dir / "sizes.txt"
    if stamp.exists() and stamp.read_text() == repr(size) and all(path.exists() for path in files.values()):
        print(f"reusing {', '.join(f'{rows:,} {table}' for table, rows in size.items())} in {csv_dir}")
        return files
    print(f"generating {', '.join(f'{rows:,} {table}' for table, rows in size.items())} ...")
    seconds, _ = timed(lambda: sample_data.generate(csv_dir, **size))
    stamp.write_text(repr(size))
    print(f"  generated in {seconds:.1f} s")
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 orders; 10 = 10,000,000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per warm timing (the median is printed)")
    parser.add_argument("--pandas", action="store_true", default=None,
                        help="check the four original KPIs against pandas (default: at scale <= 1)")
    parser.add_argument("--db", type=Path, help="time an existing warehouse file instead of loading one (no (a))")
    parser.add_argument("--only", choices=("ingest", "overview"),
                        help="only part (a), ingest against read_csv (--repeat times), or only (b), the overview")
    args = parser.parse_args()
    python = sys.executable
    if args.db:
        db_path = args.db.resolve()
        with warehouse.writing(db_path):  # a derived table whose SQL changed is rebuilt here, untimed
            pass
    else:
        db_path = load(args.scale, args.repeat if args.only == "ingest" else 1)
        if args.only == "ingest":
            return 0
    return overview_and_process(db_path, args, python)


def load(scale: float, runs: int = 1) -> Path:
    """(a): the warehouse loaded afresh from the generated files, each file as a process, `runs` times
    (each into a fresh warehouse, as the first); its path."""
    files = generated(scale)
    run_dir = work_dir(scale) / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db_path = run_dir / "bench.duckdb"

    for run in range(runs):
        if run:  # each run loads into a fresh warehouse, as the first
            shutil.rmtree(run_dir)
            run_dir.mkdir(parents=True)
        ingest_against_read_csv(files, run_dir)
    return db_path


def overview_and_process(db_path: Path, args: argparse.Namespace, python: str) -> int:
    """(b) the overview's time and (c) `kpis --json` as a process, on the warehouse at db_path."""
    all_kpis = registry.load_registry()
    settings = registry.load_settings()
    with warehouse.reading(db_path) as connection:
        period = kpis.default_period(connection)
        print(f"\n(b) the overview's server time, warm ({len(all_kpis)} KPIs, 4 periods each, statistics; "
              f"a region filter that changes on every run), {period.label()}")
        kpis.overview(connection, all_kpis, period, FILTERS, settings)  # warms DuckDB's buffers
        times, cpu_times = [], []
        for index in range(args.repeat):
            filters = Filters(region=(REGIONS[index % len(REGIONS)],))
            started, cpu_started = time.perf_counter(), time.process_time()
            kpis.overview(connection, all_kpis, period, filters, settings)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        overview_seconds = statistics.median(times)
        # The process's CPU time (DuckDB's threads included) too: on a machine shared with other work
        # the wall time swings several-fold between identical runs, the CPU time far less.
        print(f"  {overview_seconds:.3f} s (median of {args.repeat}; {min(times):.3f}-{max(times):.3f}; "
              f"CPU {statistics.median(cpu_times):.3f} s); target <= 1 s: "
              f"{'met' if overview_seconds <= 1 else 'MISSED'}")
        for kpi in all_kpis:
            seconds, _ = timed(lambda kpi=kpi: kpis.report(connection, kpi, period, FILTERS, settings=settings), 3)
            cpu_seconds, _ = timed(lambda kpi=kpi: kpis.report(connection, kpi, period, FILTERS, settings=settings),
                                   3, clock=time.process_time)
            print(f"    {kpi.id:<32} {seconds:.3f} s, CPU {cpu_seconds:.3f} s (alone, 4 periods)")
        full_plain_seconds, _ = timed(
            lambda: kpis.overview(connection, all_kpis, period, FILTERS, settings=None), args.repeat)
        if args.pandas or (args.pandas is None and args.scale <= 1):
            mismatches = _against_pandas(connection, all_kpis, period, args.repeat)
        else:
            mismatches = []

    statistics_ratio = overview_seconds / full_plain_seconds
    print(f"  with statistics vs without ({full_plain_seconds:.3f} s): {statistics_ratio:.2f}x "
          f"(target <= 1.5x: {'met' if statistics_ratio <= 1.5 else 'MISSED'})")
    if args.only == "overview":
        return 1 if mismatches else 0

    print("\n(c) `python -m cxkpi kpis --json` as a process against a hand-written SQL process "
          "(bench/hand_sql.py: the 4 core KPIs, 2 periods)")
    window = ["--start", period.start.isoformat(), "--end", period.end.isoformat()]
    ours_runs = [process(python, "-m", "cxkpi", "kpis", "--db", db_path, "--json", *window, "--filter",
                         f"region={FILTERS.region[0]}") for _ in range(3)]
    hand_runs = [process(python, "bench/hand_sql.py", db_path, period.start, period.end, FILTERS.region[0])
                 for _ in range(3)]
    ours_seconds = statistics.median(run[0] for run in ours_runs)
    hand_seconds = statistics.median(run[0] for run in hand_runs)
    process_ratio = ours_seconds / hand_seconds
    print(f"  kpis --json {ours_seconds:.2f} s ({max(run[1] for run in ours_runs):,.0f} MB peak), all "
          f"{len(all_kpis)} KPIs with statistics; hand SQL {hand_seconds:.2f} s "
          f"({max(run[1] for run in hand_runs):,.0f} MB): {process_ratio:.2f}x (target <= 2x: "
          f"{'met' if process_ratio <= 2 else 'MISSED'})")
    return 1 if mismatches else 0


def ingest_against_read_csv(files: dict[str, Path], run_dir: Path) -> float:
    """Part (a): each file loaded by `python -m cxkpi ingest` as a process, in TABLES' order, into one
    warehouse, against a process writing it with DuckDB's read_csv; prints each figure, returns the total ratio."""
    python = sys.executable
    db_path = run_dir / "bench.duckdb"
    print("\n(a) ingest, each file as a process, against DuckDB's read_csv of the same file into a warehouse file")
    ours, theirs = {}, {}
    for table in TABLES:
        _read_through(files[table])
        ours[table] = process(python, "-m", "cxkpi", "ingest", files[table], "--db", db_path,
                              "--archive", run_dir / "archive")
        theirs[table] = process(python, "-c", READ_CSV, files[table], run_dir / "read_csv.duckdb", table)
        print(f"  {table:<17} cxkpi {ours[table][0]:6.2f} s ({ours[table][1]:,.0f} MB peak)   read_csv "
              f"{theirs[table][0]:6.2f} s ({theirs[table][1]:,.0f} MB)   {ours[table][0] / theirs[table][0]:.2f}x"
              f"   CPU {ours[table][3]:.2f} s vs {theirs[table][3]:.2f} s: {ours[table][3] / theirs[table][3]:.2f}x")
    total_ours, total_theirs = sum(ours[t][0] for t in TABLES), sum(theirs[t][0] for t in TABLES)
    ratio = total_ours / total_theirs
    cpu_ours, cpu_theirs = sum(ours[t][3] for t in TABLES), sum(theirs[t][3] for t in TABLES)
    print(f"  all four: cxkpi {total_ours:.1f} s vs read_csv {total_theirs:.1f} s: {ratio:.2f}x "
          f"(target <= 2x: {'met' if ratio <= 2 else 'MISSED'}); CPU {cpu_ours:.1f} s vs {cpu_theirs:.1f} s: "
          f"{cpu_ours / cpu_theirs:.2f}x; peak memory {max(ours[t][1] for t in TABLES):,.0f} MB")
    return ratio


def _read_through(path: Path) -> None:
    """Read a file once before either process is timed, so that both read it from the page cache: the
    first process to read a 600 MB file used to pay the disk for both (cxkpi ran first, read_csv second)."""
    with path.open("rb") as file:
        while file.read(1 << 24):
            pass


READ_CSV = """
import sys, duckdb
with duckdb.connect(sys.argv[2]) as connection:
    connection.execute(f"create or replace table {sys.argv[3]} as select * from read_csv($path)", {"path": sys.argv[1]})
"""


def _against_pandas(connection: duckdb.DuckDBPyConnection, all_kpis: list, period, repeat: int) -> list[str]:
    """The four original KPIs as the overview gives them, against a pandas implementation sharing no code."""
    kpi_list = [kpi for kpi in all_kpis if kpi.id in pandas_kpis.KPI_FUNCTIONS]
    warm_seconds, reports = timed(lambda: kpis.overview(connection, kpi_list, period, FILTERS, settings=None), repeat)
    frames = pandas_kpis.Frames(
        **{table: connection.execute(f"select * exclude (extra) from {table}").df() for table in TABLES}
    )
    pandas_seconds, expected = timed(lambda: pandas_kpis.overview(frames, period, FILTERS), max(1, repeat // 2))
    print(f"  the 4 original KPIs (current, previous, 12 months; {FILTERS.describe()}): {warm_seconds:.3f} s, "
          f"pandas {pandas_seconds:.3f} s: {pandas_seconds / warm_seconds:.1f}x faster")
    mismatches = _compare(reports, expected)
    print(f"  values agree with pandas: {'yes, every KPI, period and month' if not mismatches else 'NO'}")
    for mismatch in mismatches:
        print(f"    {mismatch}")
    return mismatches


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
