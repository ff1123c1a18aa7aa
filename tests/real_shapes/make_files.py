"""Writes the files in this folder (run it to regenerate them; they are committed as bytes).

Each is built to the shape of a real export that once loaded into wrong numbers (issue 13): a 1-10
satisfaction survey without ids, a French store survey typed on tills in Latin-1 and CP850, a
ServiceNow incident event log, a closed-ticket export without resolution times, purchase logs with
ISO basic dates (one comma-separated, one space-aligned without a header, as the CDNOW log), a
report lined up with spaces, an order log with a year typed wrong. tests/test_real_shapes.py says
how each must load and the KPI value that follows, worked out by hand.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

# A 1-10 satisfaction question asked in a Google Form without ids, dates only (so many lines repeat):
# (date, score, comment). Scores: 10 x4, 9 x4, 8 x8, 7 x8, 6 x4, 5 x4, 4 x2, 3 x2, 2 x2, 1 x2 = 40.
SURVEY_1_TO_10 = [
    ("2026-04-02", 10, "Great staff"), ("2026-04-02", 8, ""), ("2026-04-02", 8, ""), ("2026-04-02", 8, ""),
    ("2026-04-09", 9, ""), ("2026-04-09", 7, "N/A"), ("2026-04-09", 7, "N/A"), ("2026-04-09", 6, "Slow till"),
    ("2026-04-16", 5, "-"), ("2026-04-16", 1, "Never again"), ("2026-04-23", 10, ""), ("2026-04-23", 8, ""),
    ("2026-04-30", 7, ""), ("2026-04-30", 4, "Queue too long"), ("2026-05-07", 9, "Nice"), ("2026-05-07", 8, ""),
    ("2026-05-07", 8, ""), ("2026-05-14", 7, ""), ("2026-05-14", 7, ""), ("2026-05-14", 6, ""),
    ("2026-05-21", 3, "Rude"), ("2026-05-21", 5, ""), ("2026-05-28", 10, "Perfect"), ("2026-05-28", 8, ""),
    ("2026-06-04", 7, "NA"), ("2026-06-04", 7, ""), ("2026-06-04", 6, ""), ("2026-06-11", 2, "Broken item"),
    ("2026-06-11", 5, ""), ("2026-06-11", 4, ""), ("2026-06-18", 9, ""), ("2026-06-18", 8, ""),
    ("2026-06-18", 7, ""), ("2026-06-25", 3, ""), ("2026-06-25", 2, ""), ("2026-06-25", 1, "#N/A"),
    ("2026-06-30", 10, ""), ("2026-06-30", 9, ""), ("2026-06-30", 6, ""), ("2026-06-30", 5, ""),
]


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def main() -> None:
    lines = ["Timestamp,How satisfied are you with your visit? (1-10),Comments"]
    lines += [f"{day},{score},{comment}" for day, score, comment in SURVEY_1_TO_10]
    write("survey_satisfaction_1_to_10.csv", ("\n".join(lines) + "\n").encode())

    # A French store survey from tills that write Latin-1, and three that write CP850 (DOS): É is 0x90,
    # é 0x82, è 0x8A, ç 0x87 there. Semicolons, as French Excel writes.
    header = "response_id;customer_id;responded_at;recommend_score;trust_score;csat_score;comment;channel\r\n"
    latin1 = [
        "F01;C1;2026-05-02 10:00;10;5;5;Très bien, café excellent;magasin",
        "F02;C2;2026-05-03 11:00;9;4;4;Accueil chaleureux à Créteil;magasin",
        "F03;C3;2026-05-04 12:00;6;3;2;Prix élevés;magasin",
        "F04;C4;2026-05-05 13:00;8;4;4;Rien à signaler;magasin",
        "F05;C5;2026-05-06 14:00;3;2;1;Déçu, caissière pressée;magasin",
        "F06;C6;2026-05-07 15:00;10;5;5;Parfait, merci à l'équipe;magasin",
    ]
    dos = [
        "F07;C7;2026-05-08 16:00;9;5;4;Été parfait, très bon accueil;caisse DOS",
        "F08;C8;2026-05-09 17:00;7;4;3;Caissière très aimable;caisse DOS",
        "F09;C9;2026-05-10 18:00;2;1;1;Déçu par l'attente à la caisse;caisse DOS",
    ]
    data = header.encode("latin-1")
    data += "".join(line + "\r\n" for line in latin1[:4]).encode("latin-1")
    data += "".join(line + "\r\n" for line in dos[:2]).encode("cp850")
    data += "".join(line + "\r\n" for line in latin1[4:]).encode("latin-1")
    data += "".join(line + "\r\n" for line in dos[2:]).encode("cp850")
    write("survey_french_tills_latin1_and_cp850.csv", data)

    # ServiceNow's incident state log, as the public UCI "Incident management process enriched event
    # log": one row per change, its 36 columns, day-first dates without seconds, "?" for no value.
    columns = ("number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,"
               "opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,"
               "location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,"
               "assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,"
               "resolved_by,resolved_at,closed_at")
    events = [  # number, state, caller, opened_at, updated_at, contact_type, category
        ("INC0000001", "New", "Caller 11", "1/4/2026 08:30", "1/4/2026 09:00", "Phone", "Category 26"),
        ("INC0000001", "Active", "Caller 11", "1/4/2026 08:30", "1/4/2026 10:00", "Phone", "Category 26"),
        ("INC0000001", "Resolved", "Caller 11", "1/4/2026 08:30", "2/4/2026 09:00", "Phone", "Category 26"),
        ("INC0000001", "Closed", "Caller 11", "1/4/2026 08:30", "7/4/2026 09:00", "Phone", "Category 26"),
        ("INC0000002", "New", "Caller 12", "13/4/2026 10:00", "13/4/2026 10:00", "Email", "Category 40"),
        ("INC0000002", "Awaiting User Info", "Caller 12", "13/4/2026 10:00", "13/4/2026 14:00", "Email",
         "Category 40"),
        ("INC0000002", "Active", "Caller 12", "13/4/2026 10:00", "14/4/2026 09:00", "Email", "Category 40"),
        ("INC0000002", "Resolved", "Caller 12", "13/4/2026 10:00", "20/4/2026 10:00", "Email", "Category 40"),
        ("INC0000003", "New", "Caller 13", "15/4/2026 08:00", "15/4/2026 08:00", "Self service", "Category 26"),
        ("INC0000003", "Active", "Caller 13", "15/4/2026 08:00", "15/4/2026 08:30", "Self service", "Category 26"),
        ("INC0000003", "Resolved", "Caller 13", "15/4/2026 08:00", "15/4/2026 12:00", "Self service", "Category 26"),
        ("INC0000003", "Active", "Caller 13", "15/4/2026 08:00", "16/4/2026 09:00", "Self service", "Category 26"),
        ("INC0000003", "Resolved", "Caller 13", "15/4/2026 08:00", "17/4/2026 09:00", "Self service", "Category 26"),
        ("INC0000004", "New", "Caller 14", "20/4/2026 09:00", "20/4/2026 09:00", "Phone", "Category 9"),
        ("INC0000004", "Active", "?", "20/4/2026 09:00", "20/4/2026 11:00", "Phone", "Category 9"),
        ("INC0000005", "New", "Caller 15", "28/4/2026 16:00", "28/4/2026 16:00", "Phone", "?"),
    ]
    lines = [columns]
    for number, state, caller, opened, updated, contact, category in events:
        resolved = updated if state in ("Resolved", "Closed") else "?"
        lines.append(",".join([
            number, state, "true", "0", "0", "1", "true", caller, "Opener 1", opened, "Creator 1", opened,
            "Updater 1", updated, contact, "Location 143", category, "Subcategory 170", "Symptom 72", "?",
            "2 - Medium", "2 - Medium", "3 - Moderate", "Group 56", "?", "false", "false", "Do Not Notify", "?", "?",
            "?", "?", "?", "?", resolved, "?",
        ]))
    write("servicenow_incident_event_log.csv", ("\n".join(lines) + "\n").encode())

    # A helpdesk export of tickets that says "closed" but gives no resolution time.
    write("complaints_closed_without_resolution_times.csv", (
        b"complaint_id,customer_id,created_at,first_response_at,status,channel\n"
        b"T01,C1,2026-05-04 09:00,2026-05-04 10:00,closed,email\n"
        b"T02,C2,2026-05-05 09:00,2026-05-05 12:00,solved,email\n"
        b"T03,C3,2026-05-06 09:00,2026-05-06 11:00,resolved,phone\n"
        b"T04,C4,2026-05-07 09:00,2026-05-07 14:00,Closed,phone\n"
        b"T05,C5,2026-05-08 09:00,,closed,email\n"
        b"T06,C6,2026-05-11 09:00,,closed,chat\n"
        b"T07,C7,2026-05-28 09:00,2026-05-28 13:00,open,email\n"
        b"T08,C8,2026-05-29 09:00,2026-05-29 15:00,open,phone\n"
        b"T09,C9,2026-05-30 09:00,,open,chat\n"
        b"T10,C10,2026-05-31 09:00,,new,email\n"
    ))

    # A 1997 purchase log with ISO 8601 basic dates (YYYYMMDD, one with the time: YYYYMMDDHHMMSS).
    write("orders_iso_basic_dates_1997.csv", (
        b"order_id,customer_id,order date,amount\n"
        b"P01,C01,19970101,11.77\n"
        b"P02,C02,19970103143000,12.00\n"
        b"P03,C03,19970110,20.76\n"
        b"P04,C03,19970110,20.76\n"
        b"P05,C01,19970215,16.99\n"
        b"P06,C04,19970205,9.99\n"
        b"P07,C05,19970301,35.50\n"
        b"P08,C06,19970312,14.96\n"
        b"P09,C03,19970320,77.00\n"
        b"P10,C05,19970331,12.49\n"
    ))

    # The same kind of log as the CDNOW purchase log: no header, columns lined up with spaces:
    # customer, date (YYYYMMDD), CDs bought, dollars. Two lines are identical (two orders alike).
    write("purchase_log_space_aligned_no_header.txt", (
        b"   00001 19970101  1   11.77\n"
        b"   00002 19970112  1   12.00\n"
        b"   00002 19970112  1   12.00\n"
        b"   00003 19970102  2   20.76\n"
        b"   00003 19970330  2   20.76\n"
        b"   00004 19970301  5   77.00\n"
        b"   00005 19970215  1   11.77\n"
        b"   00005 19970331  3   39.31\n"
    ))

    # An order report printed with its columns lined up (two spaces or more between columns).
    write("orders_report_space_aligned.txt", (
        b"Order ID  Customer ID  Order Date    Amount  Status\n"
        b"A-1001    C1           2026-04-02     19.90  completed\n"
        b"A-1002    C2           2026-04-03    120.00  completed\n"
        b"A-1003    C1           2026-05-14     45.00  cancelled\n"
        b"A-1004    C3           2026-06-30      8.50  completed\n"
    ))

    # Orders through Q3 2026 with one year typed wrong (2062 for 2026), and one 1900 placeholder.
    # C01-C15 buy in two of the quarter's months, C16-C30 in one; C01 buys again on 30 September.
    orders = ["order_id,customer_id,ordered_at,amount,channel,status"]
    number = 0
    for index in range(30):
        for month in range(3):
            buys = (index + month) % 3 != 2 if index < 15 else month == index % 3
            if buys:
                number += 1
                orders.append(f"Y{number:03d},C{index + 1:02d},2026-{month + 7:02d}-{1 + index % 28:02d} 10:00,"
                              f"{20 + index}.00,web,completed")
    orders.append("Y900,C01,2026-09-30 18:00,31.00,web,completed")
    orders.append("Y901,C02,2062-08-14 12:00,25.00,web,completed")  # 2026 with its last digits swapped
    orders.append("Y902,C03,1900-01-01 00:00,25.00,web,completed")  # a spreadsheet's "no date"
    write("orders_with_a_year_typo.csv", ("\n".join(orders) + "\n").encode())

    # ServiceNow's incident list export, with its column labels.
    write("servicenow_incidents_export.csv", (
        b"Number,Opened,Short description,Caller,Priority,State,Category,Channel,Resolved\n"
        b"INC0010001,2026-04-01 09:00:00,Cannot log in,Abel Tuter,3 - Moderate,Resolved,Inquiry / Help,Phone,"
        b"2026-04-01 15:00:00\n"
        b"INC0010002,2026-04-02 09:00:00,Order missing,Beth Anglin,2 - High,Closed,Delivery,Email,\n"
        b"INC0010003,2026-04-03 09:00:00,Refund,Carol Coughlin,4 - Low,In Progress,Billing,Self-service,\n"
        b"INC0010004,2026-04-04 09:00:00,Wrong size,David Miller,4 - Low,On Hold,Returns,Chat,\n"
        b"INC0010005,2026-04-05 09:00:00,Duplicate,Eve Evans,5 - Planning,Canceled,Billing,Email,\n"
    ))


if __name__ == "__main__":
    main()
