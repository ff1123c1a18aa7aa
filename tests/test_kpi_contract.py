"""The contract every KPI keeps, checked over the registry: a KPI added as one SQL file and one
metrics.toml entry is held to it without a test of its own.

For every KPI, every grain and every breakdown its fact table offers, on the golden data and on the
sample data, under no filter and under a region and channel filter:
- the columns start with bucket_start, slice, value, n (anything after is the KPI's own detail);
- one row per bucket and slice, each bucket inside the period (the period's first day for grain
  'period'), a slice exactly when there is a breakdown;
- no value (null) exactly when n = 0: no data is never shown as 0;
- an additive KPI's slices add up to its total, and its weeks and months to its period: n and every
  count beside it. A count is a BIGINT (what count() gives; a sum is cast ::bigint); a whole number
  the KPI states rather than counts, such as the rule it applied (top_points, cast ::integer), is not.
"""

from datetime import date

import pandas as pd
import pytest

from cxkpi import kpi_sql
from cxkpi.kpis import STANDARD_COLUMNS, Filters, View, run_kpi_views
from cxkpi.periods import Period
from cxkpi.registry import load_registry
from cxkpi.warehouse import reading
from tests.support import OPTIONAL_KPIS_REGISTRY, Q2, SAMPLE_DIR, build_warehouse

KPIS = [*load_registry(), *load_registry(OPTIONAL_KPIS_REGISTRY)]
GRAINS = ("period", "week", "month")
FILTERS = (Filters(), Filters(region=("EMEA", "APAC"), channel=("web", "store")))
PERIODS = {"golden": (Q2,), "sample": (Period(date(2026, 7, 1), date(2026, 9, 30)),
                                       Period(date(2025, 10, 1), date(2026, 9, 30)))}
# A value that needs two groups of records has none while either group is empty, though n counts
# the records of the other: the recovery effect is the fast group's repeat rate minus the late one's.
VALUE_NEEDS = {"recovery_effect": lambda row: row["fast_customers"] > 0 and row["late_customers"] > 0}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("sample") / "sample.duckdb", SAMPLE_DIR)


@pytest.fixture(scope="module", params=["golden", "sample"])
def frames(request):
    """Every KPI's frame for every period, grain, breakdown and filter: {(kpi id, View): frame}."""
    db = request.getfixturevalue("golden_db" if request.param == "golden" else "sample_db")
    found = {}
    with reading(db) as connection:
        for kpi in KPIS:
            views = [View(period, grain, filters, breakdown)
                     for period in PERIODS[request.param] for grain in GRAINS
                     for breakdown in ("none", *kpi_sql.dimensions(kpi.reads)) for filters in FILTERS]
            found.update({(kpi.id, view): frame
                          for view, frame in zip(views, run_kpi_views(connection, kpi, views), strict=True)})
    return found


def test_every_kpi_returns_the_standard_columns_first(frames):
    for (kpi_id, view), frame in frames.items():
        assert tuple(frame.columns[:4]) == STANDARD_COLUMNS, (kpi_id, view)


def test_every_kpi_returns_one_row_per_bucket_and_slice_inside_the_period(frames):
    for (kpi_id, view), frame in frames.items():
        assert not frame.duplicated(["bucket_start", "slice"]).any(), (kpi_id, view)
        starts = pd.to_datetime(frame["bucket_start"]).dt.date
        assert starts.between(view.period.start, view.period.end).all(), (kpi_id, view)
        if view.grain == "period":
            assert (starts == view.period.start).all(), (kpi_id, view)
        assert frame["slice"].isna().all() if view.breakdown == "none" else frame["slice"].notna().all(), \
            (kpi_id, view)


def test_every_kpi_has_no_value_exactly_when_n_is_0(frames):
    rows = 0
    for (kpi_id, view), frame in frames.items():
        for row in frame.to_dict("records"):
            has_value = row["n"] > 0 and VALUE_NEEDS.get(kpi_id, lambda _: True)(row)
            assert pd.isna(row["value"]) != has_value, (kpi_id, view, row)
            rows += 1
    assert rows > 500


@pytest.mark.parametrize("kpi", [kpi for kpi in KPIS if kpi.additive], ids=lambda kpi: kpi.id)
def test_an_additive_kpis_slices_and_buckets_add_up_to_its_total(frames, kpi):
    """n and every count beside it (promoters, complaints, ...: the BIGINT columns) of the slices sum
    to the total's, and those of the weeks and months to the period's."""
    checked = 0
    for (kpi_id, view), frame in frames.items():
        if kpi_id != kpi.id or (view.breakdown == "none" and view.grain == "period"):
            continue
        total = frames[(kpi_id, View(view.period, "period", view.filters))]
        counts = [name for name in frame.columns[3:] if frame[name].dtype == "int64"]
        assert "n" in counts
        assert frame[counts].sum().to_dict() == total[counts].sum().to_dict(), (kpi_id, view)
        checked += 1
    assert checked > 10
