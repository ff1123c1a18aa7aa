"""A crash at any instant leaves warehouse, archive and manifest consistent; nothing is ever lost.

The fault tests run the real `python -m cxkpi ingest` (and `rebuild`) and kill it with SIGKILL at a
chosen instant. To hit an instant every time, even one a millisecond wide (between a commit and its
manifest line), the process is paused there by cxkpi.fault_points ($CXKPI_PAUSE_AT) and killed
while it waits; then the load is finished, and the result must equal a load nobody interrupted:
every row present, archive = manifest = ingest_log in load order, and `rebuild` identical to the
warehouse (row counts and checksums of every table).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxkpi import archive, verdict
from cxkpi.inbox import accept_upload, process_inbox, rebuild
from cxkpi.ingest import ingest_paths
from cxkpi.warehouse import DERIVED_TABLES
from tests.support import GOLDEN_DIR, HOSTILE, PROJECT_ROOT, TESTS_DIR, checksums, drop, rows

# One inbox, in load order (oldest first): loads through both paths (one pass, and the quarantine of
# orders_with_bad_rows), an upsert (the February-April export overlaps January-March and wins), a
# file refused by the reader after it was archived (a broken line) and one refused on its header.
INBOX = [
    GOLDEN_DIR / "customers.csv",
    HOSTILE / "orders_2026_jan_mar.csv",
    TESTS_DIR / "ingest_files" / "orders_with_bad_rows.csv",
    TESTS_DIR / "ingest_files" / "orders_broken_structure.csv",
    HOSTILE / "orders_2026_feb_apr.csv",
    TESTS_DIR / "ingest_files" / "fits_no_table.csv",
]
REFUSED = ["fits_no_table.csv", "orders_broken_structure.csv"]
LOAD_TIMES = ("loaded_at",)  # a finished load ran later than the reference's: everything else is equal

# Where a load of INBOX is killed: `point#n` is the n-th time the process reaches that point (files
# are counted from 1). Each point in the order a file meets it:
KILL_POINTS = [
    "copying#1",  # mid-copy of the first file into the archive's staging folder
    "snapshot-taken#2",  # the copy whole, hashed, not yet prepared
    "archived#1",  # the copy linked as <sha256>.csv, under the write lock, before the load
    "before-commit#3",  # rows, quarantine and ingest_log written in the open transaction
    "committed#1",  # just after the commit, before the manifest line
    "committed#3",  # the same for a load with quarantined rows
    "listed#2",  # manifest line written, the file not yet out of the inbox
    "file-done#3",  # the file held in .loaded/, before the next one
    "archived#4",  # the broken file archived, before the reader refuses it
    "reason-written#1",  # its reason written, the file not yet in refused/
    "committed#4",  # the overlapping export committed (an upsert), before its manifest line
    "reason-written#2",  # the file refused on its header: reason written, not yet moved
]


# These tests are about crashes, not the quarantine limit: orders_with_bad_rows loads with its bad rows
# quarantined (3 of its 5 rows, over the default 5% that would refuse the file), so the quarantine path is covered.
NO_LIMIT = {verdict.QUARANTINE_LIMIT_ENV: "100"}


@pytest.fixture(scope="module", autouse=True)
def no_quarantine_limit() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in NO_LIMIT.items():
            patch.setenv(name, value)
        yield


def run_paused(work: Path, point: str, *args: object) -> subprocess.Popen[str]:
    """`python -m cxkpi ARGS` paused at `point`, as soon as it gets there."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT), "CXKPI_PAUSE_AT": point, "CXKPI_PAUSE_DIR": str(work),
           **NO_LIMIT}
    process = subprocess.Popen([sys.executable, "-m", "cxkpi", *map(str, args)], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    paused = work / f"{point.partition('#')[0]}.paused"
    deadline = time.monotonic() + 60
    while not paused.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"{point} never reached: {out}{err}")
        time.sleep(0.005)
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def kill_at(work: Path, point: str, *args: object) -> None:
    kill(run_paused(work, point, *args))
    (work / f"{point.partition('#')[0]}.paused").unlink()


def finish(work: Path) -> None:
    """What the next run does: load what is left in the inbox."""
    process_inbox(work / "w.duckdb", work / "inbox")


def new_inbox(tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    drop(work / "inbox", *INBOX)
    return work


def ingest(work: Path) -> tuple[str, ...]:
    return ("ingest", "--db", work / "w.duckdb", "--inbox", work / "inbox")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """The same inbox loaded by one run nobody interrupted."""
    work = new_inbox(tmp_path_factory.mktemp("reference"), "clean")
    outcomes = process_inbox(work / "w.duckdb", work / "inbox")
    assert sorted(o.name for o in outcomes if o.refusal) == REFUSED
    assert rows(work / "w.duckdb", "select count(*) from quarantined_records where not is_header") == [(3,)]
    return checksums(work / "w.duckdb", without=LOAD_TIMES)


def assert_consistent(work: Path, reference: dict[str, tuple[int, str]]) -> None:
    db, inbox, archive_dir = work / "w.duckdb", work / "inbox", work / "archive"
    # Nothing waits in the inbox; each refused file is there once, with its reason.
    assert sorted(path.name for path in inbox.iterdir() if not path.name.startswith(".")) == ["refused"]
    assert sorted(path.name for path in (inbox / "refused").iterdir()) == sorted(
        [*REFUSED, *(f"{name}.reason.txt" for name in REFUSED)])
    # Every row of the uninterrupted load, no more.
    assert checksums(db, without=LOAD_TIMES) == reference
    # The archive holds exactly the loaded files; the manifest lists them in ingest_log's order.
    logged = [sha for (sha,) in rows(db, "select file_sha256 from ingest_log order by rowid")]
    assert [entry.sha256 for entry in archive.entries(archive_dir)] == logged
    assert sorted(path.name for path in archive_dir.glob("*.csv")) == sorted(f"{sha}.csv" for sha in logged)
    assert not list((archive_dir / archive.INCOMING).iterdir())
    # The archive alone rebuilds the same warehouse, table by table.
    before = checksums(db)
    assert [outcome.refusal for outcome in rebuild(db)] == [None] * len(logged)
    assert checksums(db) == before


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_load_killed_at_any_instant_then_finished_equals_one_never_interrupted(tmp_path, reference, point):
    work = new_inbox(tmp_path, "killed")
    kill_at(work, point, *ingest(work))
    finish(work)
    assert_consistent(work, reference)


def test_a_crash_while_mending_the_manifest_is_mended_by_the_next_run(tmp_path, reference):
    """Killed after a commit (the manifest lacks that load), then again while the next run rewrites
    the manifest to add it: the rewrite is atomic, so the third run still finds one of the two."""
    work = new_inbox(tmp_path, "twice")
    kill_at(work, "committed#2", *ingest(work))
    kill_at(work, "manifest-rewritten#1", *ingest(work))
    finish(work)
    assert_consistent(work, reference)


def test_two_runs_at_once_load_each_file_once(tmp_path, reference):
    """The app's "Load the inbox now" while a scheduled `ingest` runs: the scheduled run has copied
    the first file when the app's run loads the whole inbox; then the scheduled run goes on."""
    work = new_inbox(tmp_path, "two")
    scheduled = run_paused(work, "snapshot-taken#1", *ingest(work))
    finish(work)
    (work / "snapshot-taken.go").touch()
    out, err = scheduled.communicate(timeout=60)
    assert scheduled.returncode == 0, err
    assert out.startswith("customers.csv: already loaded")
    assert_consistent(work, reference)


@pytest.mark.parametrize("point", ["rebuilt", "swapped"])
def test_a_rebuild_killed_before_or_after_its_swap_leaves_a_whole_warehouse(tmp_path, reference, point):
    work = new_inbox(tmp_path, "rebuild")
    finish(work)
    before = checksums(work / "w.duckdb")
    kill_at(work, point, "rebuild", "--db", work / "w.duckdb")
    assert checksums(work / "w.duckdb") == before  # the old warehouse, or the rebuilt one: the same tables
    assert_consistent(work, reference)


# ---------------------------------------------------------------------------------- a growing file


def growing_orders(tmp_path: Path) -> tuple[bytes, int, int]:
    """An orders export of 400 rows, and two places its copy may stall: mid-row and between rows."""
    lines = ["order_id,customer_id,ordered_at,amount,channel,status"]
    lines += [f"G{n:04d},C{n % 7},2026-03-{1 + n % 28:02d},{n % 90 + 10}.50,web,completed" for n in range(400)]
    content = ("\n".join(lines) + "\n").encode()
    between_rows = content.index(b"\nG0200") + 1
    return content, between_rows + 9, between_rows


@pytest.fixture(scope="module")
def grown_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """The whole file, loaded once."""
    work = tmp_path_factory.mktemp("grown")
    content, _, _ = growing_orders(work)
    (work / "orders_export.csv").write_bytes(content)
    drop(work / "inbox", work / "orders_export.csv")
    process_inbox(work / "w.duckdb", work / "inbox")
    return orders_only(work / "w.duckdb")


def orders_only(db: Path) -> dict[str, tuple[int, str]]:
    """The loaded data: a file loaded in two goes has two ingest_log rows where one load has one."""
    found = checksums(db)
    derived = [name for name, table in DERIVED_TABLES.items() if "orders" in table.sources]
    return {table: found[table] for table in ("orders", *derived)}


def settle(path: Path) -> None:
    stamp = time.time() - 60
    os.utime(path, (stamp, stamp))


def assert_grown_file_loaded_whole(work: Path, grown_reference: dict[str, tuple[int, str]]) -> None:
    db = work / "w.duckdb"
    assert orders_only(db) == grown_reference
    assert [path.name for path in (work / "inbox").iterdir() if not path.name.startswith(".")] == []
    before = checksums(db)
    logged = rows(db, "select count(*) from ingest_log")[0][0]
    assert [outcome.refusal for outcome in rebuild(db)] == [None] * logged
    assert checksums(db) == before


@pytest.mark.parametrize("stall", ["mid_row", "between_rows"])
@pytest.mark.parametrize("then", ["resumes_and_the_load_runs_on", "resumes_and_the_load_is_killed"])
def test_a_copy_that_stalls_then_resumes_while_it_is_loaded_loses_no_row(tmp_path, grown_reference, stall, then):
    """The inbox copy stalls longer than the settle time; the loader takes it, and the copy resumes
    while the load runs. What was copied out is what is archived and loaded (one snapshot): never
    a hash of one size and rows of another; the file stays in the inbox and loads whole next time."""
    work = tmp_path / "grow"
    content, mid_row, between_rows = growing_orders(tmp_path)
    cut = mid_row if stall == "mid_row" else between_rows
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    target = inbox / "orders_export.csv"
    target.write_bytes(content[:cut])
    settle(target)
    loader = run_paused(work, "snapshot-taken", *ingest(work))
    with target.open("ab") as copy:  # the copy resumes
        copy.write(content[cut:])
    if then == "resumes_and_the_load_is_killed":
        kill(loader)
    else:
        (work / "snapshot-taken.go").touch()
        out, err = loader.communicate(timeout=60)
        # Not everything in the inbox is loaded yet: "try again", never 0 (and never a refusal).
        assert loader.returncode == verdict.EXIT_TRY_AGAIN, err
        assert "changed while it was" in out + err
        assert target.read_bytes() == content  # it stayed in the inbox
    settle(target)
    finish(work)
    assert_grown_file_loaded_whole(work, grown_reference)


def test_a_copy_that_resumes_after_its_file_was_loaded_comes_back_and_loads_whole(tmp_path, grown_reference):
    """The worst case: the copy stalls, the stalled file loads and leaves the inbox, then the copy
    resumes, writing into the file it still holds open. The file waits in .loaded/, so the resumed
    bytes land there; the next run sees it changed, puts it back into the inbox, and loads it."""
    work = tmp_path / "late"
    content, _, between_rows = growing_orders(tmp_path)
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    target = inbox / "orders_export.csv"
    with target.open("wb") as copy:
        copy.write(content[:between_rows])
        copy.flush()
        settle(target)
        [outcome] = process_inbox(work / "w.duckdb", inbox)
        assert outcome.result.rows_inserted == 200 and not target.exists()
        copy.write(content[between_rows:])  # the copy resumes, into the file that left the inbox
    [held] = (inbox / ".loaded").iterdir()
    settle(held)
    finish(work)
    assert_grown_file_loaded_whole(work, grown_reference)


# ------------------------------------------------------------------------------------- a full disk
class SmallDisk:
    """A real file system of a few MB (tmpfs) mounted in a mount namespace of its own, so the kernel
    itself says "No space left on device" to DuckDB's writes as to Python's, and no mount outlives
    the test. Root mounts it in a private mount namespace; anyone else in a user namespace too.
    `path` is the folder as the test sees it (through the holder's /proc root); `inside` as the
    loader sees it, run within the namespace by nsenter."""

    def __init__(self, mountpoint: Path, size_mb: int) -> None:
        mountpoint.mkdir(parents=True)
        users = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
        self.enter = [] if os.geteuid() == 0 else ["--user", "--preserve-credentials"]
        self.holder = subprocess.Popen(
            ["unshare", *users, "--mount", "--propagation", "private", "sh", "-c",
             'mount -t tmpfs -o size="$1" tmpfs "$0" && echo mounted && exec sleep 600', str(mountpoint),
             f"{size_mb}m"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.holder.stdout is not None
        mounted = self.holder.stdout.readline()
        assert mounted == "mounted\n", f"could not mount a small tmpfs: {self.holder.communicate()}"
        self.inside = mountpoint
        self.path = Path(f"/proc/{self.holder.pid}/root") / mountpoint.relative_to("/")
        (self.path / "tmp").mkdir()

    def cxkpi(self, *args: object) -> subprocess.CompletedProcess[str]:
        """`python -m cxkpi ARGS` on the small disk: its warehouse, archive, inbox and temporary files."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT), "TMPDIR": str(self.inside / "tmp")}
        return subprocess.run(
            ["nsenter", "--target", str(self.holder.pid), "--mount", f"--wd={PROJECT_ROOT}", *self.enter,
             sys.executable, "-m", "cxkpi", *map(str, args)],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
        )

    def leave_free(self, free_bytes: int) -> None:
        """Fill the disk with a filler file up to the last free_bytes (rounded down to whole pages)."""
        filler = self.path / "filler"
        filler.unlink(missing_ok=True)
        with filler.open("wb") as out:
            try:
                while True:
                    out.write(b"\0" * (1 << 20))
                    out.flush()
            except OSError as error:
                assert archive.is_disk_full(error)
                block = os.statvfs(self.path).f_frsize
        # Pages freed at the end of the filler (tmpfs allocates a page as it is written).
        size = filler.stat().st_size
        os.truncate(filler, max(0, (size // block) * block - (free_bytes // block) * block))
        free = os.statvfs(self.path).f_bavail * block
        assert abs(free - (free_bytes // block) * block) <= block, (free, free_bytes)

    def checksums(self, copy_to: Path) -> dict[str, tuple[int, str]]:
        """The warehouse's checksums, read from a copy outside (DuckDB resolves /proc/<pid>/root away)."""
        copy_to.mkdir(exist_ok=True)
        for leftover in copy_to.iterdir():
            leftover.unlink()
        for name in ("w.duckdb", "w.duckdb.wal"):
            if (self.path / name).exists():
                shutil.copyfile(self.path / name, copy_to / name)
        return checksums(copy_to / "w.duckdb")

    def room(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)

    def close(self) -> None:
        self.holder.kill()
        self.holder.wait()


@pytest.fixture
def small_disk(tmp_path: Path):
    # Room for the warehouse twice over (a rebuild builds a second file) with its fact tables, the
    # archive and the inbox: 5.3 MB a warehouse after the big load below.
    disk = SmallDisk(tmp_path / "small", size_mb=24)
    yield disk
    disk.close()


def test_a_full_disk_says_so_keeps_nothing_partial_and_leaves_the_file_to_load_again(tmp_path, small_disk):
    """A real full disk, at four writes: the copy into the archive, the warehouse, the reason of a
    refusal, an upload. Each time: a clear error and exit 75 (try again), the warehouse and archive as they
    were, no partial file, the file still in the inbox (never in refused/); with room, it loads."""
    disk = small_disk
    db = disk.inside / "w.duckdb"
    ingest_paths(tmp_path / "seed" / "w.duckdb", [GOLDEN_DIR])  # a warehouse with data, and its archive
    shutil.copytree(tmp_path / "seed", disk.path, dirs_exist_ok=True)
    before = disk.checksums(tmp_path / "copy")
    archived = sorted(path.name for path in (disk.path / "archive").iterdir())
    orders = tmp_path / "big_orders.csv"
    lines = ["order_id,customer_id,ordered_at,amount,channel,status"]
    lines += [f"B{n:06d},C{n % 50},2026-05-{1 + n % 28:02d},{n % 90 + 10}.50,web,completed" for n in range(30_000)]
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def assert_nothing_changed(file_name: str) -> None:
        assert disk.checksums(tmp_path / "copy") == before
        assert sorted(path.name for path in (disk.path / "archive").iterdir()) == archived
        assert not list((disk.path / "archive" / archive.INCOMING).iterdir())
        assert sorted(path.name for path in (disk.path / "inbox").rglob("*") if path.is_file()) == [file_name]
        assert not list((disk.path / "tmp").iterdir())

    drop(disk.path / "inbox", orders)
    size = orders.stat().st_size
    disk.leave_free(size // 2)  # the copy into the archive cannot be whole
    run = disk.cxkpi("ingest", "--db", db)
    assert run.returncode == 75, run.stderr
    assert run.stderr.startswith(
        "big_orders.csv: not loaded, nothing was changed: no space left on device while copying it "
        f"into the archive ({disk.inside / 'archive'}). Free some space and load it again (it stays in the inbox)")
    assert_nothing_changed("big_orders.csv")
    assert (disk.path / "inbox" / "big_orders.csv").read_bytes() == orders.read_bytes()

    disk.leave_free(size + (64 << 10))  # the copy fits; the warehouse cannot grow
    run = disk.cxkpi("ingest", "--db", db)
    assert run.returncode == 75, run.stderr
    assert "no space left on device while writing the warehouse" in run.stderr
    assert_nothing_changed("big_orders.csv")

    disk.room()
    (disk.path / "inbox" / "big_orders.csv").unlink()  # aside for a moment
    drop(disk.path / "inbox", TESTS_DIR / "ingest_files" / "fits_no_table.csv")
    disk.leave_free(4096)  # room for the refused file's copy, none for its reason
    run = disk.cxkpi("ingest", "--db", db)
    assert run.returncode == 75, run.stderr
    assert "fits_no_table.csv: not loaded, nothing was changed: it is refused, but no space was left" in run.stderr
    assert_nothing_changed("fits_no_table.csv")

    with pytest.raises(archive.DiskFullError, match=r"^upload\.csv: not loaded, nothing was changed: no space left on "
                       r"device in the inbox"):  # an upload on the Data page, the same way
        accept_upload(disk.path / "inbox", "upload.csv", orders.read_bytes(), max_bytes=1 << 30)
    assert_nothing_changed("fits_no_table.csv")

    disk.room()
    drop(disk.path / "inbox", orders)
    run = disk.cxkpi("ingest", "--db", db)
    assert run.returncode == 1, run.stderr  # fits_no_table.csv is refused, with its reason
    assert "big_orders.csv: orders: 30000 rows read, 30000 inserted" in run.stdout
    assert sorted(path.name for path in (disk.path / "inbox" / "refused").iterdir()) == [
        "fits_no_table.csv", "fits_no_table.csv.reason.txt"]
    rebuilt_from = disk.checksums(tmp_path / "copy")
    run = disk.cxkpi("rebuild", "--db", db)
    assert run.returncode == 0, run.stderr
    assert disk.checksums(tmp_path / "copy") == rebuilt_from
