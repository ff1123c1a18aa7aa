"""Business hours: a complaint's wait counted in the company's working week, as a KPI variant.

tests/business_hours/ holds a registry with the variant (complaint_response_business_hours) and six
complaints of June 2026, worked out by hand on its working week: Monday to Friday, 09:00-17:00, with
Wednesday 3 June a holiday (Saturday 6 June is listed too, and changes nothing: no one works then).

    complaint  raised           first reply       calendar h  working h
    B1         Mon 1 Jun 10:00  Mon 1 Jun 12:30      2.5        2.5   same morning
    B2         Fri 5 Jun 16:00  Mon 8 Jun 10:00     66.0        2.0   Fri 16-17 + Mon 9-10: not the weekend
    B3         Tue 2 Jun 16:30  Thu 4 Jun 09:30     41.0        1.0   Tue 16:30-17 + Thu 9-9:30: not the holiday
    B4         Sat 6 Jun 11:00  Sat 6 Jun 13:00      2.0        0.0   raised and answered on a day off
    B5         Mon 1 Jun 08:00  Tue 2 Jun 17:30     33.5       16.0   Mon 9-17 + Tue 9-17: not before 9 or after 17
    B6         Thu 4 Jun 12:00  (none, still open)     -          -   awaiting a reply

Working hours in order: 0, 1, 2, 2.5, 16: median 2 (n = 5); the 90th percentile at rank 4 × 0.9 = 3.6,
2.5 + 0.6 × (16 − 2.5) = 10.6. In calendar hours (2, 2.5, 33.5, 41, 66) the median is 33.5.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cxkpi import cli, kpis
from cxkpi.business_hours import Schedule, schedule_from
from cxkpi.periods import Period
from cxkpi.registry import RegistryError, load_registry
from cxkpi.warehouse import reading
from tests.support import OPTIONAL_KPIS_REGISTRY, PROJECT_ROOT, app_test, build_warehouse

JUNE = Period(date(2026, 6, 1), date(2026, 6, 30))
COMPLAINTS = OPTIONAL_KPIS_REGISTRY.parent / "complaints.csv"


@pytest.fixture(scope="module")
def june_db(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("business_hours") / "w.duckdb", COMPLAINTS)


@pytest.fixture(scope="module")
def variant():
    [kpi] = load_registry(OPTIONAL_KPIS_REGISTRY)
    return kpi


def test_business_hours_leave_out_evenings_weekends_and_holidays(june_db, variant):
    with reading(june_db) as connection:
        [row] = kpis.run_kpi_query(connection, variant, JUNE).to_dict("records")
        [calendar] = kpis.run_kpi_query(connection, "complaint_response_hours", JUNE).to_dict("records")
    assert list(row["response_hours_sample"]) == [0.0, 1.0, 2.0, 2.5, 16.0]
    assert (row["value"], row["n"], row["awaiting_response"]) == (2.0, 5, 1)
    assert row["p90_hours"] == pytest.approx(10.6)
    assert (calendar["value"], calendar["n"]) == (33.5, 5)  # the same complaints on the calendar's clock


@pytest.mark.parametrize(("raised", "answered", "hours"), [
    ("2026-06-01 09:00", "2026-06-22 09:00", 14 * 8.0),  # three weeks, one a holiday: 14 working days
    ("2026-06-05 17:00", "2026-06-08 09:00", 0.0),  # closing time Friday to opening time Monday
    ("2026-06-03 10:00", "2026-06-03 15:00", 0.0),  # within the holiday
    ("2025-12-31 16:00", "2026-01-02 10:00", 1.0 + 8.0 + 1.0),  # across a new year (1 Jan is no holiday here)
    ("1969-12-31 16:30", "1970-01-01 09:15", 0.75),  # before the Unix epoch too
])
def test_working_hours_between_two_instants(june_db, variant, raised, answered, hours):
    """working_seconds_before (queries/_macros.sql) on the variant's working week, by hand."""
    parameters = variant.schedule.parameters()
    with reading(june_db) as connection:
        [(found,)] = connection.execute(
            "select (working_seconds_before($answered::timestamp, $working_days, $opens_seconds, $closes_seconds,"
            " $holidays) - working_seconds_before($raised::timestamp, $working_days, $opens_seconds,"
            " $closes_seconds, $holidays)) / 3600.0",
            {**parameters, "raised": raised, "answered": answered}).fetchall()
    assert found == hours


def test_kpis_prints_the_business_hours_variant_with_its_owner(june_db, capsys):
    arguments = ["kpis", "--db", str(june_db), "--registry", str(OPTIONAL_KPIS_REGISTRY), "--json",
                 "--start", "2026-06-01", "--end", "2026-06-30"]
    assert cli.main(arguments) == 0
    [found] = json.loads(capsys.readouterr().out)["kpis"]
    assert (found["id"], found["value"], found["n"], found["owner"]) == (
        "complaint_response_business_hours", 2.0, 5, "Lukas Brenner")


def test_a_schedule_keeps_only_the_holidays_that_fall_on_working_days():
    schedule, problems = schedule_from({"business_hours": {
        "days": ["sat", "sun", "mon", "tue", "wed"], "opens": "08:30", "closes": "16:00",
        "holidays": ["2026-03-20", "2026-03-21", date(2026, 3, 22)]}})  # Fri (day off), Sat, Sun
    assert problems == []
    assert schedule == Schedule((0, 1, 2, 5, 6), 8 * 3600 + 1800, 16 * 3600, (date(2026, 3, 21), date(2026, 3, 22)))
    assert schedule.describe() == "Mon, Tue, Wed, Sat, Sun 08:30-16:00, 2 holidays"


@pytest.mark.parametrize(("section", "said"), [
    ({"days": ["mon", "funday"], "opens": "09:00", "closes": "17:00"}, "list the working days once each"),
    ({"days": ["mon", "mon"], "opens": "09:00", "closes": "17:00"}, "list the working days once each"),
    ({"days": ["mon"], "opens": "9am", "closes": "17:00"}, 'give a time of day as "HH:MM"'),
    ({"days": ["mon"], "opens": "18:00", "closes": "09:00"}, "must close after it opens"),
    ({"days": ["mon"], "opens": "09:00", "closes": "17:00", "holidays": ["25/12/2026"]}, "write ISO dates"),
    ({"days": ["mon"], "opens": "09:00", "closes": "17:00", "weekend": ["sat"]}, "takes days, opens, closes"),
])
def test_a_working_week_that_cannot_be_used_is_refused_with_how_to_write_it(section, said):
    schedule, problems = schedule_from({"business_hours": section})
    assert schedule is None
    assert any(said in problem for problem in problems), problems


def test_a_business_hours_kpi_without_a_working_week_is_refused(tmp_path):
    text = OPTIONAL_KPIS_REGISTRY.read_text(encoding="utf-8")
    without = text[:text.index("[business_hours]")] + text[text.index("[[kpi]]"):]
    (tmp_path / "metrics.toml").write_text(without, encoding="utf-8")
    with pytest.raises(RegistryError, match=r"counts business hours, but the registry has no working week; add"):
        load_registry(tmp_path / "metrics.toml")
    (tmp_path / "metrics.toml").write_text(text.replace("business_hours = true", 'business_hours = "yes"'),
                                           encoding="utf-8")
    with pytest.raises(RegistryError, match=r"business_hours = 'yes'; use true or false"):
        load_registry(tmp_path / "metrics.toml")


def test_the_readme_example_of_business_hours_loads_as_written(tmp_path):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Business hours"):]
    example = section[section.index("```toml\n") + len("```toml\n"):section.index("```\n", section.index("```toml"))]
    owner = 'owner = { name = "Lukas Brenner", role = "VP Customer Service", email = "lukas.brenner@example.com" }'
    (tmp_path / "metrics.toml").write_text(example.replace('owner = { name = "...", role = "...", email = "..." }',
                                                           owner), encoding="utf-8")
    [kpi] = load_registry(tmp_path / "metrics.toml")
    assert kpi.schedule == Schedule((0, 1, 2, 3, 4), 9 * 3600, 17 * 3600, (date(2026, 12, 25), date(2027, 1, 1)))


def test_the_variants_page_names_the_working_week_it_counts_in(june_db, monkeypatch):
    """The KPI page (/KPI?kpi=..., any registry KPI) shows the variant, and under "How it is computed"
    the working week in force."""
    at = app_test(monkeypatch, june_db, OPTIONAL_KPIS_REGISTRY, timeout=60)
    at.query_params.update({"kpi": "complaint_response_business_hours", "from": "2026-06-01", "to": "2026-06-30"})
    at.switch_page("pages/13_KPI.py").run()
    assert not at.exception
    assert at.title[0].value == "Complaint response time (business hours)"
    assert "Working week ([business_hours] in metrics.toml): Mon-Fri 09:00-17:00, 1 holiday." in [
        caption.value for caption in at.caption]
