"""A derived table refreshed by key after a load equals the same table built whole from its sources.

The loader recomputes only the keys a load touched (warehouse.refresh_derived: a customer's order
history, a day's counts), so each sequence of loads below is checked after every load: each derived
table must hold exactly the rows its SQL gives over the whole warehouse (`except all` both ways, so
a row too many, too few or repeated is caught).

The files are real CSV files, written by a seeded generator to the shapes that move rows between
keys: orders and answers loaded again with another day, customer or status (cancelled, or counted
again), a customer moving region and segment, orders, answers and complaints of customers not loaded
yet (and customers loaded after them), orders without a customer, two orders of one customer at the
same moment, a file repeating a row exactly; in several orders of the four kinds of file.
"""

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cxkpi import warehouse
from cxkpi.ingest import ingest_paths
from cxkpi.warehouse import DERIVED_TABLES, reading, sql_text

HEADERS = {
    "customers": ["customer_id", "created_at", "region", "segment"],
    "orders": ["order_id", "customer_id", "ordered_at", "amount", "channel", "status"],
    "survey_responses": ["response_id", "customer_id", "responded_at", "recommend_score", "trust_score",
                         "csat_score", "comment", "channel"],
    "complaints": ["complaint_id", "customer_id", "created_at", "first_response_at", "resolved_at", "channel",
                   "category", "status"],
}
CUSTOMERS = [f"C{number}" for number in range(1, 9)]  # few customers, so loads keep touching the same ones
DAYS = [datetime(2026, 3, 1) + timedelta(days=day) for day in range(6)]  # few days, so days are shared


def moment(rng: random.Random) -> datetime:
    """A time on one of the few days; often exactly 10:00, so two orders can be placed at one moment."""
    return rng.choice(DAYS) + (timedelta(hours=10) if rng.random() < 0.4 else timedelta(minutes=rng.randrange(1440)))


def stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def rows_of(kind: str, rng: random.Random) -> list[list[str]]:
    """One export of `kind`: keys drawn from a small pool, so most loads replace records loaded before."""
    customer = (lambda: rng.choice([*CUSTOMERS, ""]))  # noqa: E731 - an order or ticket without a customer too
    if kind == "customers":
        return [[customer_id, "2025-01-01", rng.choice(["EMEA", "APAC", ""]), rng.choice(["Consumer", "Enterprise"])]
                for customer_id in rng.sample(CUSTOMERS, rng.randint(2, 6))]
    if kind == "orders":
        return [[f"O{number}", customer(), stamp(moment(rng)), f"{rng.randint(1, 500)}.00",
                 rng.choice(["web", "store", "app"]), rng.choice(["completed", "completed", "cancelled", "returned"])]
                for number in rng.sample(range(1, 25), rng.randint(3, 12))]
    if kind == "survey_responses":
        return [[f"R{number}", customer(), stamp(moment(rng)), str(rng.randint(0, 10)), rng.choice(["", "1", "4", "5"]),
                 rng.choice(["", "2", "5"]), "", rng.choice(["web", "store"])]
                for number in rng.sample(range(1, 15), rng.randint(2, 8))]
    rows = []
    for number in rng.sample(range(1, 12), rng.randint(2, 6)):
        created = moment(rng)
        answered = stamp(created + timedelta(hours=rng.randint(1, 30))) if rng.random() < 0.7 else ""
        resolved = stamp(created + timedelta(hours=rng.randint(31, 90))) if answered and rng.random() < 0.5 else ""
        rows.append([f"K{number}", customer(), stamp(created), answered, resolved, rng.choice(["phone", "web"]),
                     rng.choice(["delivery", "billing"]), "resolved" if resolved else "open"])
    return rows


def write_export(folder: Path, step: int, kind: str, rng: random.Random) -> Path:
    rows = rows_of(kind, rng)
    if rng.random() < 0.3:
        rows.append(list(rows[0]))  # the same row twice in one file: one record
    path = folder / f"{step:02d}_{kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([HEADERS[kind], *rows])
    return path


def differences(db: Path) -> dict[str, tuple[int, int]]:
    """Per derived table whose rows differ from its SQL run whole: (rows only in the table, rows only in
    the full build); empty when every table matches."""
    found = {}
    with reading(db) as connection:
        for name in DERIVED_TABLES:
            full = sql_text(f"derived/{name}.sql")
            extra = connection.execute(f"select count(*) from (from {name} except all from ({full}))").fetchone()[0]
            missing = connection.execute(f"select count(*) from (from ({full}) except all from {name})").fetchone()[0]
            if extra or missing:
                found[name] = (extra, missing)
    return found


@pytest.mark.parametrize(("seed", "by_key_whenever_possible"),
                         [(0, True), (1, True), (2, True), (3, True), (4, False), (5, False)])
def test_every_derived_table_after_each_load_equals_a_full_rebuild(seed, by_key_whenever_possible, tmp_path,
                                                                    monkeypatch):
    """Twelve loads, each of the four kinds three times in a random order (seeded: the same files on
    every run), compared after each. These small loads touch most keys, so the loader would often build tables whole
    (BUILD_WHOLE_SHARE); once with that share out of reach, so every non-empty keyed table is refreshed
    by key, and once as shipped. The tables of counts take a load of their records' changes in and out
    (warehouse._add_changes) whatever share it touches. Both ways must really run: spies count the
    tables each refreshed (a sequence where one never ran would prove nothing)."""
    if by_key_whenever_possible:
        monkeypatch.setattr(warehouse, "BUILD_WHOLE_SHARE", float("inf"))
    refreshed_by_key, counts_changed = [], []
    keyed, add_changes = warehouse._refresh_keys, warehouse._add_changes

    def keyed_spy(connection, name, *rest):
        done = keyed(connection, name, *rest)
        if done:
            refreshed_by_key.append(name)
        return done

    def counts_spy(connection, name, *rest):
        add_changes(connection, name, *rest)
        counts_changed.append(name)

    monkeypatch.setattr(warehouse, "_refresh_keys", keyed_spy)
    monkeypatch.setattr(warehouse, "_add_changes", counts_spy)
    rng = random.Random(seed)
    kinds = rng.sample(list(HEADERS) * 3, 12)  # each kind three times, in a random order
    db = tmp_path / "w.duckdb"
    for step, kind in enumerate(kinds):
        path = write_export(tmp_path, step, kind, rng)
        results, refusals = ingest_paths(db, [path], archive=tmp_path / "archive")
        assert not refusals, [str(refusal) for refusal in refusals]
        assert not results[0].problems, results[0].summary()
        assert differences(db) == {}, f"after loading {path.name} (loads: {kinds[: step + 1]})"
    assert set(counts_changed) == {name for name, table in DERIVED_TABLES.items() if table.counts}
    if by_key_whenever_possible:  # the daily counts too, by key, when customers load (they move records)
        assert set(refreshed_by_key) == {name for name, table in DERIVED_TABLES.items() if table.key}


def test_a_customer_loaded_after_their_orders_and_moving_later_is_carried_into_every_derived_table(tmp_path):
    """The named case: C1's orders (one cancelled, one at the same moment in two channels) and answers load
    before C1 does; then C1 arrives in EMEA; then moves to APAC, and an order is moved to another day.
    After each load the derived tables equal a full build, and order_facts holds C1's two counted orders
    in APAC at the end."""
    files = {
        "1_orders.csv": "order_id,customer_id,ordered_at,amount,channel,status\n"
                        "O1,C1,2026-03-01 10:00:00,10.00,web,completed\nO2,C1,2026-03-01 10:00:00,20.00,app,completed\n"
                        "O3,C1,2026-03-02 09:00:00,30.00,web,cancelled\nO4,,2026-03-03 09:00:00,5.00,web,completed\n",
        "2_survey.csv": "response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel\n"
                        "R1,C1,2026-03-02 12:00:00,9,5,5,,web\n",
        "3_customers.csv": "customer_id,created_at,region,segment\nC1,2025-01-01,EMEA,Consumer\n",
        "4_customers.csv": "customer_id,created_at,region,segment\nC1,2025-01-01,APAC,Enterprise\n",
        "5_orders.csv": "order_id,customer_id,ordered_at,amount,channel,status\n"
                        "O2,C1,2026-03-04 08:00:00,20.00,app,completed\n",
    }
    db = tmp_path / "w.duckdb"
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _, refusals = ingest_paths(db, [path], archive=tmp_path / "archive")
        assert not refusals
        assert differences(db) == {}, f"after {name}"
    with reading(db) as connection:
        assert connection.execute(
            "select ordered_at::varchar, channel, region, segment, previous_ordered_at::varchar from order_facts "
            "where customer_id = 'C1' order by ordered_at"
        ).fetchall() == [("2026-03-01 10:00:00", "web", "APAC", "Enterprise", None),
                         ("2026-03-04 08:00:00", "app", "APAC", "Enterprise", "2026-03-01 10:00:00")]
