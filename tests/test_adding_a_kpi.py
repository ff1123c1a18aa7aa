"""Adding a KPI takes two files: its SQL and its metrics.toml entry. Proved on a copy of the project's
registry and queries/ in a temporary folder, with a KPI the code has never heard of: its CLI value, its
card on the overview and its page by deep link in Chromium, against the hand-checked golden data.

The new KPI (tests/new_kpi/complaints_answered_within_a_day.sql): the share of complaints whose first reply
came within 24 hours. Golden complaints (tests/golden/complaints.csv; the export's snapshot is the latest
timestamp in it, 2026-07-01 02:00):
    K7 raised 2026-03-31 22:00, first reply 04-01 01:00:  3 h  -> in time (Q1 2026)
    K1 raised 2026-04-01 09:00, first reply 11:00:        2 h  -> in time
    K2 raised 2026-04-10 08:00, first reply 12:00:        4 h  -> in time
    K3 raised 2026-05-01 10:00, first reply 20:00:       10 h  -> in time
    K4 raised 2026-05-03 00:00, first reply 05-04 00:00: 24 h  -> in time (within means <= 24 h)
    K5 raised 2026-06-20 12:00, no reply, 10+ days old at the snapshot -> late
    K6 raised 2026-07-01 01:00 (Q3)
Q2 2026: 4 of 5 in time = 80.0% (n = 5); Q1 2026: 1 of 1 = 100.0%; April-May 2026: 4 of 4 = 100.0%.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from cxkpi.registry import DETAIL_LINES, DRILLDOWNS, RegistryError, load_registry
from tests.browser_support import expect_no_error, fresh_page, running_app
from tests.support import PROJECT_ROOT, TESTS_DIR
from ui import drilldowns, kpi_details

NEW_KPI = "complaints_answered_within_a_day"
NEW_KPI_SQL = TESTS_DIR / "new_kpi" / f"{NEW_KPI}.sql"
NEW_KPI_ENTRY = f'''
[[kpi]]
id = "{NEW_KPI}"
title = "Complaints answered within a day"
unit = "%"
direction = "higher"
target = 90
source = "complaints"
reads = "complaint_facts"
description = "Share of complaints raised in the period that had a first reply within 24 hours."
owner = {{ name = "Lukas Brenner", role = "VP Customer Service", email = "lukas.brenner@example.com" }}
parameters = {{ reply_hours = 24 }}
icon = ":material/mark_email_read:"
counts = ["complaint", "complaints"]
drilldowns = ["open_backlog"]
'''
TITLE = "Complaints answered within a day"


def project_files(root: Path) -> set[str]:
    """What a KPI is made of: the registry and every file under queries/."""
    return {"metrics.toml", *(str(path.relative_to(root)) for path in (root / "queries").rglob("*") if path.is_file())}


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's metrics.toml and queries/ with the new KPI added: one SQL file, one entry.
    The registry path it returns is all the app and the CLI are told."""
    folder = tmp_path_factory.mktemp("company")
    shutil.copy(PROJECT_ROOT / "metrics.toml", folder / "metrics.toml")
    shutil.copytree(PROJECT_ROOT / "queries", folder / "queries")
    shutil.copy(NEW_KPI_SQL, folder / "queries" / f"{NEW_KPI}.sql")
    with (folder / "metrics.toml").open("a", encoding="utf-8") as registry:
        registry.write(NEW_KPI_ENTRY)
    return folder / "metrics.toml"


@pytest.fixture(scope="module")
def app_url(added: Path, golden_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `make run` serves it, from the project itself, told only where the registry is."""
    with running_app(golden_db, tmp_path_factory.mktemp("adding"), extra_env={"CXKPI_REGISTRY": str(added)}) as url:
        yield url


def test_a_new_kpi_takes_two_files_and_gets_its_cli_value_card_and_page_by_deep_link(
    added: Path, golden_db: Path, app_url: str, browser: Browser
) -> None:
    folder = added.parent
    changed = {name for name in project_files(folder) if not (PROJECT_ROOT / name).exists()
               or not filecmp.cmp(folder / name, PROJECT_ROOT / name, shallow=False)}
    assert changed == {"metrics.toml", f"queries/{NEW_KPI}.sql"}
    assert len(changed) == 2

    # The CLI, as a process, told only the registry: the value worked out by hand in the docstring.
    shown = subprocess.run(
        [sys.executable, "-m", "cxkpi", "kpis", "--json", "--registry", str(added), "--db", str(golden_db),
         "--start", "2026-04-01", "--end", "2026-06-30"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    [kpi] = [kpi for kpi in json.loads(shown.stdout)["kpis"] if kpi["id"] == NEW_KPI]
    assert (kpi["value"], kpi["n"], kpi["answered_in_time"], kpi["late"], kpi["pending"]) == (80.0, 5, 4, 1, 0)
    assert (kpi["previous_value"], kpi["previous_n"]) == (100.0, 1)
    assert kpi["owner"] == "Lukas Brenner"

    with fresh_page(browser) as page:
        # Its card on the overview (the default period, Q2 2026), and its entry in the navigation.
        page.goto(app_url)
        card = page.locator(f".st-key-card-{NEW_KPI}")
        expect(card.locator(".cx-value")).to_have_text("80.0%")
        expect(card.locator(".cx-title")).to_have_text(TITLE)
        assert "n = 5 complaints" in card.locator(".cx-details").text_content()
        link = nav_link(page, TITLE)
        expect(link).to_have_count(1)
        href = urlsplit(link.get_attribute("href") or "")
        assert href.path.rstrip("/").rsplit("/", 1)[-1] == "KPI" and parse_qs(href.query)["kpi"] == [NEW_KPI]
        expect_no_error(page)
        # The card's link opens its page.
        card.get_by_role("link", name="Trend and breakdown").click()
        expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        assert parse_qs(urlsplit(page.url).query)["kpi"] == [NEW_KPI]

    # Its page by deep link, with a view of its own (April-May): the numbers of that view, its drill-down
    # by name, and a shared link that names the KPI and reopens the same view in a fresh browser.
    deep_link = f"{app_url}/KPI?kpi={NEW_KPI}&from=2026-04-01&to=2026-05-31"
    with fresh_page(browser) as page:
        page.goto(deep_link)
        shared = reopened_value(page)
        assert urlsplit(shared).path.endswith("/KPI")
        assert parse_qs(urlsplit(shared).query)["kpi"] == [NEW_KPI]
        assert parse_qs(urlsplit(page.url).query)["kpi"] == [NEW_KPI]  # the app's rewrite of the URL keeps it
    with fresh_page(browser) as page:
        page.goto(shared)
        assert reopened_value(page) == shared


def nav_link(page: Page, label: str) -> Locator:
    return page.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text=label)


def reopened_value(page: Page) -> str:
    """Check the new KPI's page shows April-May 2026 (4 of 4 in time), and return its shared link."""
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.locator(f".st-key-card-{NEW_KPI} .cx-value")).to_have_text("100.0%")
    expect(page.locator(f".st-key-drill-backlog-{NEW_KPI}")).to_be_visible()
    expect(page.get_by_text("1 Apr 2026 – 31 May 2026").first).to_be_visible()
    expect_no_error(page)
    return page.locator("[data-testid='stSidebar'] .cx-link").inner_text()


def test_a_deep_link_to_an_unknown_kpi_says_so_and_lists_the_kpis_there_are(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/KPI?kpi=churn_rate")
    message = page.locator("[data-testid='stAlertContentError']")
    expect(message).to_contain_text("There is no KPI “churn_rate” in the registry")
    expect(message).to_contain_text(f"{TITLE} ({NEW_KPI})")
    expect(message).to_contain_text("Net Promoter Score (nps)")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    # The navigation is still there, to pick one.
    expect(nav_link(page, TITLE)).to_be_visible()
    page.goto(f"{app_url}/KPI")
    expect(message).to_contain_text("this link names none")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def entry(without: tuple[str, ...] = (), **fields: str) -> str:
    """The new KPI's entry without some fields, and with fields replaced (a TOML value each) or added."""
    lines = [line for line in NEW_KPI_ENTRY.splitlines() if line.split(" = ")[0] not in {*without, *fields}]
    return "\n".join([*lines, *(f"{name} = {value}" for name, value in fields.items())]) + "\n"


def registry_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / "queries").mkdir()
    shutil.copy(NEW_KPI_SQL, tmp_path / "queries" / f"{NEW_KPI}.sql")
    (tmp_path / "metrics.toml").write_text(text, encoding="utf-8")
    return tmp_path / "metrics.toml"


def test_a_new_kpis_sql_is_read_beside_its_registry_and_its_display_fields_default(tmp_path: Path) -> None:
    [kpi] = load_registry(registry_with(tmp_path, entry(without=("icon", "counts", "drilldowns"))))
    assert kpi.query_path == (tmp_path / "queries" / f"{NEW_KPI}.sql").resolve()
    assert (kpi.icon, kpi.counts, kpi.page_title, kpi.details, kpi.drilldowns) == (
        ":material/insights:", ("record", "records"), TITLE, (), ())


def test_an_unknown_drilldown_is_refused_naming_the_drilldowns_there_are(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as refused:
        load_registry(registry_with(tmp_path, entry(drilldowns='["open_backlog", "heatmap"]')))
    message = str(refused.value)
    assert f"KPI '{NEW_KPI}' has unknown drilldowns 'heatmap'" in message
    assert "the drilldowns there are: " + ", ".join(DRILLDOWNS) in message


@pytest.mark.parametrize(("field", "value", "says"), [
    ("details", '["nps_mixx"]', "has unknown details 'nps_mixx'; the details there are: nps_mix, "),
    ("details", '"nps_mix"', 'write a list of names, e.g. details = ["nps_mix"]'),
    ("icon", '"campaign"', 'write a Material icon as icon = ":material/campaign:"'),
    ("counts", '["complaint"]', 'say what n counts, singular then plural: counts = ["response", "responses"]'),
    ("page_title", '" "', "give the browser tab's title, or leave it out to use the title"),
    ("drilldowns", '["slice_impact"]', 'the drill-down "slice_impact", which needs additive = true'),
    ("id", '"Complaints answered"', "has an id that is not lower-case letters, digits and _"),
])
def test_a_display_field_that_cannot_be_used_is_refused_saying_how_to_fix_it(
    tmp_path: Path, field: str, value: str, says: str
) -> None:
    with pytest.raises(RegistryError, match="KPI '") as refused:
        load_registry(registry_with(tmp_path, entry(**{field: value})))
    assert says in str(refused.value)


def test_the_names_a_registry_entry_may_use_are_the_ones_the_app_draws() -> None:
    assert list(kpi_details.DETAIL_LINES) == list(DETAIL_LINES)
    assert list(drilldowns.DRILLDOWNS) == list(DRILLDOWNS)
