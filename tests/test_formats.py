"""What people really send: every encoding, delimiter, date style, digit system and vendor export.

Each file in tests/hostile/ (written by its make_files.py), tests/exports/ (shaped like each vendor's
real export; docs/ingest.md says where the header names come from) and tests/realdata/ (slices of
public datasets) is loaded into a fresh warehouse, and the test says exactly which rows landed and
which were quarantined or refused, and why.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cxkpi import archive as archive_store
from cxkpi.ingest import ingest_paths
from tests.support import HOSTILE, TABLES, TESTS_DIR, rows, snapshot

EXPORTS = TESTS_DIR / "exports"
REALDATA = TESTS_DIR / "realdata"
# perso.csv's first 30 answers, read day first by hand: 08/11/2021 17:05:47 to 08/11/2021 21:12:49.
MIN_PERSO, MAX_PERSO = datetime(2021, 11, 8, 17, 5, 47), datetime(2021, 11, 8, 21, 12, 49)


def load_one(tmp_path: Path, path: Path, mapping: Path | None = None):
    """(result, db) for a file that must load; fails with the refusal otherwise. These files are a few
    rows each: one bad row is more than the 5% that refuses a file, so the limit is lifted here
    (test_verdicts.py tests the limit itself)."""
    db = tmp_path / "w.duckdb"
    results, refusals = ingest_paths(db, [path], mapping=mapping, quarantine_limit=100)
    assert not refusals, [str(refusal) for refusal in refusals]
    [result] = results
    return result, db


def refusal_of(tmp_path: Path, path: Path, mapping: Path | None = None) -> str:
    db = tmp_path / "w.duckdb"
    results, refusals = ingest_paths(db, [path], mapping=mapping)
    assert results == []
    [refusal] = refusals
    if db.exists():  # a refused file leaves every table empty
        assert all(rows(db, f"select count(*) from {table}") == [(0,)] for table in TABLES)
    return str(refusal)


def quarantined(db: Path) -> list[tuple]:
    return rows(db, "select source_row, column_name, value, reason from quarantine order by source_row, column_name")


# ------------------------------------------------------------------------------------- encodings
def test_utf8_with_bom_semicolons_and_decimal_commas(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "orders_utf8_bom_semicolon_decimal_comma.csv")
    assert result.dialect == "utf-8-sig, semicolon-separated"
    assert rows(db, "select order_id, amount from orders order by order_id") == [
        ("S1", Decimal("12.50")), ("S2", Decimal("1234.75")), ("S3", Decimal("-3.10")),
    ]


def test_amounts_with_currency_signs_codes_and_spaced_thousands_are_read_and_words_quarantined(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "orders_currency_signs_decimal_comma.csv")
    assert (result.rows_read, result.rows_inserted, result.rows_quarantined) == (5, 4, 1)
    assert rows(db, "select order_id, amount from orders order by order_id") == [
        ("M1", Decimal("12.50")), ("M2", Decimal("1234.50")), ("M3", Decimal("12.50")), ("M4", Decimal("99.90")),
    ]
    assert quarantined(db) == [(6, "amount", "about ten", "not a number: this file writes amounts like 1.234,50")]


def test_utf16_excel_unicode_text_keeps_persian_russian_and_japanese_intact(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "survey_utf16_excel_unicode_text.txt")
    assert result.dialect == "utf-16, tab-separated"
    assert rows(db, "select response_id, recommend_score, comment from survey_responses order by 1") == [
        ("U1", 9, "خیلی خوب بود، ممنون"), ("U2", 3, "Доставка опоздала на неделю"), ("U3", 10, "日本語も大丈夫"),
    ]


def test_windows_1252_is_told_from_its_bytes(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "customers_cp1252_french.csv")
    assert result.dialect == "cp1252, semicolon-separated"
    assert rows(db, "select region, extra->>'ville' from customers order by customer_id") == [
        ("Île-de-France", "Créteil"), ("Provence-Alpes-Côte d'Azur", "Nîmes"), ("Grand Est", "Sélestat"),
    ]


def test_windows_1251_is_told_from_its_bytes(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "complaints_cp1251_russian.csv")
    assert result.dialect == "cp1251, comma-separated"
    assert rows(db, "select complaint_id, channel, category, status from complaints order by 1") == [
        ("R1", "телефон", "Доставка", "решена"), ("R2", "почта", "Оплата", "открыта"),
        ("R3", "чат", "Качество товара", "открыта"),
    ]


def test_a_file_that_is_utf8_for_a_megabyte_then_windows_1252_is_read_as_windows_1252(tmp_path):
    """The sniffer reads the first MiB; DuckDB finds the first non-UTF-8 byte later and the file is re-read."""
    path = tmp_path / "customers_late_accents.csv"
    plain = "".join(f"L{i},2025-01-01,EMEA,Consumer\n" for i in range(40_000))  # about 1.2 MB of ASCII
    path.write_bytes(("customer_id,created_at,region,segment\n" + plain + "L-last,2025-01-02,Région Sud,Société\n")
                     .encode("cp1252"))
    result, db = load_one(tmp_path, path)
    assert (result.dialect, result.rows_inserted) == ("cp1252, comma-separated", 40_001)
    assert rows(db, "select region, segment from customers where customer_id = 'L-last'") == [("Région Sud", "Société")]


def test_a_late_windows_1252_byte_met_while_deciding_the_date_order_rereads_the_file_as_windows_1252(tmp_path):
    """US dates make prepare() read the whole file for the day/month order before the load does: whichever
    meets the byte, the file is re-read as Windows-1252."""
    path = tmp_path / "orders_late_accents.csv"
    plain = "".join(f"L{i},C1,4/13/2026 9:05 AM,10.00,web,completed\n" for i in range(25_000))  # ~1.1 MB
    path.write_bytes(("order_id,customer_id,ordered_at,amount,channel,status\n" + plain
                      + "L-last,C2,4/14/2026 2:00 PM,20.00,boutique café,completed\n").encode("cp1252"))
    result, db = load_one(tmp_path, path)
    assert (result.dialect, result.rows_inserted) == ("cp1252, comma-separated", 25_001)
    assert rows(db, "select ordered_at, channel from orders where order_id = 'L-last'") == [
        (datetime(2026, 4, 14, 14, 0), "boutique café"),
    ]


# ------------------------------------------------------------------------------------ delimiters
def test_pipe_delimited(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "orders_pipe_delimited.csv")
    assert result.dialect == "utf-8, pipe-separated"
    assert rows(db, "select order_id, status from orders order by 1") == [("P1", "completed"), ("P2", "cancelled")]


def test_the_delimiter_is_decided_from_many_lines_not_from_semicolons_in_the_text(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "survey_commas_with_semicolons_in_text.csv")
    assert result.dialect == "utf-8, comma-separated"
    assert rows(db, "select comment from survey_responses order by response_id") == [
        ("fast; friendly; cheap",), ("slow;\tlate",), ("fine",),
    ]


def test_quoted_fields_keep_their_line_breaks_commas_and_quotes(tmp_path):
    _, db = load_one(tmp_path, HOSTILE / "survey_quoted_newlines.csv")
    assert rows(db, "select comment from survey_responses where response_id = 'Q1'") == [
        ('Line one\nline two, with a comma\nand "quotes"',),
    ]


# ----------------------------------------------------------------------------------------- dates
def test_day_first_dates_are_decided_from_a_day_above_12_and_bad_ones_quarantined(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "complaints_day_first.csv")
    assert rows(db, "select complaint_id, created_at, first_response_at, resolved_at from complaints order by 1") == [
        ("D1", datetime(2026, 4, 3, 9, 0), datetime(2026, 4, 3, 11, 30), datetime(2026, 4, 5, 10, 0)),
        ("D2", datetime(2026, 3, 25, 14, 0), datetime(2026, 3, 25, 14, 20), None),
    ]
    assert quarantined(db) == [(4, "created_at", "31/02/2026 08:00",
                                "not a date: this file writes dates day first, e.g. 31/03/2026 or 31/03/2026 14:05")]
    assert result.rows_quarantined == 1


def test_us_month_first_dates_with_a_12_hour_clock(tmp_path):
    _, db = load_one(tmp_path, HOSTILE / "orders_month_first_us.csv")
    assert rows(db, "select order_id, ordered_at from orders order by 1") == [
        ("A1", datetime(2026, 3, 4, 9, 5)), ("A2", datetime(2025, 12, 31, 23, 59)),
        ("A3", datetime(2026, 4, 13, 14, 0)),
    ]


def test_ambiguous_dates_are_refused_not_guessed(tmp_path):
    message = refusal_of(tmp_path, HOSTILE / "orders_ambiguous_dates.csv")
    assert message.startswith("orders_ambiguous_dates.csv: the order of day and month in its dates (ordered_at) "
                              "cannot be told: no date has a number above 12")
    assert 'date_order = "day-first" or "month-first"' in message


def test_ambiguous_dates_load_when_a_mapping_states_the_order(tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[[format]]\nname = "our ERP orders"\ntable = "orders"\ndate_order = "day-first"\n'
        'requires = ["order_id", "ordered_at"]\n'
        'columns.order_id = ["order_id"]\ncolumns.ordered_at = ["ordered_at"]\ncolumns.customer_id = ["customer_id"]\n'
        'columns.amount = ["amount"]\ncolumns.channel = ["channel"]\ncolumns.status = ["status"]\n',
        encoding="utf-8",
    )
    result, db = load_one(tmp_path, HOSTILE / "orders_ambiguous_dates.csv", mapping=mapping)
    assert result.export_format == "our ERP orders"
    assert rows(db, "select order_id, ordered_at from orders order by 1") == [
        ("B1", datetime(2026, 4, 3)), ("B2", datetime(2026, 6, 5)),
    ]


def test_a_file_mixing_day_first_and_month_first_is_refused(tmp_path):
    assert "mix day-first and month-first" in refusal_of(tmp_path, HOSTILE / "orders_mixed_date_orders.csv")


def test_time_zones_are_converted_to_utc_whatever_their_notation(tmp_path):
    """Z1 was answered at 08:00 UTC (10:00+02:00), before it was raised at 09:00 UTC: quarantined."""
    _, db = load_one(tmp_path, HOSTILE / "complaints_time_zones.csv")
    assert rows(db, "select complaint_id, created_at, first_response_at from complaints") == [
        ("Z2", datetime(2026, 4, 1, 13, 0), datetime(2026, 4, 1, 15, 0)),
    ]
    assert quarantined(db) == [(2, "first_response_at", "2026-04-01T10:00:00+02:00",
                                "first_response_at is before created_at")]


# ---------------------------------------------------------------------------------------- digits
def test_persian_digits_are_read_as_numbers_and_a_solar_hijri_year_is_quarantined(tmp_path):
    _, db = load_one(tmp_path, HOSTILE / "survey_persian_digits.csv")
    assert rows(db, "select response_id, responded_at, recommend_score, trust_score, comment, channel "
                    "from survey_responses order by 1") == [
        ("P1", datetime(2026, 5, 1, 10, 0), 9, 5, "عالی بود", "وب"),
        ("P2", datetime(2026, 5, 2), 10, 4, "خوب", "اپ"),
    ]
    [(row, column, value, reason)] = quarantined(db)
    assert (row, column, value) == (4, "responded_at", "۱۴۰۵-۰۲-۱۱")
    assert reason.startswith("before 1970: not a plausible date") and "Solar Hijri" in reason


def test_arabic_indic_digits_and_decimal_separator(tmp_path):
    _, db = load_one(tmp_path, HOSTILE / "orders_arabic_indic_digits.csv")
    assert rows(db, "select order_id, ordered_at, amount, channel from orders order by 1") == [
        ("E1", datetime(2026, 3, 15), Decimal("125.50"), "متجر"),
        ("E2", datetime(2026, 3, 16), Decimal("99.00"), "ويب"),
    ]


# ---------------------------------------------------------------------------------- Excel & damage
def test_excel_trailing_empty_columns_and_rows_are_ignored(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "customers_excel_trailing_empties.csv")
    assert (result.rows_read, result.rows_inserted, result.rows_quarantined) == (2, 2, 0)
    assert rows(db, "select customer_id, region, extra from customers order by 1") == [
        ("T1", "EMEA", '{"column 5":null,"column 6":null,"column 7":null}'),
        ("T2", "APAC", '{"column 5":null,"column 6":null,"column 7":null}'),
    ]


def test_a_file_cut_off_mid_row_is_refused_naming_the_line(tmp_path):
    assert refusal_of(tmp_path, HOSTILE / "orders_truncated_mid_row.csv") == (
        "orders_truncated_mid_row.csv: refused, nothing was changed: it ends in the middle of a row "
        "(line 4 has 3 of 6 fields): the file looks cut short; export or download it again"
    )


def test_a_file_cut_off_inside_a_quoted_value_is_refused(tmp_path):
    assert refusal_of(tmp_path, HOSTILE / "survey_truncated_in_quotes.csv") == (
        "survey_truncated_in_quotes.csv: refused, nothing was changed: a quoted value starting on line 3 never "
        "ends: the file looks cut short (the download or export stopped); export it again"
    )


def test_a_header_only_file_loads_nothing_and_says_so(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "orders_header_only.csv")
    assert (result.table, result.rows_read, result.rows_inserted) == ("orders", 0, 0)
    assert rows(db, "select count(*) from orders") == [(0,)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty.csv: is empty; a CSV file needs a header row"),
        ("workbook_saved_as.csv", "workbook_saved_as.csv: is an Excel workbook or other ZIP archive (.xlsx); "
                                  "save it as CSV, not a CSV text file"),
        ("orders_and_complaints_in_one.csv", "orders_and_complaints_in_one.csv: its header fits complaints and "
                                             "orders; split it into one file per table"),
    ],
)
def test_files_that_are_not_one_export_are_refused(tmp_path, name, message):
    assert refusal_of(tmp_path, HOSTILE / name) == message


def test_a_key_repeated_within_one_file_keeps_its_last_row_and_quarantines_the_other_version(tmp_path):
    result, db = load_one(tmp_path, HOSTILE / "orders_duplicate_keys.csv")
    assert (result.rows_read, result.rows_inserted, result.rows_quarantined, result.exact_repeats) == (3, 2, 1, 0)
    assert quarantined(db) == [
        (2, "order_id", "DK1", "the same order_id as row 4, with other values: row 4, the later, is kept"),
    ]
    assert rows(db, "select order_id, status from orders order by 1") == [("DK1", "cancelled"), ("DK2", "completed")]


def test_overlapping_exports_upsert_by_key_and_the_newer_export_wins(tmp_path):
    db = tmp_path / "w.duckdb"
    results, _ = ingest_paths(db, [HOSTILE / "orders_2026_jan_mar.csv", HOSTILE / "orders_2026_feb_apr.csv"])
    assert [(r.rows_inserted, r.rows_updated) for r in results] == [(3, 0), (1, 2)]
    assert rows(db, "select order_id, status from orders order by ordered_at") == [
        ("O-JAN", "completed"), ("O-FEB", "cancelled"), ("O-MAR", "completed"), ("O-APR", "completed"),
    ]


def test_the_same_file_twice_changes_nothing_and_says_so(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest_paths(db, [HOSTILE / "orders_2026_jan_mar.csv"])
    before = snapshot(db)
    copy = tmp_path / "renamed_copy.csv"
    copy.write_bytes((HOSTILE / "orders_2026_jan_mar.csv").read_bytes())
    [result], refusals = ingest_paths(db, [copy])
    assert refusals == []
    assert result.summary().startswith(
        "renamed_copy.csv: already loaded (the same bytes were loaded as orders_2026_jan_mar.csv into orders on "
    )
    assert result.summary().endswith("); nothing changed")
    assert snapshot(db) == before


# -------------------------------------------------------------------------------- vendor exports
def test_shopify_orders_fold_line_items_and_mark_cancelled_orders(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "shopify_orders_export.csv")
    assert (result.export_format, result.rows_read, result.rows_inserted, result.line_item_rows) == (
        "Shopify orders", 4, 3, 1)
    assert rows(db, "select order_id, customer_id, ordered_at, amount, channel, status from orders order by 1") == [
        ("#1001", "ana@example.com", datetime(2026, 4, 3, 18, 5), Decimal("59.40"), "web", "paid"),
        ("#1002", "ben@example.com", datetime(2026, 4, 4, 12, 59), Decimal("15.00"), "pos", "cancelled"),
        ("#1003", "ana@example.com", datetime(2026, 4, 7, 0, 15), Decimal("8.00"), "web", "pending"),
    ]


def test_shopify_customers_are_keyed_by_email_like_shopify_orders(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "shopify_customers_export.csv")
    assert result.export_format == "Shopify customers"
    assert rows(db, "select customer_id, region, extra->>'Customer ID' from customers order by 1") == [
        ("ana@example.com", "US", "'7012345678901"), ("ben@example.com", "GB", "'7012345678902"),
    ]


def test_hubspot_contacts(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "hubspot_contacts_export.csv")
    assert result.export_format == "HubSpot contacts"
    assert rows(db, "select customer_id, created_at, region, segment from customers order by 1") == [
        ("51", datetime(2025, 11, 2, 10, 14), "United States", "customer"),
        ("52", datetime(2026, 1, 15, 8, 0), "United Kingdom", "lead"),
    ]


def test_hubspot_deals_a_lost_deal_is_cancelled(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "hubspot_deals_export.csv")
    assert result.export_format == "HubSpot deals"
    assert rows(db, "select order_id, customer_id, ordered_at, amount, status from orders order by 1") == [
        ("9001", "51", datetime(2026, 3, 15, 12, 0), Decimal("1200.00"), "completed"),
        ("9002", "52", datetime(2026, 3, 20, 12, 0), Decimal("800.00"), "cancelled"),
        ("9003", "51", datetime(2026, 4, 30, 12, 0), Decimal("300.00"), "Contract Sent"),
    ]


def test_salesforce_cases_report_with_us_dates_and_closed_as_resolved(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "salesforce_cases_report.csv")
    assert result.export_format == "Salesforce cases (report)"
    assert rows(db, "select complaint_id, customer_id, created_at, resolved_at, channel, category, status "
                    "from complaints order by 1") == [
        ("00001026", "Ana Silva", datetime(2026, 4, 14, 9, 5), datetime(2026, 4, 15, 15, 30), "Phone", "Problem",
         "resolved"),
        ("00001027", "Ben Okoro", datetime(2026, 4, 20, 11, 45), None, "Email", "Question", "open"),
    ]


def test_a_salesforce_report_footer_is_left_out_and_said_so(tmp_path):
    """Export Details ends with a blank line, Grand Totals, Confidential Information and Copyright lines."""
    result, db = load_one(tmp_path, EXPORTS / "salesforce_cases_report_with_footer.csv")
    assert result.export_format == "Salesforce cases (report)"
    assert result.dialect == "utf-8, comma-separated, report footer of 3 lines left out"
    assert (result.rows_read, result.rows_inserted, result.rows_quarantined) == (2, 2, 0)
    assert rows(db, "select complaint_id, customer_id, created_at, resolved_at, status from complaints order by 1") == [
        ("00001026", "Ana Silva", datetime(2026, 4, 14, 9, 5), datetime(2026, 4, 15, 15, 30), "resolved"),
        ("00001027", "Ben Okoro", datetime(2026, 4, 20, 11, 45), None, "open"),
    ]
    assert "report footer of 3 lines left out" in result.summary()
    # The archive keeps the file as it came, footer included (a rebuild leaves it out again).
    [archived] = archive_store.default_archive_dir(db).glob("*.csv")
    assert archived.read_bytes() == (EXPORTS / "salesforce_cases_report_with_footer.csv").read_bytes()


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_a_salesforce_report_footer_is_left_out_of_a_file_read_from_a_utf8_copy(tmp_path, encoding):
    path = tmp_path / "cases_footer.csv"
    text = (EXPORTS / "salesforce_cases_report_with_footer.csv").read_text(encoding="utf-8")
    path.write_bytes(text.replace("Okoro Ltd", "Okoro Société").replace("\n", "\r\n").encode(encoding))
    result, db = load_one(tmp_path, path)
    assert result.dialect == f"{encoding}, comma-separated, report footer of 3 lines left out"
    assert rows(db, "select complaint_id, extra->>'Account Name' from complaints order by 1") == [
        ("00001026", "Silva Inc"), ("00001027", "Okoro Société"),
    ]


def test_a_salesforce_report_cut_off_after_a_blank_line_is_still_refused_as_cut_short(tmp_path):
    """A lone field after a blank line is the start of a record, not a footer: nothing is dropped."""
    path = tmp_path / "cases_cut.csv"
    path.write_text((EXPORTS / "salesforce_cases_report.csv").read_text(encoding="utf-8") + '\n"00001028"\n',
                    encoding="utf-8")
    assert refusal_of(tmp_path, path) == (
        "cases_cut.csv: refused, nothing was changed: it ends in the middle of a row "
        "(line 5 has 1 of 12 fields): the file looks cut short; export or download it again"
    )


def test_a_footer_like_block_without_its_blank_line_is_not_left_out(tmp_path):
    """Footer lines straight after the rows (no blank line) are not the report footer's shape."""
    path = tmp_path / "cases_no_blank.csv"
    path.write_text((EXPORTS / "salesforce_cases_report.csv").read_text(encoding="utf-8")
                    + '"Grand Totals (2 records)"\n', encoding="utf-8")
    assert "refused, nothing was changed: it ends in the middle of a row (line 4 has 1 of 12 fields)" in (
        refusal_of(tmp_path, path))


def test_a_broken_line_met_while_deciding_the_date_order_is_refused_naming_the_line(tmp_path):
    """The day/month pass reads the whole file before the load: its DuckDB errors are explained too."""
    path = tmp_path / "cases_extra_field.csv"
    lines = (EXPORTS / "salesforce_cases_report.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace('"Parcel damaged"', '"Parcel", "damaged"')
    path.write_text("".join(lines), encoding="utf-8")
    assert refusal_of(tmp_path, path) == (
        "cases_extra_field.csv: refused, nothing was changed: line 2 has 13 fields where the header has 12 "
        "(an unquoted delimiter inside a value?)"
    )


def test_salesforce_cases_data_export_with_api_names_and_utc_dates(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "salesforce_cases_data_export.csv")
    assert result.export_format == "Salesforce cases (data export)"
    assert rows(db, "select complaint_id, customer_id, created_at, resolved_at, channel, category, status "
                    "from complaints order by 1") == [
        ("00001026", "0035g00000XyZ1AAAM", datetime(2026, 4, 14, 13, 5), datetime(2026, 4, 15, 19, 30), "Phone",
         "Problem", "resolved"),
        ("00001027", "0035g00000XyZ2AAAM", datetime(2026, 4, 20, 15, 45), None, "Email", "Question", "open"),
    ]


def test_zendesk_tickets_first_reply_from_minutes_and_solved_as_resolved(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "zendesk_tickets_export.csv")
    assert result.export_format == "Zendesk tickets"
    assert rows(db, "select complaint_id, customer_id, created_at, first_response_at, resolved_at, channel, status "
                    "from complaints order by 1") == [
        ("4711", "380011", datetime(2026, 4, 10, 9, 0), datetime(2026, 4, 10, 10, 30), datetime(2026, 4, 11, 10, 0),
         "Web Form", "resolved"),
        ("4712", "380012", datetime(2026, 4, 12, 14, 30), None, None, "Email", "open"),
    ]


def test_freshdesk_tickets(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "freshdesk_tickets_export.csv")
    assert result.export_format == "Freshdesk tickets"
    assert rows(db, "select complaint_id, customer_id, created_at, first_response_at, resolved_at, status "
                    "from complaints order by 1") == [
        ("101", "61000001", datetime(2026, 4, 2, 8, 0), datetime(2026, 4, 2, 8, 45), datetime(2026, 4, 2, 16, 0),
         "resolved"),
        ("102", "61000002", datetime(2026, 4, 5, 10, 0), datetime(2026, 4, 5, 12, 0), None, "open"),
    ]


def test_qualtrics_three_header_rows_and_the_recommend_question_found_by_its_text(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "qualtrics_responses_export.csv")
    assert result.export_format == "Qualtrics responses"
    assert rows(db, "select response_id, customer_id, responded_at, recommend_score, trust_score, comment, channel "
                    "from survey_responses order by 1") == [
        ("R_1abcDEFghiJKL01", "C1", datetime(2026, 5, 4, 10, 2, 12), 9, 5, "Quick delivery", "email"),
        ("R_1abcDEFghiJKL02", "C2", datetime(2026, 5, 5, 11, 1, 1), 4, 2, "Late, and nobody answered", "anonymous"),
    ]
    # Row numbers count the three header rows, as the spreadsheet shows them.
    assert quarantined(db) == [(6, "recommend_score", "11", "not a whole number from 0 to 10")]


def test_surveymonkey_two_header_rows_and_us_dates(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "surveymonkey_responses_export.csv")
    assert result.export_format == "SurveyMonkey responses"
    assert rows(db, "select response_id, customer_id, responded_at, recommend_score, csat_score, comment "
                    "from survey_responses order by 1") == [
        ("114288001234", "C1", datetime(2026, 4, 13, 14, 7, 40), 10, 5, "Great service"),
        ("114288001235", "C2", datetime(2026, 4, 14, 9, 1, 5), 6, 3, None),
    ]


def test_typeform_responses(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "typeform_responses_export.csv")
    assert result.export_format == "Typeform responses"
    assert rows(db, "select response_id, customer_id, responded_at, recommend_score, csat_score, comment "
                    "from survey_responses order by 1") == [
        ("a1b2c3d4e5f6g7h8i9j0", "ana@example.com", datetime(2026, 5, 10, 8, 1, 30), 8, 4, "Good"),
        ("k1l2m3n4o5p6q7r8s9t0", "ben@example.com", datetime(2026, 5, 11, 9, 2), 2, 1, "Slow"),
    ]


def test_google_forms_has_no_id_so_the_row_is_its_key_and_reloading_it_adds_nothing(tmp_path):
    result, db = load_one(tmp_path, EXPORTS / "google_forms_responses.csv")
    assert result.export_format == "Google Forms / spreadsheet survey"
    assert rows(db, "select customer_id, responded_at, recommend_score, csat_score, comment "
                    "from survey_responses order by 2") == [
        ("ana@example.com", datetime(2026, 4, 13, 14, 5, 11), 9, 5, "Lovely"),
        ("ben@example.com", datetime(2026, 4, 14, 9, 30, 2), 3, 2, None),
    ]
    # A later download of the same form holds the same answers plus new ones: no answer is doubled.
    later = tmp_path / "google_forms_later.csv"
    later.write_text((EXPORTS / "google_forms_responses.csv").read_text(encoding="utf-8")
                     + "4/20/2026 10:00:00,cy@example.com,10,5,New\n", encoding="utf-8")
    [again], _ = ingest_paths(db, [later])
    assert (again.rows_inserted, again.rows_updated) == (1, 2)
    assert rows(db, "select count(*) from survey_responses") == [(3,)]


def test_google_forms_download_gmt_offsets_are_read_as_utc(tmp_path):
    """Google Forms' own download writes '2026/09/27 3:00:00 PM GMT+3': 3 PM at UTC+3 is 12:00 UTC."""
    result, db = load_one(tmp_path, EXPORTS / "google_forms_download_gmt.csv")
    assert result.export_format == "Google Forms / spreadsheet survey"
    assert rows(db, "select customer_id, responded_at, recommend_score, csat_score, comment "
                    "from survey_responses order by 2") == [
        ("ana@example.com", datetime(2026, 9, 27, 12, 0), 9, 5, "Lovely"),
        ("ben@example.com", datetime(2026, 9, 28, 6, 15, 30), 3, 2, None),
        ("cy@example.com", datetime(2026, 9, 28, 21, 5), 10, 4, "Fast, friendly"),  # 12:05 AM: the day before
    ]
    assert quarantined(db) == []


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026/09/27 3:00:00 PM GMT-5", datetime(2026, 9, 27, 20, 0)),
        ("2026/09/27 3:00:00 PM GMT+5:30", datetime(2026, 9, 27, 9, 30)),
        ("2026/09/27 3:00:00 PM GMT", datetime(2026, 9, 27, 15, 0)),
        ("2026/09/27 11:00:00 AM GMT-10", datetime(2026, 9, 27, 21, 0)),
        ("2026/09/27 15:00:00 GMT+3", datetime(2026, 9, 27, 12, 0)),
        ("2026/09/27 3:00:00 PM GMT+03:00", datetime(2026, 9, 27, 12, 0)),
        ("27/09/2026 3:00:00 PM GMT+3", datetime(2026, 9, 27, 12, 0)),  # a day-first locale
    ],
)
def test_google_forms_download_every_gmt_offset_notation_is_read_as_utc(tmp_path, written, utc):
    path = tmp_path / "form.csv"
    path.write_text(f"Timestamp,Email Address,How likely are you to recommend us?\n{written},ana@example.com,8\n",
                    encoding="utf-8")
    _, db = load_one(tmp_path, path)
    assert rows(db, "select responded_at, recommend_score from survey_responses") == [(utc, 8)]


# ------------------------------------------------------------------------------------- real data
def test_olist_orders_customers_and_reviews(tmp_path):
    db = tmp_path / "w.duckdb"
    results, refusals = ingest_paths(db, [REALDATA / name for name in (
        "olist_customers_dataset.csv", "olist_orders_dataset.csv", "olist_order_reviews_dataset.csv")])
    assert refusals == []
    assert [(r.export_format, r.rows_inserted, r.rows_quarantined) for r in results] == [
        ("Olist customers", 40, 0), ("Olist orders", 40, 0), ("Olist order reviews", 40, 0),
    ]
    assert rows(db, "select order_id, customer_id, ordered_at, status from orders "
                    "where order_id = 'a4591c265e18cb1dcee52889e2d8acc3'") == [
        ("a4591c265e18cb1dcee52889e2d8acc3", "503740e9ca751ccdda7ba28e9ab8f608", datetime(2017, 7, 9, 21, 57, 5),
         "delivered")]
    # Every order's customer is known, so region filters keep every order.
    assert rows(db, "select count(*) from orders join customers using (customer_id)") == [(40,)]
    assert rows(db, "select count(*) from survey_responses where csat_score between 1 and 5") == [(40,)]


def test_cfpb_complaints_us_dates_and_in_progress_as_open(tmp_path):
    result, db = load_one(tmp_path, REALDATA / "Consumer_Complaints.csv")
    assert (result.export_format, result.rows_inserted) == ("CFPB consumer complaints", 40)
    assert rows(db, "select complaint_id, created_at, channel, category, status from complaints "
                    "where complaint_id in ('2105582', '2105601') order by 1") == [
        ("2105582", datetime(2016, 9, 12), "Web", "Credit reporting", "open"),
        ("2105601", datetime(2016, 9, 12), "Web", "Debt collection", "resolved"),
    ]
    # What the canonical columns do not hold is kept with its original header.
    extra = json.loads(rows(db, "select extra from complaints where complaint_id = '2105601'")[0][0])
    assert (extra["Company"], extra["Date sent to company"]) == ("First Federal Credit Control", "09/14/2016")


def test_a_french_google_form_with_only_ambiguous_dates_is_refused_then_loads_with_a_mapping(tmp_path):
    message = refusal_of(tmp_path, REALDATA / "perso.csv")
    assert "perso.csv: the order of day and month in its dates (responded_at) cannot be told" in message
    result, db = load_one(tmp_path, REALDATA / "perso.csv", mapping=REALDATA / "google_form_day_first.toml")
    assert (result.export_format, result.rows_inserted, result.rows_quarantined) == (
        "Brand survey (Google Forms, French)", 30, 0)
    assert rows(db, "select min(responded_at), max(responded_at) from survey_responses") == [(MIN_PERSO, MAX_PERSO)]
    [(first, score, brand)] = rows(db, "select responded_at, recommend_score, extra->>'Marque' from survey_responses "
                                       "order by responded_at limit 1")
    assert (first, score, brand) == (datetime(2021, 11, 8, 17, 5, 47), 8, "Chanel")
