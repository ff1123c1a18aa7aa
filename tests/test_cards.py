"""What a KPI card says, run by streamlit.testing against a real warehouse built from the golden CSVs."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import GOLDEN_DIR, PROJECT_ROOT, build_warehouse


def test_comparing_with_last_year_labels_the_change_so_and_does_not_repeat_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Q2 2026 against Q2 2025, which holds no golden data: the card says 'no data last year'."""
    monkeypatch.setenv("CXKPI_DB", str(build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)))
    monkeypatch.delenv("CXKPI_REGISTRY", raising=False)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=30)
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30", "compare": "last_year"})
    at.run()
    assert not at.exception
    text = "\n".join(caption.value for caption in at.get_by_key("card-nps").caption)
    assert "no data last year" in text
    assert text.count("vs same period last year") == 1 and "vs previous period" not in text
