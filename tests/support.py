"""Helpers shared by the tests: real warehouse files built from real CSV files."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Headline:
    """A card's headline as a person reads it: the value, its change, the word for it, and its tone."""

    value: str
    change: str | None
    reading: str | None
    tone: str | None  # 'blue' (better), 'orange' (worse), 'gray' (no change, or too uncertain to judge)


HEADLINE = re.compile(
    r'<span class="cx-value">(?P<value>[^<]*)</span>'
    r'(?: <span class="cx-change cx-(?P<tone>\w+)">\S+ (?P<change>[^<]*)</span>'
    r' <span class="cx-reading">(?P<reading>[^<]*)</span>)?'
)


def card_markdown(block) -> str:
    """The Markdown of a card (an AppTest block found by its key, e.g. at.get_by_key('card-nps'))."""
    return "\n".join(element.value for element in block.markdown)


def headline(block) -> Headline:
    found = HEADLINE.search(card_markdown(block))
    assert found, card_markdown(block)
    parts = found.group("value", "change", "reading", "tone")
    return Headline(*(html.unescape(part) if part else None for part in parts))


def card_titles(at) -> list[str]:
    """The titles of the cards on the page, in the order they are drawn."""
    return [element.value.split("\n", 1)[0].removeprefix("##### ") for element in at.markdown
            if 'class="cx-value"' in element.value]
