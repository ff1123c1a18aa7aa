"""The URL is the view: ui.state writes every setting into the query string and reads any link back,
falling back to defaults (with a note) for whatever it cannot use. Pure functions: no Streamlit run."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from cxkpi.calendars import Calendar
from cxkpi.periods import Period
from tests.support import PROJECT_ROOT
from ui import kpi_page
from ui.formatting import period as period_text
from ui.state import (
    BREAKDOWNS,
    GRAINS,
    KPI,
    ORDERS,
    PRESENT,
    VIEW_PARAMETERS,
    FilterState,
    LastYearComparison,
    parse_query,
    query_string,
)

DEFAULT = Period(date(2026, 4, 1), date(2026, 6, 30))
CHOICES = {"region": ["APAC", "EMEA", "North America"], "segment": ["Consumer", "Enterprise"], "channel": ["web"]}


def test_a_view_writes_every_setting_with_the_default_dates_pinned() -> None:
    query = FilterState(region=("EMEA", "North America")).query(DEFAULT)
    assert query_string(query) == (
        "from=2026-04-01&to=2026-06-30&compare=previous&grain=month&by=region&region=EMEA&region=North+America"
    )


def test_reading_back_what_was_written_gives_the_same_view() -> None:
    view = FilterState(start=date(2026, 5, 1), end=date(2026, 5, 31), region=("EMEA",), channel=("web",),
                       compare="last_year", grain="week", breakdown="channel")
    link = parse_query(view.query(DEFAULT, present=True), CHOICES, DEFAULT)
    assert link.state == view and link.present and link.notes == ()


def test_the_registry_order_is_written_only_when_chosen_and_read_back() -> None:
    assert "order" not in FilterState().query(DEFAULT)
    fixed = FilterState(order="registry")
    assert fixed.query(DEFAULT)["order"] == ["registry"]
    assert parse_query(fixed.query(DEFAULT), CHOICES, DEFAULT).state.order == "registry"
    assert parse_query({"order": ["alphabetical"]}, CHOICES, DEFAULT).state.order == ORDERS[0]


def test_every_link_parameter_is_documented_in_the_readme() -> None:
    """A setting a link can carry that the README's sharing table does not list is one nobody uses."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in (*VIEW_PARAMETERS, PRESENT, KPI):
        assert f"`{name}`" in readme, name


def test_a_link_without_dates_shows_the_default_period_and_then_pins_it() -> None:
    link = parse_query({"region": ["EMEA"]}, CHOICES, DEFAULT)
    assert link.notes == ()
    assert link.state.period(DEFAULT) == DEFAULT
    assert link.state.query(DEFAULT)["from"] == ["2026-04-01"]


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ({"from": ["2026-13-45"], "to": ["2026-06-30"]}, "`from=2026-13-45` is not a date"),
        ({"from": ["2026-02-30"], "to": ["2026-06-30"]}, "`from=2026-02-30` is not a date"),
        ({"from": ["2026-07-01"], "to": ["2026-06-30"]}, "is after `to=2026-06-30`"),
        ({"from": ["2026-04-01"]}, "`to` is missing"),
        ({"from": ["1066-10-14"], "to": ["2026-06-30"]}, "is outside 2000-2100"),
    ],
)
def test_unusable_dates_fall_back_to_the_default_period_with_a_note(query: dict[str, list[str]], note: str) -> None:
    link = parse_query(query, CHOICES, DEFAULT)
    assert link.state.start is None and link.state.end is None
    assert any(note in text for text in link.notes), link.notes
    assert "Showing the default period, 2026-04-01 to 2026-06-30." in link.notes


def test_unknown_values_and_names_are_dropped_with_a_note_and_the_rest_is_kept() -> None:
    link = parse_query(
        {"region": ["Atlantis", "EMEA"], "compare": ["someday"], "grain": ["hourly"], "by": ["colour"],
         "present": ["maybe"], "colour": ["red"], "embed": ["true"]},
        CHOICES, DEFAULT,
    )
    assert link.state == FilterState(region=("EMEA",))
    assert not link.present
    text = "\n".join(link.notes)
    for expected in ("Region `Atlantis` is not in the data", "`compare=someday`", "`grain=hourly`", "`by=colour`",
                     "`present=maybe`", "`colour` is not a setting"):
        assert expected in text
    assert "embed" not in text  # Streamlit's own parameter


def test_a_link_value_is_quoted_whole_even_with_backticks_or_line_breaks() -> None:
    """The note quotes values as Markdown code: a backtick must not end the quote, and a line break
    must not start a new Markdown block (where '[x](https://...)' would be a live link)."""
    link = parse_query({"segment": ["`big`"], "colour\n\n[x](https://example.com)": ["1"]}, CHOICES, DEFAULT)
    assert len(link.notes) == 2 and not any("\n" in note for note in link.notes), link.notes
    text = " | ".join(link.notes)
    assert "Segment `` `big` `` is not in the data" in text
    assert "`colour [x](https://example.com)` is not a setting" in text


def test_values_typed_by_hand_with_commas_are_understood() -> None:
    link = parse_query({"region": ["EMEA,APAC"], "segment": ["Consumer"]}, CHOICES, DEFAULT)
    assert link.state.region == ("EMEA", "APAC") and link.notes == ()


def test_a_value_given_twice_uses_the_first_and_says_so() -> None:
    link = parse_query({"grain": ["week", "month"]}, CHOICES, DEFAULT)
    assert link.state.grain == "week"
    assert link.notes == ("`grain` was given 2 times; the first value was used.",)


def test_comparing_with_last_year_moves_the_previous_period_back_a_year_without_changing_the_dates() -> None:
    period = FilterState(compare="last_year").period(DEFAULT)
    assert isinstance(period, LastYearComparison)
    assert period.previous() == Period(date(2025, 4, 1), date(2025, 6, 30))
    assert period == DEFAULT and period_text(period) == "Q2 2026 (1 Apr 2026 \N{EN DASH} 30 Jun 2026)"
    assert FilterState().period(DEFAULT).previous() == Period(date(2026, 1, 1), date(2026, 3, 31))  # Q1
    leap = LastYearComparison(date(2024, 2, 1), date(2024, 2, 29))
    assert leap.previous() == Period(date(2023, 2, 1), date(2023, 2, 28))


def test_a_links_calendar_is_kept_with_the_view_and_its_dates_stay_iso_gregorian() -> None:
    iran = Calendar("persian", week_start=5)
    q1_1405 = Period(date(2026, 3, 21), date(2026, 6, 21), iran)  # the default a Persian reader gets
    link = parse_query({"from": ["2026-03-21"], "to": ["2026-06-21"], "cal": ["persian"]}, CHOICES, q1_1405)
    assert link.state.calendar == "persian" and link.notes == ()
    assert link.state.query(q1_1405) == {"from": ["2026-03-21"], "to": ["2026-06-21"], "compare": ["previous"],
                                         "grain": ["month"], "by": ["region"], "cal": ["persian"]}
    period = link.state.period(q1_1405)
    assert period.calendar == iran and period_text(period) == (
        "Q1 1405 (1 Farvardin 1405 \N{EN DASH} 31 Khordad 1405)")
    assert (period.previous().start, period.previous().end) == (date(2025, 12, 22), date(2026, 3, 20))  # Q4 1404
    last_year = replace(link.state, compare="last_year").period(q1_1405)
    assert (last_year.previous().start, last_year.previous().end) == (date(2025, 3, 21), date(2025, 6, 21))
    assert "cal" not in FilterState().query(DEFAULT)  # without a link's choice: each reader's own calendar
    wrong = parse_query({"cal": ["jalali"]}, CHOICES, DEFAULT)
    assert wrong.state.calendar is None
    assert wrong.notes == ("`cal=jalali` is not one of gregorian, persian; using your own calendar.",)


def test_the_kpi_pages_offer_exactly_the_grains_and_breakdowns_a_link_can_carry() -> None:
    assert set(GRAINS) == set(kpi_page.GRAINS)
    assert set(BREAKDOWNS) == set(kpi_page.DIMENSIONS)


def test_the_link_a_digest_or_alert_carries_is_the_link_the_app_writes_for_that_view(monkeypatch):
    """cxkpi.links (no Streamlit, for mail) and ui.state (the app) write one format."""
    from cxkpi import links
    from cxkpi.kpis import Filters
    from ui.state import FilterState, query_string

    period = Period(date(2026, 7, 1), date(2026, 9, 30))
    filters = Filters(region=("EMEA", "APAC"), channel=("web",))
    app = FilterState(start=period.start, end=period.end, region=filters.region, channel=filters.channel)
    assert links.view_query(period, filters) == app.query(period)
    monkeypatch.setenv(links.PUBLIC_URL_ENV, "https://cx.example.com/")
    assert links.view_url(period, filters) == f"https://cx.example.com/?{query_string(app.query(period))}"


def test_the_kpi_a_kpi_page_link_names_is_no_setting_of_the_view_and_no_unknown_parameter() -> None:
    link = parse_query({KPI: ["first_contact_resolution"], "from": ["2026-04-01"], "to": ["2026-06-30"]},
                       CHOICES, DEFAULT)
    assert link.notes == ()
    assert link.state == FilterState(start=date(2026, 4, 1), end=date(2026, 6, 30))
    assert KPI not in link.state.query(DEFAULT)
