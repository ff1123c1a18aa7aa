"""Writes the hostile files in this folder (run it to regenerate them; they are committed as bytes).

Each file is what some tool or person really sends; tests/test_formats.py says how each must load.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (HERE / name).write_bytes(text.replace("\n", newline).encode(encoding))


def main() -> None:
    # Excel (European locale) "CSV UTF-8": BOM, semicolons, decimal commas, thousands dots.
    write("orders_utf8_bom_semicolon_decimal_comma.csv",
          "\ufefforder_id;customer_id;ordered_at;amount;channel;status\n"
          "S1;C1;2026-03-01;12,50;web;completed\n"
          "S2;C2;2026-03-02;1.234,75;store;completed\n"
          "S3;C3;2026-03-03;-3,10;app;refunded\n", newline="\r\n")
    # Amounts as shop exports write them: currency signs and codes, a space between thousands, a word.
    write("orders_currency_signs_decimal_comma.csv",
          "order_id;customer_id;ordered_at;amount;channel;status\n"
          "M1;C1;2026-03-01;R$ 12,50;web;completed\n"
          "M2;C2;2026-03-02;1 234,50 €;store;completed\n"
          "M3;C3;2026-03-03;12,50 EUR;app;completed\n"
          "M4;C4;2026-03-04;99,90;web;completed\n"
          "M5;C5;2026-03-05;about ten;web;completed\n")
    # Excel "Unicode text": UTF-16 LE with BOM, tab-separated; Persian and Russian comments kept intact.
    write("survey_utf16_excel_unicode_text.txt",
          "\ufeffresponse_id\tcustomer_id\tresponded_at\trecommend_score\ttrust_score\tcsat_score\tcomment\tchannel\n"
          "U1\tC1\t2026-05-01 09:00:00\t9\t5\t4\tخیلی خوب بود، ممنون\temail\n"
          "U2\tC2\t2026-05-02 10:30:00\t3\t2\t1\tДоставка опоздала на неделю\tweb\n"
          "U3\tC3\t2026-05-03 11:00:00\t10\t\t\t日本語も大丈夫\tapp\n", encoding="utf-16-le", newline="\r\n")
    # Windows-1252, French text, semicolons (Excel "CSV (separator: semicolon)" in France).
    write("customers_cp1252_french.csv",
          "customer_id;created_at;region;segment;ville\n"
          "F1;2025-01-10;Île-de-France;Entreprise;Créteil\n"
          "F2;2025-02-11;Provence-Alpes-Côte d'Azur;Particulier;Nîmes\n"
          "F3;2025-03-12;Grand Est;Particulier;Sélestat\n", encoding="cp1252", newline="\r\n")
    # Windows-1251, Russian text, commas.
    write("complaints_cp1251_russian.csv",
          "complaint_id,customer_id,created_at,first_response_at,resolved_at,channel,category,status\n"
          "R1,C1,2026-04-01 09:00,2026-04-01 10:30,2026-04-02 09:00,телефон,Доставка,решена\n"
          "R2,C2,2026-04-02 12:00,2026-04-02 12:45,,почта,Оплата,открыта\n"
          "R3,C3,2026-04-03 08:00,,,чат,Качество товара,открыта\n", encoding="cp1251", newline="\r\n")
    write("orders_pipe_delimited.csv",
          "order_id|customer_id|ordered_at|amount|channel|status\n"
          "P1|C1|2026-02-01 10:00:00|10.00|web|completed\n"
          "P2|C1|2026-02-02 11:00:00|20.00|web|cancelled\n")
    # A comma file whose comments hold semicolons and tabs: many lines, not one, decide the delimiter.
    write("survey_commas_with_semicolons_in_text.csv",
          "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
          "M1,C1,2026-05-01,8,4,4,\"fast; friendly; cheap\",web\n"
          "M2,C2,2026-05-02,6,3,3,slow;\tlate,web\n"
          "M3,C3,2026-05-03,9,5,5,fine,app\n")
    # Day-first dates with times (one row has a day above 12, which settles the order).
    write("complaints_day_first.csv",
          "complaint_id,customer_id,created_at,first_response_at,resolved_at,channel,category,status\n"
          "D1,C1,03/04/2026 09:00,03/04/2026 11:30,05/04/2026 10:00,phone,delivery,resolved\n"
          "D2,C2,25/03/2026 14:00,25/03/2026 14:20,,web,billing,open\n"
          "D3,C3,31/02/2026 08:00,,,web,billing,open\n")
    # US dates, 12-hour clock.
    write("orders_month_first_us.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "A1,C1,3/4/2026 9:05 AM,10.00,web,completed\n"
          "A2,C2,12/31/2025 11:59 PM,20.00,web,completed\n"
          "A3,C3,4/13/2026 2:00:00 PM,30.00,store,completed\n")
    # Every date could be either: refused unless a mapping states the order.
    write("orders_ambiguous_dates.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "B1,C1,03/04/2026,10.00,web,completed\n"
          "B2,C2,05/06/2026,20.00,web,completed\n")
    write("orders_mixed_date_orders.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "X1,C1,25/03/2026,10.00,web,completed\n"
          "X2,C2,03/25/2026,20.00,web,completed\n")
    # Persian digits in dates and scores; one date in the Persian (Solar Hijri) calendar.
    write("survey_persian_digits.csv",
          "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
          "P1,C1,۲۰۲۶-۰۵-۰۱ ۱۰:۰۰:۰۰,۹,۵,۴,عالی بود,وب\n"
          "P2,C2,۲۰۲۶-۰۵-۰۲,۱۰,۴,۵,خوب,اپ\n"
          "P3,C3,۱۴۰۵-۰۲-۱۱,۷,۳,۳,تاریخ شمسی,وب\n")
    # Arabic-Indic digits and the Arabic decimal separator in amounts.
    write("orders_arabic_indic_digits.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "E1,C1,٢٠٢٦-٠٣-١٥,١٢٥٫٥٠,متجر,completed\n"
          "E2,C2,٢٠٢٦-٠٣-١٦,٩٩,ويب,completed\n")
    # Excel: CRLF, trailing empty columns in the header and every row, trailing empty rows.
    write("customers_excel_trailing_empties.csv",
          "customer_id,created_at,region,segment,,,\n"
          "T1,2025-01-10,EMEA,Consumer,,,\n"
          "T2,2025-02-10,APAC,SMB,,,\n"
          ",,,,,,\n"
          ",,,,,,\n"
          "\n", newline="\r\n")
    write("survey_quoted_newlines.csv",
          "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
          'Q1,C1,2026-05-01,9,5,5,"Line one\nline two, with a comma\nand ""quotes""",web\n'
          "Q2,C2,2026-05-02,2,1,1,plain,web\n")
    write("complaints_time_zones.csv",
          "complaint_id,customer_id,created_at,first_response_at,resolved_at,channel,category,status\n"
          "Z1,C1,2026-04-01T09:00:00Z,2026-04-01T10:00:00+02:00,,web,delivery,open\n"
          "Z2,C2,2026-04-01 09:00:00 -0400,2026-04-01 15:00:00 +0000,,web,delivery,open\n")
    # Cut off mid-row (a download that stopped), and inside a quoted field.
    write("orders_truncated_mid_row.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "K1,C1,2026-02-01,10.00,web,completed\n"
          "K2,C2,2026-02-02,20.00,web,completed\n"
          "K3,C3,2026-02-0")
    write("survey_truncated_in_quotes.csv",
          "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
          "V1,C1,2026-05-01,9,5,5,fine,web\n"
          'V2,C2,2026-05-02,2,1,1,"the delivery never')
    write("orders_header_only.csv", "order_id,customer_id,ordered_at,amount,channel,status\n")
    write("empty.csv", "")
    (HERE / "workbook_saved_as.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(64))
    write("orders_duplicate_keys.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "DK1,C1,2026-02-01,10.00,web,completed\n"
          "DK2,C2,2026-02-02,20.00,web,completed\n"
          "DK1,C1,2026-02-01,10.00,web,cancelled\n")
    write("orders_and_complaints_in_one.csv",
          "order_id,customer_id,ordered_at,amount,channel,status,complaint_id,created_at\n"
          "O1,C1,2026-02-01,10.00,web,completed,K1,2026-02-03\n")
    # Overlapping exports: January-March, then February-April (O-FEB changed status in between).
    write("orders_2026_jan_mar.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "O-JAN,C1,2026-01-15,10.00,web,completed\n"
          "O-FEB,C2,2026-02-15,20.00,web,completed\n"
          "O-MAR,C3,2026-03-15,30.00,web,completed\n")
    write("orders_2026_feb_apr.csv",
          "order_id,customer_id,ordered_at,amount,channel,status\n"
          "O-FEB,C2,2026-02-15,20.00,web,cancelled\n"
          "O-MAR,C3,2026-03-15,30.00,web,completed\n"
          "O-APR,C4,2026-04-15,40.00,web,completed\n")


if __name__ == "__main__":
    main()
