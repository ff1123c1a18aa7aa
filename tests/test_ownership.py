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
