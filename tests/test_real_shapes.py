"""Real-shaped exports that once loaded into wrong numbers (issue 13), loaded as an analyst loads them.

Each file in tests/real_shapes/ (written by its make_files.py; the CFPB slice is tests/realdata/) goes
through `python -m cxkpi ingest`; each test asserts what loaded, what was refused and why, the exit
code, and the KPI value that follows, worked out by hand in its docstring.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tests.support import TESTS_DIR, cxkpi, kpis_json, rows

SHAPES = TESTS_DIR / "real_shapes"
EXIT_LOADED, EXIT_REFUSED, EXIT_QUARANTINED = 0, 1, 3


def ingest(db: Path, *args: object):
    return cxkpi("ingest", *args, "--db", db)


def table_rows(db: Path, table: str) -> int:
    return rows(db, f"select count(*) from {table}")[0][0]


# ------------------------------------------------------------------------------------------ scales
def test_a_1_to_10_survey_is_refused_naming_its_scale_and_loads_with_the_mapping_the_refusal_gives(tmp_path):
    """40 answers to "How satisfied ... (1-10)", 28 of them above 5: refused as a 1-10 scale, nothing
    loaded. With the mapping lines the refusal prints, it loads; CSAT counts the top 2 points of 1-10
    (metrics.toml): 10 x4 + 9 x4 = 8 of 40 = 20.0%."""
    db = tmp_path / "w.duckdb"
    refused = ingest(db, SHAPES / "survey_satisfaction_1_to_10.csv")
    assert refused.returncode == EXIT_REFUSED
    assert ("its csat_score column ('How satisfied are you with your visit? (1-10)') holds answers from 1 to 10 "
            "(28 of 40 outside 1-5): it looks like a 1-10 scale, not 1-5") in refused.stderr
    assert table_rows(db, "survey_responses") == 0
    mapping = tmp_path / "mappings.toml"
    mapping.write_text(refused.stderr[refused.stderr.index("[[format]]"):], encoding="utf-8")
    assert 'columns.csat_score = { aliases = ["How satisfied are you with your visit? (1-10)"], scale = "1-10" }' \
        in mapping.read_text(encoding="utf-8")

    loaded = ingest(db, SHAPES / "survey_satisfaction_1_to_10.csv", "--mapping", mapping)
    assert loaded.returncode == EXIT_LOADED, loaded.stderr
    assert "40 rows read, 40 inserted, 0 updated, 0 quarantined" in loaded.stdout
    assert rows(db, "select distinct csat_scale from survey_responses") == [("1-10",)]
    csat = kpis_json(db)["csat"]
    assert (csat["value"], csat["n"], csat["satisfied"], csat["scales"], csat["top_points"]) == (
        20.0, 40, 8, "1-10", 2)


# --------------------------------------------------------------------------------------- encodings
def test_a_latin1_survey_with_cp850_lines_is_read_line_by_line_and_never_as_cyrillic(tmp_path):
    """Six tills wrote Latin-1, three CP850 (É = 0x90, which Windows-1252 leaves undefined: that byte
    once made the whole file Windows-1251). Each line reads in its own code page. NPS in May 2026:
    promoters F01 10, F02 9, F06 10, F07 9; detractors F03 6, F05 3, F09 2; n = 9 -> 100 * (4 - 3) / 9 = 11.1."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "survey_french_tills_latin1_and_cp850.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert ("9 rows read, 9 inserted, 0 updated, 0 quarantined [mixed encodings read line by line (cp1252 on 6 "
            "lines, first line 2; cp850 on 3 lines, first line 6), semicolon-separated]") in result.stdout
    comments = dict(rows(db, "select response_id, comment from survey_responses"))
    assert (comments["F01"], comments["F07"], comments["F08"], comments["F09"]) == (
        "Très bien, café excellent", "Été parfait, très bon accueil", "Caissière très aimable",
        "Déçu par l'attente à la caisse")
    assert not any(re.search("[\u0400-\u04ff]", comment) for comment in comments.values())
    nps = kpis_json(db, "--start", "2026-05-01", "--end", "2026-05-31")["nps"]
    assert (round(nps["value"], 1), nps["n"]) == (11.1, 9)


def test_a_file_that_turns_windows_1252_after_its_first_megabyte_keeps_its_utf8_part(tmp_path):
    """20,000 UTF-8 answers (1.3 MB, 'très bien', recommend 10), then 10 written in Windows-1252
    ('décevant', recommend 0). The file was once re-read whole as cp1252, garbling the UTF-8 part.
    NPS = 100 * (20000 - 10) / 20010 = 99.90."""
    path = tmp_path / "survey_late_cp1252.csv"
    utf8 = "".join(f"U{i},C{i % 50},2026-05-{1 + i % 28:02d} 10:00,10,très bien\n" for i in range(20_000))
    cp1252 = "".join(f"W{i},C{i},2026-05-29 10:00,0,décevant\n" for i in range(10))
    path.write_bytes(("response_id,customer_id,responded_at,recommend_score,comment\n" + utf8).encode()
                     + cp1252.encode("cp1252"))
    db = tmp_path / "w.duckdb"
    result = ingest(db, path)
    assert result.returncode == EXIT_LOADED, result.stderr
    assert ("[mixed encodings read line by line (utf-8 on 20,000 lines, first line 2; cp1252 on 10 lines, "
            "first line 20,002), comma-separated]") in result.stdout
    assert rows(db, "select comment, count(*) from survey_responses group by 1 order by 1") == [
        ("décevant", 10), ("très bien", 20_000)]
    nps = kpis_json(db, "--start", "2026-05-01", "--end", "2026-05-31")["nps"]
    assert (round(nps["value"], 2), nps["n"]) == (99.90, 20_010)


# --------------------------------------------------------------------------------- ticket statuses
def test_an_incident_event_log_folds_into_one_complaint_per_incident(tmp_path):
    """16 state changes of 5 incidents (ServiceNow's log; dates 13/4/2026 09:00, "?" for none).
    INC1 opened 08:30, Active 10:00 (1.5 h), Resolved 2/4 09:00 (24.5 h: in SLA), Closed later.
    INC2 opened 13/4 10:00, Awaiting User Info 14:00 (4 h), Resolved 20/4 10:00 (168 h: breached).
    INC3 opened 15/4 08:00, Active 08:30 (0.5 h), Resolved 12:00, reopened 16/4, Resolved 17/4 09:00
    (49 h: in SLA). INC4 20/4 09:00, Active 11:00 (2 h), still open 8 days at the snapshot (28/4 16:00,
    INC5's creation): breached. INC5 New at the snapshot: pending, awaiting a first response.
    April 2026: response time median of 0.5, 1.5, 2, 4 = 1.75 h, n 4, 1 awaiting;
    resolved within 72 h: 2 / (2 + 2) = 50.0%, 1 pending."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "servicenow_incident_event_log.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert ("16 rows read, 5 inserted, 0 updated, 0 quarantined [ServiceNow incident event log; utf-8, "
            "comma-separated] (16 events folded into 5 tickets)") in result.stdout
    assert rows(db, "select complaint_id, customer_id, created_at, first_response_at, resolved_at, channel, "
                    "category, status from complaints order by 1") == [
        ("INC0000001", "Caller 11", datetime(2026, 4, 1, 8, 30), datetime(2026, 4, 1, 10), datetime(2026, 4, 2, 9),
         "Phone", "Category 26", "resolved"),
        ("INC0000002", "Caller 12", datetime(2026, 4, 13, 10), datetime(2026, 4, 13, 14), datetime(2026, 4, 20, 10),
         "Email", "Category 40", "resolved"),
        ("INC0000003", "Caller 13", datetime(2026, 4, 15, 8), datetime(2026, 4, 15, 8, 30), datetime(2026, 4, 17, 9),
         "Self service", "Category 26", "resolved"),
        ("INC0000004", "Caller 14", datetime(2026, 4, 20, 9), datetime(2026, 4, 20, 11), None, "Phone", "Category 9",
         "open"),
        ("INC0000005", "Caller 15", datetime(2026, 4, 28, 16), None, None, "Phone", None, "open"),
    ]
    april = kpis_json(db, "--start", "2026-04-01", "--end", "2026-04-30")
    response, sla = april["complaint_response_hours"], april["complaints_resolved_within_sla"]
    assert (response["value"], response["n"], response["awaiting_response"]) == (1.75, 4, 1)
    assert (sla["value"], sla["n"], sla["within_sla"], sla["breached"], sla["pending"]) == (50.0, 4, 2, 2, 1)


def test_closed_tickets_without_resolution_times_leave_the_sla_and_await_no_reply(tmp_path):
    """T01-T06 say closed, solved, resolved or Closed and give no resolution time: resolved at an
    unknown time. T07-T10 are open, all younger than 72 h at the snapshot (T10, 31/5 09:00; T07 is
    exactly 72 h old): pending. So in May 2026 the SLA has no decided complaint: no data (it once
    said 0.0%, every closed ticket a breach), 6 resolved at an unknown time, 4 pending. Response time:
    1, 3, 2, 5, 4, 6 h -> median 3.5 h, n 6; awaiting a reply: T09, T10 only (T05, T06 are closed)."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "complaints_closed_without_resolution_times.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert rows(db, "select status, count(*) from complaints group by 1 order by 1") == [("open", 4), ("resolved", 6)]
    may = kpis_json(db, "--start", "2026-05-01", "--end", "2026-05-31")
    response, sla = may["complaint_response_hours"], may["complaints_resolved_within_sla"]
    assert (sla["value"], sla["n"], sla["resolved_time_unknown"], sla["pending"], sla["breached"]) == (
        None, 0, 6, 4, 0)
    assert (response["value"], response["n"], response["awaiting_response"]) == (3.5, 6, 2)


def test_cfpb_closed_with_explanation_is_resolved_at_an_unknown_time(tmp_path):
    """The CFPB slice: 30 "Closed with explanation" and 1 "Closed with non-monetary relief" (resolved,
    no time given), 9 "In progress", all received 09/12/2016, no response time at all. September
    2016: SLA no data with 31 resolved at an unknown time and 9 pending; 9 awaiting a response."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, TESTS_DIR / "realdata" / "Consumer_Complaints.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    september = kpis_json(db, "--start", "2016-09-01", "--end", "2016-09-30")
    response, sla = september["complaint_response_hours"], september["complaints_resolved_within_sla"]
    assert (sla["value"], sla["n"], sla["resolved_time_unknown"], sla["pending"]) == (None, 0, 31, 9)
    assert (response["value"], response["n"], response["awaiting_response"]) == (None, 0, 9)


def test_servicenow_states_map_to_open_resolved_and_cancelled(tmp_path):
    """The incident list export: Resolved (with a time) and Closed (without) are resolved, In Progress
    and On Hold open, Canceled cancelled. April 2026: INC1 resolved in 6 h (in SLA); INC2 closed with no
    time (unknown); INC3-INC5 are not resolved and younger than 72 h at the snapshot (INC5's opening,
    5/4 09:00, is the latest time): INC3 48 h, INC4 24 h, INC5 0 h old, all pending.
    SLA = 1 / 1 = 100.0%, n 1."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "servicenow_incidents_export.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert "[ServiceNow incidents; utf-8, comma-separated]" in result.stdout
    assert rows(db, "select complaint_id, status from complaints order by 1") == [
        ("INC0010001", "resolved"), ("INC0010002", "resolved"), ("INC0010003", "open"), ("INC0010004", "open"),
        ("INC0010005", "cancelled"),
    ]
    sla = kpis_json(db, "--start", "2026-04-01", "--end", "2026-04-30")["complaints_resolved_within_sla"]
    assert (sla["value"], sla["n"], sla["resolved_time_unknown"], sla["pending"]) == (100.0, 1, 1, 3)


# ------------------------------------------------------------------------------ dates and layouts
def test_a_purchase_log_with_iso_basic_dates_loads_them(tmp_path):
    """19970101 and 19970103143000 (ISO 8601 basic) once quarantined every row. Q1 1997, the default
    period (the data ends 31 March 1997): C01-C06 bought; C01 (P01, P05), C03 (P03, P04, P09) and C05
    (P07, P10) twice or more: repeat-purchase rate 3 / 6 = 50.0%."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "orders_iso_basic_dates_1997.csv")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert "10 rows read, 10 inserted, 0 updated, 0 quarantined" in result.stdout
    assert rows(db, "select order_id, ordered_at from orders where order_id in ('P01', 'P02') order by 1") == [
        ("P01", datetime(1997, 1, 1)), ("P02", datetime(1997, 1, 3, 14, 30))]
    repeat = kpis_json(db)["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (50.0, 6)


def test_a_space_aligned_purchase_log_without_a_header_is_refused_saying_so_and_loads_with_a_mapping(tmp_path):
    """The CDNOW-shaped log (customer, YYYYMMDD, CDs, dollars, lined up with spaces, no header) was once
    refused as "closest to customers". Now: refused as a file without a header; with a mapping naming
    its columns by place it loads, its two identical lines as two orders. Q1 1997: customers 1-5
    bought; 2 (two alike), 3 and 5 twice: 3 / 5 = 60.0%."""
    db = tmp_path / "w.duckdb"
    log = SHAPES / "purchase_log_space_aligned_no_header.txt"
    refused = ingest(db, log)
    assert refused.returncode == EXIT_REFUSED
    assert "its first line holds values (4 of them), not column names: the file has no header" in refused.stderr
    assert "Closest is" not in refused.stderr
    mapping = tmp_path / "cdnow.toml"
    mapping.write_text(
        '[[format]]\nname = "CDNOW purchase log"\ntable = "orders"\nheader_rows = 0\nkey_from_row = true\n'
        'columns.customer_id = ["column 1"]\ncolumns.ordered_at = ["column 2"]\ncolumns.amount = ["column 4"]\n',
        encoding="utf-8",
    )
    loaded = ingest(db, log, "--mapping", mapping)
    assert loaded.returncode == EXIT_LOADED, loaded.stderr
    assert ("8 rows read, 8 inserted, 0 updated, 0 quarantined [CDNOW purchase log; utf-8, columns separated by "
            "runs of spaces]") in loaded.stdout
    assert rows(db, "select customer_id, ordered_at, amount, extra->>'column 3' from orders where customer_id = "
                    "'00002'") == [("00002", datetime(1997, 1, 12), Decimal("12.00"), "1")] * 2
    repeat = kpis_json(db, "--start", "1997-01-01", "--end", "1997-03-31")["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (60.0, 5)


def test_a_report_lined_up_with_spaces_is_read_by_its_columns(tmp_path):
    """Columns two or more spaces apart, header names with one space inside. Q2 2026: C1 (A-1001; A-1003
    cancelled), C2, C3 bought once each: repeat-purchase rate 0 / 3 = 0.0%."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "orders_report_space_aligned.txt")
    assert result.returncode == EXIT_LOADED, result.stderr
    assert "4 rows read, 4 inserted, 0 updated, 0 quarantined [utf-8, columns separated by runs of spaces]" \
        in result.stdout
    assert rows(db, "select order_id, customer_id, ordered_at, amount, status from orders order by 1")[1] == (
        "A-1002", "C2", datetime(2026, 4, 3), Decimal("120.00"), "completed")
    repeat = kpis_json(db, "--start", "2026-04-01", "--end", "2026-06-30")["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (0.0, 3)


def test_a_fixed_width_report_is_cut_at_its_columns(tmp_path):
    """Header names one space apart, a date and time under "Order Date", amounts right-aligned: the
    columns are the positions between gaps blank on every line."""
    path = tmp_path / "orders_fixed_width.txt"
    path.write_text("Order ID Customer ID Order Date          Amount\n"
                    "A-1001   C1          2026-04-02 10:00:00  19.90\n"
                    "A-1002   C22         2026-04-03 09:15:00 120.00\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = ingest(db, path)
    assert result.returncode == EXIT_LOADED, result.stderr
    assert "[utf-8, fixed-width columns]" in result.stdout
    assert rows(db, "select order_id, customer_id, ordered_at, amount from orders order by 1") == [
        ("A-1001", "C1", datetime(2026, 4, 2, 10), Decimal("19.90")),
        ("A-1002", "C22", datetime(2026, 4, 3, 9, 15), Decimal("120.00")),
    ]


def test_a_space_aligned_file_whose_columns_cannot_be_told_apart_is_refused_saying_so(tmp_path):
    path = tmp_path / "orders_ragged.txt"
    path.write_text("Order ID   Customer ID   Order Date   Amount\n"
                    "A-1001     Jane Smith    2026-04-02   19.90\n"
                    "A-1002 Bob Lee  2026-04-03  120.00\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    result = ingest(db, path)
    assert result.returncode == EXIT_REFUSED
    assert ("orders_ragged.txt: has no comma, semicolon, tab or pipe between its columns: they are lined up with "
            "spaces (a space-aligned or fixed-width text export), but they cannot be told apart for sure: line 3 "
            "splits into 3 fields at runs of spaces where the first line has 4") in result.stderr
    assert "Closest is" not in result.stderr


def test_a_year_typo_is_quarantined_and_the_default_period_stays_on_the_data(tmp_path):
    """One order typed 2062 (for 2026) once moved the default period to 2062: nine "No data" cards. It
    is after the load time (plus a day): quarantined, like the 1900-01-01 placeholder; 2 of 48 rows is
    under 5%, so the rest loads, exit 3. Default period Q3 2026: C01-C15 bought in two of its months,
    C16-C30 in one: repeat-purchase rate 15 / 30 = 50.0%."""
    db = tmp_path / "w.duckdb"
    result = ingest(db, SHAPES / "orders_with_a_year_typo.csv")
    assert result.returncode == EXIT_QUARANTINED, result.stderr
    assert "48 rows read, 46 inserted, 0 updated, 2 quarantined" in result.stdout
    assert "QUARANTINED: 2 of 48 rows (4.2%, under the 5% limit) are not loaded and count in no KPI" in result.stdout
    assert re.search(r"row 48, ordered_at: in the future: after the load \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) by more "
                     r"than a day \(a typo in the year\?\) \(value: '2062-08-14 12:00'\)", result.stdout)
    assert ("row 49, ordered_at: before 1970: not a plausible date for a record (a placeholder such as "
            "1900-01-01, or another calendar's year: only Gregorian dates are read, not Solar Hijri 1405) "
            "(value: '1900-01-01 00:00')") in result.stdout
    document = kpis_json(db)
    repeat = document["repeat_purchase_rate"]
    assert (repeat["value"], repeat["n"]) == (50.0, 30)
    summary = cxkpi("kpis", "--db", db)
    assert summary.stdout.startswith("2026-07-01 to 2026-09-30 (Q3 2026)")


def test_a_stray_record_after_a_long_gap_does_not_move_the_default_period(tmp_path):
    """40 orders through 2025 (the last on 31 December) and one on 15 June 2026, after a gap of more
    than a quarter and under 5% of the orders: not the data's body. The default period is Q4 2025,
    not Q2 2026 (which would show one order)."""
    path = tmp_path / "orders_with_a_stray.csv"
    lines = ["order_id,customer_id,ordered_at,amount"]
    lines += [f"S{i},C{i % 7},2025-{1 + i % 12:02d}-{1 + i % 28:02d},10.00" for i in range(39)]
    lines += ["S39,C1,2025-12-31,10.00", "S40,C2,2026-06-15,10.00"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert ingest(db, path).returncode == EXIT_LOADED
    assert cxkpi("kpis", "--db", db).stdout.startswith("2025-10-01 to 2025-12-31 (Q4 2025)")
