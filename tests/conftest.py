import pytest

from tests.support import GOLDEN_DIR, build_warehouse


@pytest.fixture(scope="session")
def golden_db(tmp_path_factory: pytest.TempPathFactory):
    """The hand-checked tiny dataset in tests/golden/, loaded into a real DuckDB file."""
    return build_warehouse(tmp_path_factory.mktemp("golden") / "golden.duckdb", GOLDEN_DIR)
