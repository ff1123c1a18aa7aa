"""metrics.toml: every KPI has exactly one named owner, a target and a direction, or nothing starts."""

import pytest

from cxkpi import i18n
from cxkpi.registry import RegistryError, load_registry

VALID_KPI = """
[[kpi]]
id = "nps"
title = "Net Promoter Score"
unit = "points"
direction = "higher"
target = 30
source = "survey_responses"
reads = "survey_daily_counts"
description = "Promoters minus detractors."
"""


def registry_file(tmp_path, text):
    path = tmp_path / "metrics.toml"
    path.write_text(text)
    return path


def test_the_shipped_registry_gives_each_of_the_four_kpis_one_owner_and_a_target():
    kpis = load_registry()
    # The KPIs added for issue 4 follow these four (tests/test_service_and_loyalty_kpis.py checks them).
    assert [kpi.id for kpi in kpis][:4] == ["nps", "complaint_response_hours", "repeat_purchase_rate", "brand_trust"]
    assert all(kpi.owner.name and kpi.owner.role for kpi in kpis)
    assert {kpi.id: kpi.direction for kpi in kpis}["complaint_response_hours"] == "lower"


def test_a_kpi_with_one_owner_loads(tmp_path):
    [kpi] = load_registry(registry_file(tmp_path, VALID_KPI + 'owner = { name = "Amara Okafor", role = "CCO" }'))
    assert (kpi.owner.name, kpi.owner.role, kpi.target) == ("Amara Okafor", "CCO", 30.0)


def test_a_kpi_without_an_owner_is_refused_by_name(tmp_path):
    with pytest.raises(RegistryError, match="KPI 'nps' has no owner"):
        load_registry(registry_file(tmp_path, VALID_KPI))


@pytest.mark.parametrize(
    "owners",
    [
        'owner = [{ name = "Amara Okafor", role = "CCO" }, { name = "Lukas Brenner", role = "VP" }]',
        'owner = { name = "Amara Okafor", role = "CCO" }\nowners = [{ name = "Lukas Brenner", role = "VP" }]',
    ],
)
def test_a_kpi_with_two_owners_is_refused_by_name(tmp_path, owners):
    with pytest.raises(RegistryError, match="KPI 'nps' has two or more owners"):
        load_registry(registry_file(tmp_path, VALID_KPI + owners))


def test_a_kpi_without_a_target_is_refused_by_name(tmp_path):
    text = VALID_KPI.replace("target = 30\n", "") + 'owner = { name = "Amara Okafor", role = "CCO" }'
    with pytest.raises(RegistryError, match="KPI 'nps' has no target"):
        load_registry(registry_file(tmp_path, text))


def test_an_owner_without_a_name_is_no_owner(tmp_path):
    with pytest.raises(RegistryError, match="KPI 'nps' has no owner"):
        load_registry(registry_file(tmp_path, VALID_KPI + 'owner = { name = " ", role = "CCO" }'))


def test_a_direction_other_than_higher_or_lower_is_refused(tmp_path):
    text = VALID_KPI.replace('"higher"', '"up"') + 'owner = { name = "A", role = "B" }'
    with pytest.raises(RegistryError, match="KPI 'nps' has direction 'up'; use 'higher' or 'lower'"):
        load_registry(registry_file(tmp_path, text))


def test_a_kpi_without_its_sql_file_is_refused(tmp_path):
    text = VALID_KPI.replace('id = "nps"', 'id = "churn"') + 'owner = { name = "A", role = "B" }'
    with pytest.raises(RegistryError, match=r"KPI 'churn' has no query file queries/churn\.sql"):
        load_registry(registry_file(tmp_path, text))


def test_every_problem_is_reported_at_once(tmp_path):
    second = VALID_KPI.replace('id = "nps"', 'id = "brand_trust"').replace("target = 30\n", "")
    with pytest.raises(RegistryError) as refusal:
        load_registry(registry_file(tmp_path, VALID_KPI + second))
    assert "KPI 'nps' has no owner" in str(refusal.value)
    assert "KPI 'brand_trust' has no target" in str(refusal.value)


def test_a_kpi_can_carry_numeric_parameters_for_its_sql(tmp_path):
    text = VALID_KPI + 'owner = { name = "A", role = "B" }\nparameters = { sla_hours = 72 }'
    [kpi] = load_registry(registry_file(tmp_path, text))
    assert kpi.parameters == (("sla_hours", 72.0),)


def test_a_non_numeric_parameter_is_refused(tmp_path):
    text = VALID_KPI + 'owner = { name = "A", role = "B" }\nparameters = { sla_hours = "three days" }'
    with pytest.raises(RegistryError, match="KPI 'nps' has parameters that are not numbers"):
        load_registry(registry_file(tmp_path, text))


@pytest.mark.parametrize("reads", ['', 'reads = "survey_responses"\n'])
def test_a_kpi_that_does_not_name_a_fact_table_to_read_is_refused_with_the_choices(tmp_path, reads):
    text = VALID_KPI.replace('reads = "survey_daily_counts"\n', reads) + 'owner = { name = "A", role = "B" }'
    with pytest.raises(RegistryError, match=r"KPI 'nps' has reads = .*; use one of .*survey_daily_counts"):
        load_registry(registry_file(tmp_path, text))


@pytest.mark.parametrize("session_language", ["en", "fa"])
def test_a_target_outside_the_kpis_range_is_refused_by_name(tmp_path, session_language):
    """In English whoever's session loads it (the Owners page says it in the reader's language)."""
    text = VALID_KPI.replace("target = 30", "target = 300") + 'target_range = { min = -100, max = 100 }\n'
    with i18n.use(session_language), pytest.raises(
        RegistryError, match="KPI 'nps' has target 300, which it cannot reach: it must be from -100 to 100"
    ):
        load_registry(registry_file(tmp_path, text + 'owner = { name = "Amara Okafor", role = "CCO" }'))


def test_a_share_is_0_to_100_unless_the_registry_says_otherwise(tmp_path):
    share = VALID_KPI.replace('unit = "points"', 'unit = "%"').replace("target = 30", "target = 101")
    with pytest.raises(RegistryError, match="must be from 0 to 100"):
        load_registry(registry_file(tmp_path, share + 'owner = { name = "Amara Okafor", role = "CCO" }'))


def test_an_owner_naming_two_people_is_refused_by_name(tmp_path):
    with pytest.raises(RegistryError, match="KPI 'nps' needs exactly one owner, and 'Amara Okafor and Lukas "
                                            "Brenner' names more than one person"):
        load_registry(registry_file(tmp_path, VALID_KPI + 'owner = { name = "Amara Okafor and Lukas Brenner", '
                                                          'role = "CCO" }'))


def test_maturity_names_a_parameter_in_days_and_a_table(tmp_path):
    owner = 'owner = { name = "Amara Okafor", role = "CCO" }\n'
    good = VALID_KPI + owner + 'parameters = { window_days = 90 }\nmaturity = { parameter = "window_days", ' \
                               'table = "orders" }\n'
    [kpi] = load_registry(registry_file(tmp_path, good))
    assert (kpi.maturity_days, kpi.maturity_table) == (90, "orders")
    with pytest.raises(RegistryError, match="KPI 'nps' has maturity"):
        load_registry(registry_file(tmp_path, good.replace('parameter = "window_days"', 'parameter = "days"')))
    with pytest.raises(RegistryError, match="KPI 'nps' has maturity"):
        load_registry(registry_file(tmp_path, good.replace('table = "orders"', 'table = "sales"')))


def test_the_shipped_slow_kpis_mature_over_their_90_day_window(registry):
    assert {kpi.id: kpi.maturity_days for kpi in registry.values() if kpi.maturity_days} == {
        "cohort_repeat_90d": 90, "recovery_effect": 90}
    assert {kpi.statistic for kpi in registry.values()} == {"nps", "median", "proportion", "rate", "difference"}


def test_a_difference_needs_the_columns_of_its_two_groups(tmp_path):
    text = VALID_KPI + 'owner = { name = "Amara Okafor", role = "CCO" }\nstatistic = "difference"\n'
    with pytest.raises(RegistryError, match='statistic "difference" without difference_of'):
        load_registry(registry_file(tmp_path, text))
