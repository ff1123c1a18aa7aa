"""The archive: the original bytes of every loaded file, kept under their sha256, and a manifest.

`<archive>/<sha256>.csv` holds a file exactly as it arrived; `<archive>/manifest.jsonl` lists, one
JSON object a line and in load order, each file's hash, original name, table and export format.
Together they are enough to rebuild the warehouse from nothing (python -m cxkpi rebuild).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

MANIFEST = "manifest.jsonl"
ARCHIVE_ENV = "CXKPI_ARCHIVE"


@dataclass(frozen=True)
class Entry:
    sha256: str
    name: str
    table: str
    export_format: str
    loaded_at: str


def default_archive_dir(db_path: Path) -> Path:
    """$CXKPI_ARCHIVE, else `archive/` beside the warehouse file (data/archive by default)."""
    if os.environ.get(ARCHIVE_ENV):
        return Path(os.environ[ARCHIVE_ENV])
    return db_path.parent / "archive"


def stored_path(archive_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or not all(character in "0123456789abcdef" for character in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return archive_dir / f"{sha256}.csv"


def keep(archive_dir: Path, path: Path, sha256: str) -> Path:
    """Copy path's bytes into the archive (once: the name is the content's hash). Atomic: a copy is
    written beside the target and renamed, so a half-written archive file never exists."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = stored_path(archive_dir, sha256)
    if not target.exists():
        partial = target.with_suffix(f".part-{os.getpid()}")
        shutil.copyfile(path, partial)
        os.replace(partial, target)
    return target


def record(archive_dir: Path, sha256: str, name: str, table: str, export_format: str) -> None:
    line = json.dumps({"sha256": sha256, "name": name, "table": table, "format": export_format,
                       "loaded_at": datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False)
    with (archive_dir / MANIFEST).open("a", encoding="utf-8") as manifest:
        manifest.write(line + "\n")
        manifest.flush()
        os.fsync(manifest.fileno())


def entries(archive_dir: Path) -> list[Entry]:
    """Every archived load, oldest first, each file once (its first load)."""
    path = archive_dir / MANIFEST
    if not path.is_file():
        return []
    seen: set[str] = set()
    result = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item["sha256"] in seen:
            continue
        seen.add(item["sha256"])
        result.append(Entry(item["sha256"], item["name"], item["table"], item["format"], item["loaded_at"]))
    return result
