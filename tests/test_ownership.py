"""Owners and targets changed from the app: exactly one owner, every change audited, metrics.toml untouched."""

from datetime import datetime

import pytest

from cxkpi import ownership
from cxkpi.registry import DEFAULT_REGISTRY_PATH, Owner, load_registry
from cxkpi.warehouse import reading


def effective(db):
    with reading(db) as connection:
        return {kpi.id: kpi for kpi in ownership.effective(connection, load_registry())}


def test_reassigning_an_owner_replaces_the_one_owner_and_records_who_when_old_and_new(golden_copy):
    nps = effective(golden_copy)["nps"]
    registry_text = DEFAULT_REGISTRY_PATH.read_text()
    changes = ownership.change(golden_copy, nps, "Board secretary", owner=Owner("Lena Vogt", "VP Customer Insight"),
                               now=datetime(2026, 11, 2, 9, 30))
    assert changes == [("owner", "Amara Okafor, Chief Customer Officer", "Lena Vogt, VP Customer Insight")]
    assert effective(golden_copy)["nps"].owner == Owner("Lena Vogt", "VP Customer Insight")
    with reading(golden_copy) as connection:
        assert ownership.history(connection).values.tolist() == [[
            datetime(2026, 11, 2, 9, 30), "Board secretary", "nps", "owner",
            "Amara Okafor, Chief Customer Officer", "Lena Vogt, VP Customer Insight",
        ]]
    assert DEFAULT_REGISTRY_PATH.read_text() == registry_text  # the definition file is not rewritten


def test_changing_a_target_keeps_the_owner_and_audits_old_and_new_values(golden_copy):
    response = effective(golden_copy)["complaint_response_hours"]
    assert ownership.change(golden_copy, response, "COO office", target=4.5) == [("target", "6", "4.5")]
    after = effective(golden_copy)["complaint_response_hours"]
    assert (after.target, after.owner) == (4.5, response.owner)


def test_successive_changes_build_on_each_other_and_are_listed_newest_first(golden_copy):
    trust = effective(golden_copy)["brand_trust"]
    ownership.change(golden_copy, trust, "A", target=72, now=datetime(2026, 11, 1))
    ownership.change(golden_copy, effective(golden_copy)["brand_trust"], "B", target=75, now=datetime(2026, 11, 3))
    with reading(golden_copy) as connection:
        rows = ownership.history(connection)[["changed_by", "old_value", "new_value"]].values.tolist()
    assert rows == [["B", "72", "75"], ["A", "70", "72"]]
    assert effective(golden_copy)["brand_trust"].target == 75


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"changed_by": " ", "target": 40}, "Say who is making the change"),
        ({"changed_by": "A", "owner": Owner("", "CFO")}, "needs exactly one owner"),
        ({"changed_by": "A", "owner": Owner("Lena Vogt", " ")}, "needs exactly one owner"),
        ({"changed_by": "A", "target": float("nan")}, "must be a number"),
        ({"changed_by": "A", "target": -500.0}, r"must be from -100 to 100 \(points\); -500 is not"),
        ({"changed_by": "A", "target": 1e308}, r"must be from -100 to 100 \(points\); 1e\+308 is not"),
        ({"changed_by": "A", "owner": Owner("Amara Okafor; Lukas Brenner", "CCO")}, "names more than one person"),
        ({"changed_by": "A", "owner": Owner("Amara Okafor and Lukas Brenner", "CCO")}, "names more than one person"),
    ],
)
def test_a_change_that_breaks_the_rules_is_refused_and_nothing_is_written(golden_copy, arguments, message):
    with pytest.raises(ownership.OwnershipError, match=message):
        ownership.change(golden_copy, effective(golden_copy)["nps"], **arguments)
    with reading(golden_copy) as connection:
        assert ownership.history(connection).empty


def test_a_change_to_the_same_values_records_nothing(golden_copy):
    nps = effective(golden_copy)["nps"]
    assert ownership.change(golden_copy, nps, "A", owner=nps.owner, target=nps.target) == []


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
