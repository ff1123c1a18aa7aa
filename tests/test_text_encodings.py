"""Encodings decided from the whole file, line by line where lines differ (cxkpi/text_encoding.py).

The Latin-1 + CP850 survey and the file that turns Windows-1252 after a megabyte are in
tests/test_real_shapes.py; here, the other rules: a DOS file alone, Latin text in a Cyrillic file, a
byte no code page reads exactly, and the mapping's stated encoding.
"""

from __future__ import annotations

from pathlib import Path

from cxkpi.ingest import ingest_paths
from tests.support import cxkpi, rows

CUSTOMERS = "customer_id;created_at;region;segment\n"


def orders_mapping(path: Path, name: str, encoding: str, *columns: str) -> Path:
    """A mapping of an orders export whose headers are the canonical names, stating its encoding."""
    lines = [f'[[format]]\nname = "{name}"\ntable = "orders"\nencoding = "{encoding}"']
    lines += [f'columns.{column} = ["{column}"]' for column in columns]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_written_in_cp850_alone_is_read_as_cp850(tmp_path):
    """A DOS program's export: every accent is in 0x80-0x9F, where Windows-1252 has punctuation."""
    path = tmp_path / "clients.csv"
    path.write_bytes((CUSTOMERS + "D1;2026-01-05;Île-de-France;Société\nD2;2026-01-06;Sète;Déçu\n").encode("cp850"))
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "[cp850, semicolon-separated]" in result.stdout
    assert rows(db, "select region, segment from customers order by customer_id") == [
        ("Île-de-France", "Société"), ("Sète", "Déçu")]


def test_a_latin_line_in_a_cyrillic_file_is_read_as_latin(tmp_path):
    """A Russian export with one French customer: that line would read "Crйteil" as Windows-1251."""
    path = tmp_path / "clients.csv"
    path.write_bytes((CUSTOMERS + "R1;2026-01-05;Москва;Розница\nR2;2026-01-06;Санкт-Петербург;Опт\n").encode("cp1251")
                     + "F1;2026-01-07;Créteil;Détail\n".encode("cp1252"))
    db = tmp_path / "w.duckdb"
    [result], refusals = ingest_paths(db, [path])
    assert not refusals
    assert result.dialect == ("mixed encodings read line by line (cp1251 on 2 lines, first line 2; cp1252 on 1 "
                              "line, first line 4), semicolon-separated")
    assert rows(db, "select region, segment from customers order by 1") == [
        ("Créteil", "Détail"), ("Москва", "Розница"), ("Санкт-Петербург", "Опт")]


def test_a_byte_the_code_page_does_not_define_is_said_with_its_line(tmp_path):
    """0x98 is undefined in Windows-1251: read as U+FFFD, and the load says so, naming line 3."""
    path = tmp_path / "clients.csv"
    path.write_bytes((CUSTOMERS + "R1;2026-01-05;Москва;Розница\n").encode("cp1251")
                     + "R2;2026-01-06;Казань;Опт ".encode("cp1251") + b"\x98\n")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "[cp1251; 1 byte not decodable exactly, read as \ufffd (line 3), semicolon-separated]" in result.stdout
    assert rows(db, "select segment from customers where customer_id = 'R2'") == [("Опт \ufffd",)]


def test_a_mapping_states_an_encoding_the_bytes_cannot_tell(tmp_path):
    """ISO-8859-15 writes € as 0xA4, which Windows-1252 reads as ¤: only a mapping can say so."""
    path = tmp_path / "orders.csv"
    path.write_bytes("order_id,customer_id,ordered_at,amount,channel\nE1,C1,2026-03-01,10.00,boutique €\n"
                     .encode("iso-8859-15"))
    mapping = orders_mapping(tmp_path / "m.toml", "Till export", "iso-8859-15", "order_id", "customer_id",
                             "ordered_at", "amount", "channel")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db, "--mapping", mapping)
    assert result.returncode == 0, result.stderr
    assert "[Till export; iso8859-15, comma-separated]" in result.stdout
    assert rows(db, "select channel from orders") == [("boutique €",)]


def test_a_stated_encoding_the_file_does_not_fit_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("order_id,customer_id,ordered_at,amount\nA1,C1,2026-03-01,1.00\nA2,Cé,2026-03-02,2.00\n"
                     .encode("cp1252"))
    mapping = orders_mapping(tmp_path / "m.toml", "ASCII orders", "ascii", "order_id", "ordered_at")
    db = tmp_path / "w.duckdb"
    result = cxkpi("ingest", path, "--db", db, "--mapping", mapping)
    assert result.returncode == 1
    assert ("orders.csv: refused, nothing was changed: is not valid ascii text: ordinal not in range(128) on "
            "line 3; is the mapping's encoding right?") in result.stderr
    russian = cxkpi("ingest", path, "--db", db, "--mapping", mapping, "--lang", "ru")
    assert russian.returncode == 1
    assert ("orders.csv: отклонён, ничего не изменено: не является корректным текстом ascii: ordinal not in "
            "range(128) в строке 3; верна ли кодировка в сопоставлении?") in russian.stderr, russian.stderr


def test_a_utf8_file_reads_without_a_copy_whatever_its_size(tmp_path: Path):
    """Every byte is checked (not the first megabyte), and a file that is all UTF-8 is read as it is."""
    path = tmp_path / "customers.csv"
    body = "".join(f"K{index};2026-01-05;Zürich;Überall\n" for index in range(40_000))  # ~1.2 MB
    path.write_text(CUSTOMERS + body + "K-last;2026-01-06;Genève;Über\n", encoding="utf-8")
    [result], refusals = ingest_paths(tmp_path / "w.duckdb", [path])
    assert not refusals
    assert (result.dialect, result.rows_inserted) == ("utf-8, semicolon-separated", 40_001)
