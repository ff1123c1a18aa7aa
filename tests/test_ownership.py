"""Owners and targets changed from the app: exactly one owner, every change audited, metrics.toml untouched."""

from datetime import date, datetime

import pytest

from cxkpi import i18n, ownership
from cxkpi.access import AccessDeniedError
from cxkpi.registry import DEFAULT_REGISTRY_PATH, Owner, RegistryError, load_registry
from cxkpi.warehouse import reading
from tests.support import person, rows

ADMIN = person("admin", "board.secretary@example.com")


def effective(db):
    with reading(db) as connection:
        return {kpi.id: kpi for kpi in ownership.effective(connection, load_registry(), date.today())}


def test_reassigning_an_owner_replaces_the_one_owner_and_records_who_when_old_and_new(golden_copy):
    """Who is the signed-in identity, never typed text."""
    nps = effective(golden_copy)["nps"]
    registry_text = DEFAULT_REGISTRY_PATH.read_text()
    lena = Owner("Lena Vogt", "VP Customer Insight", "lena.vogt@example.com")
    changes = ownership.change(golden_copy, nps, ADMIN, owner=lena, now=datetime(2026, 11, 2, 9, 30))
    assert changes == [("owner", "Amara Okafor, Chief Customer Officer <amara.okafor@example.com>",
                        "Lena Vogt, VP Customer Insight <lena.vogt@example.com>")]
    assert effective(golden_copy)["nps"].owner == lena
    with reading(golden_copy) as connection:
        assert ownership.history(connection).drop(columns="applies_from").values.tolist() == [[
            datetime(2026, 11, 2, 9, 30), "board.secretary@example.com", "nps", "owner",
            "Amara Okafor, Chief Customer Officer <amara.okafor@example.com>",
            "Lena Vogt, VP Customer Insight <lena.vogt@example.com>",
        ]]
    assert DEFAULT_REGISTRY_PATH.read_text() == registry_text  # the definition file is not rewritten


def test_changing_a_target_keeps_the_owner_and_audits_old_and_new_values(golden_copy):
    response = effective(golden_copy)["complaint_response_hours"]
    assert ownership.change(golden_copy, response, ADMIN, target=4.5) == [("target", "6", "4.5")]
    after = effective(golden_copy)["complaint_response_hours"]
    assert (after.target, after.owner) == (4.5, response.owner)


def test_successive_changes_build_on_each_other_and_are_listed_newest_first(golden_copy):
    trust = effective(golden_copy)["brand_trust"]
    ownership.change(golden_copy, trust, person("admin", "a@example.com"), target=72, now=datetime(2026, 11, 1))
    ownership.change(golden_copy, effective(golden_copy)["brand_trust"], person("admin", "b@example.com"), target=75,
                     now=datetime(2026, 11, 3))
    with reading(golden_copy) as connection:
        changes = ownership.history(connection)[["changed_by", "old_value", "new_value"]].values.tolist()
    assert changes == [["b@example.com", "72", "75"], ["a@example.com", "70", "72"]]
    assert effective(golden_copy)["brand_trust"].target == 75


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"owner": Owner("", "CFO")}, "needs exactly one owner"),
        ({"owner": Owner("Lena Vogt", " ")}, "needs exactly one owner"),
        ({"target": float("nan")}, "must be a number"),
        ({"target": -500.0}, r"must be from -100 to 100 \(points\); -500 is not"),
        ({"target": 1e308}, r"must be from -100 to 100 \(points\); 1e\+308 is not"),
        ({"owner": Owner("Amara Okafor; Lukas Brenner", "CCO")}, "names more than one person"),
        ({"owner": Owner("Amara Okafor and Lukas Brenner", "CCO")}, "names more than one person"),
    ],
)
def test_a_change_that_breaks_the_rules_is_refused_and_nothing_is_written(golden_copy, arguments, message):
    with pytest.raises(ownership.OwnershipError, match=message):
        ownership.change(golden_copy, effective(golden_copy)["nps"], ADMIN, **arguments)
    with reading(golden_copy) as connection:
        assert ownership.history(connection).empty


def test_an_owner_without_their_own_email_is_refused_in_persian(golden_copy):
    nps = effective(golden_copy)["nps"]
    with i18n.use("fa"), pytest.raises(ownership.OwnershipError) as no_email:
        ownership.change(golden_copy, nps, ADMIN, owner=Owner("Lena Vogt", "CFO"))
    assert str(no_email.value).startswith("ایمیل Lena Vogt را بدهید: با آن وارد می‌شود تا یادداشت‌ها و اقدام‌های ")
    with pytest.raises(ownership.OwnershipError, match=r"^Give Lena Vogt's email: it is how they sign in"):
        ownership.change(golden_copy, nps, ADMIN, owner=Owner("Lena Vogt", "CFO"))  # unbound: English, as before
    with reading(golden_copy) as connection:
        assert ownership.history(connection).empty


def test_a_change_to_the_same_values_records_nothing(golden_copy):
    nps = effective(golden_copy)["nps"]
    assert ownership.change(golden_copy, nps, ADMIN, owner=nps.owner, target=nps.target) == []


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_an_admin_changes_an_owner_or_a_target_and_a_refusal_is_audited(golden_copy, role):
    nps = effective(golden_copy)["nps"]
    someone = person(role)
    with pytest.raises(AccessDeniedError, match=f"only admins may reassign a KPI's owner; you .{role}@example.com. "):
        ownership.change(golden_copy, nps, someone, owner=Owner("Mallory", "Intern"))
    with pytest.raises(AccessDeniedError, match="only admins may change a KPI's target"):
        ownership.change(golden_copy, nps, someone, target=1e308)
    assert effective(golden_copy)["nps"] == nps
    assert rows(golden_copy, "select count(*) from kpi_changes") == [(0,)]
    audit = "select actor, actor_role, action, subject, outcome from audit_log order by recorded_at"
    assert rows(golden_copy, audit) == [
        (someone.user_id, role, "reassign a KPI's owner", "Net Promoter Score", "refused"),
        (someone.user_id, role, "change a KPI's target", "Net Promoter Score", "refused"),
    ]


@pytest.mark.parametrize(
    ("kpi_id", "target", "allowed"),
    [
        ("csat", 150.0, False), ("csat", -1.0, False), ("csat", 100.0, True), ("csat", 0.0, True),
        ("nps", -100.0, True), ("nps", 100.5, False),
        ("complaint_response_hours", 0.0, False), ("complaint_response_hours", 0.5, True),
        ("complaint_rate", -3.0, False), ("complaint_rate", 250.0, True),
        ("recovery_effect", -20.0, True),
    ],
)
def test_a_target_must_lie_in_the_range_the_kpi_can_take(registry, kpi_id, target, allowed):
    """A share is 0-100 %, an NPS and the recovery effect (a difference of shares) −100..100 points, hours
    and complaint rates above 0 (metrics.toml target_range)."""
    assert (ownership.problems(registry[kpi_id], target=target) == []) is allowed


@pytest.mark.parametrize(
    ("name", "one_person"),
    [
        ("Priya Raman", True), ("Raman, Priya", True), ("Alexander Anderson", True), ("Mary-Jane O'Neil", True),
        ("Ольга Андреевна Смирнова", True), ("مریم احمدی", True),
        ("A; B", False), ("A & B", False), ("A/B", False), ("A + B", False), ("A and B", False), ("A AND B", False),
        ("Анна и Олег", False), ("مریم و علی", False), ("Jean et Marie", False), ("Anna und Ben", False),
        ("A\nB", False),
    ],
)
def test_an_owner_is_one_person(name, one_person):
    """A comma is allowed ('Raman, Priya' is one person); words and signs that join two people are not,
    in English, Russian, Persian, French and German."""
    nps = load_registry()[0]
    assert (ownership.problems(nps, owner=Owner(name, "VP")) == []) is one_person


def test_a_target_outside_the_kpis_range_is_refused_in_persian_and_russian_with_their_digits(registry):
    """CSAT is a share: 150 % is refused in the reader's words, the range and the target in their digits;
    unbound, the English is as it always was."""
    csat = registry["csat"]
    assert ownership.problems(csat, target=150.0) == [
        "The target of Customer satisfaction (CSAT) must be from 0 to 100 (%); 150 is not."]
    with i18n.use("fa"):
        assert ownership.problems(csat.in_language("fa"), target=150.0) == [
            "هدف رضایت مشتری (CSAT) باید از ۰ تا ۱۰۰ (%) باشد؛ ۱۵۰ در این بازه نیست."]
        assert ownership.problems(registry["nps"].in_language("fa"), target=-100.5) == [
            "هدف خالص امتیاز مروجان (NPS) باید از \u200e−۱۰۰ تا ۱۰۰ (امتیاز) باشد؛ \u200e−۱۰۰٫۵ در این بازه نیست."]
    with i18n.use("ru"):
        assert ownership.problems(registry["complaint_response_hours"].in_language("ru"), target=0.0) == [
            "Цель «Время ответа на жалобу» должна быть больше 0 (часы); 0 не подходит."]


def test_two_people_as_one_owner_and_two_addresses_are_refused_in_the_readers_language(registry):
    csat = registry["csat"]
    with i18n.use("ru"):
        assert ownership.problems(csat.in_language("ru"), owner=Owner("Priya Raman; Lukas Brenner", "VP")) == [
            "У «Удовлетворённость клиентов (CSAT)» должен быть ровно один владелец, а 'Priya Raman; Lukas Brenner' "
            "называет больше одного человека: отвечает один человек, назовите одного."]
    with i18n.use("fa"):
        assert ownership.problems(csat.in_language("fa"), owner=Owner("Priya Raman", "VP", "a@example.com, b@x.io")) \
            == ["رایانامهٔ مالک رضایت مشتری (CSAT) باید یک نشانی مانند name@example.com باشد، نه "
                "'a@example.com, b@x.io'."]
        assert ownership.problems(csat.in_language("fa"), owner=Owner("", "VP")) == [
            "رضایت مشتری (CSAT) دقیقاً یک مالک لازم دارد: نام و سمت مالک تازه را بدهید."]


def test_metrics_tomls_owner_problems_stay_english_whoever_reads(tmp_path):
    """A registry loaded in a Persian session still says what is wrong with metrics.toml in English, like
    every error line."""
    broken = tmp_path / "metrics.toml"
    broken.write_text(DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8").replace(
        'name = "Priya Raman"', 'name = "Priya Raman; Lukas Brenner"', 1), encoding="utf-8")
    with i18n.use("fa"), pytest.raises(RegistryError) as refused:
        load_registry(broken)
    assert ("KPI 'csat' needs exactly one owner, and 'Priya Raman; Lukas Brenner' names more than one person: one "
            "person is accountable, so name just one") in str(refused.value)
