"""The Data page (AppTest, against real warehouse files) and the overview's stale-source warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxkpi.health import stale_sources
from cxkpi.ingest import ingest_paths
from tests.support import GOLDEN_DIR, TESTS_DIR, app_test, build_warehouse


@pytest.fixture
def data_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    # One bad row of three: above the 5% that refuses a file, so the limit is lifted for this load.
    _, refusals = ingest_paths(db, [TESTS_DIR / "exports" / "qualtrics_responses_export.csv"], quarantine_limit=100)
    assert not refusals
    at = app_test(monkeypatch, db).run()
    return at.switch_page("pages/11_Data.py")


def test_the_data_page_shows_the_ingest_log_quarantine_and_each_tables_freshness(data_page):
    at = data_page.run()
    assert not at.exception
    assert at.title[0].value == "Data"
    log = at.get_by_key("data-log").dataframe[0].value
    assert log["File"].iloc[0] == "qualtrics_responses_export.csv"
    first = log.iloc[0]
    assert (first["Recognised as"], first["Table"], first["Read"], first["Inserted"], first["Quarantined"]) == (
        "Qualtrics responses", "survey_responses", 3, 2, 1)
    assert sorted(log["File"]) == sorted(["qualtrics_responses_export.csv", "customers.csv", "orders.csv",
                                          "survey_responses.csv", "complaints.csv"])
    # The quarantined row whole, in the file's own columns, with why.
    assert at.selectbox(key="quarantine_load").value.source_file == "qualtrics_responses_export.csv"
    quarantine = at.get_by_key("data-quarantine").dataframe[0].value
    assert list(quarantine.columns[:3]) == ["Row", "StartDate", "EndDate"] and quarantine.columns[-1] == "Why"
    assert len(quarantine.columns) == 1 + 21 + 1
    assert quarantine[["Row", "ResponseId", "ExternalReference", "Q1", "Q2", "Q3", "Why"]].values.tolist() == [
        [6, "R_1abcDEFghiJKL03", "C3", "11", "3", "typo score", "recommend_score: not a whole number from 0 to 10"]]
    download = at.get_by_key("quarantine_download")  # KeyError if missing; its file is made on a click
    assert download.proto.label == "Download these rows to mend (CSV)"
    tables = at.get_by_key("data-freshness").dataframe[0].value.set_index("Table")
    assert tables.loc["Survey responses", "Rows"] == 11  # 9 golden + 2 from Qualtrics
    assert tables.loc["Orders", "Health"] == "ok"
    assert str(tables.loc["Orders", "Data through"]) == "2026-08-01 10:00:00"
    # The sidebar is drawn as on every page (deep links work).
    assert any(link.label == "Overview" for link in at.sidebar.get("page_link"))


def test_a_source_far_behind_the_others_is_stale():
    frame = pd.DataFrame({
        "table_name": ["complaints", "customers", "orders", "survey_responses"],
        "row_count": [10, 10, 10, 0],
        "data_through": pd.to_datetime(["2026-03-31", "2025-01-01", "2026-06-30", None]),
    })
    [stale] = stale_sources(frame, days=45)
    assert (stale.table, stale.days_behind) == ("complaints", 91)
    assert stale.message().startswith("Complaints data ends on 2026-03-31, 91 days before orders (2026-06-30)")
    assert stale_sources(frame, days=91) == []


def test_the_overview_warns_when_a_source_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    later = tmp_path / "orders_later.csv"
    later.write_text("order_id,customer_id,ordered_at,amount,channel,status\nO99,C1,2026-10-15,10.00,web,completed\n",
                     encoding="utf-8")
    ingest_paths(db, [later])
    at = app_test(monkeypatch, db).run()
    warnings = [warning.value for warning in at.warning]
    assert any(text.startswith("Complaints data ends on 2026-07-01, 105 days before orders") for text in warnings), (
        warnings)
    assert any(text.startswith("Survey responses data ends on 2026-07-01") for text in warnings), warnings


def test_the_golden_overview_has_no_stale_warning(golden_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = app_test(monkeypatch, golden_db).run()
    assert not [w.value for w in at.warning if "data ends on" in w.value]


def test_on_an_empty_warehouse_the_data_page_offers_the_upload_instead_of_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    at = app_test(monkeypatch, tmp_path / "empty.duckdb").run()
    assert "Upload your exports on the **Data** page" in at.info[0].value  # the overview points there
    at.switch_page("pages/11_Data.py").run()
    assert not at.exception
    assert "Upload your first exports below" in at.info[0].value
    assert "Add exports" in [subheader.value for subheader in at.subheader]
    assert len(at.get("file_uploader")) == 1


def test_the_data_page_has_no_kpi_filters_and_its_uploader_states_the_real_limit(
    data_page, monkeypatch: pytest.MonkeyPatch
):
    """The KPI filters do not apply to loading files, so the Data page does not show them; the uploader
    says the limit that applies ($CXKPI_MAX_UPLOAD_MB, 50 MB by default), not Streamlit's 200 MB."""
    at = data_page.run()
    assert not at.sidebar.get("multiselect") and not at.sidebar.get("date_input")
    assert [uploader.proto.max_upload_size_mb for uploader in at.get("file_uploader")] == [50]
    monkeypatch.setenv("CXKPI_MAX_UPLOAD_MB", "20")
    assert [uploader.proto.max_upload_size_mb for uploader in at.run().get("file_uploader")] == [20]
