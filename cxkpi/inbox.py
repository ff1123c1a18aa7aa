"""The inbox folder, uploads, and rebuilding the warehouse from the archive.

Drop exports into the inbox (default `data/inbox/`, beside the warehouse; $CXKPI_INBOX or --inbox to
change). `python -m cxkpi ingest` with no PATH, and the app's Data page, load every file there. Each
is copied once, and that copy is what is hashed, archived and loaded (cxkpi.archive); then:
- loaded, or already loaded (the same bytes): it moves to `.loaded/` in the inbox, where it waits an
  hour before it is deleted, in case whatever was copying it had only paused: if it changes there,
  it comes back into the inbox and loads again;
- refused: it moves to `refused/` in the inbox, with `<name>.reason.txt` saying why (written first);
- changed while it was read or loaded: it stays in the inbox, for the next run;
- not loaded for want of disk space: it stays in the inbox, and the run stops there.
Files still being written (changed in the last few seconds), hidden files and `.part`/`.tmp`
downloads wait for the next run. A symbolic link is refused, never followed: the inbox loads only
files copied into it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import duckdb

from cxkpi import archive, fault_points, reasons
from cxkpi.archive import DiskFullError
from cxkpi.export_formats import ExportFormat, MappingError, load_formats
from cxkpi.ingest import FILE_SUFFIXES, IngestError, IngestResult, ingest_one
from cxkpi.schema import TABLES
from cxkpi.verdict import Verdict
from cxkpi.warehouse import BOOKKEEPING_TABLES, DERIVED_TABLES, files_of, mark_loaded, rebuild_derived, writing

INBOX_ENV = "CXKPI_INBOX"
REFUSED = "refused"
LOADED = ".loaded"
SETTLE_SECONDS = 3.0  # a file changed more recently than this may still be being copied in
HOLD_SECONDS = 3600.0  # how long a loaded file waits in .loaded/ in case its copy had only paused
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".download", ".partial")
# Tables every load writes, so a rebuild makes them from the archive; any other is the app's, carried over.
LOAD_WRITTEN = (*TABLES, *DERIVED_TABLES, *BOOKKEEPING_TABLES)
HELD_NAME = re.compile(r"^(\d+)-(\d+)-(.+)$")  # <mtime_ns>-<size>-<name>: the file as it was loaded


@dataclass
class Outcome:
    name: str
    result: IngestResult | None = None
    refusal: str | None = None
    failure: str | None = None  # not loaded, for a reason not the file's (a full disk): it stays; names the file
    note: str | None = None  # e.g. changed while it was loaded: it stays in the inbox for the next run
    waits: bool = False  # the file (or more of it) stays in the inbox to be loaded by a later run

    @property
    def failed(self) -> bool:
        return bool(self.refusal or self.failure)

    @property
    def verdict(self) -> Verdict:
        if self.refusal:
            return "refused"
        if self.failure or self.waits:  # not all of it loaded, not for the file's fault: run again later
            return "failed"
        if self.result is None:  # another run took the file: nothing for this one to do
            return "unchanged"
        return self.result.verdict

    def summary(self) -> str:
        if self.refusal:
            text = f"refused: {self.refusal}"
        elif self.failure:
            text = self.failure
        elif self.result is not None:
            text = self.result.summary()
        else:
            return self.note or self.name  # the note names the file
        return f"{text}\n  {self.note}" if self.note else text


def default_inbox(db_path: Path) -> Path:
    if os.environ.get(INBOX_ENV):
        return Path(os.environ[INBOX_ENV])
    return db_path.parent / "inbox"


def waiting_files(inbox: Path, settle_seconds: float = SETTLE_SECONDS) -> list[Path]:
    """Files ready to load, oldest first (so of two overlapping exports the newer one wins). Symbolic
    links are listed too, to be refused: never followed."""
    if not inbox.is_dir():
        return []
    now = time.time()
    ready = []
    for path in inbox.iterdir():
        name = path.name.lower()
        if name.startswith(".") or name.endswith(PARTIAL_SUFFIXES) or not name.endswith(FILE_SUFFIXES):
            continue
        status = path.lstat()
        if not (stat.S_ISREG(status.st_mode) or stat.S_ISLNK(status.st_mode)):
            continue
        if now - status.st_mtime < settle_seconds:
            continue
        ready.append((status.st_mtime, path.name, path))
    return [path for _, _, path in sorted(ready)]


def process_inbox(
    db_path: Path, inbox: Path, *, archive_dir: Path | None = None, mapping: Path | None = None,
    settle_seconds: float = SETTLE_SECONDS, quarantine_limit: float | None = None,
) -> list[Outcome]:
    release_held(inbox)
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
    for index, path in enumerate(files):
        try:
            outcomes.append(_load_one(db_path, inbox, path, formats, archive_dir, quarantine_limit))
        except DiskFullError as error:
            error.name = error.name or path.name
            waiting = len(files) - index - 1
            stays = reasons.STAYS_WITH_OTHERS.format(waiting=waiting) if waiting else reasons.STAYS_IN_THE_INBOX
            outcomes.append(Outcome(path.name, failure=f"{error} {stays}"))
            break
        fault_points.reached("file-done")
    return outcomes


def _load_one(
    db_path: Path, inbox: Path, path: Path, formats: list[ExportFormat], archive_dir: Path,
    quarantine_limit: float | None,
) -> Outcome:
    try:
        snapshot = archive.take_snapshot(archive_dir, path, follow_symlinks=False)
    except archive.SymbolicLinkError:
        reason = reasons.SYMBOLIC_LINK.format(file=path.name)
        _set_aside(path, inbox, reason)
        return Outcome(path.name, refusal=reason)
    except archive.StillBeingWrittenError:
        return Outcome(path.name, waits=True, note=reasons.WAITS_UNTIL_COMPLETE.format(file=path.name))
    except (FileNotFoundError, archive.NotARegularFileError):
        return Outcome(path.name, note=reasons.LEFT_THE_INBOX.format(file=path.name))
    try:
        result = ingest_one(db_path, path, formats, archive_dir, snapshot=snapshot, quarantine_limit=quarantine_limit)
    except IngestError as refusal:
        if snapshot.source_changed() and os.path.lexists(path):  # e.g. cut short: its copy was still running
            return Outcome(path.name, waits=True, note=reasons.WAITS_UNTIL_COMPLETE.format(file=path.name))
        _set_aside(path, inbox, str(refusal), snapshot.sha256)
        return Outcome(path.name, refusal=str(refusal))
    finally:
        snapshot.discard()
    if not os.path.lexists(path):  # another run (the app's, a scheduled one) took it meanwhile
        return Outcome(path.name, result=result)
    if snapshot.source_changed():
        return Outcome(path.name, result=result, waits=True, note=reasons.CHANGED_WHILE_LOADED.format(file=path.name))
    _hold(path, inbox, snapshot)
    return Outcome(path.name, result=result)


def _own_folder(inbox: Path, name: str) -> Path:
    """A folder of the inbox's own (refused/, .loaded/), never a link to somewhere else."""
    folder = inbox / name
    if folder.is_symlink():
        folder.unlink()  # a link someone put in its place: the name is the inbox's own
    folder.mkdir(exist_ok=True)
    return folder


def _hold(path: Path, inbox: Path, snapshot: archive.Snapshot) -> None:
    """Out of the inbox, into .loaded/ under a name that says what was loaded (its mtime and size)."""
    _, _, size, mtime_ns = snapshot.source_identity
    with contextlib.suppress(FileNotFoundError):  # another run took it meanwhile
        os.replace(path, _own_folder(inbox, LOADED) / f"{mtime_ns}-{size}-{path.name}")


def release_held(inbox: Path, hold_seconds: float = HOLD_SECONDS) -> None:
    """A held file that changed (its copy had only paused) goes back into the inbox to load again;
    one unchanged for hold_seconds is deleted (its bytes are in the archive)."""
    folder = inbox / LOADED
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in folder.iterdir():
        status = path.lstat()
        match = HELD_NAME.match(path.name)
        if not stat.S_ISREG(status.st_mode) or match is None:
            path.unlink(missing_ok=True)  # not ours (a link someone put there): never followed
            continue
        mtime_ns, size, name = int(match.group(1)), int(match.group(2)), match.group(3)
        if (status.st_mtime_ns, status.st_size) != (mtime_ns, size):
            os.replace(path, _free_name(inbox, name))
        elif time.time() - status.st_ctime > hold_seconds:  # ctime: when it was moved here
            path.unlink(missing_ok=True)


def _set_aside(path: Path, inbox: Path, reason: str, sha256: str | None = None) -> None:
    """Into refused/ with its reason, written first: a refused file is never without its reason. The
    same bytes refused again replace their earlier copy rather than pile up."""
    refused = _own_folder(inbox, REFUSED)
    target = refused / path.name
    if target.exists() and not (sha256 and _same_bytes(target, sha256)):
        target = _free_name(refused, path.name)
    reason_file = target.with_name(target.name + ".reason.txt")
    partial = reason_file.with_name(f".{reason_file.name}.part")
    try:
        partial.write_text(reason + "\n", encoding="utf-8")
        os.replace(partial, reason_file)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if archive.is_disk_full(error):
            full = DiskFullError(reasons.NO_SPACE_FOR_REASON.format(folder=refused))
            full.name = path.name
            raise full from error
        raise
    fault_points.reached("reason-written")
    with contextlib.suppress(FileNotFoundError):  # another run took it meanwhile (its reason is listed once)
        os.replace(path, target)


def _same_bytes(path: Path, sha256: str) -> bool:
    try:
        return archive.file_sha256(path, follow_symlinks=False) == sha256
    except OSError:
        return False


def refused_files(inbox: Path) -> list[tuple[str, str]]:
    """(file name, reason) of every file set aside in the inbox, newest first."""
    folder = inbox / REFUSED
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for reason in sorted(folder.glob("*.reason.txt"), key=lambda p: p.lstat().st_mtime, reverse=True):
        name = reason.name.removesuffix(".reason.txt")
        if reason.is_symlink() or not (folder / name).exists():
            continue  # never read through a link; a reason whose file is gone (a crash between the two)
        found.append((name, reason.read_text(encoding="utf-8").strip()))
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
    """Write an uploaded file into the inbox under a safe name, atomically (a .part file synced, then
    renamed), so the inbox never holds half a file; DiskFullError when it does not fit."""
    if len(content) > max_bytes:
        raise ValueError(reasons.UPLOAD_TOO_LARGE.format(file=name, size=len(content) / 1e6, limit=max_bytes / 1e6,
                                                         inbox=inbox))
    inbox.mkdir(parents=True, exist_ok=True)
    target = _free_name(inbox, safe_name(name))
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())  # whole on disk before it has its name, a power cut included
    except OSError as error:
        partial.unlink(missing_ok=True)
        if archive.is_disk_full(error):
            full = DiskFullError(reasons.NO_SPACE_IN_INBOX.format(folder=inbox))
            full.name = name
            raise full from error
        raise
    os.replace(partial, target)
    return target


def rebuild(db_path: Path, archive_dir: Path | None = None, mapping: Path | None = None) -> list[Outcome]:
    """Rebuild the warehouse from the archive alone, into a new file swapped in at the end: readers
    see the old warehouse until then, and the new one after; never a half-built one. Each load is
    replayed in load order at its first load time, so the rebuilt tables equal the warehouse's."""
    archive_dir = archive_dir or archive.default_archive_dir(db_path)
    if db_path.exists():
        _check_the_archive_holds_every_load(db_path, archive_dir)
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
    outcomes: list[Outcome] = []

    def replay(entries: list[archive.Entry]) -> bool:
        for entry in entries:
            source = archive.stored_path(archive_dir, entry.sha256)
            try:
                # No quarantine limit: every archived file was accepted once, and must load again as it did.
                result = ingest_one(building, source, formats, archive_dir=None, name=entry.name,
                                    loaded_at=archive.loaded_at_of(entry), quarantine_limit=100)
                outcomes.append(Outcome(entry.name, result=result))
            except IngestError as refusal:
                outcomes.append(Outcome(entry.name, refusal=str(refusal)))
        if any(outcome.refusal for outcome in outcomes):
            for leftover in leftovers:
                leftover.unlink(missing_ok=True)
            return False  # the warehouse is left as it was
        return True

    if not replay(entries):
        return outcomes
    fault_points.reached("rebuilt")
    # Swap in one rename while holding the warehouse for writing: no writer in this process (the gate)
    # or another (DuckDB's file lock) can be mid-commit on the old file. Loads another process
    # committed since the replay began are replayed first, under the lock, so none is lost. The old
    # file is checkpointed, so closing this connection afterwards writes nothing; readers that still
    # have the old file open finish on it, and every connection opened after the rename sees the new one.
    with writing(db_path) as connection:
        replayed = {entry.sha256 for entry in entries}
        late = [entry for entry in archive.reconcile(archive_dir, archive.logged(connection))
                if entry.sha256 not in replayed]
        if not replay(late):
            return outcomes
        # The replay refreshed derived tables load by load, by key where they have one (new rows land
        # at the end); built whole once more, each is in time order as a first build makes it.
        with writing(building) as rebuilt:
            rebuilt.begin()
            rebuild_derived(rebuilt)
            rebuilt.commit()
        _carry_over_app_tables(connection, building)
        connection.execute("checkpoint")
        os.replace(building, db_path)
        fault_points.reached("swapped")
    mark_loaded(db_path)
    for leftover in leftovers:  # the building file's data marker (the file itself was moved)
        leftover.unlink(missing_ok=True)
    return outcomes


def _check_the_archive_holds_every_load(db_path: Path, archive_dir: Path) -> None:
    """List in the manifest the loads a crash left out of it; refuse to rebuild when a load in the
    warehouse has no archived file: the rebuilt warehouse would silently lack its rows."""
    with writing(db_path) as connection:
        loads = archive.logged(connection)
        archive.reconcile(archive_dir, loads)
    missing = [entry.name for entry in loads if not archive.stored_path(archive_dir, entry.sha256).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise IngestError(
            f"{db_path}: {len(missing)} load(s) in the warehouse have no file in the archive ({archive_dir}): "
            f"{shown}. A rebuild would lose their rows, so nothing was changed. Load those files again "
            "(python -m cxkpi ingest FILE): that archives them, and changes nothing else."
        )


def _carry_over_app_tables(connection: duckdb.DuckDBPyConnection, building: Path) -> None:
    """What people made in the app (saved views, owner/target changes, roles, the audit log, notes,
    actions, alert states and the outbox, any other table no load writes) is not in the archive: copy it
    from the warehouse into the rebuilt file. Rows keep their ids, and each rebuilt id sequence starts
    after the last id ever given, so an id is never reused: a page opened before the rebuild still
    renames or deletes the view it shows, or none, and a reply still answers its note."""
    connection.execute("attach $path as rebuilt", {"path": str(building)})
    try:
        tables = connection.execute(
            """select database_name, table_name from duckdb_tables()
               where database_name in (current_database(), 'rebuilt') and schema_name = 'main'"""
        ).fetchall()
        rebuilt = {name for database, name in tables if database == "rebuilt"}
        for name in sorted({name for database, name in tables if database != "rebuilt"} - set(LOAD_WRITTEN)):
            quoted = '"' + name.replace('"', '""') + '"'
            if name in rebuilt:
                connection.execute(f"insert into rebuilt.{quoted} by name select * from {quoted}")
            else:
                connection.execute(f"create table rebuilt.{quoted} as select * from {quoted}")
        # Every id sequence (saved views, notes, actions, outbox messages): advance the rebuilt one past
        # every id already given.
        given = connection.execute(
            "select sequence_name, last_value from duckdb_sequences() "
            "where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
        for sequence, last_value in given:
            if last_value:
                qualified = "rebuilt.main." + '"' + sequence.replace('"', '""') + '"'
                connection.execute("select max(nextval($sequence)) from range($n)",
                                   {"sequence": qualified, "n": last_value})
    finally:
        connection.execute("detach rebuilt")
