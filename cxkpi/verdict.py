"""A load's verdict, decided once: the CLI's exit code and the Data page's colour both come from here.

- loaded: every row of the file is in the warehouse (exit 0, green);
- unchanged: the same bytes were loaded before, nothing changed (exit 0, green);
- quarantined: the file loaded, but some rows were set aside in the quarantine table and count in
  no KPI (exit 3, amber);
- refused: nothing of the file was loaded (exit 1, red). A file with more quarantined rows than the
  quarantine limit is refused too: a systematic problem would bias every KPI built on the rest;
- failed: not loaded for a reason that is not the file's (a full disk): nothing changed, the file
  waits to be loaded again (exit 75, red).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Literal

Verdict = Literal["loaded", "unchanged", "quarantined", "refused", "failed"]

EXIT_LOADED = 0  # every row of every file loaded (or the files were already loaded)
EXIT_REFUSED = 1  # at least one file was refused: nothing of it was loaded
EXIT_SETUP = 2  # the command could not run: a mapping file, the registry or a filter is wrong
EXIT_QUARANTINED = 3  # every file loaded, but some rows were quarantined
# Not loaded for a reason that is not the file's (a full disk): nothing changed, run it again later.
# 75 is EX_TEMPFAIL in sysexits.h, which schedulers read as "try again".
EXIT_TRY_AGAIN = 75

QUARANTINE_LIMIT_ENV = "CXKPI_QUARANTINE_LIMIT"
DEFAULT_QUARANTINE_LIMIT = 5.0  # percent of a file's rows


def exit_code(verdicts: Iterable[Verdict]) -> int:
    """The worst verdict wins: a failure to retry, a refusal, then quarantined rows, then success."""
    found = set(verdicts)
    if "failed" in found:
        return EXIT_TRY_AGAIN
    if "refused" in found:
        return EXIT_REFUSED
    if "quarantined" in found:
        return EXIT_QUARANTINED
    return EXIT_LOADED


def quarantine_limit(explicit: float | None = None) -> float:
    """The share of a file's rows (in percent) that may be quarantined before the whole file is
    refused: --quarantine-limit, else $CXKPI_QUARANTINE_LIMIT, else 5."""
    if explicit is not None:
        value = explicit
    else:
        text = os.environ.get(QUARANTINE_LIMIT_ENV, "").strip().rstrip("%")
        try:
            value = float(text) if text else DEFAULT_QUARANTINE_LIMIT
        except ValueError as error:
            raise ValueError(f"${QUARANTINE_LIMIT_ENV} must be a percentage from 0 to 100, not {text!r}") from error
    if not 0 <= value <= 100:
        raise ValueError(f"the quarantine limit must be a percentage from 0 to 100, not {value:g}")
    return value
