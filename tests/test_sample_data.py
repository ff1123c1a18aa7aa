"""The sample data generator: reproducible, well-formed, and telling the story the dashboard exists to show.

Everything here is computed with pandas straight from the CSV files, on purpose: these tests
check the data, not the project's own KPI code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxkpi.sample_data import DEFAULT_END_DATE, DEFAULT_SEED, generate
from tests.support import SAMPLE_DIR

HEADERS = {
    "customers": "customer_id,created_at,region,segment",
    "orders": "order_id,customer_id,ordered_at,amount,channel,status",
    "survey_responses": ("response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel"),
    "complaints": "complaint_id,customer_id,created_at,first_response_at,resolved_at,channel,category,status",
}
DEFAULT_ROWS = {"customers": 5_000, "orders": 20_000, "survey_responses": 6_000, "complaints": 2_500}
TIMESTAMPS = {
    "customers": ["created_at"],
    "orders": ["ordered_at"],
    "survey_responses": ["responded_at"],
    "complaints": ["created_at", "first_response_at", "resolved_at"],
}
KEYS = {
    "customers": "customer_id",
    "orders": "order_id",
    "survey_responses": "response_id",
    "complaints": "complaint_id",
}

WINDOW_START = pd.Timestamp("2024-10-01 00:00:00")
WINDOW_END = pd.Timestamp("2026-09-30 23:59:59")
DIP_QUARTER = pd.Period("2025Q4")
NEIGHBOUR_QUARTERS = (pd.Period("2025Q3"), pd.Period("2026Q1"))

# The story's thresholds. Measured on the default data (fast vs slow first reply): 59% vs 24%
# buy again, later recommend 7.9 vs 6.1, later trust 60% vs 24%; Q4 2025 median reply 13.1 h
# vs 4.1-5.4 h elsewhere, NPS +12 vs +36/+28 either side, trust 53% vs 68%/64%.
FAST_REPLY_HOURS = 24
TIME_TO_BUY_AGAIN = pd.Timedelta(days=90)
MIN_BUY_AGAIN_GAP = 0.15  # share of customers, fast-answered minus slow-answered
MIN_RECOMMEND_GAP = 1.0  # points on the 0-10 scale
MIN_TRUST_GAP = 10.0  # percentage points
MIN_DIP_SLOWDOWN = 2.0  # dip median vs the typical quarter's median
MIN_DIP_NPS_DROP = 10.0
MIN_DIP_TRUST_DROP = 5.0


def read_tables(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {
        table: pd.read_csv(path, keep_default_na=False, na_values=[""], parse_dates=TIMESTAMPS[table])
        for table, path in paths.items()
    }


def nps(scores: pd.Series) -> float:
    answered = scores.dropna()
    return 100.0 * ((answered >= 9).mean() - (answered <= 6).mean())


def trust_share(scores: pd.Series) -> float:
    return 100.0 * (scores.dropna() >= 4).mean()


def reply_hours(complaints: pd.DataFrame) -> pd.Series:
    return (complaints["first_response_at"] - complaints["created_at"]).dt.total_seconds() / 3600


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def tables(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return read_tables(paths)


@pytest.fixture(scope="module")
def first_answered_complaints(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each complainant's first answered complaint, if it left them time to buy again; fast or slow."""
    complaints = tables["complaints"].dropna(subset=["first_response_at"])
    complaints = complaints[complaints["created_at"] <= WINDOW_END - TIME_TO_BUY_AGAIN]
    first = complaints.sort_values(["created_at", "complaint_id"]).drop_duplicates("customer_id")
    return first.assign(fast=reply_hours(first) <= FAST_REPLY_HOURS)[["customer_id", "created_at", "fast"]]


# --- reproducibility ----------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(paths: dict[str, Path], tmp_path: Path) -> None:
    again = generate(tmp_path, seed=DEFAULT_SEED)
    assert again.keys() == paths.keys()
    for table, path in paths.items():
        assert again[table].read_bytes() == path.read_bytes(), table


def test_different_seed_gives_different_files(paths: dict[str, Path], tmp_path: Path) -> None:
    other = generate(tmp_path, seed=DEFAULT_SEED + 1)
    for table, path in paths.items():
        assert other[table].read_bytes() != path.read_bytes(), table


def test_committed_sample_data_is_exactly_what_generate_writes_by_default(paths: dict[str, Path]) -> None:
    for table, path in paths.items():
        committed = SAMPLE_DIR / f"{table}.csv"
        assert committed.read_bytes() == path.read_bytes(), f"regenerate {committed} with cxkpi.sample_data.generate"


def test_end_date_moves_the_whole_window(tmp_path: Path) -> None:
    small = generate(
        tmp_path, end_date=date(2025, 6, 30), customers=300, orders=1_200, survey_responses=400, complaints=150
    )
    frames = read_tables(small)
    for table in ("orders", "survey_responses", "complaints"):
        for column in TIMESTAMPS[table]:
            stamps = frames[table][column].dropna()
            assert stamps.min() >= pd.Timestamp("2023-07-01"), (table, column)
            assert stamps.max() <= pd.Timestamp("2025-06-30 23:59:59"), (table, column)
    assert pd.Timestamp(DEFAULT_END_DATE) == WINDOW_END.normalize()


# --- format -------------------------------------------------------------------------------


def test_files_have_canonical_headers_and_the_requested_row_counts(
    paths: dict[str, Path], tables: dict[str, pd.DataFrame]
) -> None:
    assert set(paths) == set(HEADERS)
    for table, path in paths.items():
        assert path.name == f"{table}.csv"
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == HEADERS[table]
        assert len(tables[table]) == DEFAULT_ROWS[table], table


def test_files_are_utf8_without_bom_with_unix_line_endings(paths: dict[str, Path]) -> None:
    for path in paths.values():
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        assert raw.endswith(b"\n")


def test_timestamps_and_amounts_are_written_in_the_canonical_text_form(paths: dict[str, Path]) -> None:
    stamp = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
    orders = pd.read_csv(paths["orders"], dtype=str, keep_default_na=False)
    assert orders["ordered_at"].str.fullmatch(stamp).all()
    assert orders["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    complaints = pd.read_csv(paths["complaints"], dtype=str, keep_default_na=False)
    for column in ("first_response_at", "resolved_at"):
        assert complaints[column].str.fullmatch(f"({stamp})?").all()


def test_ids_are_readable_zero_padded_strings(tables: dict[str, pd.DataFrame]) -> None:
    patterns = {"customers": r"C\d{7}", "orders": r"O\d{7}", "survey_responses": r"R\d{7}", "complaints": r"K\d{7}"}
    for table, pattern in patterns.items():
        assert tables[table][KEYS[table]].str.fullmatch(pattern).all(), table


def test_keys_are_unique_and_every_customer_reference_exists(tables: dict[str, pd.DataFrame]) -> None:
    for table, key in KEYS.items():
        assert tables[table][key].is_unique, table
    known = set(tables["customers"]["customer_id"])
    for table in ("orders", "survey_responses", "complaints"):
        assert tables[table]["customer_id"].notna().all(), table
        assert set(tables[table]["customer_id"]) <= known, table


def test_some_comments_exercise_csv_quoting(tables: dict[str, pd.DataFrame]) -> None:
    comments = tables["survey_responses"]["comment"].dropna()
    assert comments.str.contains(",", regex=False).any()
    assert comments.str.contains('"', regex=False).any()
    assert comments.str.contains("\n", regex=False).any()


# --- calendar -----------------------------------------------------------------------------


def test_every_activity_timestamp_falls_inside_the_24_month_window(tables: dict[str, pd.DataFrame]) -> None:
    for table in ("orders", "survey_responses", "complaints"):
        for column in TIMESTAMPS[table]:
            stamps = tables[table][column].dropna()
            assert stamps.between(WINDOW_START, WINDOW_END).all(), (table, column)


def test_about_a_fifth_of_customers_signed_up_in_the_year_before_the_window(tables: dict[str, pd.DataFrame]) -> None:
    created = tables["customers"]["created_at"]
    assert created.notna().all()
    assert created.between(WINDOW_START - pd.DateOffset(years=1), WINDOW_END).all()
    assert 0.15 <= (created < WINDOW_START).mean() <= 0.25


def test_customers_sign_up_before_their_first_order(tables: dict[str, pd.DataFrame]) -> None:
    first_order = tables["orders"].groupby("customer_id")["ordered_at"].min()
    created = tables["customers"].set_index("customer_id")["created_at"].reindex(first_order.index)
    assert (created < first_order).all()


def test_each_survey_response_follows_an_order_of_its_customer_in_the_same_channel(
    tables: dict[str, pd.DataFrame],
) -> None:
    first_order = tables["orders"].groupby(["customer_id", "channel"], as_index=False)["ordered_at"].min()
    responses = tables["survey_responses"].merge(first_order, on=["customer_id", "channel"], how="left")
    assert len(responses) == DEFAULT_ROWS["survey_responses"]
    assert (responses["ordered_at"] < responses["responded_at"]).all()


def test_complaints_are_raised_after_an_order_and_answered_before_being_resolved(
    tables: dict[str, pd.DataFrame],
) -> None:
    complaints = tables["complaints"]
    first_order = tables["orders"].groupby("customer_id")["ordered_at"].min()
    assert (complaints["created_at"] > complaints["customer_id"].map(first_order)).all()
    answered = complaints.dropna(subset=["first_response_at"])
    assert (answered["first_response_at"] > answered["created_at"]).all()
    resolved = complaints.dropna(subset=["resolved_at"])
    assert resolved["first_response_at"].notna().all()
    assert (resolved["resolved_at"] > resolved["first_response_at"]).all()
    assert (complaints["status"] == complaints["resolved_at"].notna().map({True: "resolved", False: "open"})).all()


def test_recent_complaints_are_mostly_open_and_a_few_older_ones_were_never_answered(
    tables: dict[str, pd.DataFrame],
) -> None:
    complaints = tables["complaints"]
    recent = complaints["created_at"] > WINDOW_END - pd.Timedelta(days=14)
    assert (complaints.loc[recent, "status"] == "open").mean() > 0.6
    older = complaints[~recent]
    assert 0.01 <= older["first_response_at"].isna().mean() <= 0.04
    assert 0.02 <= (older["status"] == "open").mean() <= 0.10
    # Open both with and without a first reply.
    still_open = complaints[complaints["status"] == "open"]
    assert still_open["first_response_at"].isna().any() and still_open["first_response_at"].notna().any()


# --- values -------------------------------------------------------------------------------


def test_categorical_columns_use_only_the_documented_values(tables: dict[str, pd.DataFrame]) -> None:
    customers, orders = tables["customers"], tables["orders"]
    responses, complaints = tables["survey_responses"], tables["complaints"]
    assert set(customers["region"]) == {"EMEA", "North America", "LATAM", "APAC"}
    assert set(customers["segment"]) == {"Consumer", "Small business", "Enterprise"}
    assert set(orders["channel"]) == {"web", "app", "store"}
    assert set(orders["status"]) == {"completed", "returned", "cancelled"}
    assert set(responses["channel"]) == {"web", "app", "store"}
    assert set(complaints["channel"]) == {"web", "app", "store", "phone"}
    assert set(complaints["category"]) == {"delivery", "product quality", "billing", "returns", "staff"}
    assert set(complaints["status"]) == {"resolved", "open"}
    segment_share = customers["segment"].value_counts(normalize=True)
    assert segment_share["Consumer"] > segment_share["Small business"] > segment_share["Enterprise"]


def test_order_statuses_are_mostly_completed(tables: dict[str, pd.DataFrame]) -> None:
    status_share = tables["orders"]["status"].value_counts(normalize=True)
    assert 0.03 <= status_share["returned"] <= 0.07
    assert 0.02 <= status_share["cancelled"] <= 0.06
    assert (tables["orders"]["amount"] > 0).all()


def test_survey_scores_are_in_range_with_the_documented_gaps(tables: dict[str, pd.DataFrame]) -> None:
    responses = tables["survey_responses"]
    for column, low, high, missing in (
        ("recommend_score", 0, 10, 0.03),
        ("trust_score", 1, 5, 0.10),
        ("csat_score", 1, 5, 0.15),
    ):
        scores = responses[column]
        assert scores.dropna().between(low, high).all(), column
        assert (scores.dropna() % 1 == 0).all(), column
        assert abs(scores.isna().mean() - missing) < 0.02, column
    assert 0.5 <= responses["comment"].notna().mean() <= 0.7


def test_comments_match_the_score(tables: dict[str, pd.DataFrame]) -> None:
    responses = tables["survey_responses"].dropna(subset=["comment", "recommend_score"])
    assert responses["comment"].nunique() > 100
    praise = responses["comment"].str.contains("Love the app|Fast delivery|really helpful|Good value")
    grievance = responses["comment"].str.contains(
        r"days late|waiting for my refund|Rude staff|out of stock after I paid|days for an answer"
    )
    assert praise.sum() >= 50 and grievance.sum() >= 50
    assert responses.loc[praise, "recommend_score"].mean() >= 8.5
    assert responses.loc[grievance, "recommend_score"].mean() <= 6.5


def test_headline_numbers_are_believable_for_an_executive_overview(tables: dict[str, pd.DataFrame]) -> None:
    responses, complaints = tables["survey_responses"], tables["complaints"]
    assert 20 <= nps(responses["recommend_score"]) <= 40
    assert 55 <= trust_share(responses["trust_score"]) <= 70
    usual = complaints[complaints["created_at"].dt.to_period("Q") != DIP_QUARTER]
    assert 3 <= reply_hours(usual).median() <= 8


def test_repeat_purchase_rate_settles_between_40_and_70_percent(tables: dict[str, pd.DataFrame]) -> None:
    """Per quarter: buyers in the quarter with 2+ non-cancelled orders up to its end."""
    orders = tables["orders"]
    counted = orders[orders["status"] != "cancelled"]
    quarters = sorted(counted["ordered_at"].dt.to_period("Q").unique())
    rates = {}
    for quarter in quarters:
        to_date = counted[counted["ordered_at"] <= quarter.end_time]
        buyers = to_date.loc[to_date["ordered_at"] >= quarter.start_time, "customer_id"].unique()
        orders_to_date = to_date["customer_id"].value_counts().reindex(buyers)
        rates[quarter] = 100.0 * (orders_to_date >= 2).mean()
    # The first quarter has no earlier orders to count, so it naturally sits lower.
    assert all(40 <= rate <= 70 for quarter, rate in rates.items() if quarter != quarters[0]), rates
    assert 30 <= rates[quarters[0]] <= 70


# --- story 1: slow answers cost customers ------------------------------------------------


def test_complaints_answered_slowly_lead_to_fewer_repeat_purchases(
    tables: dict[str, pd.DataFrame], first_answered_complaints: pd.DataFrame
) -> None:
    orders = tables["orders"]
    later = first_answered_complaints.merge(
        orders.loc[orders["status"] != "cancelled", ["customer_id", "ordered_at"]], on="customer_id", how="left"
    )
    later["after"] = later["ordered_at"] > later["created_at"]
    bought_again = later.groupby(["customer_id", "fast"])["after"].any().groupby("fast").mean()
    assert first_answered_complaints["fast"].value_counts().min() >= 50
    assert bought_again[True] - bought_again[False] >= MIN_BUY_AGAIN_GAP, bought_again.to_dict()


def test_complaints_answered_slowly_lead_to_lower_scores_afterwards(
    tables: dict[str, pd.DataFrame], first_answered_complaints: pd.DataFrame
) -> None:
    responses = tables["survey_responses"][["customer_id", "responded_at", "recommend_score", "trust_score"]]
    later = first_answered_complaints.merge(responses, on="customer_id")
    later = later[later["responded_at"] > later["created_at"]]
    by_speed = later.groupby("fast")
    assert by_speed.size().min() >= 50
    recommend = by_speed["recommend_score"].mean()
    trust = by_speed["trust_score"].apply(trust_share)
    assert recommend[True] - recommend[False] >= MIN_RECOMMEND_GAP, recommend.to_dict()
    assert trust[True] - trust[False] >= MIN_TRUST_GAP, trust.to_dict()


# --- story 2: the Q4 2025 service dip -----------------------------------------------------


def test_q4_2025_complaints_wait_at_least_twice_as_long_for_a_first_reply(tables: dict[str, pd.DataFrame]) -> None:
    complaints = tables["complaints"]
    median_hours = reply_hours(complaints).groupby(complaints["created_at"].dt.to_period("Q")).median()
    typical = median_hours.drop(DIP_QUARTER).median()
    assert median_hours[DIP_QUARTER] >= MIN_DIP_SLOWDOWN * typical, median_hours.to_dict()
    assert (median_hours.drop(DIP_QUARTER) < median_hours[DIP_QUARTER] / MIN_DIP_SLOWDOWN).all()


def test_q4_2025_nps_and_trust_dip_below_the_neighbouring_quarters(tables: dict[str, pd.DataFrame]) -> None:
    responses = tables["survey_responses"]
    by_quarter = responses.groupby(responses["responded_at"].dt.to_period("Q"))
    nps_by_quarter = by_quarter["recommend_score"].apply(nps)
    trust_by_quarter = by_quarter["trust_score"].apply(trust_share)
    for neighbour in NEIGHBOUR_QUARTERS:
        assert nps_by_quarter[neighbour] - nps_by_quarter[DIP_QUARTER] >= MIN_DIP_NPS_DROP, nps_by_quarter.to_dict()
        assert trust_by_quarter[neighbour] - trust_by_quarter[DIP_QUARTER] >= MIN_DIP_TRUST_DROP, (
            trust_by_quarter.to_dict()
        )
    assert nps_by_quarter.idxmin() == DIP_QUARTER
