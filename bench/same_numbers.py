"""Do two checkouts of cxkpi give the same numbers? For merges and rewrites of the query layer.

    python bench/same_numbers.py OTHER_CHECKOUT        # e.g. a `git archive` of main unpacked in /tmp

Each checkout computes with its own code and its own loader, in a subprocess whose working folder is
that checkout, on the same data: tests/golden, tests/golden_more, sample_data, and the golden data
with trust and CSAT answered on a 1-10 scale (tests/mixed_scales/) and complaints resolved at a time
the export does not give (tests/real_shapes/). What is computed:
- every KPI x 7 filters x each breakdown both checkouts offer x 3 grains x 3-5 periods
  (kpis.run_kpi_query, with the KPI's own parameters);
- each card: the overview's report as `kpis --json` prints it (cli.report_as_dict), its sparkline,
  its months and the card's HTML (ui.cards.card_html); and `python -m cxkpi kpis --json` itself for
  the default period, with and without a filter;
- each KPI page's trend with its control limits (assessment.control_chart over the baseline months
  or weeks before the period);
- every drill-down (cxkpi.drilldowns) and where the data's body ends (kpis.latest_day).
Results are compared exactly: column names and types, every value and n; a difference is listed
with its key and, for numbers, its size. Exit 0 when everything is identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
GRAINS = ("period", "week", "month")
BREAKDOWNS = ("none", "region", "segment", "channel")
FILTERS = {
    "all": {},
    "EMEA": {"region": ("EMEA",)},
    "EMEA+APAC": {"region": ("EMEA", "APAC")},
    "Consumer": {"segment": ("Consumer",)},
    "web": {"channel": ("web",)},
    "web+store": {"channel": ("web", "store")},
    "NA/Enterprise/app": {"region": ("North America",), "segment": ("Enterprise",), "channel": ("app",)},
}
CARD_FILTERS = ("all", "EMEA", "web+store")


def periods(dataset: str) -> list[tuple[date, date]]:
    if dataset == "sample":
        return [(date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 4, 1), date(2026, 6, 30)),
                (date(2025, 10, 1), date(2026, 9, 30)), (date(2026, 9, 1), date(2026, 9, 30)),
                (date(2026, 2, 10), date(2026, 5, 20))]
    if dataset == "golden_more":
        return [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), date(2026, 3, 31)),
                (date(2026, 3, 10), date(2026, 4, 20))]
    return [(date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 5, 1), date(2026, 5, 31)),
            (date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 4, 15), date(2026, 6, 10))]


# ------------------------------------------------------------------------------------------ capture
def capture(data_root: Path, work: Path) -> dict[tuple, Any]:
    """Everything listed in the module's docstring, computed by the checkout in the working folder."""
    from cxkpi import assessment, cli, drilldowns, kpis
    from cxkpi.ingest import ingest_paths
    from cxkpi.kpis import Filters
    from cxkpi.periods import Period
    from cxkpi.registry import load_registry, load_settings
    from cxkpi.warehouse import reading
    from ui import cards

    registry = load_registry()
    settings = load_settings()
    found: dict[tuple, Any] = {}
    for dataset, db in warehouses(data_root, work, ingest_paths).items():
        with reading(db) as connection:
            found[(dataset, "latest_day")] = kpis.latest_day(connection)
            found[(dataset, "default_period")] = kpis.default_period(connection)
            for start, end in periods(dataset):
                period = Period(start, end)
                for kpi in registry:
                    for filter_name, chosen in FILTERS.items():
                        filters = Filters(**chosen)
                        for breakdown in BREAKDOWNS:
                            for grain in GRAINS:
                                found[(dataset, "kpi", kpi.id, str(period), filter_name, breakdown, grain)] = \
                                    kpis.run_kpi_query(connection, kpi.id, period, filters, grain, breakdown,
                                                       settings=kpi.parameters)
                    for grain in ("week", "month"):
                        trend = kpis.run_kpi_query(connection, kpi.id, period, Filters(), grain,
                                                   settings=kpi.parameters)
                        before = assessment.baseline_period(period, grain)
                        baseline = kpis.run_kpi_query(connection, kpi.id, before, Filters(), grain,
                                                      settings=kpi.parameters)
                        chart = assessment.control_chart(kpi, trend, baseline)
                        found[(dataset, "control_chart", kpi.id, str(period), grain)] = chart
                for filter_name in CARD_FILTERS:
                    filters = Filters(**FILTERS[filter_name])
                    for report in kpis.overview(connection, registry, period, filters, settings):
                        report = dataclasses.replace(report, last_loaded_at=None)  # when this run loaded it
                        key = (dataset, "card", report.kpi.id, str(period), filter_name)
                        found[(*key, "json")] = cli.report_as_dict(report)
                        found[(*key, "sparkline")] = report.sparkline
                        found[(*key, "monthly")] = report.monthly()
                        found[(*key, "html")] = cards.card_html(report)
                    capture_drilldowns(found, connection, drilldowns, registry, dataset, period, filter_name, filters)
        for name, arguments in {"default": [], "EMEA": ["--filter", "region=EMEA"]}.items():
            result = subprocess.run([sys.executable, "-m", "cxkpi", "kpis", "--db", str(db), "--json", *arguments],
                                    capture_output=True, text=True, check=True)
            document = json.loads(result.stdout)
            for row in document["kpis"]:
                row["last_loaded_at"] = None  # when this run loaded it
            found[(dataset, "kpis --json", name)] = document
    return found


def capture_drilldowns(found, connection, drilldowns, registry, dataset, period, filter_name, filters) -> None:
    key = (dataset, "drilldown", str(period), filter_name)
    parameters = {kpi.id: kpi.parameters for kpi in registry}
    for metric in ("nps", "brand_trust", "csat"):
        for dimension in ("region", "segment", "channel"):
            found[(*key, "slice_impact", metric, dimension)] = drilldowns.slice_impact(
                connection, metric, dimension, period, filters, parameters=parameters[metric])
    found[(*key, "response_grid")] = drilldowns.response_by_channel_and_category(connection, period, filters)
    found[(*key, "open_backlog")] = drilldowns.open_backlog(connection, period, filters)
    found[(*key, "resolution_times")] = drilldowns.resolution_times(connection, period, filters)
    for group_by in ("category", "channel"):
        found[(*key, "resolution_survival", group_by)] = drilldowns.resolution_survival(
            connection, period, filters, group_by)
    for dimension, value, search in (("none", "", ""), ("none", "", "staff"), ("channel", "web", "")):
        found[(*key, "detractor_comments", dimension, value, search)] = drilldowns.detractor_comments(
            connection, period, filters, dimension, value, search)


def warehouses(data_root: Path, work: Path, ingest_paths) -> dict[str, Path]:
    """Each dataset loaded by this checkout's loader into a warehouse of its own under `work`."""
    built = {}
    sources = {
        "golden": [data_root / "tests" / "golden"],
        "golden_more": [data_root / "tests" / "golden_more"],
        "sample": [data_root / "sample_data"],
        "golden+scales+unknown_times": [data_root / "tests" / "golden",
                                        data_root / "tests" / "real_shapes" /
                                        "complaints_closed_without_resolution_times.csv"],
    }
    for name, paths in sources.items():
        db = work / name / "w.duckdb"
        db.parent.mkdir()
        _, refusals = ingest_paths(db, paths)
        assert not refusals, refusals
        built[name] = db
    survey = data_root / "tests" / "mixed_scales" / "survey_on_1_to_10.csv"
    _, refusals = ingest_paths(built["golden+scales+unknown_times"], [survey], mapping=survey.with_suffix(".toml"))
    assert not refusals, refusals
    return built


# ------------------------------------------------------------------------------------------ compare
def plain(value: Any) -> Any:
    """A value as comparable plain data: frames with their column names and types, NaN as 'NaN'."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return ("frame", tuple(value.columns), tuple(str(dtype) for dtype in value.dtypes),
                tuple(tuple(plain(cell) for cell in row) for row in value.itertuples(index=False)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((field.name, plain(getattr(value, field.name)))
                                            for field in dataclasses.fields(value)))
    if isinstance(value, dict):
        return ("dict", tuple((key, plain(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(plain(item) for item in value)
    if isinstance(value, (np.floating, float)):
        return "NaN" if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    return value


def differences(mine: Any, theirs: Any, path: str = "") -> list[str]:
    if type(mine) is not type(theirs) or (isinstance(mine, tuple) and len(mine) != len(theirs)):
        if isinstance(mine, float) and isinstance(theirs, float):
            pass
        else:
            return [f"{path}: {shorten(mine)} != {shorten(theirs)}"]
    if isinstance(mine, tuple):
        found = []
        for index, (left, right) in enumerate(zip(mine, theirs, strict=True)):
            found += differences(left, right, f"{path}[{index}]")
        return found
    if isinstance(mine, float) and isinstance(theirs, float):
        return [] if mine == theirs else [f"{path}: {mine!r} != {theirs!r} (by {abs(mine - theirs):.3g})"]
    return [] if mine == theirs else [f"{path}: {shorten(mine)} != {shorten(theirs)}"]


def shorten(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def run_capture(checkout: Path, out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="same_numbers_"))
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    environment = {name: value for name, value in environment.items() if not name.startswith("CXKPI_")}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--capture", str(out), "--data", str(HERE),
                    "--work", str(work)], cwd=checkout, env=environment, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", nargs="?", type=Path, help="the checkout to compare this one with")
    parser.add_argument("--capture", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="folder to keep both captures in (pickles)")
    args = parser.parse_args(argv)
    if args.capture:
        sys.path.insert(0, os.getcwd())
        found = {key: plain(value) for key, value in capture(args.data, args.work).items()}
        args.capture.write_bytes(pickle.dumps(found))
        return 0
    if args.other is None:
        parser.error("give the checkout to compare with")
    keep = args.keep or Path(tempfile.mkdtemp(prefix="same_numbers_"))
    keep.mkdir(parents=True, exist_ok=True)
    mine_file, theirs_file = keep / "this.pkl", keep / "other.pkl"
    run_capture(HERE, mine_file)
    run_capture(args.other.resolve(), theirs_file)
    mine, theirs = pickle.loads(mine_file.read_bytes()), pickle.loads(theirs_file.read_bytes())
    kinds: Counter[str] = Counter()
    differing: Counter[str] = Counter()
    for key in sorted(set(mine) | set(theirs), key=repr):
        kind = key[1] if key[1] != "drilldown" else f"drilldown {key[4]}"
        kinds[kind] += 1
        if key not in mine or key not in theirs:
            differing[kind] += 1
            print(f"only in {'this checkout' if key in mine else 'the other'}: {key}")
            continue
        found = differences(mine[key], theirs[key])
        if found:
            differing[kind] += 1
            print(f"DIFFERS {key}:")
            for line in found[:6]:
                print(f"    {line}")
    print(f"\n{sum(kinds.values())} results compared, {sum(kinds.values()) - sum(differing.values())} identical, "
          f"{sum(differing.values())} differing")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<40} {count:>6} compared, {differing[kind]:>5} differing")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
