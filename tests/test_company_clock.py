"""The company's clock: a KPI by Jalali quarter, month and Saturday week in Tehran time, worked out by
hand over a real warehouse loaded from a tiny export, where UTC would put records in another quarter.

The export (a survey tool's, written here) gives some times in UTC with an offset ('Z', '+00:00') and
some without one. With timezone = "Asia/Tehran" (UTC+03:30, no daylight saving since 2022) a time
with an offset is converted to Tehran time, a time without one is read as Tehran time, and every day,
week and quarter boundary is Tehran's.

    response  written as              Tehran time           score   Jalali day
    R1        2026-03-20T22:00:00Z     2026-03-21 01:30      10 P    1 Farvardin 1405 (Q1 1405)
    R2        2026-03-20T18:00:00Z     2026-03-20 21:30       2 D    29 Esfand 1404 (Q4 1404)
    R3        2026-04-10T09:00:00Z     2026-04-10 12:30       9 P    21 Farvardin 1405, a Friday
    R4        2026-06-21T21:00:00+00:00 2026-06-22 00:30      3 D    1 Tir 1405 (Q2 1405)
    R5        2026-05-05 23:30:00      2026-05-05 23:30       6 D    15 Ordibehesht 1405
    R6        2026-03-21 00:15:00      2026-03-21 00:15      10 P    1 Farvardin 1405

Q1 1405 is 21 March to 21 June 2026. In Tehran time it holds R1, R3, R5, R6: 3 promoters and 1
detractor of 4, NPS = (3 - 1) / 4 = +50. Read in UTC (the warehouse as it was before the setting)
R1 falls on 20 March (Q4 1404) and R4 on 21 June (Q1), and R5, R6 are taken as UTC: R3, R4, R5, R6,
2 promoters and 2 detractors, NPS 0.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from cxkpi import kpis, warehouse
from cxkpi.calendars import Calendar
from cxkpi.ingest import ingest_paths
from cxkpi.periods import Period, quarter_of
from cxkpi.warehouse import reading
from tests.support import PROJECT_ROOT, cxkpi

IRAN = Calendar("persian", week_start=5)  # weeks from Saturday
SURVEY = """response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel
R1,C1,2026-03-20T22:00:00Z,10,5,5,,web
R2,C1,2026-03-20T18:00:00Z,2,1,1,,web
R3,C1,2026-04-10T09:00:00Z,9,4,4,,web
R4,C1,2026-06-21T21:00:00+00:00,3,2,2,,web
R5,C1,2026-05-05 23:30:00,6,3,3,,web
R6,C1,2026-03-21 00:15:00,10,5,5,,web
"""
CUSTOMERS = "customer_id,created_at,region,segment\nC1,2025-01-10,EMEA,Consumer\n"


def _export(folder: Path) -> Path:
    folder.mkdir()
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "survey_responses.csv").write_text(SURVEY, encoding="utf-8")
    return folder


def _loaded(tmp_path: Path, timezone: str) -> Path:
    db = tmp_path / f"{timezone.replace('/', '_')}.duckdb"
    results, refusals = ingest_paths(db, [_export(tmp_path / f"export_{timezone.replace('/', '_')}")],
                                     archive=tmp_path / f"archive_{timezone.replace('/', '_')}", timezone=timezone)
    assert not refusals and len(results) == 2
    return db


@pytest.fixture
def tehran_db(tmp_path) -> Path:
    return _loaded(tmp_path, "Asia/Tehran")


def _nps(db: Path, period: Period, grain: str = "period") -> list[tuple[date, float, int]]:
    with reading(db) as connection:
        frame = kpis.run_kpi_query(connection, "nps", period, grain=grain)
    return [(stamp.date(), round(value, 1), int(n)) for stamp, value, n in zip(frame["bucket_start"], frame["value"],
                                                                           frame["n"], strict=True)]


def test_times_are_stored_as_tehran_local_time(tehran_db):
    with reading(tehran_db) as connection:
        stored = dict(connection.execute("select response_id, responded_at from survey_responses").fetchall())
        assert warehouse.business_timezone(connection) == "Asia/Tehran"
    assert stored == {
        "R1": datetime(2026, 3, 21, 1, 30), "R2": datetime(2026, 3, 20, 21, 30), "R3": datetime(2026, 4, 10, 12, 30),
        "R4": datetime(2026, 6, 22, 0, 30), "R5": datetime(2026, 5, 5, 23, 30), "R6": datetime(2026, 3, 21, 0, 15),
    }


def test_nps_by_jalali_quarter_in_tehran_time_differs_from_utc(tehran_db, tmp_path):
    q1_1405 = quarter_of(date(2026, 4, 1), IRAN)
    assert (q1_1405.start, q1_1405.end) == (date(2026, 3, 21), date(2026, 6, 21))
    assert _nps(tehran_db, q1_1405) == [(date(2026, 3, 21), 50.0, 4)]  # R1, R3, R5, R6
    assert _nps(tehran_db, q1_1405.previous()) == [(date(2025, 12, 22), -100.0, 1)]  # Q4 1404: R2
    utc_db = _loaded(tmp_path, "UTC")
    assert _nps(utc_db, q1_1405) == [(date(2026, 3, 21), 0.0, 4)]  # R3, R4, R5, R6
    assert _nps(utc_db, q1_1405.previous()) == [(date(2025, 12, 22), 0.0, 2)]  # R1, R2


def test_nps_trend_by_jalali_month_and_by_week_from_saturday(tehran_db):
    year_1405 = Period(date(2026, 3, 21), date(2027, 3, 20), IRAN)
    assert _nps(tehran_db, year_1405, "month") == [
        (date(2026, 3, 21), 100.0, 3),  # Farvardin: R1, R3, R6
        (date(2026, 4, 21), -100.0, 1),  # Ordibehesht: R5
        (date(2026, 6, 22), -100.0, 1),  # Tir: R4
    ]
    assert _nps(tehran_db, year_1405, "week") == [
        (date(2026, 3, 21), 100.0, 2),  # Saturday 21 March: R6 at 00:15 and R1 at 01:30
        (date(2026, 4, 4), 100.0, 1),  # Friday 10 April is in the week from Saturday 4 April: R3
        (date(2026, 5, 2), -100.0, 1),  # Tuesday 5 May: R5
        (date(2026, 6, 20), -100.0, 1),  # Monday 22 June: R4
    ]


def test_the_cards_twelve_months_are_jalali_months(tehran_db):
    q1_1405 = quarter_of(date(2026, 4, 1), IRAN)
    with reading(tehran_db) as connection:
        card = kpis.report(connection, kpis.kpi_named("nps"), q1_1405)
    monthly = card.monthly()
    assert len(monthly) == 12 and monthly[0][0] == date(2025, 6, 22)  # 1 Tir 1404: Tir 1404 to Khordad 1405
    assert monthly[-3:] == [(date(2026, 3, 21), 100.0), (date(2026, 4, 21), -100.0), (date(2026, 5, 22), None)]
    assert (card.current.value, card.current.n, card.previous.value) == (50.0, 4, -100.0)


def test_a_load_in_another_zone_than_the_warehouses_is_refused_with_the_fix(tehran_db, tmp_path):
    more = tmp_path / "more"
    more.mkdir()
    (more / "survey_responses.csv").write_text(SURVEY.replace("R", "S").replace("Sesponse", "response"),
                                               encoding="utf-8")
    results, refusals = ingest_paths(tehran_db, [more], archive=tmp_path / "archive_more", timezone="Europe/Moscow")
    assert not results
    assert ("the warehouse holds times in Asia/Tehran local time, but metrics.toml's timezone is Europe/Moscow: "
            "run `python -m cxkpi rebuild`") in str(refusals[0])


def _metrics_toml(folder: Path, settings: str) -> Path:
    """The project's metrics.toml with other [settings]."""
    text = (PROJECT_ROOT / "metrics.toml").read_text(encoding="utf-8")
    path = folder / "metrics.toml"
    path.write_text(text.replace("[settings]\n", f"[settings]\n{settings}\n", 1), encoding="utf-8")
    return path


def test_the_cli_loads_in_the_settings_zone_and_labels_periods_in_the_settings_calendar(tmp_path):
    registry = _metrics_toml(tmp_path, 'calendar = "persian"\ntimezone = "Asia/Tehran"')
    db = tmp_path / "w.duckdb"
    loaded = cxkpi("ingest", _export(tmp_path / "export"), "--db", db, env={"CXKPI_REGISTRY": str(registry)})
    assert loaded.returncode == 0, loaded.stderr
    result = cxkpi("kpis", "--db", db, "--registry", registry, "--json", "--start", "2026-03-21", "--end", "2026-06-21")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["period"] == {"start": "2026-03-21", "end": "2026-06-21", "label": "Q1 1405"}
    assert document["previous_period"] == {"start": "2025-12-22", "end": "2026-03-20", "label": "Q4 1404"}
    nps = next(kpi for kpi in document["kpis"] if kpi["id"] == "nps")
    assert (nps["value"], nps["n"], nps["previous_value"], nps["previous_n"]) == (50.0, 4, -100.0, 1)
    # the project's metrics.toml reads in UTC: the warehouse's Tehran times are not read as UTC ones
    refused = cxkpi("kpis", "--db", db, "--json")
    assert refused.returncode == 2
    assert "the warehouse holds times in Asia/Tehran local time, but metrics.toml's timezone is UTC" in refused.stderr


def test_a_load_with_an_unknown_zone_in_the_settings_is_refused_with_the_fix(tmp_path):
    registry = _metrics_toml(tmp_path, 'timezone = "Tehran"')
    result = cxkpi("ingest", _export(tmp_path / "export"), "--db", tmp_path / "w.duckdb",
                   env={"CXKPI_REGISTRY": str(registry)})
    assert result.returncode != 0
    assert "timezone = 'Tehran' is not a time zone name; use an IANA name such as 'Asia/Tehran'" in result.stderr


def test_the_digest_counts_its_week_and_overdue_actions_by_the_companys_date(golden_copy: Path) -> None:
    """21:00 UTC on Sunday 6 December 2026 is 00:30 on Monday 7 December in Tehran (UTC+03:30): ISO week 50
    there, and an action due on Sunday 6 December is overdue there, though the server's UTC date is still
    the 6th, week 49, and the action due that day."""
    from datetime import UTC

    from cxkpi import actions, digest, ownership
    from cxkpi.kpis import Filters
    from cxkpi.registry import Settings, load_registry
    from tests.support import person

    sunday_night = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    tehran, utc = Settings(timezone="Asia/Tehran"), Settings(timezone="UTC")
    assert (tehran.today(sunday_night), utc.today(sunday_night)) == (date(2026, 12, 7), date(2026, 12, 6))
    with reading(golden_copy) as connection:
        nps = {kpi.id: kpi for kpi in ownership.effective(connection, load_registry(), date(2026, 12, 6))}["nps"]
    actions.add(golden_copy, person("admin"), nps, "Call detractors back", "Amara Okafor",
                "amara.okafor@example.com", date(2026, 12, 6), now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
    for settings, week, overdue in ((tehran, "2026-W50", 1), (utc, "2026-W49", 0)):
        with reading(golden_copy) as connection:
            amara = digest.build(connection, [nps], q2, Filters(), settings, "http://x/", sunday_night)[0]
        assert (amara.week, len(amara.items[0].follow_up.overdue)) == (week, overdue), settings.timezone


def test_a_warehouse_in_tehran_time_read_with_utc_settings_says_why_in_persian(tehran_db, monkeypatch):
    """The page that shows no number says why, and the fix, in the reader's language; the zones and the
    command are quoted as written."""
    from tests.support import app_test
    from ui.state import LANG

    at = app_test(monkeypatch, tehran_db)  # the project's metrics.toml: UTC
    at.query_params[LANG] = "fa"
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value == (
        "**شاخص‌ها را نمی‌توان نشان داد:** زمان‌های انبار داده به وقت محلی Asia/Tehran است، اما منطقهٔ زمانی "
        "metrics.toml UTC است: `python -m cxkpi rebuild` را اجرا کنید تا همهٔ فایل‌های بایگانی‌شده دوباره به وقت "
        "UTC خوانده شوند (یا timezone = \"Asia/Tehran\" را برگردانید).")


def test_a_load_in_another_zone_is_refused_in_russian(tehran_db, tmp_path):
    from cxkpi import i18n, reasons

    more = tmp_path / "more"
    more.mkdir()
    (more / "survey_responses.csv").write_text(SURVEY.replace("R", "S").replace("Sesponse", "response"),
                                               encoding="utf-8")
    _, [refusal] = ingest_paths(tehran_db, [more], archive=tmp_path / "archive_more", timezone="Europe/Moscow")
    with i18n.use("ru"):
        shown = reasons.translated(str(refusal))
    assert shown == (
        "survey_responses.csv: не загружен: время в хранилище записано по местному времени Asia/Tehran, а часовой "
        "пояс в metrics.toml — Europe/Moscow: запустите `python -m cxkpi rebuild`, чтобы заново прочитать все "
        "архивные файлы по времени Europe/Moscow (или верните timezone = \"Asia/Tehran\")"), shown
