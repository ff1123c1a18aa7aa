"""Everything the pages read: the registry, and KPI numbers from cxkpi.kpis, cached per warehouse version.

Each cached function takes a "stamp" of what it reads as an argument, so a rerun is served from
the cache while a change, also by another process, shows on the next interaction:
- numbers (KPIs, drill-downs, data health) take data_stamp(): it changes when a load commits, and
  not when someone saves a view or changes an owner, which would otherwise make every viewer
  recompute every KPI;
- what people change in the app (saved views, owners and targets) takes stamp(): the db file's
  (mtime, size), which changes with every write.
Connections are opened per computation and closed at once (warehouse.reading), so a loader can take
its write lock between reruns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from cxkpi import actions, follow_up, notes, ownership, quarantine, registry, status, warehouse
from cxkpi import kpis as kpi_api
from cxkpi.calendars import GREGORIAN_CALENDAR, Calendar
from cxkpi.follow_up import FollowUp
from cxkpi.kpis import Breakdown, Filters, Grain, KpiReport
from cxkpi.periods import Period
from cxkpi.registry import Kpi, Owner, Settings, load_registry
from cxkpi.registry import load_settings as read_settings
from cxkpi.warehouse import data_version, reading, resolve_db_path

REGISTRY_ENV = registry.REGISTRY_ENV
NO_OWNER = Owner("", "")

Stamp = tuple[int, ...]
# How the caches below key a KPI: by its repr, which spells out every field (a frozen dataclass of
# strings, numbers, dates and tuples), so equal keys mean equal KPIs. Streamlit's own hashing walks the
# dataclass field by field: about 12 ms for the nine KPIs, twice a script run (docs/decisions.md).
KPI_KEY = {Kpi: repr}
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """What the sidebar needs before any KPI is computed."""

    default_period: Period | None  # None: the warehouse holds no data yet
    latest_day: date | None  # where the data's real body ends: the quick ranges end there
    choices: dict[str, list[str]]
    freshness: pd.DataFrame  # each table's row count, latest record and last load
    timezone: str | None = None  # whose local time the warehouse's timestamps are (warehouse.business_timezone)


def registry_path() -> Path:
    """$CXKPI_REGISTRY lets tests and trials point the app at another metrics.toml."""
    return registry.registry_path()


def load_kpis() -> list[Kpi]:
    """metrics.toml (parsed once per version of the file, so an edit applies on the next rerun) with
    the owners and targets changed in the app applied (cached per warehouse version)."""
    kpis = list(_registry_file(str(registry_path()), _mtime(registry_path()))[0])
    path = db_path()
    if not path.exists():
        return kpis
    return list(_effective_kpis(str(path), stamp(path), tuple(kpis), load_settings().today()))


def ownership_history(path: Path) -> pd.DataFrame:
    return _ownership_history(str(path), stamp(path))


def load_settings() -> Settings:
    return _registry_file(str(registry_path()), _mtime(registry_path()))[1]


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0  # load_registry then says the file is missing


@st.cache_data(show_spinner=False, max_entries=4)
def _registry_file(path: str, mtime_ns: int) -> tuple[tuple[Kpi, ...], Settings]:
    """metrics.toml parsed once per version of the file (a refusal is raised, never cached)."""
    return tuple(load_registry(Path(path))), read_settings(Path(path))


def db_path() -> Path:
    return resolve_db_path()


def data_stamp(path: Path) -> Stamp:
    """Changes when a load commits (warehouse.data_version), or when the file itself is replaced
    (a backup restored by hand: a new inode)."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        inode = 0
    return (data_version(path), inode)


def stamp(path: Path) -> Stamp:
    """(mtime_ns, size) of the db file and its WAL; changes whenever a writer commits."""
    parts: list[int] = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stats = candidate.stat()
            parts += [stats.st_mtime_ns, stats.st_size]
        except FileNotFoundError:
            parts += [0, 0]
    return tuple(parts)


def context(path: Path, calendar: Calendar = GREGORIAN_CALENDAR) -> Context:
    """The default period is the last full quarter of `calendar` (the view's, ui.state.view_calendar)."""
    return _context(str(path), data_stamp(path), calendar)


def overview(path: Path, kpis: list[Kpi], period: Period, filters: Filters) -> list[KpiReport]:
    # Cached without the owners, whose names are no part of the numbers: an owner changed on the
    # Owners page must not make every viewer recompute every KPI. The owners in effect go back on after.
    reports = _overview(str(path), data_stamp(path), tuple(replace(kpi, owner=NO_OWNER) for kpi in kpis),
                        period, filters, load_settings())
    # Only the owner: the report's KPI carries the target of its period (kpis.report, Kpi.as_of).
    return [replace(report, kpi=replace(report.kpi, owner=kpi.owner)) for report, kpi in zip(reports, kpis,
                                                                                             strict=True)]


def kpi_frame(
    path: Path, kpi: Kpi, period: Period, filters: Filters, grain: Grain = "period", breakdown: Breakdown = "none"
) -> pd.DataFrame:
    """The KPI's rows (buckets or slices), each with the target in force on its last day (`target`) and its
    status against it (cxkpi.status) in a `status` column."""
    # Without the owner, as the overview: an owner changed on the Owners page is no part of the numbers.
    frame = _kpi_frame(str(path), data_stamp(path), replace(kpi, owner=NO_OWNER), period, filters, grain, breakdown)
    days = kpi_api.judging_days(frame, grain, period)
    return frame.assign(target=[kpi.target_on(day) for day in days],
                        status=[str(found) for found in status.of_rows(kpi, frame, load_settings(), days)])


def definition_comment(kpi: Kpi) -> str:
    """The comment block at the top of the KPI's SQL (queries/<id>.sql): the explanation lives with the SQL
    it explains."""
    return _header_of(kpi.query_path)


@functools.cache  # as the KPI's SQL text: once per process, not nine times a rerun
def _header_of(query_path: Path) -> str:
    lines = []
    for line in query_path.read_text(encoding="utf-8").splitlines():  # the text the numbers come from
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").removeprefix(" "))
    return "\n".join(lines)


def with_connection(path: str, compute: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Waiting out a loader's lock happens in warehouse.reading; past its timeout, WarehouseBusyError."""
    with reading(Path(path)) as connection:
        return compute(connection)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=KPI_KEY)
def _effective_kpis(path: str, stamp_key: Stamp, kpis: tuple[Kpi, ...], today: date) -> tuple[Kpi, ...]:
    return tuple(with_connection(path, lambda connection: ownership.effective(connection, list(kpis), today)))


@st.cache_data(show_spinner=False, max_entries=16)
def _ownership_history(path: str, stamp_key: Stamp) -> pd.DataFrame:
    return with_connection(path, ownership.history)


# stamp_key is unused in the bodies on purpose: it is part of the cache key (so no leading underscore,
# which would make st.cache_data leave it out of the key).
@st.cache_data(show_spinner=False, max_entries=64)
def _context(path: str, stamp_key: Stamp, calendar: Calendar) -> Context:
    def compute(connection: duckdb.DuckDBPyConnection) -> Context:
        fresh = kpi_api.freshness(connection)
        latest = kpi_api.latest_day(connection)
        default = kpi_api.default_period(connection, latest, calendar)
        return Context(default, latest, kpi_api.distinct_values(connection), fresh,
                       warehouse.business_timezone(connection))

    return with_connection(path, compute)


# No spinner: while the numbers are computed Streamlit already fades the cards and shows "Running" in
# the header, and the spinner's animation, drawn in software, cost the browser bench a fifth of a
# filter change at 1M orders (about 0.4 s of 2.4 s; bench/browser_timings.py).
@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=KPI_KEY)
def _overview(
    path: str, stamp_key: Stamp, kpis: tuple[Kpi, ...], period: Period, filters: Filters, settings: Settings
) -> list[KpiReport]:
    fresh = _context(path, stamp_key, period.calendar).freshness  # the sidebar's cached context of this data version
    reports = with_connection(
        path, lambda connection: kpi_api.overview(connection, list(kpis), period, filters, settings, fresh=fresh)
    )
    # The raw distributions behind a median served the statistics, now computed; left in, every
    # rerun would unpickle them from the cache (1.1 MB at 1M orders).
    return [kpi_api.without_samples(report) for report in reports]


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=KPI_KEY)
def _kpi_frame(
    path: str, stamp_key: Stamp, kpi: Kpi, period: Period, filters: Filters, grain: Grain, breakdown: Breakdown,
) -> pd.DataFrame:
    return with_connection(
        path, lambda connection: kpi_api.run_kpi_query(connection, kpi, period, filters, grain, breakdown)
    )


# ---------------------------------------------------------------- data health (the Data page, stale warning)
def freshness(path: Path) -> pd.DataFrame:
    """Each table's row count, latest record and last load (read with the sidebar's context)."""
    return context(path).freshness


def stale_sources(path: Path) -> list:
    from cxkpi.health import stale_sources as stale

    return stale(freshness(path))


def ingest_log(path: Path, limit: int = 200) -> pd.DataFrame:
    return _ingest_log(str(path), data_stamp(path), limit)


def quarantined_loads(path: Path) -> list[quarantine.QuarantinedLoad]:
    return _quarantined_loads(str(path), data_stamp(path))


def quarantined_rows(path: Path, load: quarantine.QuarantinedLoad) -> quarantine.WholeRows:
    return _quarantined_rows(str(path), data_stamp(path), load)


@st.cache_data(show_spinner=False, max_entries=16)
def _ingest_log(path: str, stamp_key: Stamp, limit: int) -> pd.DataFrame:
    return with_connection(path, lambda connection: connection.execute(
        """select loaded_at, source_file, export_format, table_name, rows_read, rows_inserted, rows_updated,
                  rows_quarantined, dialect
           from ingest_log order by loaded_at desc, rowid desc limit $limit""", {"limit": limit}).df())


@st.cache_data(show_spinner=False, max_entries=16)
def _quarantined_loads(path: str, stamp_key: Stamp) -> list[quarantine.QuarantinedLoad]:
    return with_connection(path, quarantine.loads)


@st.cache_data(show_spinner=False, max_entries=16)
def _quarantined_rows(path: str, stamp_key: Stamp, load: quarantine.QuarantinedLoad) -> quarantine.WholeRows:
    return with_connection(path, lambda connection: quarantine.whole_rows(connection, load))


# ---------------------------------------------------------------- notes and actions (cxkpi.follow_up)
# What people write: cached per write of the file (stamp), so a note shows at the next rerun.
def follow_ups(path: Path, kpis: list[Kpi], period: Period) -> dict[str, FollowUp]:
    """Each KPI's latest note, notes in its card's 12 months and open actions, for cards of `period`."""
    plain = Period(period.start, period.end, period.calendar)  # not a LastYearComparison: one cache entry
    return _follow_ups(str(path), stamp(path), tuple(kpi.id for kpi in kpis), plain, load_settings().today())


def note_threads(path: Path, kpi_id: str) -> list[notes.Thread]:
    return _note_threads(str(path), stamp(path), kpi_id)


def notes_dated(path: Path, kpi_id: str, period: Period) -> list[notes.Note]:
    return _notes_dated(str(path), stamp(path), kpi_id, period.start, period.end)


def actions_of(path: Path, kpi_ids: list[str] | None = None) -> list[actions.Action]:
    """Every action (of these KPIs), open or not, with its latest status."""
    return _actions_of(str(path), stamp(path), None if kpi_ids is None else tuple(kpi_ids))


@st.cache_data(show_spinner=False, max_entries=32)
def _follow_ups(path: str, stamp_key: Stamp, kpi_ids: tuple[str, ...], period: Period,
                today: date) -> dict[str, FollowUp]:
    return with_connection(path, lambda connection: follow_up.gather(connection, kpi_ids, period, today))


@st.cache_data(show_spinner=False, max_entries=32)
def _note_threads(path: str, stamp_key: Stamp, kpi_id: str) -> list[notes.Thread]:
    return with_connection(path, lambda connection: notes.threads(connection, kpi_id))


@st.cache_data(show_spinner=False, max_entries=32)
def _notes_dated(path: str, stamp_key: Stamp, kpi_id: str, start: date, end: date) -> list[notes.Note]:
    return with_connection(path, lambda connection: notes.dated_within(connection, [kpi_id], start, end))


@st.cache_data(show_spinner=False, max_entries=32)
def _actions_of(path: str, stamp_key: Stamp, kpi_ids: tuple[str, ...] | None) -> list[actions.Action]:
    return with_connection(path, lambda connection: actions.listing(connection, kpi_ids))
