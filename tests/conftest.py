import shutil

import pytest

from cxkpi.registry import load_registry
from cxkpi.warehouse import reading
from tests.support import GOLDEN_DIR, TESTS_DIR, build_warehouse


@pytest.fixture(scope="session")
def golden_db(tmp_path_factory: pytest.TempPathFactory):
    """The hand-checked tiny dataset in tests/golden/, loaded into a real DuckDB file."""
    return build_warehouse(tmp_path_factory.mktemp("golden") / "golden.duckdb", GOLDEN_DIR)


@pytest.fixture
def golden_copy(golden_db, tmp_path):
    """A copy of the golden warehouse file for a test that writes to it, loads included. Only the file:
    the archive of loaded CSVs beside golden_db and its data marker (<db>.loaded) are not copied, so a
    test that rebuilds from the archive builds its own warehouse, and the copy's data version starts at 0."""
    return shutil.copyfile(golden_db, tmp_path / "w.duckdb")


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


@pytest.fixture(scope="session")
def registry():
    """The shipped metrics.toml, by KPI id."""
    return {kpi.id: kpi for kpi in load_registry()}


# Real-browser fixtures. Playwright is imported only when a browser test asks for them.
@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for every browser test in the run."""
    from tests.browser_support import launched_chromium

    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser):
    """A page in a fresh browser profile, closed after the test."""
    from tests.browser_support import fresh_page

    with fresh_page(browser) as opened:
        yield opened


@pytest.fixture(scope="session")
def spark_session():
    """Apache Spark in local mode, started once for the whole run (a JVM takes seconds to start); the
    CLI's `--engine spark` run in-process gets this same session."""
    from cxkpi import spark

    return spark.session(master="local[1]", config=spark.SMALL_DATA)
