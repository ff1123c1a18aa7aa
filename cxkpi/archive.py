"""The archive: the original bytes of every loaded file, kept under their sha256, and a manifest.

`<archive>/<sha256>.csv` holds a file exactly as it was loaded; `<archive>/manifest.jsonl` lists, one
JSON object a line and in load order, each file's hash, original name, table, export format and load
time. Together they are enough to rebuild the warehouse from nothing (python -m cxkpi rebuild).

How a file gets there, so that a crash at any instant leaves warehouse, archive and manifest
consistent (docs/ingest.md, "Durability"):
1. take_snapshot: the file is read once, hashed as it is copied into `<archive>/.incoming/`; that copy
   is what is prepared, archived and loaded, so a file still growing in the inbox cannot be hashed
   at one size and loaded at another;
2. keep (under the warehouse's write lock, just before the load): the copy is linked as
   `<sha256>.csv`, after fsync, so every committed load has its bytes on disk;
3. the load commits its row in `ingest_log` (the record of truth), then record() appends the
   manifest line; a crash in between is mended by reconcile() at the start of the next load or
   rebuild, from `ingest_log`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cxkpi import fault_points, reasons

if TYPE_CHECKING:
    import duckdb

MANIFEST = "manifest.jsonl"
INCOMING = ".incoming"  # snapshots being taken or loaded; a dead process's are swept
ARCHIVE_ENV = "CXKPI_ARCHIVE"
CHUNK = 8 << 20


@dataclass(frozen=True)
class Entry:
    sha256: str
    name: str
    table: str
    export_format: str
    loaded_at: str  # ISO 8601, seconds: the ingest_log's loaded_at of the load


class DiskFullError(Exception):
    """A write failed for want of space (ENOSPC, or a quota): nothing was changed (unless rows_loaded),
    and the file can be loaded again once there is room. Not a refusal: the file itself is fine."""

    def __init__(self, cause: str, *, rows_loaded: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.rows_loaded = rows_loaded  # committed; only the manifest line is missing (reconcile adds it)
        self.name: str | None = None  # the file, once known
        self.results: list = []  # what ingest_paths had loaded or refused before the disk filled up
        self.refusals: list = []

    def __str__(self) -> str:
        if self.name is None:
            return self.cause
        if self.rows_loaded:
            return reasons.DISK_FULL_LOADED.format(file=self.name, shortage=self.cause)
        return reasons.DISK_FULL_NOT_LOADED.format(file=self.name, shortage=self.cause)


class StillBeingWrittenError(Exception):
    """The file changed while it was being copied: it is not whole yet."""


class SymbolicLinkError(Exception):
    """The inbox loads files copied into it, never what a link there points to."""


class NotARegularFileError(Exception):
    pass


def is_disk_full(error: BaseException) -> bool:
    """An OSError with ENOSPC or EDQUOT, or DuckDB's message for one (it reports strerror's text)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error)
    return "No space left on device" in text or "Disk quota exceeded" in text


def default_archive_dir(db_path: Path) -> Path:
    """$CXKPI_ARCHIVE, else `archive/` beside the warehouse file (data/archive by default)."""
    if os.environ.get(ARCHIVE_ENV):
        return Path(os.environ[ARCHIVE_ENV])
    return db_path.parent / "archive"


def stored_path(archive_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or not all(character in "0123456789abcdef" for character in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return archive_dir / f"{sha256}.csv"


# ------------------------------------------------------------------------------------------ snapshot
@dataclass(frozen=True)
class Snapshot:
    """A private, immutable copy of a file, and what the file looked like when it was taken."""

    source: Path
    path: Path  # the copy, in <archive>/.incoming/
    sha256: str
    size: int
    source_identity: tuple[int, int, int, int]  # device, inode, size, mtime_ns of the file copied

    def source_changed(self) -> bool:
        """True when the file copied is no longer the file that was copied (written to, replaced, gone)."""
        try:
            return _identity(os.lstat(self.source)) != self.source_identity
        except FileNotFoundError:
            return True

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def take_snapshot(archive_dir: Path, source: Path, *, follow_symlinks: bool = True) -> Snapshot:
    """Copy source into <archive>/.incoming/, hashing it on the way: one read of the file. Raises
    StillBeingWrittenError if it changed meanwhile, SymbolicLinkError (follow_symlinks=False: the inbox),
    NotARegularFileError, FileNotFoundError, or DiskFullError (no partial copy is left behind)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        descriptor = os.open(source, flags)  # O_NONBLOCK: a FIFO never blocks the loader
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_symlinks:
            raise SymbolicLinkError(str(source)) from error
        raise
    incoming = archive_dir / INCOMING
    sweep_incoming(archive_dir)
    copy = incoming / f"{os.getpid()}-{secrets.token_hex(6)}.part"
    try:
        with os.fdopen(descriptor, "rb") as raw:
            before = os.fstat(raw.fileno())
            if not stat.S_ISREG(before.st_mode):
                raise NotARegularFileError(str(source))
            incoming.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with copy.open("xb") as out:
                while chunk := raw.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    fault_points.reached("copying")
            after = os.fstat(raw.fileno())
    except BaseException as error:
        copy.unlink(missing_ok=True)
        if is_disk_full(error):
            raise DiskFullError(reasons.NO_SPACE_COPYING.format(folder=archive_dir)) from error
        raise
    if size != before.st_size or _identity(after) != _identity(before):
        copy.unlink(missing_ok=True)
        raise StillBeingWrittenError(str(source))
    return Snapshot(source=source, path=copy, sha256=digest.hexdigest(), size=size, source_identity=_identity(before))


def file_sha256(path: Path, *, follow_symlinks: bool = True) -> str:
    digest = hashlib.sha256()
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW))
    with os.fdopen(descriptor, "rb") as raw:
        while chunk := raw.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def keep(archive_dir: Path, snapshot: Snapshot) -> Path:
    """The snapshot as <sha256>.csv, durable (fsync) before the load that needs it commits. A hard
    link: no second copy, and the snapshot stays readable where the load reads it."""
    target = stored_path(archive_dir, snapshot.sha256)
    try:
        if target.exists():
            return target
        with snapshot.path.open("rb") as copy:
            os.fsync(copy.fileno())
        try:
            os.link(snapshot.path, target)
        except FileExistsError:
            return target
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            _copy_durably(snapshot.path, target)  # a file system without hard links
        _sync_folder(archive_dir)
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(reasons.NO_SPACE_ARCHIVING.format(folder=archive_dir)) from error
        raise
    return target


def _copy_durably(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with source.open("rb") as raw, partial.open("wb") as out:
            shutil.copyfileobj(raw, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def forget(archive_dir: Path, sha256: str) -> None:
    """Remove an archived file no load lists (its load was refused or failed): refused files'
    copies do not pile up. Call under the write lock, after checking ingest_log and the manifest."""
    if sha256 not in {entry.sha256 for entry in entries(archive_dir)}:
        stored_path(archive_dir, sha256).unlink(missing_ok=True)


def sweep_incoming(archive_dir: Path) -> None:
    """Remove snapshots left by processes that are gone (killed mid-load); never a live one's."""
    folder = archive_dir / INCOMING
    if not folder.is_dir():
        return
    for leftover in folder.iterdir():
        pid = leftover.name.partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


# ------------------------------------------------------------------------------------------ manifest
def record(archive_dir: Path, entry: Entry) -> None:
    """Append a committed load's line (after reconcile(), which leaves no torn last line)."""
    try:
        with (archive_dir / MANIFEST).open("a", encoding="utf-8") as manifest:
            manifest.write(_line(entry))
            manifest.flush()
            os.fsync(manifest.fileno())
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(reasons.NO_SPACE_MANIFEST.format(folder=archive_dir), rows_loaded=True) from error
        raise


def _line(entry: Entry) -> str:
    return json.dumps({"sha256": entry.sha256, "name": entry.name, "table": entry.table,
                       "format": entry.export_format, "loaded_at": entry.loaded_at}, ensure_ascii=False) + "\n"


def entries(archive_dir: Path) -> list[Entry]:
    """Every archived load, oldest first, each file once (its first load)."""
    return _read_manifest(archive_dir)[0]


def _read_manifest(archive_dir: Path) -> tuple[list[Entry], bool]:
    """The entries, and whether the file needs rewriting (a line torn by a crash, a file listed twice)."""
    path = archive_dir / MANIFEST
    if not path.is_file():
        return [], False
    text = path.read_text(encoding="utf-8")
    seen: set[str] = set()
    result, untidy = [], bool(text) and not text.endswith("\n")
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            untidy = True  # only a crash mid-append writes half a line: that load is in ingest_log
            continue
        if item["sha256"] in seen:
            untidy = True
            continue
        seen.add(item["sha256"])
        result.append(Entry(item["sha256"], item["name"], item["table"], item["format"], item["loaded_at"]))
    return result, untidy


def logged(connection: duckdb.DuckDBPyConnection) -> list[Entry]:
    """The warehouse's own record of every committed load, in load order: the record of truth."""
    rows = connection.execute(
        """select file_sha256, source_file, table_name, export_format, loaded_at from ingest_log
           where file_sha256 is not null order by rowid"""
    ).fetchall()
    loads: dict[str, Entry] = {}
    for sha, name, table, fmt, loaded_at in rows:
        loads.setdefault(sha, Entry(sha, name, table, fmt or "", loaded_at.isoformat(timespec="seconds")))
    return list(loads.values())


def reconcile(archive_dir: Path, loads: list[Entry]) -> list[Entry]:
    """Make the manifest list every load in `loads` (ingest_log's) whose bytes are archived: a crash
    between a load's commit and its manifest line leaves it out. Each missing load is put right after
    the load logged before it, so the manifest keeps load order (the newer of two exports wins).
    Lines no load knows (a warehouse lost or restored from a backup) stay. Returns the entries."""
    listed, untidy = _read_manifest(archive_dir)
    known = {entry.sha256 for entry in listed}
    merged = list(listed)
    cursor = -1
    for entry in loads:
        if entry.sha256 in known:
            cursor = next(index for index, item in enumerate(merged) if item.sha256 == entry.sha256)
        elif stored_path(archive_dir, entry.sha256).is_file():
            cursor += 1
            merged.insert(cursor, entry)
            known.add(entry.sha256)
    if merged != listed or untidy:
        _rewrite(archive_dir, merged)
    return merged


def _rewrite(archive_dir: Path, listed: list[Entry]) -> None:
    """The whole manifest written beside it and renamed over it: never half a manifest."""
    path = archive_dir / MANIFEST
    partial = path.with_name(f".{MANIFEST}.{os.getpid()}.part")
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.writelines(_line(entry) for entry in listed)
            out.flush()
            os.fsync(out.fileno())
        fault_points.reached("manifest-rewritten")
        os.replace(partial, path)
        _sync_folder(archive_dir)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if is_disk_full(error):
            raise DiskFullError(reasons.NO_SPACE_MENDING.format(folder=archive_dir)) from error
        raise


def _sync_folder(folder: Path) -> None:
    """A new name in a folder is durable once the folder itself is synced."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def loaded_at_of(entry: Entry) -> datetime:
    return datetime.fromisoformat(entry.loaded_at)
