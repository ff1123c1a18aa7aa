"""Owners' notes and actions: who may write them (checked on the server, refusals audited), what they must
say, that nothing is deleted, and that `rebuild` keeps them with their ids."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxkpi import actions, follow_up, i18n, notes, ownership
from cxkpi.access import AccessDeniedError, Identity, Role, demo_visitor_identity
from cxkpi.inbox import rebuild
from cxkpi.periods import Period
from cxkpi.registry import load_registry
from cxkpi.warehouse import reading
from tests.support import GOLDEN_DIR, PROJECT_ROOT, Q2, app_test, build_warehouse, card_text, person, rows
from ui import follow_up_text

AMARA = Identity("amara.okafor@example.com", "amara.okafor@example.com", Role.VIEWER, "proxy")  # NPS's owner
LUKAS = Identity("lukas.brenner@example.com", "Lukas Brenner", Role.VIEWER, "sign-in")  # owns other KPIs
MIRA = Identity("mira.holt@example.com", "Mira Holt", Role.VIEWER, "sign-in")
WRITTEN = datetime(2026, 7, 2, 9, 0)


def kpis_of(db: Path) -> dict:
    with reading(db) as connection:
        return {kpi.id: kpi for kpi in ownership.effective(connection, load_registry(), date.today())}


def test_the_owner_and_admins_write_notes_anyone_signed_in_replies(golden_copy):
    nps = kpis_of(golden_copy)["nps"]
    first = notes.write(golden_copy, AMARA, nps, "  Q2 dip: survey vendor change  ", date(2026, 6, 15), now=WRITTEN)
    notes.write(golden_copy, person("admin"), nps, "Board asked for a plan", date(2026, 6, 20), now=WRITTEN)
    refusal = (r"only the KPI's owner \(amara.okafor@example.com\) or admins may write a note on a KPI; "
               r"you \(lukas.brenner@example.com\) are a viewer")
    with pytest.raises(AccessDeniedError, match=refusal):
        notes.write(golden_copy, LUKAS, nps, "Not mine to say", date(2026, 6, 15))
    notes.reply(golden_copy, LUKAS, nps, first, "Complaints agree: slower replies in May.", now=WRITTEN)
    with reading(golden_copy) as connection:
        threads = notes.threads(connection, "nps")
    assert [(thread.note.body, thread.note.author_name) for thread in threads] == [
        ("Board asked for a plan", "Admin"), ("Q2 dip: survey vendor change", "Amara Okafor")]
    assert [(reply.body, reply.noted_on) for reply in threads[1].replies] == [
        ("Complaints agree: slower replies in May.", date(2026, 6, 15))]  # a reply is dated as its note
    assert rows(golden_copy, "select actor, action, outcome from audit_log order by recorded_at") == [
        ("amara.okafor@example.com", "write a note", "done"), ("admin@example.com", "write a note", "done"),
        ("lukas.brenner@example.com", "write a note on a KPI", "refused"),
        ("lukas.brenner@example.com", "reply to a note", "done")]


@pytest.mark.parametrize(("body", "day", "message"), [
    ("   ", date(2026, 6, 1), "it is empty"),
    ("x" * 2001, date(2026, 6, 1), "up to 2,000 characters; this one has 2,001"),
    ("Next month's plan", date(2026, 8, 1), "date it today"),
])
def test_a_note_must_say_something_about_what_has_happened(golden_copy, body, day, message):
    with pytest.raises(notes.NoteError, match=message):
        notes.write(golden_copy, AMARA, kpis_of(golden_copy)["nps"], body, day, now=WRITTEN)
    assert rows(golden_copy, "select count(*) from kpi_notes") == [(0,)]


def test_a_refused_note_is_explained_in_persian(golden_copy):
    nps = kpis_of(golden_copy)["nps"]
    with i18n.use("fa"):
        with pytest.raises(notes.NoteError) as too_long:
            notes.write(golden_copy, AMARA, nps, "x" * 2001, date(2026, 6, 1), now=WRITTEN)
        with pytest.raises(notes.NoteError) as ahead:
            notes.write(golden_copy, AMARA, nps, "Next month's plan", date(2026, 8, 1), now=WRITTEN)
        with pytest.raises(notes.NoteError) as nothing_to_answer:
            notes.reply(golden_copy, AMARA, nps, 42, "hi")
    assert str(too_long.value) == ("یادداشت حداکثر ۲٬۰۰۰ نویسه دارد؛ این یکی ۲٬۰۰۱ نویسه دارد. کوتاهش کنید یا آن را "
                                   "به یک یادداشت و چند پاسخ تقسیم کنید.")
    assert "امروز (۲ ژوئیه ۲۰۲۶)" in str(ahead.value) and "نه ۱ اوت ۲۰۲۶." in str(ahead.value)
    assert str(nothing_to_answer.value).startswith("یادداشت ۴۲ روی ")
    with pytest.raises(notes.NoteError, match=r"^A note is about what has happened: date it today \(02 Jul 2026\) "
                                              r"or earlier, not 01 Aug 2026\.$"):  # unbound: English, as before
        notes.write(golden_copy, AMARA, nps, "Next month's plan", date(2026, 8, 1), now=WRITTEN)


def test_a_refused_action_is_explained_in_russian(golden_copy):
    with i18n.use("ru"), pytest.raises(actions.ActionError) as refused:
        actions.add(golden_copy, person("admin"), kpis_of(golden_copy)["nps"], "", "Mira Holt", "", date(2026, 7, 1),
                    now=WRITTEN)
    assert str(refused.value) == (
        "Опишите, что будет сделано. Укажите электронную почту исполнителя (Mira Holt): по ней он входит, чтобы "
        "обновлять действие. Укажите срок не раньше сегодняшнего дня (2 июл. 2026), а не 1 июл. 2026.")


def test_a_demo_visitor_without_sign_in_cannot_write_or_reply(golden_copy):
    nps = kpis_of(golden_copy)["nps"]
    first = notes.write(golden_copy, person("admin"), nps, "A note", date(2026, 6, 1), now=WRITTEN)
    with pytest.raises(AccessDeniedError, match="a demo visitor cannot reply to a note"):
        notes.reply(golden_copy, demo_visitor_identity("192.0.2.7"), nps, first, "hi")


def test_an_action_names_one_person_a_due_date_and_its_status_is_its_latest_update(golden_copy):
    sla = kpis_of(golden_copy)["complaints_resolved_within_sla"]
    lukas_owns = Identity("lukas.brenner@example.com", "Lukas Brenner", Role.VIEWER, "sign-in")
    action = actions.add(golden_copy, lukas_owns, sla, "Weekend shift on the complaint queue", "Mira Holt",
                         "Mira.Holt@example.com", date(2026, 8, 1), now=WRITTEN)
    with pytest.raises(AccessDeniedError, match=r"only the KPI's owner \(lukas.brenner@example.com\) or the person "
                                                r"doing it \(mira.holt@example.com\) or admins"):
        actions.update(golden_copy, AMARA, sla, action, "done")
    actions.update(golden_copy, MIRA, sla, action, "in progress", "rota agreed", now=datetime(2026, 7, 10))
    with reading(golden_copy) as connection:
        [found] = actions.listing(connection, ["complaints_resolved_within_sla"])
        gathered = follow_up.gather(connection, ["complaints_resolved_within_sla"], Q2, today=date(2026, 8, 2))
    assert (found.status, found.updated_by, found.comment, found.assignee_email) == (
        "in progress", "mira.holt@example.com", "rota agreed", "mira.holt@example.com")
    assert not found.overdue(date(2026, 8, 1)) and found.overdue(date(2026, 8, 2))  # open past its due date
    assert gathered["complaints_resolved_within_sla"].overdue == (found,)
    actions.update(golden_copy, person("admin"), sla, action, "done", now=datetime(2026, 8, 3))
    with reading(golden_copy) as connection:
        assert actions.listing(connection, open_only=True) == []  # done: neither open nor overdue
    assert rows(golden_copy, "select status from kpi_action_updates order by updated_at") == [
        ("open",), ("in progress",), ("done",)]  # every status it had: nothing overwritten


@pytest.mark.parametrize(("what", "name", "email", "due", "message"), [
    ("", "Mira Holt", "mira@example.com", date(2026, 8, 1), "Say what will be done"),
    ("Shift", "Mira Holt and Olaf", "mira@example.com", date(2026, 8, 1), "Name one person"),
    ("Shift", "Mira Holt", "", date(2026, 8, 1), "Give Mira Holt email"),
    ("Shift", "Mira Holt", "mira@example.com, olaf@example.com", date(2026, 8, 1), "one address"),
    ("Shift", "Mira Holt", "mira@example.com", date(2026, 7, 1), "due date from today"),
])
def test_an_action_that_cannot_be_followed_up_is_refused_with_the_reason(golden_copy, what, name, email, due, message):
    with pytest.raises(actions.ActionError, match=message):
        actions.add(golden_copy, person("admin"), kpis_of(golden_copy)["nps"], what, name, email, due, now=WRITTEN)


def test_rebuild_keeps_notes_actions_and_their_ids(tmp_path):
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    nps = kpis_of(db)["nps"]
    first = notes.write(db, AMARA, nps, "Before the rebuild", date(2026, 6, 1), now=WRITTEN)
    action = actions.add(db, AMARA, nps, "Call detractors back", "Amara Okafor", "amara.okafor@example.com",
                         date(2026, 9, 1), now=WRITTEN)
    rebuild(db)
    assert notes.reply(db, LUKAS, nps, first, "After it", now=WRITTEN) == first + 1  # ids go on, never reused
    actions.update(db, AMARA, nps, action, "done")
    with reading(db) as connection:
        assert [len(thread.replies) for thread in notes.threads(connection, "nps")] == [1]
        assert [found.status for found in actions.listing(connection)] == ["done"]


def test_the_card_shows_the_latest_note_with_its_date_and_the_open_and_overdue_actions(
    golden_copy, monkeypatch: pytest.MonkeyPatch
):
    nps = kpis_of(golden_copy)["nps"]
    notes.write(golden_copy, AMARA, nps, "Earlier note", date(2026, 5, 2), now=WRITTEN)
    notes.write(golden_copy, AMARA, nps, "Q2 dip: survey vendor change", date(2026, 6, 15), now=WRITTEN)
    notes.write(golden_copy, AMARA, nps, "A note about July", date(2026, 7, 1), now=WRITTEN)  # after Q2: not on it
    for due in (date(2026, 7, 20), date(2099, 1, 1)):
        actions.add(golden_copy, AMARA, nps, f"Due {due}", "Mira Holt", "mira.holt@example.com", due, now=WRITTEN)
    at = app_test(monkeypatch, golden_copy)
    at.run()
    text = card_text(at.get_by_key("card-nps"))
    assert "15 Jun 2026, Amara Okafor: Q2 dip: survey vendor change" in text
    assert "2 open actions · 1 overdue" in text  # 20 Jul 2026 is past (today is later), 2099 is not
    with reading(golden_copy) as connection:
        gathered = follow_up.gather(connection, ["nps"], Q2, date.today())["nps"]
    assert gathered.noted_months([date(2026, month, 1) for month in (4, 5, 6, 7)]) == [False, True, True, False]


def test_on_the_kpi_page_a_viewer_is_refused_a_note_and_the_refusal_is_audited(
    golden_copy, monkeypatch: pytest.MonkeyPatch
):
    from tests.test_guarded_actions import SECRETS, error_text

    at: AppTest = app_test(monkeypatch, golden_copy)
    at.secrets = SECRETS
    at.user = {"is_logged_in": True, "email": "vera@example.com", "name": "Vera Viewer"}
    at.run()
    at.switch_page("pages/1_NPS.py").run()
    at.text_area(key="note_body_nps").set_value("Not mine")
    at.button(key="note_save_nps").click().run()
    assert ("Refused: only the KPI's owner (amara.okafor@example.com) or admins may write a note on a KPI; you "
            "(vera@example.com) are a viewer.") in error_text(at)
    assert rows(golden_copy, "select actor, action, outcome from audit_log") == [
        ("vera@example.com", "write a note on a KPI", "refused")]
    assert rows(golden_copy, "select count(*) from kpi_notes") == [(0,)]


def test_the_period_of_a_note_on_the_card_is_the_cards_twelve_months(golden_copy):
    """A note dated before the card's 12 months is history, not the latest word on this period."""
    nps = kpis_of(golden_copy)["nps"]
    notes.write(golden_copy, AMARA, nps, "Old news", date(2025, 6, 30), now=WRITTEN)
    with reading(golden_copy) as connection:
        assert follow_up.gather(connection, ["nps"], Q2, date.today())["nps"].latest_note is None
        later = follow_up.gather(connection, ["nps"], Period(date(2025, 4, 1), date(2025, 6, 30)), date.today())["nps"]
    assert later.latest_note.body == "Old news"


def _action(what: str, due_on: date, status: str = "open") -> actions.Action:
    return actions.Action(1, "nps", what, "Mira Holt", "mira.holt@example.com", due_on, WRITTEN, "amara", status,
                          WRITTEN, "amara", "")


def test_open_and_overdue_actions_are_counted_once_and_read_alike_on_the_card_and_elsewhere():
    """Two open actions, one due before today: '2 open actions, 1 overdue' on the Owners page, the slide
    and the digest; the card says the same counts, the overdue one in orange. A done action is not open."""
    today = date(2026, 8, 1)
    found = follow_up.FollowUp(open_actions=(_action("Call back", date(2026, 7, 20)),
                                             _action("Retrain", date(2099, 1, 1), "in progress")), today=today)
    assert follow_up.action_counts(found) == ("2 open actions", "1 overdue")
    assert follow_up.actions_line(found) == "2 open actions, 1 overdue"
    assert '2 open actions · <strong class="cx-alert">1 overdue</strong>' in follow_up_text.card_html(found)
    assert follow_up.action_line(found.open_actions[0], True) == \
        "Call back: Mira Holt, due 20 Jul 2026 (open, overdue)"
    assert follow_up.actions_line(follow_up.FollowUp(today=today)) == ""
    assert follow_up_text.card_html(follow_up.FollowUp(today=today)) == ""


def test_the_digest_writes_notes_and_actions_without_the_apps_ui_modules():
    """cxkpi/ holds the words of notes and actions; the digest (run by cron, no browser) needs no ui/follow_up_text."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, cxkpi.digest; print('ui.follow_up_text' in sys.modules)"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    assert loaded.stdout.strip() == "False"


def test_an_action_already_done_and_an_assignees_two_addresses_are_refused_in_the_readers_language(golden_copy):
    nps = kpis_of(golden_copy)["nps"]
    action = actions.add(golden_copy, person("admin"), nps, "Call detractors back", "Mira Holt", "mira@example.com",
                         date(2026, 8, 1), now=WRITTEN)
    actions.update(golden_copy, person("admin"), nps, action, "done")
    with i18n.use("fa"), pytest.raises(actions.ActionError) as again:
        actions.update(golden_copy, person("admin"), nps, action, "done")
    assert str(again.value) == "وضعیت این اقدام همین حالا «انجام‌شده» است."
    with pytest.raises(actions.ActionError, match=r"^The action is already done\.$"):  # unbound: English, as before
        actions.update(golden_copy, person("admin"), nps, action, "done")
    with i18n.use("ru"), pytest.raises(actions.ActionError) as two:
        actions.add(golden_copy, person("admin"), nps, "Shift", "Mira Holt", "mira@example.com, olaf@example.com",
                    date(2026, 8, 1), now=WRITTEN)
    assert str(two.value) == ("Эл. почта исполнителя должна быть одним адресом вида name@example.com, а не "
                              "'mira@example.com, olaf@example.com'.")
    with pytest.raises(actions.ActionError) as english:
        actions.add(golden_copy, person("admin"), nps, "Shift", "Mira Holt", "mira@example.com, olaf@example.com",
                    date(2026, 8, 1), now=WRITTEN)
    assert str(english.value) == ("The action needs their email to be one address like name@example.com, not "
                                  "'mira@example.com, olaf@example.com'.")
