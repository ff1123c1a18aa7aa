"""The inbox folder, uploads, and rebuilding the warehouse from the archive.

Drop exports into the inbox (default `data/inbox/`, beside the warehouse; $CXKPI_INBOX or --inbox to
change). `python -m cxkpi ingest` with no PATH, and the app's Data page, load every file there:
- loaded: its bytes are in the archive, so it leaves the inbox;
- already loaded (the same bytes): it leaves the inbox, and nothing changes;
- refused: it moves to `refused/` in the inbox, with `<name>.reason.txt` saying why.
Files still being written (changed in the last few seconds), hidden files and `.part`/`.tmp`
downloads wait for the next run.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import duckdb

from cxkpi import archive
from cxkpi.export_formats import MappingError, load_formats
from cxkpi.ingest import FILE_SUFFIXES, IngestError, IngestResult, ingest_one
from cxkpi.verdict import Verdict
from cxkpi.warehouse import files_of, mark_loaded, writing

INBOX_ENV = "CXKPI_INBOX"
REFUSED = "refused"
SETTLE_SECONDS = 3.0  # a file changed more recently than this may still be being copied in
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".download", ".partial")


@dataclass
class Outcome:
    name: str
    result: IngestResult | None = None
    refusal: str | None = None

    @property
    def verdict(self) -> Verdict:
        if self.refusal:
            return "refused"
        assert self.result is not None
        return self.result.verdict

    def summary(self) -> str:
        if self.refusal:
            return f"refused: {self.refusal}"
        assert self.result is not None
        return self.result.summary()


def default_inbox(db_path: Path) -> Path:
    if os.environ.get(INBOX_ENV):
        return Path(os.environ[INBOX_ENV])
    return db_path.parent / "inbox"


def waiting_files(inbox: Path, settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """Files ready to load, oldest first (so of two overlapping exports the newer one wins)."""
    if not inbox.is_dir():
        return []
    now = time.time()
    ready = []
    for path in inbox.iterdir():
        name = path.name.lower()
        if not path.is_file() or name.startswith(".") or name.endswith(PARTIAL_SUFFIXES):
            continue
        if not name.endswith(FILE_SUFFIXES):
            continue
        if now - path.stat().st_mtime < settle_seconds:
            continue
        ready.append(path)
    return sorted(ready, key=lambda path: (path.stat().st_mtime, path.name))


def process_inbox(
    db_path: Path, inbox: Path, *, archive_dir: Path | None = None, mapping: Path | None = None,
    settle_seconds: float = SETTLE_SECONDS, quarantine_limit: float | None = None,
) -> list[Outcome]:
    return load_files(db_path, inbox, waiting_files(inbox, settle_seconds), archive_dir=archive_dir, mapping=mapping,
                      quarantine_limit=quarantine_limit)


def load_files(
    db_path: Path, inbox: Path, files: list[Path], *, archive_dir: Path | None = None, mapping: Path | None = None,
    quarantine_limit: float | None = None,
) -> list[Outcome]:
    """Load these inbox files (e.g. the ones just uploaded), each then leaving the inbox as above."""
    formats = load_formats(mapping)
    archive_dir = archive_dir or archive.default_archive_dir(db_path)
    outcomes = []
    for path in files:
        try:
            result = ingest_one(db_path, path, formats, archive_dir, quarantine_limit=quarantine_limit)
        except IngestError as refusal:
            _set_aside(path, inbox, str(refusal))
            outcomes.append(Outcome(path.name, refusal=str(refusal)))
            continue
        path.unlink()  # its bytes are in the archive (kept before the load)
        outcomes.append(Outcome(path.name, result=result))
    return outcomes


def _set_aside(path: Path, inbox: Path, reason: str) -> None:
    refused = inbox / REFUSED
    refused.mkdir(exist_ok=True)
    target = _free_name(refused, path.name)
    os.replace(path, target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")


def refused_files(inbox: Path) -> list[tuple[str, str]]:
    """(file name, reason) of every file set aside in the inbox, newest first."""
    folder = inbox / REFUSED
    if not folder.is_dir():
        return []
    found = []
    for reason in sorted(folder.glob("*.reason.txt"), key=lambda p: p.stat().st_mtime, reverse=True):
        found.append((reason.name.removesuffix(".reason.txt"), reason.read_text(encoding="utf-8").strip()))
    return found


def safe_name(name: str) -> str:
    """A file name from a browser or another system, made safe to join to the inbox: no folders, no
    leading dot, only ordinary characters, and a .csv/.tsv/.txt suffix."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = re.sub(r"[^\w.\- ()]+", "_", base, flags=re.UNICODE).strip(" .")[:120] or "upload"
    if not base.lower().endswith(FILE_SUFFIXES):
        base += ".csv"
    return base


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while target.exists():
        target = folder / f"{stem} ({counter}){suffix}"
        counter += 1
    return target


def accept_upload(inbox: Path, name: str, content: bytes, max_bytes: int) -> Path:
    """Write an uploaded file into the inbox under a safe name, atomically (a .part file renamed), so
    the inbox never holds half a file."""
    if len(content) > max_bytes:
        raise ValueError(
            f"{name} is {len(content) / 1e6:.1f} MB; uploads are limited to {max_bytes / 1e6:.0f} MB. "
            f"Copy large files into the inbox folder ({inbox}) instead."
        )
    inbox.mkdir(parents=True, exist_ok=True)
    target = _free_name(inbox, safe_name(name))
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(content)
    os.replace(partial, target)
    return target


def rebuild(db_path: Path, archive_dir: Path | None = None, mapping: Path | None = None) -> list[Outcome]:
    """Rebuild the warehouse from the archive alone, into a new file swapped in at the end: readers
    see the old warehouse until then, and the new one after; never a half-built one."""
    archive_dir = archive_dir or archive.default_archive_dir(db_path)
    entries = archive.entries(archive_dir)
    if not entries:
        raise IngestError(f"{archive_dir}: no archived files to rebuild from")
    try:
        formats = load_formats(mapping)
    except MappingError as error:
        raise IngestError(f"mapping: {error}") from error
    building = db_path.with_name(db_path.name + ".rebuilding")
    leftovers = files_of(building)
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    outcomes = []
    for entry in entries:
        source = archive.stored_path(archive_dir, entry.sha256)
        try:
            # No quarantine limit: every archived file was accepted once, and must load again as it did.
            result = ingest_one(building, source, formats, archive_dir=None, name=entry.name, quarantine_limit=100)
            outcomes.append(Outcome(entry.name, result=result))
        except IngestError as refusal:
            outcomes.append(Outcome(entry.name, refusal=str(refusal)))
    if any(outcome.refusal for outcome in outcomes):
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        return outcomes  # the warehouse is left as it was
    # Swap in one rename while holding the warehouse for writing: no writer in this process (the gate)
    # or another (DuckDB's file lock) can be mid-commit on the old file. The old file is checkpointed
    # first, so closing this connection afterwards writes nothing; readers that still have the old
    # file open finish on it, and every connection opened after the rename sees the new one.
    with writing(db_path) as connection:
        _carry_over_app_tables(connection, building)
        connection.execute("checkpoint")
        os.replace(building, db_path)
    mark_loaded(db_path)
    for leftover in leftovers:  # the building file's data marker (the file itself was moved)
        leftover.unlink(missing_ok=True)
    return outcomes


def _carry_over_app_tables(connection: duckdb.DuckDBPyConnection, building: Path) -> None:
    """Saved views and owner/target changes are not in the archive (people made them in the app):
    copy them from the warehouse into the rebuilt file. Saved views get fresh ids from its sequence."""
    connection.execute("attach $path as rebuilt", {"path": str(building)})
    try:
        connection.execute(
            "insert into rebuilt.saved_views (name, page, query, created_at, updated_at) "
            "select name, page, query, created_at, updated_at from saved_views order by id"
        )
        connection.execute("insert into rebuilt.kpi_overrides select * from kpi_overrides")
        connection.execute("insert into rebuilt.kpi_changes select * from kpi_changes")
    finally:
        connection.execute("detach rebuilt")
