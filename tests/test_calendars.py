"""The Solar Hijri calendar (cxkpi.calendars, on jdatetime) against an independent implementation: ICU's
Persian calendar in DuckDB (SET Calendar='persian'), day by day from 1990 to 2100; the period rules
(cxkpi.periods) in Jalali months; which calendar a person sees; the settings that choose it."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from cxkpi import periods
from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar, calendar_for
from cxkpi.periods import Period, month_of, quarter_of, quick_range, year_of
from cxkpi.registry import RegistryError, Settings, load_settings
from ui.formatting import EN_DASH

PERSIAN = Calendar("persian", week_start=5)


@pytest.fixture(scope="module")
def icu_days() -> list[tuple[date, int, int, int, date, date, date]]:
    """Every day of 1990-2100 with ICU's Persian year, month and day and the Gregorian first days of its
    Jalali month, quarter and year (date_trunc in the Persian calendar)."""
    connection = duckdb.connect()
    connection.execute("set Calendar = 'persian'")
    connection.execute("set TimeZone = 'UTC'")
    # to_timestamp(epoch) makes a real timestamptz: a cast of a timestamp column is folded away and
    # date_part then reads Gregorian fields.
    rows = connection.execute("""
        with days as (select to_timestamp(epoch(d)) as moment from range(timestamp '1990-01-01',
                      timestamp '2101-01-01', interval 1 day) as t(d))
        select epoch(moment), date_part('year', moment), date_part('month', moment), date_part('day', moment),
            epoch(date_trunc('month', moment)), epoch(date_trunc('quarter', moment)), epoch(date_trunc('year', moment))
        from days order by moment
    """).fetchall()

    def day(seconds: float) -> date:
        return datetime.fromtimestamp(seconds, UTC).date()

    return [(day(row[0]), row[1], row[2], row[3], day(row[4]), day(row[5]), day(row[6])) for row in rows]


def test_icu_oracle_reads_the_persian_calendar():
    """The oracle itself, on a day known by heart: 21 March 2026 is Nowruz, 1 Farvardin 1405."""
    connection = duckdb.connect()
    connection.execute("set Calendar = 'persian'")
    connection.execute("set TimeZone = 'UTC'")
    assert connection.execute("select date_part(['year', 'month', 'day'], timestamptz '2026-03-21 12:00:00+00')"
                              ).fetchone()[0] == {"year": 1405, "month": 1, "day": 1}


def test_every_nowruz_from_1990_to_2100_matches_icu(icu_days):
    nowruz = {year: day for day, year, month, day_of_month, *_ in icu_days if (month, day_of_month) == (1, 1)}
    assert len(nowruz) == 111 and min(nowruz) == 1369 and max(nowruz) == 1479
    for year, day in nowruz.items():
        assert PERSIAN.month_start(year * 12) == day, f"1 Farvardin {year}"
        assert year_of(day, PERSIAN).start == day
        assert year_of(day - timedelta(days=1), PERSIAN).end == day - timedelta(days=1)
    # Nowruz falls on 20 or 21 March in this range, so no fixed Gregorian date would do
    assert {(day.month, day.day) for day in nowruz.values()} == {(3, 20), (3, 21)}


def test_every_day_has_icus_jalali_month_quarter_and_year_1990_to_2100(icu_days):
    quarters = set()
    for day, year, month, _, month_start, quarter_start, year_start in icu_days:
        assert PERSIAN.month_number(day) == year * 12 + month - 1, day
        assert month_of(day, PERSIAN).start == month_start, day
        quarter = quarter_of(day, PERSIAN)
        assert quarter.start == quarter_start, day
        assert year_of(day, PERSIAN).start == year_start, day
        quarters.add(quarter)
    # every Jalali quarter's bounds: each ends the day before the next starts, and ICU starts each
    ordered = sorted(quarters, key=lambda quarter: quarter.start)
    icu_quarter_starts = sorted({row[5] for row in icu_days})
    assert [quarter.start for quarter in ordered] == icu_quarter_starts
    for before, after in itertools.pairwise(ordered):
        assert before.end + timedelta(days=1) == after.start
        assert 89 <= before.days <= 93  # Q1, Q2: 93 days; Q3: 90; Q4: 89 or 90


def test_jalali_quarter_one_is_farvardin_to_khordad():
    q1 = quarter_of(date(2026, 4, 15), PERSIAN)
    assert (q1.start, q1.end) == (date(2026, 3, 21), date(2026, 6, 21))  # 1 Farvardin - 31 Khordad 1405
    assert q1.whole_months == 3 and periods.is_calendar_quarter(q1)
    assert not periods.is_calendar_quarter(Period(q1.start, q1.end))  # not a Gregorian quarter


def test_previous_jalali_period_is_the_previous_jalali_month_quarter_or_year():
    q1 = quarter_of(date(2026, 4, 15), PERSIAN)
    previous = q1.previous()
    assert (previous.start, previous.end) == (date(2025, 12, 22), date(2026, 3, 20))  # Dey-Esfand 1404
    assert previous.calendar == PERSIAN
    esfand = month_of(date(2026, 3, 1), PERSIAN)
    assert (esfand.start, esfand.end) == (date(2026, 2, 20), date(2026, 3, 20))  # 29 days in 1404
    assert (esfand.previous().start, esfand.previous().end) == (date(2026, 1, 21), date(2026, 2, 19))  # Bahman
    year = year_of(date(2026, 4, 1), PERSIAN)
    assert (year.previous().start, year.previous().end) == (date(2025, 3, 21), date(2026, 3, 20))  # 1404


def test_a_jalali_quarter_a_year_earlier_is_the_same_quarter_of_the_year_before():
    q1_1404 = quarter_of(date(2025, 4, 15), PERSIAN)
    earlier = quarter_of(date(2026, 4, 15), PERSIAN).a_year_earlier()
    assert (earlier.start, earlier.end) == (q1_1404.start, q1_1404.end) == (date(2025, 3, 21), date(2025, 6, 21))
    # 1 Farvardin 1404 and 1403 fall on different Gregorian days: the Jalali year, not the Gregorian one
    q1_1403 = quarter_of(date(2024, 4, 15), PERSIAN)
    assert q1_1404.a_year_earlier() == q1_1403 and q1_1403.start == date(2024, 3, 20)


def test_quick_ranges_in_jalali_months():
    data_through = date(2026, 8, 10)  # 19 Mordad 1405
    assert quick_range("last_month", data_through, PERSIAN) == Period(date(2026, 6, 22), date(2026, 7, 22), PERSIAN)
    assert quick_range("last_quarter", data_through, PERSIAN) == Period(date(2026, 3, 21), date(2026, 6, 21), PERSIAN)
    assert quick_range("year_to_date", data_through, PERSIAN) == Period(date(2026, 3, 21), data_through, PERSIAN)
    twelve = quick_range("last_12_months", data_through, PERSIAN)
    # Mordad 1404 - Tir 1405
    assert (twelve.start, twelve.end, twelve.whole_months) == (date(2025, 7, 23), date(2026, 7, 22), 12)
    # the last full quarter: Q1 1405 ends 21 June, so data through the 21st covers it, the 20th does not
    assert periods.last_full_quarter(date(2026, 6, 21), PERSIAN).start == date(2026, 3, 21)
    assert periods.last_full_quarter(date(2026, 6, 20), PERSIAN).start == date(2025, 12, 22)


def test_matured_steps_back_by_jalali_quarters():
    q1 = quarter_of(date(2026, 4, 15), PERSIAN)
    back = periods.matured(q1, days=90, horizon=date(2026, 7, 1))
    assert (back.start, back.end, back.calendar) == (date(2025, 12, 22), date(2026, 3, 20), PERSIAN)


def test_trailing_months_and_month_starts_in_jalali_months():
    months = periods.trailing_months(date(2026, 5, 1), 3, PERSIAN)
    assert periods.month_starts(months) == [date(2026, 2, 20), date(2026, 3, 21), date(2026, 4, 21)]


def test_gregorian_stays_as_before():
    assert quarter_of(date(2026, 5, 5)) == Period(date(2026, 4, 1), date(2026, 6, 30), GREGORIAN_CALENDAR)
    assert quarter_of(date(2026, 5, 5)).previous() == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert Period(date(2024, 3, 1), date(2024, 3, 31)).a_year_earlier() == Period(date(2023, 3, 1), date(2023, 3, 31))


def test_weeks_start_on_the_calendars_first_day():
    friday = date(2026, 3, 27)
    assert PERSIAN.week_start_of(friday) == date(2026, 3, 21)  # Saturday
    assert GREGORIAN_CALENDAR.week_start_of(friday) == date(2026, 3, 23)  # Monday
    assert Calendar("gregorian", 6).week_start_of(friday) == date(2026, 3, 22)  # Sunday
    assert PERSIAN.week_start_of(date(2026, 3, 21)) == date(2026, 3, 21)


def test_calendar_follows_the_setting_else_the_language():
    assert calendar_for(None, None, "fa") == Calendar("persian", 5)
    assert calendar_for(None, None, "fa-IR") == Calendar("persian", 5)
    assert calendar_for(None, None, "ru") == Calendar("gregorian", 0)
    assert calendar_for(None, None, None) == Calendar("gregorian", 0)
    assert calendar_for("gregorian", None, "fa") == Calendar("gregorian", 5)  # Iranian week, Gregorian months
    assert calendar_for("persian", None, "en") == Calendar("persian", 5)
    assert calendar_for(None, "sunday", "en") == Calendar("gregorian", 6)
    assert Settings(calendar="persian", week_start="monday").calendar_for("fa") == Calendar("persian", 0)


def test_settings_read_calendar_week_start_and_timezone(tmp_path):
    path = tmp_path / "metrics.toml"
    path.write_text('[settings]\ncalendar = "persian"\ntimezone = "Asia/Tehran"\nweek_start = "saturday"\n')
    assert load_settings(path) == Settings(calendar="persian", week_start="saturday", timezone="Asia/Tehran")
    path.write_text("[settings]\nmin_sample = 30\n")
    assert load_settings(path) == Settings()  # UTC, and the calendar from each person's language


@pytest.mark.parametrize(("line", "says"), [
    ('calendar = "jalali"', "calendar = 'jalali' is not one of 'gregorian', 'persian'; use one of them"),
    ('week_start = "Sat"', "week_start = 'Sat' is not one of 'monday'"),
    ('timezone = "Tehran"', "timezone = 'Tehran' is not a time zone name; use an IANA name such as 'Asia/Tehran'"),
    ('timezone = "asia/tehran"', "timezone = 'asia/tehran' is not a time zone name"),
    ("timezone = 3.5", "timezone = 3.5 is not a time zone name"),
])
def test_settings_refuse_an_unknown_calendar_weekday_or_zone_saying_how_to_fix(tmp_path, line, says):
    path = tmp_path / "metrics.toml"
    path.write_text(f"[settings]\n{line}\n")
    with pytest.raises(RegistryError, match=r"metrics.toml: \[settings\] ") as refused:
        load_settings(path)
    assert says in str(refused.value)


# --- dates shown to a reader, in the reader's calendar (cxkpi.calendars.reader) ---------------------------


def test_a_day_is_written_in_the_calendar_bound_to_the_reader():
    """2026-07-01 is 10 Tir 1405; unbound, dates are Gregorian as before."""
    from cxkpi import calendars, i18n
    from ui import formatting as fmt

    day = date(2026, 7, 1)
    assert fmt.day(day) == "1 Jul 2026"
    with calendars.use(PERSIAN):
        assert fmt.day(day) == "10 Tir 1405"
        with i18n.use("fa"):
            assert fmt.day(day) == "۱۰ تیر ۱۴۰۵"
            assert fmt.freshness(datetime(2026, 7, 1, 12), None) == "داده‌ها تا ۱۰ تیر ۱۴۰۵"
        assert fmt.day(day, GREGORIAN_CALENDAR) == "1 Jul 2026"  # a calendar given wins over the reader's
    assert fmt.day(day) == "1 Jul 2026"


def test_action_due_date_shown_in_jalali_when_calendar_is_solar_hijri():
    from cxkpi import calendars, i18n
    from cxkpi.actions import Action
    from cxkpi.follow_up import action_line

    action = Action(id=1, kpi_id="nps", what="Call detractors back", assignee_name="Amara Okafor",
                    assignee_email="amara.okafor@example.com", due_on=date(2026, 11, 23),
                    created_at=datetime(2026, 7, 2), created_by="amara.okafor@example.com", status="open",
                    updated_at=datetime(2026, 7, 2), updated_by="amara.okafor@example.com", comment="")
    assert action_line(action, False) == "Call detractors back: Amara Okafor, due 23 Nov 2026 (open)"
    with calendars.use(PERSIAN):
        assert action_line(action, False) == "Call detractors back: Amara Okafor, due 2 Azar 1405 (open)"
        with i18n.use("fa"):
            assert "۲ آذر ۱۴۰۵" in action_line(action, True)


def test_note_date_shown_in_jalali_when_calendar_is_solar_hijri():
    from cxkpi import calendars
    from cxkpi.follow_up import note_line
    from cxkpi.notes import Note

    note = Note(id=1, kpi_id="nps", noted_on=date(2026, 3, 21), body="Nowruz sale", reply_to=None,
                written_at=datetime(2026, 3, 21, 9), author_id="amara.okafor@example.com", author_name="Amara Okafor")
    with calendars.use(PERSIAN):
        assert note_line(note) == "1 Farvardin 1405, Amara Okafor: Nowruz sale"


def test_slide_exported_at_is_in_company_timezone(golden_db):
    """21:40 UTC on 22 Nov 2026 is 01:10 on 23 Nov in Tehran (UTC+3:30): the slide says Tehran's time and
    names the zone; in Persian, in the Solar Hijri calendar, 2 Azar 1405."""
    from cxkpi import calendars, i18n
    from cxkpi import kpis as kpi_api
    from cxkpi.kpis import Filters
    from cxkpi.registry import load_registry
    from cxkpi.warehouse import reading
    from ui import exports

    q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
    with reading(golden_db) as connection:
        reports = kpi_api.overview(connection, load_registry()[:1], q2, Filters())
    now = datetime(2026, 11, 22, 21, 40, tzinfo=UTC)
    page = exports.overview_page(reports, q2, "all", "http://x/", "KPIs", now=now, timezone="Asia/Tehran")
    assert page.generated == "Exported 23 Nov 2026 01:10 (Asia/Tehran)"
    assert exports.overview_page(reports, q2, "all", "http://x/", "KPIs", now=now).generated == \
        "Exported 22 Nov 2026 21:40 (UTC)"
    with i18n.use("fa"), calendars.use(PERSIAN):
        persian = exports.overview_page(reports, q2, "all", "http://x/", "KPIs", now=now, timezone="Asia/Tehran")
    assert "۲ آذر ۱۴۰۵ ۰۱:۱۰" in persian.generated and "Asia/Tehran" in persian.generated
    assert persian.freshness.startswith("داده‌ها تا ۱۰ تیر ۱۴۰۵")  # golden data through 1 Jul 2026


def test_the_working_week_reads_in_the_readers_language_and_from_saturday():
    from cxkpi import i18n
    from cxkpi.business_hours import Schedule
    from ui import formatting as fmt

    week = Schedule((0, 1, 2, 3, 4), 9 * 3600, 17 * 3600, (date(2026, 12, 25), date(2027, 1, 1)))
    assert fmt.schedule(week) == week.describe() == "Mon-Fri 09:00-17:00, 2 holidays"
    with i18n.use("ru"):
        assert fmt.schedule(week) == "пн-пт 09:00-17:00, 2 праздничных дня"
    tehran = Schedule((0, 1, 2, 5, 6), 8 * 3600, 16 * 3600, ())  # Saturday to Wednesday
    with i18n.use("fa"):
        assert fmt.schedule(tehran) == "شنبه-چهارشنبه ۰۸:۰۰-۱۶:۰۰"


def test_the_calendar_switcher_puts_cal_in_the_link_and_names_the_view_in_it(golden_db, monkeypatch):
    """An English reader switches to the Solar Hijri calendar beside the language: the link carries
    cal=persian (so whoever opens it sees the same calendar), the dates stay, and the days are named in
    Jalali months; switching back writes cal=gregorian."""
    from tests.support import app_test
    from ui.language import CALENDAR_SWITCH_KEY

    at = app_test(monkeypatch, golden_db, timeout=60)
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30"})
    at.run()
    assert at.selectbox(key=CALENDAR_SWITCH_KEY).value == "gregorian"
    assert "cal" not in at.query_params
    at.selectbox(key=CALENDAR_SWITCH_KEY).select("persian").run()
    assert not at.exception
    assert at.query_params["cal"] == "persian"
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-04-01", "2026-06-30")
    captions = "\n".join(caption.value for caption in at.caption)
    # Q2 2026 is no Jalali quarter: the period before it is its 91 days, named in Jalali days.
    assert f"Compared with 10 Dey 1404 {EN_DASH} 11 Farvardin 1405" in captions
    at.selectbox(key=CALENDAR_SWITCH_KEY).select("gregorian").run()
    assert at.query_params["cal"] == "gregorian"
    assert f"Compared with Q1 2026 (1 Jan 2026 {EN_DASH} 31 Mar 2026)" in "\n".join(
        caption.value for caption in at.caption)
