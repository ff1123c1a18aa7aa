"""Helpers shared by the tests: real warehouse files built from real CSV files."""

from __future__ import annotations

from pathlib import Path

from cxkpi.ingest import ingest_paths

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
GOLDEN_DIR = TESTS_DIR / "golden"
SAMPLE_DIR = PROJECT_ROOT / "sample_data"


def build_warehouse(db_path: Path, *sources: Path) -> Path:
    """Create a DuckDB file at db_path loaded with the given CSV files or folders; fail loudly on refusals."""
    results, refusals = ingest_paths(db_path, list(sources))
    assert not refusals, [str(refusal) for refusal in refusals]
    assert results, f"no CSV files in {sources}"
    return db_path
