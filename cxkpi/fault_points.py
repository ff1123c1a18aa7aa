"""Named instants of a load where a test can stop the process, to kill it there (SIGKILL) or to change
a file under it. Inert unless $CXKPI_PAUSE_AT is set, which only the fault tests do.

$CXKPI_PAUSE_AT names one point, `committed` (its first time) or `committed#2` (its second time in
the process). On reaching it the process writes its pid to `<point>.paused` in $CXKPI_PAUSE_DIR and
waits until `<point>.go` appears there. A sleep before a kill cannot hit a window of a millisecond
(between a commit and the manifest line) on purpose; a pause can, every time (docs/decisions.md).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

PAUSE_ENV = "CXKPI_PAUSE_AT"
PAUSE_DIR_ENV = "CXKPI_PAUSE_DIR"

_reached: Counter[str] = Counter()


def reached(point: str) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    _reached[point] += 1
    name, _, occurrence = wanted.partition("#")
    if name != point or _reached[point] != int(occurrence or 1):
        return
    folder = Path(os.environ[PAUSE_DIR_ENV])
    (folder / f"{point}.paused").write_text(f"{os.getpid()}\n", encoding="utf-8")
    while not (folder / f"{point}.go").exists():
        time.sleep(0.005)
