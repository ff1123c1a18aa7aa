"""The DuckDB warehouse file: where it lives, how to open it, and its bookkeeping tables."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cxkpi import reasons
from cxkpi.i18n import active, gettext
from cxkpi.schema import TABLES, added_column_statements, create_table_statements

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "cxkpi.duckdb"
QUERIES_DIR = PROJECT_ROOT / "queries"


@dataclass(frozen=True)
class DerivedTable:
    """A table the loader computes from loaded tables (its SQL: queries/derived/<name>.sql)."""

    # The tables it is computed from: a load into any of them rebuilds it, in the load's transaction.
    sources: tuple[str, ...]
    # A fact table, read by KPIs through the view rule (queries/_view.sql), names the time column
    # the period and buckets apply to; every fact table has region, segment and channel, which the
    # filters apply to. A breakdown slices by any of its dimensions.
    time_column: str | None = None
    dimensions: tuple[str, ...] = ("region", "segment", "channel")
    # Refreshed by key (refresh_derived), when it has one: `key` is one of its columns, and a load
    # recomputes only the rows of the key values it touched; a table without a key, or a load into a
    # source named in neither touched_by nor lookups, rebuilds it whole (always correct).
    #   touched_by: loaded table -> the SQL expression, over that table's columns, of the key value
    #     one of its rows touches (the rows a load replaced and those it wrote both touch theirs);
    #   lookups: loaded table -> the column by which rows of the touched_by tables name its rows (a
    #     customer moving region touches the days of their answers);
    #   narrowed: table its SQL reads -> the expression of a row's key: read only for the touched keys
    #     (for speed; each key's rows must depend on that table's rows of the same key alone);
    #   same_on_every_row: columns computed over a whole table (a horizon such as the latest order),
    #     set on every row again when a load moves them.
    key: str | None = None
    touched_by: Mapping[str, str] = field(default_factory=dict)
    lookups: Mapping[str, str] = field(default_factory=dict)
    narrowed: Mapping[str, str] = field(default_factory=dict)
    same_on_every_row: tuple[str, ...] = ()
    # A table of counts (daily counts): each of these columns is a sum over the records of its group
    # (its other columns), every record adds to at least one of them, so a group whose counts are all
    # 0 has no record. A load into one of its touched_by tables then adds the counts of the rows it
    # wrote and takes away those of the versions it replaced (_add_changes), whatever share of the
    # keys it touches: the other sources are not read again (a complaints load used to count every
    # order again).
    counts: tuple[str, ...] = ()


# Tables computed from loaded tables, in the order they are built (a later one may read an earlier
# one). The loader refreshes each in the same transaction as every load of any of its sources
# (refresh_derived), so KPI queries read them instead of recomputing per filter. Facts carry the
# customer's region and segment, so customers is a source of every one of them.
_CUSTOMER_KEY = {"orders": "customer_id", "customers": "customer_id"}
_DAY_OF = {"orders": "cast(ordered_at as date)", "complaints": "cast(created_at as date)",
           "survey_responses": "cast(responded_at as date)"}
DERIVED_TABLES: dict[str, DerivedTable] = {
    "order_facts": DerivedTable(
        ("orders", "customers"), time_column="ordered_at",
        key="customer_id", touched_by=_CUSTOMER_KEY, narrowed=_CUSTOMER_KEY,
    ),
    "first_orders": DerivedTable(
        ("orders", "customers"), time_column="first_ordered_at",
        key="customer_id", touched_by=_CUSTOMER_KEY, narrowed={"order_facts": "customer_id"},
        same_on_every_row=("latest_order_at",),
    ),
    "survey_daily_counts": DerivedTable(
        ("survey_responses", "customers"), time_column="responded_on",
        key="responded_on", touched_by={"survey_responses": _DAY_OF["survey_responses"]},
        lookups={"customers": "customer_id"}, narrowed={"survey_responses": _DAY_OF["survey_responses"]},
        counts=("responses", "recommend_answers", "promoters", "passives", "detractors", "trust_answers",
                "trust_in_top_1", "trust_in_top_2", "trust_in_top_3", "csat_answers", "csat_in_top_1",
                "csat_in_top_2", "csat_in_top_3"),
    ),
    "order_complaint_daily_counts": DerivedTable(
        ("orders", "complaints", "customers"), time_column="day",
        key="day", touched_by={"orders": _DAY_OF["orders"], "complaints": _DAY_OF["complaints"]},
        lookups={"customers": "customer_id"},
        narrowed={"orders": _DAY_OF["orders"], "complaints": _DAY_OF["complaints"]},
        counts=("orders", "complaints"),
    ),
    # Keyed by customer: a complaint's next order is its customer's. complaints is read whole for the
    # horizon (when the export was taken), so only the orders are narrowed.
    "complaint_facts": DerivedTable(
        ("complaints", "orders", "customers"), time_column="created_at",
        dimensions=("region", "segment", "channel", "category"),
        key="customer_id", touched_by={**_CUSTOMER_KEY, "complaints": "customer_id"},
        narrowed={"order_facts": "customer_id"}, same_on_every_row=("complaints_taken_at", "latest_order_at"),
    ),
}
FACT_TABLES = {name: table for name, table in DERIVED_TABLES.items() if table.time_column}
# Derived tables of earlier versions, dropped when a process first opens a warehouse that has them.
RETIRED_TABLES = ("customer_channel_orders", "order_daily_counts", "complaint_daily_counts")

# Written by loads, with the data: a rebuild makes them anew (inbox.LOAD_WRITTEN). derived_tables
# records which definition each derived table was built from (_create_derived).
BOOKKEEPING_TABLES = ("ingest_log", "quarantine", "quarantined_records", "derived_tables")
BOOKKEEPING_STATEMENTS = [
    """create table if not exists ingest_log (
        loaded_at timestamp,
        source_file varchar,
        table_name varchar,
        rows_read bigint,
        rows_inserted bigint,
        rows_updated bigint,
        rows_quarantined bigint
    )""",
    # Added with the loader for real exports; ALTER keeps warehouses created before it usable.
    "alter table ingest_log add column if not exists export_format varchar",  # e.g. 'Zendesk tickets'
    "alter table ingest_log add column if not exists dialect varchar",  # e.g. 'cp1252, semicolon-separated'
    "alter table ingest_log add column if not exists file_sha256 varchar",  # the same bytes never load twice
    # The time zone the load read its timestamps in (metrics.toml's timezone): every timestamp is stored
    # as that zone's local time. Null for loads made before the setting existed: UTC.
    "alter table ingest_log add column if not exists business_timezone varchar",
    """create table if not exists quarantine (
        loaded_at timestamp,
        source_file varchar,
        table_name varchar,
        source_row bigint,
        column_name varchar,
        value varchar,
        reason varchar
    )""",
    "alter table quarantine add column if not exists file_sha256 varchar",  # which load (names can repeat)
    # Each quarantined row whole, with the file's header rows (is_header), as the reader split them:
    # the Data page shows them and offers them as a CSV to mend and load again (cxkpi.quarantine).
    """create table if not exists quarantined_records (
        loaded_at timestamp,
        source_file varchar,
        file_sha256 varchar,
        source_row bigint,
        is_header boolean,
        fields varchar[]
    )""",
]
# Owners close the loop (cxkpi.notes, cxkpi.actions, cxkpi.alerts, cxkpi.delivery): every table is
# append-only (nothing in the app updates or deletes a row): an action's status is its latest update, an
# alert's state the latest one observed, a message's fate its latest delivery attempt.
OWNER_LOOP_STATEMENTS = [
    "create sequence if not exists kpi_notes_id_seq",
    # A note on a KPI by a signed-in person, dated (noted_on: the day it is about, where its marker goes);
    # a reply names the note it answers (reply_to).
    """create table if not exists kpi_notes (
        id bigint primary key default nextval('kpi_notes_id_seq'), kpi_id varchar not null,
        noted_on date not null, body varchar not null, reply_to bigint,
        written_at timestamp not null, author_id varchar not null, author_name varchar not null
    )""",
    "create sequence if not exists kpi_actions_id_seq",
    """create table if not exists kpi_actions (
        id bigint primary key default nextval('kpi_actions_id_seq'), kpi_id varchar not null,
        what varchar not null, assignee_name varchar not null, assignee_email varchar not null, due_on date not null,
        created_at timestamp not null, created_by varchar not null
    )""",
    # Every status an action has had (the first, 'open', written with it): its status is the latest.
    """create table if not exists kpi_action_updates (
        action_id bigint not null, status varchar not null, comment varchar not null,
        updated_at timestamp not null, updated_by varchar not null
    )""",
    # What the alerts last saw of each KPI, per scope (the view they watch): an alert goes out when the
    # state becomes one worth telling (off target; a real shift) and not again until it changes.
    """create table if not exists alert_states (
        observed_at timestamp not null, scope varchar not null, kpi_id varchar not null, kind varchar not null,
        state varchar not null, period_start date not null, period_end date not null, alerted boolean not null
    )""",
    "create sequence if not exists outbox_id_seq",
    # One message to one address for one event (event_key): unique, so nothing is queued twice.
    """create table if not exists outbox_messages (
        id bigint primary key default nextval('outbox_id_seq'), event_key varchar not null, kind varchar not null,
        channel varchar not null, address varchar not null, recipient varchar not null, subject varchar not null,
        body_text varchar not null, body_html varchar not null, payload varchar not null,
        attachment_name varchar not null, attachment blob, queued_at timestamp not null,
        unique (event_key, channel, address)
    )""",
    # Every attempt to deliver a message: 'sent', or 'failed' with the error. Sent once sent; else retried.
    """create table if not exists outbox_attempts (
        message_id bigint not null, attempted_at timestamp not null, outcome varchar not null, error varchar not null
    )""",
]
# What people change in the app, rather than what the loader reads from exports: saved views
# (cxkpi.views), owner/target changes with their audit trail (cxkpi.ownership), and who has which role
# with the audit log of every other change and refusal (cxkpi.access). Created with the rest of the
# schema; `rebuild` copies every table no load writes into the rebuilt warehouse
# (inbox._carry_over_app_tables).
APP_STATEMENTS = [
    "create sequence if not exists saved_views_id_seq",
    """create table if not exists saved_views (
        id bigint primary key default nextval('saved_views_id_seq'),
        name varchar not null,
        page varchar not null,
        query varchar not null,
        created_at timestamp not null,
        updated_at timestamp not null
    )""",
    # Added with sign-in: a view's owner (null: saved before sign-in existed, so only admins manage it)
    # and whether everyone sees it (views saved before then were seen by everyone).
    "alter table saved_views add column if not exists owner_id varchar",
    "alter table saved_views add column if not exists shared boolean default true",
    """create table if not exists kpi_overrides (
        kpi_id varchar primary key, owner_name varchar, owner_role varchar, target double
    )""",
    """create table if not exists kpi_changes (
        changed_at timestamp, changed_by varchar, kpi_id varchar, field varchar,
        old_value varchar, new_value varchar
    )""",
    """create table if not exists user_roles (
        user_id varchar primary key, role varchar not null, granted_by varchar not null, granted_at timestamp not null
    )""",
    # Append-only from the app: cxkpi.access only ever inserts. outcome is 'done' or 'refused'.
    """create table if not exists audit_log (
        recorded_at timestamp not null, actor varchar not null, actor_role varchar not null, action varchar not null,
        subject varchar not null, outcome varchar not null, detail varchar not null
    )""",
    # Added with owners' notes and alerts: the owner's email (how they sign in, where their mail goes), and
    # the day a changed target starts (null for a change made before: it started the day it was made).
    "alter table kpi_overrides add column if not exists owner_email varchar",
    "alter table kpi_changes add column if not exists applies_from date",
    *OWNER_LOOP_STATEMENTS,
]


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db wins, then $CXKPI_DB, then data/cxkpi.duckdb in the project."""
    if explicit:
        return Path(explicit)
    if os.environ.get("CXKPI_DB"):
        return Path(os.environ["CXKPI_DB"])
    return DEFAULT_DB_PATH


# How long to wait for another process (a loader, or the app's readers) to release the file.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("CXKPI_LOCK_TIMEOUT", "30"))


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse for longer than LOCK_TIMEOUT_SECONDS."""


class _ReadersWriterGate:
    """In one process DuckDB refuses a read-write connection while a read-only one is open (and vice
    versa), so readers share the gate and a writer waits for them to finish and takes it alone."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


_gates: dict[Path, _ReadersWriterGate] = {}
_gates_lock = threading.Lock()


# Files this process has opened for writing, so their schema is complete (see reading()).
_complete: set[Path] = set()


def _gate(db_path: Path) -> _ReadersWriterGate:
    """One gate per warehouse file: a reader of one file never holds up a writer of another."""
    key = db_path.resolve()
    with _gates_lock:
        return _gates.setdefault(key, _ReadersWriterGate())


def _open(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Connect, waiting while another process holds the file's lock (DuckDB allows one writer, or
    any number of readers, across processes)."""
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() > deadline:
                # The DuckDB error at the end stays as DuckDB wrote it.
                raise WarehouseBusyError(gettext(
                    "{path} stayed locked by another process for {seconds} s: {error}", path=db_path,
                    seconds=active().digits(f"{LOCK_TIMEOUT_SECONDS:.0f}"), error=error)) from error
            time.sleep(0.02 + random.random() * 0.08)  # jitter, so waiting processes do not collide


def prepare(connection: duckdb.DuckDBPyConnection) -> None:
    # Timestamps are stored naive, as the business's local time (ingest_log.business_timezone); a load
    # sets its own connection to that zone while it reads a file (cxkpi.ingest.load_prepared).
    connection.execute("set TimeZone = 'UTC'")
    connection.execute(sql_text("_macros.sql"))


def business_timezone(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The time zone whose local time the warehouse's timestamps are in: the zone its loads read them
    in ('UTC' for loads made before the setting existed), or None when nothing is loaded yet."""
    row = connection.execute(
        "select coalesce(business_timezone, 'UTC') from ingest_log order by loaded_at desc limit 1"
    ).fetchone()
    return None if row is None else row[0]


def clock_problem(connection: duckdb.DuckDBPyConnection, timezone: str) -> str | None:
    """Why the warehouse cannot be read in `timezone` (metrics.toml's), with the fix; None when it can."""
    return clock_mismatch(business_timezone(connection), timezone)


def clock_mismatch(stored: str | None, timezone: str) -> str | None:
    """clock_problem for a warehouse whose business_timezone is `stored`."""
    if stored is None or stored == timezone:
        return None
    return reasons.CLOCK_MISMATCH.format(stored=stored, timezone=timezone)


def _create_schema(connection: duckdb.DuckDBPyConnection) -> bool:
    """Create what is missing; True when an older warehouse gained columns (its derived tables are then
    out of shape and rebuilt)."""
    for statement in create_table_statements() + BOOKKEEPING_STATEMENTS + APP_STATEMENTS:
        connection.execute(statement)
    # The columns each canonical table has (a result's description: duckdb_columns() took 0.1 s per
    # new connection, i.e. per file loaded).
    present = {(table, column[0]) for table in TABLES
               for column in connection.execute(f"select * from {table} limit 0").description}
    upgrade = added_column_statements(present)
    for statement in upgrade:  # a warehouse made before a column was added
        connection.execute(statement)
    return bool(upgrade)


def _create_derived(connection: duckdb.DuckDBPyConnection, rebuild: bool = False) -> None:
    """After prepare(): the derived SQL uses the macros, which need the tables they read. A table is
    built when missing, when its SQL has changed since it was built (derived_tables keeps each one's
    definition's sha256), or when `rebuild` says its sources gained columns (an older warehouse
    upgraded): a warehouse made by an earlier version never serves an old shape."""
    for name in RETIRED_TABLES:
        connection.execute(f"drop table if exists {name}")
    connection.execute("create table if not exists derived_tables (name varchar, definition_sha256 varchar)")
    built = dict(connection.execute(
        "select name, definition_sha256 from derived_tables where name in (select table_name from duckdb_tables())"
    ).fetchall())
    for name in DERIVED_TABLES:  # in order: a later one may read an earlier one
        if rebuild or built.get(name) != _definition_sha256(name):
            _build_derived(connection, name)


def _build_derived(connection: duckdb.DuckDBPyConnection, name: str) -> None:
    connection.execute(f"create or replace table {name} as {_derived_select(name)}")
    connection.execute("delete from derived_tables where name = $name", {"name": name})
    connection.execute(
        "insert into derived_tables values ($name, $sha)", {"name": name, "sha": _definition_sha256(name)}
    )


def _definition_sha256(name: str) -> str:
    return hashlib.sha256(_derived_select(name).encode("utf-8")).hexdigest()


# A load touching this share of a derived table's keys or more rebuilds it whole (_refresh_keys).
BUILD_WHOLE_SHARE = 0.5


def rebuild_derived(connection: duckdb.DuckDBPyConnection) -> None:
    """Build every derived table whole from its sources (`rebuild` does, once all files are replayed)."""
    for name in DERIVED_TABLES:
        _build_derived(connection, name)


@dataclass(frozen=True)
class Changes:
    """What a load changed in the table it loaded: relations (temp views) holding, in that table's
    columns, the rows it wrote and the versions of those rows it replaced."""

    written: str
    replaced: str

    @property
    def rows(self) -> str:
        """Both, as one relation: each touches its keys."""
        return f"(select * from {self.replaced} union all select * from {self.written})"


def refresh_derived(
    connection: duckdb.DuckDBPyConnection, loaded_table: str, changes: Changes | None = None,
) -> None:
    """Bring the tables derived from `loaded_table` up to date; call it inside the load's transaction.

    changes: what the load changed. With it, a table of counts (DerivedTable.counts) takes the changed
    rows' counts in and out when they are its records (touched_by), and a table refreshed by key
    (DerivedTable.key) recomputes only the rows of the keys those rows touch; without it, for any
    other table, for an empty one, or when they touch half its keys or more, it is rebuilt whole.
    tests/test_incremental_refresh.py checks that every way gives the same tables after every load of
    sequences that move records between keys."""
    for name, table in DERIVED_TABLES.items():
        if loaded_table not in table.sources:
            continue
        if changes is None or not connection.execute(f"select exists (from {name})").fetchone()[0]:
            _build_derived(connection, name)  # an empty table (a first load) is built whole
        elif table.counts and loaded_table in table.touched_by:
            _add_changes(connection, name, table, loaded_table, changes)
        else:
            touched = _touched_keys(table, loaded_table, changes.rows)
            if touched is None or not _refresh_keys(connection, name, table, touched):
                _build_derived(connection, name)


def _add_changes(
    connection: duckdb.DuckDBPyConnection, name: str, table: DerivedTable, loaded_table: str, changes: Changes,
) -> None:
    """Add to a table of counts the counts of the rows a load into loaded_table wrote, and take away
    those of the versions it replaced: the table's own SQL, unchanged, run over temporary views that
    shadow loaded_table with those rows and its other record tables (touched_by) with nothing, the
    lookups (customers) as they are. Exact, as every count is a sum over records; a group left with
    no record (every count 0) goes. The table is rewritten in its time order: it holds a row per day
    and group, a few thousand, where its sources hold millions."""
    database = connection.execute("select current_database()").fetchone()[0]
    connection.execute(f"create temp table counted_changes as select * from {name} limit 0")
    # Its columns from a result's description, as _create_schema reads them (duckdb_columns() is slower).
    groups = [column for column, *_ in connection.execute("select * from counted_changes").description
              if column not in table.counts]
    for rows, sign in ((changes.written, "+"), (changes.replaced, "-")):
        shadows = {source: f'select * from "{database}".main.{source} limit 0' for source in table.touched_by}
        shadows[loaded_table] = f"select * from {rows}"
        with _shadowing(connection, shadows):
            counted = ", ".join([*groups, *(f"{sign}{column} as {column}" for column in table.counts)])
            connection.execute(f"insert into counted_changes by name select {counted} from ({_derived_select(name)})")
    sums = ", ".join(f"sum({column}) as {column}" for column in table.counts)
    some_record = " or ".join(f"sum({column}) <> 0" for column in table.counts)
    group_list = ", ".join(groups)
    connection.execute(
        f"""create temp table counted_after as
        select {group_list}, {sums}
        from (select * from {name} union all select * from counted_changes)
        group by all
        having {some_record}"""
    )
    connection.execute(f"delete from {name}")
    connection.execute(f"insert into {name} by name select * from counted_after order by {table.time_column}")
    connection.execute("drop table counted_changes")
    connection.execute("drop table counted_after")


def _touched_keys(table: DerivedTable, loaded_table: str, changed: str) -> str | None:
    """A select of the key values whose rows the changed rows of loaded_table can alter; None when the
    table has no key for such a load (then it is rebuilt whole)."""
    if table.key is None:
        return None
    if loaded_table in table.touched_by:
        return f"select {table.touched_by[loaded_table]} from {changed}"
    if loaded_table in table.lookups:
        column = table.lookups[loaded_table]
        return " union all ".join(
            f"select {expression} from {source} where {column} in (select {column} from {changed})"
            for source, expression in table.touched_by.items()
        )
    return None


def _refresh_keys(connection: duckdb.DuckDBPyConnection, name: str, table: DerivedTable, touched: str) -> bool:
    """Delete the rows of the touched keys and compute them again: the table's own SQL, unchanged, its
    rows of those keys kept, run over temporary views that shadow its narrowed tables with their rows
    of those keys (the temp schema comes first in DuckDB's search path; the views go with the
    transaction if it fails). A column the same on every row is then set on the other rows to the
    value the recomputed rows carry. False when the table is to be built whole instead: the load
    touched BUILD_WHOLE_SHARE of its keys or more (one build is then cheaper: an export of every
    complaint touches nearly every day of the daily counts), or no recomputed row carries the value
    of a column the same on every row."""
    assert table.key is not None
    connection.execute(f"create or replace temp table refresh_keys as select distinct * from ({touched}) as keys(key)")
    touched_keys, keys_held = connection.execute(
        f"select (select count(*) from refresh_keys), (select approx_count_distinct({table.key}) from {name})"
    ).fetchone()
    if keys_held == 0 or touched_keys >= BUILD_WHOLE_SHARE * keys_held:
        connection.execute("drop table refresh_keys")
        return False
    # A null key counts as a key (`in` never matches null): rows whose key is null are refreshed too.
    has_null = connection.execute("select bool_or(key is null) from refresh_keys").fetchone()[0]

    def of_touched_keys(expression: str) -> str:
        null = f" or ({expression}) is null" if has_null else ""
        return f"(({expression}) in (select key from refresh_keys){null})"

    connection.execute(f"delete from {name} where {of_touched_keys(table.key)}")
    database = connection.execute("select current_database()").fetchone()[0]
    shadows = {source: f'select * from "{database}".main.{source} where {of_touched_keys(expression)}'
               for source, expression in table.narrowed.items()}
    with _shadowing(connection, shadows):
        order = f" order by {table.time_column}" if table.time_column else ""
        connection.execute(
            f"insert into {name} select * from ({_derived_select(name)}) where {of_touched_keys(table.key)}{order}"
        )
    if table.same_on_every_row:
        columns = ", ".join(table.same_on_every_row)
        values = connection.execute(
            f"select {columns} from {name} where {of_touched_keys(table.key)} limit 1"
        ).fetchone()
        if values is None:  # no recomputed row tells the new value: the rest cannot be set
            connection.execute("drop table refresh_keys")
            return False
        bound = {f"value_{index}": value for index, value in enumerate(values)}
        connection.execute(
            f"update {name} set " + ", ".join(f"{column} = $value_{index}"
                                              for index, column in enumerate(table.same_on_every_row))
            + " where " + " or ".join(f"{column} is distinct from $value_{index}"
                                       for index, column in enumerate(table.same_on_every_row)),
            bound,
        )
    connection.execute("drop table refresh_keys")
    return True


@contextmanager
def _shadowing(connection: duckdb.DuckDBPyConnection, selects: Mapping[str, str]) -> Iterator[None]:
    """Temporary views named as the tables they shadow (DuckDB's temp schema comes first in its search
    path), each the given select, for the statements run inside; dropped after them. After a failed
    statement the transaction refuses even a drop: its error must stay the one raised."""
    made = []
    try:
        for source, select in selects.items():
            connection.execute(f"create temp view {source} as {select}")
            made.append(source)
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            for source in made:
                connection.execute(f"drop view temp.main.{source}")


def _derived_select(name: str) -> str:
    return sql_text(f"derived/{name}.sql")


@functools.cache  # the macros are read on every connection, the rest per query: once per process
def sql_text(relative: str) -> str:
    """A file under queries/ (e.g. 'nps.sql', 'derived/order_facts.sql')."""
    return (QUERIES_DIR / relative).read_text(encoding="utf-8")


@contextmanager
def writing(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection (creating the file and schema if needed).

    Hold it only for one unit of work (one file, one saved view): while it is open, readers in
    other processes wait, and readers in this process wait at the gate.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _gate(db_path).exclusive():
        connection = _open(db_path, read_only=False)
        try:
            upgraded = _create_schema(connection)
            prepare(connection)
            _create_derived(connection, rebuild=upgraded)
            _complete.add(db_path.resolve())
            yield connection
        finally:
            connection.close()


@contextmanager
def reading(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection, closed promptly so a loader can write in between."""
    if not db_path.exists() or db_path.resolve() not in _complete:
        # First use of the file in this process: create what is missing (the empty schema of a new
        # warehouse, a table added since an older version made it) so readers never meet an error.
        with writing(db_path):
            pass
    with _gate(db_path).shared():
        connection = _open(db_path, read_only=True)
        try:
            prepare(connection)
            yield connection
        finally:
            connection.close()


def data_version(db_path: Path) -> int:
    """Changes whenever a load commits new data (see mark_loaded); 0 before any. Saved views and owner
    changes also write the file, so its own modification time would make every cached KPI stale."""
    try:
        return _loaded_marker(db_path).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def mark_loaded(db_path: Path) -> None:
    """Call after a load has committed (never before: a reader could cache old numbers as new). Only
    the marker's time changes: no data to write, so it works on a full disk too."""
    marker = _loaded_marker(db_path)
    marker.touch()
    now = time.time_ns()
    os.utime(marker, ns=(now, now))


def _loaded_marker(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".loaded")


def files_of(db_path: Path) -> list[Path]:
    """The warehouse file and the files beside it that belong to it: DuckDB's WAL and the data marker."""
    return [db_path, db_path.with_name(db_path.name + ".wal"), _loaded_marker(db_path)]


def is_empty(db_path: Path) -> bool:
    """True when no canonical table holds a row (a fresh warehouse)."""
    with reading(db_path) as connection:
        return all(
            connection.execute(f"select count(*) from {name}").fetchone()[0] == 0 for name in TABLES
        )
