"""Bench: the overview and a KPI's monthly trend on the sample data, in the Gregorian and the Solar Hijri
calendar, to see what bucketing by the calendar's months in the view rule costs.

Prints the median of --repeat warm runs of each. Usage:
    python -m cxkpi ingest sample_data   (once, into the warehouse --db or $CXKPI_DB names)
    python bench/calendar_buckets.py [--db PATH] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxkpi import kpis, registry, warehouse
from cxkpi.calendars import Calendar
from cxkpi.kpis import Filters
from cxkpi.periods import trailing_months


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    all_kpis = registry.load_registry()
    settings = registry.load_settings()
    with warehouse.reading(warehouse.resolve_db_path(args.db)) as connection:
        kpis.overview(connection, all_kpis, kpis.default_period(connection), Filters(), settings)  # warm
        for calendar in (Calendar("gregorian", 0), Calendar("persian", 5)):
            latest = kpis.latest_day(connection)
            period = kpis.default_period(connection, latest, calendar)
            overview = _median(args.repeat, kpis.overview, connection, all_kpis, period, Filters(), settings)
            months = trailing_months(period.end, 12, calendar)
            trend = _median(args.repeat, kpis.run_kpi_query, connection, all_kpis[0], months, Filters(), "month")
            print(f"{calendar.system:>9}: overview {overview * 1000:6.1f} ms, NPS 12-month trend {trend * 1000:5.1f} ms"
                  f"  ({period.start} to {period.end})")
    return 0


def _median(repeat: int, run, *arguments) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(*arguments)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
