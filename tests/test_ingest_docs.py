"""Like datasette's docs tests: a mapping key, exit code or setting nobody can read about is one nobody uses."""

from __future__ import annotations

import re

from cxkpi import verdict
from cxkpi.export_formats import COLUMN_KEYS, EVENT_LOG_KEYS, FORMAT_KEYS
from tests.support import PROJECT_ROOT

INGEST_DOC = (PROJECT_ROOT / "docs" / "ingest.md").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CATALOGUE = (PROJECT_ROOT / "cxkpi" / "export_formats.toml").read_text(encoding="utf-8")


def test_every_mapping_key_is_in_the_mapping_table_of_docs_ingest_and_the_catalogue_header():
    table = INGEST_DOC[INGEST_DOC.index("## The mapping file"):]
    for key in sorted(FORMAT_KEYS | COLUMN_KEYS):
        assert re.search(rf"`[^`\n]*\b{key}\b[^`\n]*`", table), f"docs/ingest.md's mapping table lacks {key}"
        assert re.search(rf"^#.*\b{key}\b", CATALOGUE, re.MULTILINE), f"export_formats.toml's header lacks {key}"
    for key in EVENT_LOG_KEYS:
        assert f"{key} = " in table, f"docs/ingest.md does not show event_log's {key}"


def test_every_exit_code_and_the_quarantine_limit_are_documented():
    for code in (verdict.EXIT_LOADED, verdict.EXIT_REFUSED, verdict.EXIT_SETUP, verdict.EXIT_QUARANTINED):
        assert f"| `{code}` |" in README, f"README's Adding your data lacks exit code {code}"
        assert f"| `{code}` |" in INGEST_DOC, f"docs/ingest.md lacks exit code {code}"
    for document in (README, INGEST_DOC):
        assert "--quarantine-limit" in document and f"${verdict.QUARANTINE_LIMIT_ENV}" in document
        assert f"{verdict.DEFAULT_QUARANTINE_LIMIT:g}%" in document
