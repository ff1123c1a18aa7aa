"""Bench: ingest of the 1,000,000-order file in each encoding and delimiter, against DuckDB's read_csv.

The clean file is UTF-8, comma-separated (what `python -m cxkpi sample` writes). Each variant holds
the same orders re-encoded or re-delimited the way real exports arrive; each is loaded into a fresh
warehouse by the real pipeline (sniffing, hashing, archiving, typing, upsert, log) and timed against
DuckDB's own `read_csv` of the clean file into a table. Targets: UTF-8 within 2x, the rest within 4x.
Usage: python bench/ingest_formats.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import duckdb_read_csv, timed
from cxkpi import sample_data, warehouse
from cxkpi.ingest import ingest_paths

WORK_DIR = warehouse.PROJECT_ROOT / "data" / "bench_formats"
CHUNK = 8 << 20


def _recode(source: Path, target: Path, transform: Callable[[str], str], encoding: str, bom: bytes = b"") -> None:
    with source.open(encoding="utf-8", newline="") as text, target.open("wb") as out:
        out.write(bom)
        while chunk := text.read(CHUNK):
            out.write(transform(chunk).encode(encoding))


def variants(clean: Path) -> dict[str, tuple[Path, float]]:
    """name -> (file, target ratio)."""
    out = clean.parent
    made = {"utf-8, comma (clean)": (clean, 2.0)}
    specs = [
        ("utf-8 with BOM, comma", "bom.csv", lambda s: s, "utf-8", b"\xef\xbb\xbf", 2.0),
        ("utf-8, semicolon + decimal comma", "semicolon.csv", _semicolon_decimal_comma, "utf-8", b"", 2.0),
        ("utf-8, tab", "tab.csv", lambda s: s.replace(",", "\t"), "utf-8", b"", 2.0),
        ("utf-8, pipe", "pipe.csv", lambda s: s.replace(",", "|"), "utf-8", b"", 2.0),
        ("utf-16 LE (Excel Unicode text), tab", "utf16.txt", lambda s: s.replace(",", "\t"), "utf-16-le",
         b"\xff\xfe", 4.0),
        ("windows-1252, semicolon", "cp1252.csv", lambda s: s.replace(",", ";"), "cp1252", b"", 4.0),
        ("windows-1251, comma", "cp1251.csv", lambda s: s, "cp1251", b"", 4.0),
        ("utf-8, day-first dates", "dmy.csv", _day_first, "utf-8", b"", 4.0),
    ]
    for name, file_name, transform, encoding, bom, target in specs:
        path = out / file_name
        _recode(clean, path, transform, encoding, bom)
        made[name] = (path, target)
    return made


def _semicolon_decimal_comma(chunk: str) -> str:
    # Amounts are the only dotted numbers in orders.csv (dates use '-' and ':').
    return chunk.replace(",", ";").replace(".", ",")


def _day_first(chunk: str) -> str:
    """2026-03-31 14:05:00 -> 31/03/2026 14:05:00 (every timestamp in orders.csv has this shape)."""
    import re

    return re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3/\2/\1", chunk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    print(f"generating {args.rows:,} orders ...")
    clean = sample_data.generate(WORK_DIR / "csv", customers=max(1, args.rows // 5), orders=args.rows,
                                 survey_responses=1, complaints=1)["orders"]
    files = variants(clean)
    print("each variant is timed alternately with DuckDB's read_csv of the clean file, so both see the same")
    print(f"machine load; medians of {args.repeat} runs\n")
    print(f"{'variant':<40} {'size':>6} {'read_csv':>9} {'cxkpi':>8} {'ratio':>7}  target")
    missed = []
    for name, (path, target) in files.items():
        baseline_times, times = [], []
        for _ in range(args.repeat):
            baseline_times.append(timed(lambda: duckdb_read_csv(clean, WORK_DIR))[0])
            times.append(timed(lambda path=path: _ingest(path))[0])
        baseline, seconds = statistics.median(baseline_times), statistics.median(times)
        ratio = seconds / baseline
        if ratio > target:
            missed.append(name)
        print(f"{name:<40} {path.stat().st_size / 1e6:4.0f}MB {baseline:8.2f}s {seconds:7.2f}s {ratio:6.2f}x  "
              f"<= {target:g}x {'met' if ratio <= target else 'MISSED'}")
    return 1 if missed else 0


def _ingest(path: Path) -> None:
    db = WORK_DIR / "w.duckdb"
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(WORK_DIR / "archive", ignore_errors=True)
    results, refusals = ingest_paths(db, [path])
    assert not refusals and results[0].rows_quarantined == 0 and results[0].rows_inserted > 0, (refusals, results)


if __name__ == "__main__":
    sys.exit(main())
