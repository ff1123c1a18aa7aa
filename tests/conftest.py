import pytest

from cxkpi.warehouse import reading
from tests.support import GOLDEN_DIR, TESTS_DIR, build_warehouse


@pytest.fixture(scope="session")
def golden_db(tmp_path_factory: pytest.TempPathFactory):
    """The hand-checked tiny dataset in tests/golden/, loaded into a real DuckDB file."""
    return build_warehouse(tmp_path_factory.mktemp("golden") / "golden.duckdb", GOLDEN_DIR)


@pytest.fixture(scope="session")
def more_db(tmp_path_factory: pytest.TempPathFactory):
    """tests/golden_more: extra hand-checked rows for the KPIs added after the first four."""
    return build_warehouse(tmp_path_factory.mktemp("golden_more") / "more.duckdb", TESTS_DIR / "golden_more")


@pytest.fixture(scope="module")
def golden(golden_db):
    with reading(golden_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def more(more_db):
    with reading(more_db) as connection:
        yield connection
