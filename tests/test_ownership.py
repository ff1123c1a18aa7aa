"""Owners and targets changed from the app: exactly one owner, every change audited, metrics.toml untouched."""

from datetime import datetime

import pytest

from cxkpi import ownership
from cxkpi.registry import DEFAULT_REGISTRY_PATH, Owner, load_registry
from cxkpi.warehouse import reading
from tests.support import GOLDEN_DIR, build_warehouse


@pytest.fixture
def db(tmp_path):
    return build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)


def effective(db):
    with reading(db) as connection:
        return {kpi.id: kpi for kpi in ownership.effective(connection, load_registry())}


def test_reassigning_an_owner_replaces_the_one_owner_and_records_who_when_old_and_new(db):
    nps = effective(db)["nps"]
    registry_text = DEFAULT_REGISTRY_PATH.read_text()
    changes = ownership.change(db, nps, "Board secretary", owner=Owner("Lena Vogt", "VP Customer Insight"),
                               now=datetime(2026, 11, 2, 9, 30))
    assert changes == [("owner", "Amara Okafor, Chief Customer Officer", "Lena Vogt, VP Customer Insight")]
    assert effective(db)["nps"].owner == Owner("Lena Vogt", "VP Customer Insight")
    with reading(db) as connection:
        assert ownership.history(connection).values.tolist() == [[
            datetime(2026, 11, 2, 9, 30), "Board secretary", "nps", "owner",
            "Amara Okafor, Chief Customer Officer", "Lena Vogt, VP Customer Insight",
        ]]
    assert DEFAULT_REGISTRY_PATH.read_text() == registry_text  # the definition file is not rewritten


def test_changing_a_target_keeps_the_owner_and_audits_old_and_new_values(db):
    response = effective(db)["complaint_response_hours"]
    assert ownership.change(db, response, "COO office", target=4.5) == [("target", "6", "4.5")]
    after = effective(db)["complaint_response_hours"]
    assert (after.target, after.owner) == (4.5, response.owner)


def test_successive_changes_build_on_each_other_and_are_listed_newest_first(db):
    trust = effective(db)["brand_trust"]
    ownership.change(db, trust, "A", target=72, now=datetime(2026, 11, 1))
    ownership.change(db, effective(db)["brand_trust"], "B", target=75, now=datetime(2026, 11, 3))
    with reading(db) as connection:
        rows = ownership.history(connection)[["changed_by", "old_value", "new_value"]].values.tolist()
    assert rows == [["B", "72", "75"], ["A", "70", "72"]]
    assert effective(db)["brand_trust"].target == 75


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"changed_by": " ", "target": 40}, "Say who is making the change"),
        ({"changed_by": "A", "owner": Owner("", "CFO")}, "needs exactly one owner"),
        ({"changed_by": "A", "owner": Owner("Lena Vogt", " ")}, "needs exactly one owner"),
        ({"changed_by": "A", "target": float("nan")}, "must be a number"),
    ],
)
def test_a_change_that_breaks_the_rules_is_refused_and_nothing_is_written(db, arguments, message):
    with pytest.raises(ownership.OwnershipError, match=message):
        ownership.change(db, effective(db)["nps"], **arguments)
    with reading(db) as connection:
        assert ownership.history(connection).empty


def test_a_change_to_the_same_values_records_nothing(db):
    nps = effective(db)["nps"]
    assert ownership.change(db, nps, "A", owner=nps.owner, target=nps.target) == []
