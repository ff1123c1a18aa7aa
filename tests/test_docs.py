"""The README against the code, as datasette's docs tests: a KPI, a link parameter or a setting that the
README gets wrong, or leaves out, is one that people use wrongly or not at all."""

from __future__ import annotations

import re

from cxkpi.calendars import CALENDARS
from cxkpi.registry import load_registry
from tests.support import PROJECT_ROOT
from ui import state

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
# Read by the fault tests only (cxkpi/fault_points.py): documented in docs/ingest.md, not for users.
TEST_ONLY_VARIABLES = {"CXKPI_PAUSE_AT", "CXKPI_PAUSE_DIR"}
SOURCE_FOLDERS = ("cxkpi", "ui", "pages")
SOURCE_FILES = ("dashboard.py", "serve.py")


def section(title: str) -> str:
    """The README's text under a heading, up to the next heading of the same or a higher level."""
    heading = re.search(rf"^(#+) {re.escape(title)}\n", README, re.MULTILINE)
    assert heading, f"README.md has no section '{title}'"
    level = len(heading.group(1))
    rest = README[heading.end():]
    following = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[:following.start()] if following else rest


def table_rows(text: str) -> list[list[str]]:
    """The cells of every row of the markdown tables in `text`, the header and rule rows left out."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]
    return [row for row in rows if not set("".join(row)) <= set("-: ")][1:]


def variables_in_code() -> set[str]:
    paths = [path for folder in SOURCE_FOLDERS for path in (PROJECT_ROOT / folder).rglob("*.py")]
    paths += [PROJECT_ROOT / name for name in SOURCE_FILES]
    return {name for path in paths for name in re.findall(r"CXKPI_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8"))}


def test_the_readme_kpi_table_lists_every_registry_kpi_with_its_title_direction_owner_and_target():
    rows = [row for row in table_rows(section("The KPIs")) if re.search(r"\(`\w+`\)", row[0])]
    documented = {re.search(r"\(`(\w+)`\)", row[0]).group(1): row for row in rows}
    registry = load_registry()
    assert list(documented) == [kpi.id for kpi in registry], "README's KPI table: the registry's KPIs, in its order"
    for kpi in registry:
        title, _formula, _n, unit, better, owner, target = documented[kpi.id]
        assert title == f"{kpi.title} (`{kpi.id}`)"
        assert unit.startswith(kpi.unit), f"{kpi.id}: README says unit {unit!r}, metrics.toml {kpi.unit!r}"
        assert better == kpi.direction
        assert owner == f"{kpi.owner.name}, {kpi.owner.role}"
        assert float(target) == kpi.target, f"{kpi.id}: README says target {target}, metrics.toml {kpi.target}"


def test_every_url_parameter_the_app_reads_is_in_the_readme_table_and_no_other():
    cells = [row[0] for row in table_rows(section("Sharing a view"))]
    documented = {name for cell in cells for name in re.findall(r"`(\w+)`", cell)}
    assert documented == {*state.VIEW_PARAMETERS, state.PRESENT, state.KPI}


def test_every_cxkpi_variable_the_code_reads_is_in_the_readme_settings_table_and_no_other():
    documented = {name for row in table_rows(section("Settings")) for name in re.findall(r"`(CXKPI_\w+)`", row[0])}
    assert documented == variables_in_code() - TEST_ONLY_VARIABLES
    ingest_doc = (PROJECT_ROOT / "docs" / "ingest.md").read_text(encoding="utf-8")
    for name in TEST_ONLY_VARIABLES:
        assert name in ingest_doc, f"docs/ingest.md should say what {name} is for (the fault tests)"


def test_the_calendar_and_clock_settings_are_in_the_readme_with_their_values():
    text = section("Calendar and time zone")
    for name in ("calendar", "timezone", "week_start"):  # registry.Settings' calendar and clock fields
        assert re.search(rf"^{name} = ", text, re.MULTILINE), name
    for value in (*CALENDARS, "rebuild", "cal=persian"):
        assert value in text, value
