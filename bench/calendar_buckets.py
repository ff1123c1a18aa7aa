"""Bench: the overview and a KPI's monthly trend on the sample data, in the Gregorian and the Solar Hijri
calendar, to see what bucketing by the calendar's months in the view rule costs; then, on 1,000,000
timestamps over 12 months in one thread, three ways to find a record's month: date_trunc (Gregorian
only, what the view rule did before calendars), a list_filter over the month starts, and the view
rule's lookup of the record's day in a list with one entry per day (cxkpi.periods.buckets).

Prints the median of --repeat warm runs of each. Usage:
    python -m cxkpi ingest sample_data   (once, into the warehouse --db or $CXKPI_DB names)
    python bench/calendar_buckets.py [--db PATH] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb

from cxkpi import cli, kpis, registry, warehouse
from cxkpi.calendars import Calendar
from cxkpi.kpis import Filters
from cxkpi.periods import Period, buckets, month_starts, trailing_months


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    all_kpis = registry.load_registry()
    settings = registry.load_settings()
    db_path = warehouse.resolve_db_path(args.db)
    with warehouse.reading(db_path) as connection:
        default = kpis.default_period(connection)
        if default is None:
            print(f"error: {cli.no_data(db_path)}, or name a loaded warehouse with --db", file=sys.stderr)
            return 2
        kpis.overview(connection, all_kpis, default, Filters(), settings)  # warm
        for calendar in (Calendar("gregorian", 0), Calendar("persian", 5)):
            latest = kpis.latest_day(connection)
            period = kpis.default_period(connection, latest, calendar)
            overview = _median(args.repeat, kpis.overview, connection, all_kpis, period, Filters(), settings)
            months = trailing_months(period.end, 12, calendar)
            trend = _median(args.repeat, kpis.run_kpi_query, connection, all_kpis[0], months, Filters(), "month")
            print(f"{calendar.system:>9}: overview {overview * 1000:6.1f} ms, NPS 12-month trend {trend * 1000:5.1f} ms"
                  f"  ({period.start} to {period.end})")
    _bucket_expressions(args.repeat)
    return 0


def _bucket_expressions(repeat: int) -> None:
    connection = duckdb.connect()
    connection.execute("set threads = 1")
    connection.execute("create table t as select timestamp '2025-10-01' + to_seconds((random() * 365 * 86400)"
                       "::bigint) as ts from range(1000000)")
    period = Period(date(2025, 10, 1), date(2026, 9, 30))
    starts, _ = buckets(period, "month")
    expressions = {
        "date_trunc('month')": ("date_trunc('month', ts)::date", {}),
        "list_filter over month starts": (
            "list_max(list_filter($months::date[], lambda s: s <= ts::date))", {"months": month_starts(period)}),
        "per-day list index (view rule)": (
            "($days::date[])[date_diff('day', $start::date, ts::date) + 1]", {"days": starts, "start": period.start}),
    }
    for name, (expression, parameters) in expressions.items():
        query = f"select {expression} as bucket, count(*) from t group by bucket"
        took = _median(repeat, lambda: connection.execute(query, parameters).fetchall())  # noqa: B023
        print(f"1M rows, 1 thread, {name:>31}: {took * 1000:5.0f} ms")


def _median(repeat: int, run, *arguments) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(*arguments)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
