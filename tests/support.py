"""Helpers shared by the tests: real warehouse files built from real CSV files."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from cxkpi.access import Identity, Role
from cxkpi.ingest import ingest_paths
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, load_registry
from cxkpi.warehouse import DERIVED_TABLES

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
GOLDEN_DIR = TESTS_DIR / "golden"
Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))  # the golden data's period under test
HOSTILE = TESTS_DIR / "hostile"
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
# A registry of the KPIs the shipped metrics.toml leaves out (the business-hours variant of the response
# time), held to the same contract and engines as the shipped ones.
OPTIONAL_KPIS_REGISTRY = TESTS_DIR / "business_hours" / "metrics.toml"
ENTRY = PROJECT_ROOT / "dashboard.py"
# Each KPI's parameters in the shipped metrics.toml (brand trust's and CSAT's top-points rule, SLAs).
SHIPPED_PARAMETERS = {kpi.id: kpi.parameters for kpi in load_registry()}
# What a load writes: the loaded data, the tables derived from it, and the loader's own records.
TABLES = ("customers", "orders", "survey_responses", "complaints", *DERIVED_TABLES, "ingest_log", "quarantine")


def cxkpi(
    *args: object, env_db: Path | None = None, env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m cxkpi ...` as a real subprocess, in a clean environment (no developer's CXKPI_* set;
    env adds variables)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT), **(env or {})}
    if env_db:
        env["CXKPI_DB"] = str(env_db)
    return subprocess.run(
        [sys.executable, "-m", "cxkpi", *map(str, args)], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )


def kpis_json(db: Path, *args: object) -> dict[str, dict]:
    """`python -m cxkpi kpis --json` for db, by KPI id."""
    result = cxkpi("kpis", "--db", db, "--json", *args)
    assert result.returncode == 0, result.stderr
    return {row["id"]: row for row in json.loads(result.stdout)["kpis"]}


def build_warehouse(db_path: Path, *sources: Path) -> Path:
    """Create a DuckDB file at db_path loaded with the given CSV files or folders; fail loudly on refusals."""
    results, refusals = ingest_paths(db_path, list(sources))
    assert not refusals, [str(refusal) for refusal in refusals]
    assert results, f"no CSV files in {sources}"
    return db_path


def load_one_more_promoter(db: Path, folder: Path) -> None:
    """Load one more golden answer into `db`, as another process would: C2 answers 10 (a promoter) on
    15 June 2026, which makes the golden Q2 NPS +28.6 on 7 responses (4 promoters, 2 detractors)."""
    extra = folder / "survey_responses_more.csv"
    extra.write_text(
        "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
        "R100,C2,2026-06-15 10:00:00,10,5,5,,web\n",
        encoding="utf-8",
    )
    _, refusals = ingest_paths(db, [extra])
    assert not refusals


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """The full content of every table a load writes, to prove that something changed nothing."""
    return {table: rows(db, f"select * from {table} order by all") for table in TABLES}


def drop(inbox: Path, *sources: Path, age_seconds: float = 60) -> None:
    """Put files into the inbox as if they arrived a minute ago (settled, not still being copied)."""
    inbox.mkdir(parents=True, exist_ok=True)
    for offset, source in enumerate(sources):
        target = inbox / source.name
        shutil.copyfile(source, target)
        stamp = time.time() - age_seconds + offset  # in the order given: the later one is newer
        os.utime(target, (stamp, stamp))


def checksums(db: Path, *, without: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (md5 of the sorted rows as text), leaving
    out the columns named in `without` (e.g. loaded_at, to compare two loads of the same files)."""
    with duckdb.connect(str(db), read_only=True) as connection:
        tables = [name for (name,) in connection.execute(
            "select table_name from duckdb_tables() where database_name = current_database() order by 1").fetchall()]
        found = {}
        for table in tables:
            columns = {name for (name,) in connection.execute(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and table_name = $table", {"table": table}).fetchall()}
            left_out = [name for name in without if name in columns]
            rows_of = f"select * exclude ({', '.join(left_out)}) from {table}" if left_out else f"from {table}"
            found[table] = connection.execute(
                f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
                f"from (select cast(t as varchar) as r from ({rows_of}) as t)").fetchone()
    return found


def kpi_with(direction: str, target: float, near: float = 0.0, statistic: str = "none") -> Kpi:
    """A made-up KPI for rules that depend only on its direction, target, near margin and statistic."""
    return Kpi(id="x", title="X", unit="", direction=direction, target=target, source="orders", description="",
               owner=Owner("A", "B"), statistic=statistic, near=near)


def person(role: str = "admin", user_id: str | None = None) -> Identity:
    """Someone signed in with this role, for the calls into cxkpi that act as a person."""
    user_id = user_id or f"{role}@example.com"
    return Identity(user_id, user_id.split("@")[0].title(), Role(role), "sign-in")


def app_test(monkeypatch: pytest.MonkeyPatch, db: Path, registry: Path | None = None,
             timeout: float = 30) -> AppTest:
    """The dashboard, not yet run, against `db` and `registry` (the shipped metrics.toml when None: a
    CXKPI_REGISTRY set in the developer's shell is removed)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CXKPI_DB", str(db))
    if registry is None:
        monkeypatch.delenv("CXKPI_REGISTRY", raising=False)
    else:
        monkeypatch.setenv("CXKPI_REGISTRY", str(registry))
    return AppTest.from_file(str(ENTRY), default_timeout=timeout)


@dataclass(frozen=True)
class Headline:
    """A card's headline as a person reads it: the value, its change, the words for it, and its tone."""

    value: str
    change: str | None
    reading: str | None  # 'vs Q1 2026 · no real change (p = 0.49)'
    tone: str | None  # 'blue' (better), 'orange' (worse), 'gray' (no real change, too uncertain, not tested)


HEADLINE = re.compile(
    r'<span class="cx-value">(?P<value>[^<]*)(?:<span class="cx-unit">(?P<unit>[^<]*)</span>)?</span>'
    r'(?: <span class="cx-change cx-(?P<tone>\w+)">\S+ (?P<change>[^<]*)</span>'
    r' <span class="cx-reading">(?P<reading>[^<]*)</span>)?'
)


def card_html(block) -> str:
    """The HTML of a card (an AppTest block found by its key, e.g. at.get_by_key('card-nps'))."""
    return "\n".join(element.value for element in block.html)


def card_text(block) -> str:
    """A card as a person reads it: its HTML without the tags and the icons' ligature names, one line
    per paragraph or line break, entities decoded."""
    text = re.sub(r'<span class="cx-icon"[^>]*>\w+</span>', "", card_html(block))
    text = re.sub(r"<br>|</(?:p|h5|div|summary)>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def headline(block) -> Headline:
    found = HEADLINE.search(card_html(block))
    assert found, card_html(block)
    value = found.group("value") + (found.group("unit") or "")  # '1,000.0 per 1,000 orders'
    parts = (value, *found.group("change", "reading", "tone"))
    return Headline(*(html.unescape(part) if part else None for part in parts))


def _card_html_blocks(at) -> list[str]:
    """The HTML of each card on the page, in the order they are drawn."""
    return [element.value for element in at.html if 'class="cx-value"' in element.value]


def card_titles(at) -> list[str]:
    """The titles of the cards on the page, in the order they are drawn."""
    return [html.unescape(re.search(r'<h5 class="cx-title">([^<]*)</h5>', block).group(1))
            for block in _card_html_blocks(at)]


def card_badges(at) -> list[str]:
    """The status badge of each card on the page, in order."""
    return [re.search(r'class="cx-badge[^"]*">.*?</span> ([^<]+)</span>', block).group(1)
            for block in _card_html_blocks(at)]


def attention_text(at) -> str:
    """The overview's headline (what is off target and whose it is) as a person reads it."""
    [block] = [element.value for element in at.html if 'class="cx-attention"' in element.value]
    return html.unescape(re.sub(r"<[^>]+>", "", block))
