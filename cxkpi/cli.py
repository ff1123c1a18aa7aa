"""python -m cxkpi: load exports and compute KPIs from scripts, without the app."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what building the parser needs is imported here; each command imports its own modules in its
# handler. `ingest` runs as one process per file, and the modules of the other commands (pandas among
# them: cxkpi.kpis, cxkpi.alerts, cxkpi.ownership) took 0.8 s of a 1 s start (docs/decisions.md).
from cxkpi import access, i18n, registry, verdict, warehouse
from cxkpi.periods import QUICK_RANGES, Period, quick_range

if TYPE_CHECKING:
    from cxkpi import delivery, kpis

SAMPLE_DATA_DIR = warehouse.PROJECT_ROOT / "sample_data"
ENGINES = ("duckdb", "spark")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except registry.RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cxkpi", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser(
        "ingest", help="load CSV files or folders of them; with no PATH, every file waiting in the inbox"
    )
    load.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH",
        help="a .csv file or a folder of them (left where they are; their bytes are archived)",
    )
    load.add_argument(
        "--if-empty", action="store_true", help="load only if the warehouse holds no rows yet (used by make run)"
    )
    load.add_argument(
        "--inbox", type=Path, help="inbox folder (default: $CXKPI_INBOX, else inbox/ beside the warehouse)"
    )
    load.add_argument(
        "--quarantine-limit", type=float, metavar="PERCENT",
        help=f"refuse a whole file when more than this share of its rows is quarantined "
             f"(default: ${verdict.QUARANTINE_LIMIT_ENV}, else {verdict.DEFAULT_QUARANTINE_LIMIT:g})",
    )
    _add_load_options(load)
    _add_lang_option(load)
    load.set_defaults(handler=run_ingest)

    rebuild = commands.add_parser("rebuild", help="rebuild the warehouse from the archived files alone")
    _add_load_options(rebuild)
    _add_lang_option(rebuild)
    rebuild.set_defaults(handler=run_rebuild)

    compute = commands.add_parser("kpis", help="compute every KPI for a period, with owners and targets")
    _add_view_options(compute)
    compute.add_argument("--json", action="store_true", help="print JSON instead of a table")
    compute.add_argument(
        "--engine", choices=ENGINES, default="duckdb",
        help="duckdb (default): the warehouse file; spark: Apache Spark over the tables as Parquet "
        "($CXKPI_SPARK_TABLES, else a copy of the warehouse written beside it)",
    )
    compute.set_defaults(handler=run_kpis)

    parquet = commands.add_parser(
        "parquet", help="write the warehouse's canonical tables as Parquet, partitioned by month (for Spark)"
    )
    _add_db_option(parquet)
    parquet.add_argument("--out", type=Path, help="folder to write (default: <warehouse>.parquet beside it)")
    parquet.set_defaults(handler=run_parquet)

    digest = commands.add_parser(
        "digest", help="each owner's weekly digest: print what would be sent, or send it with --send"
    )
    _add_view_options(digest)
    digest.add_argument("--send", action="store_true",
                        help="send it (SMTP from $CXKPI_SMTP_HOST..., webhooks from notifications.toml); once a "
                             "week per owner and view, however often it runs; retries what failed before")
    digest.set_defaults(handler=run_digest)

    alert = commands.add_parser(
        "alerts", help="alert owners when a KPI goes off target or really shifts: print them, or send with --send"
    )
    _add_view_options(alert)
    alert.add_argument("--send", action="store_true",
                       help="record the events and send the alerts (once per event); retries what failed before")
    alert.set_defaults(handler=run_alerts)

    users = commands.add_parser(
        "users", help="who has which role (viewer, analyst, admin): list, set or remove a person's role"
    )
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the roles table, and the sign-in groups that give a role")
    setting = actions.add_parser("set", help="give a person a role (it wins over their groups)")
    setting.add_argument("user", metavar="USER", help="their sign-in name: the email their sign-in sends")
    setting.add_argument("role", metavar="ROLE", help=f"one of {', '.join(access.Role)}")
    removing = actions.add_parser("remove", help="take a person out of the roles table (their groups decide again)")
    removing.add_argument("user", metavar="USER")
    for action in (listing, setting, removing):
        _add_db_option(action)
        _add_lang_option(action)
    users.set_defaults(handler=run_users)

    sample = commands.add_parser("sample", help="regenerate the sample exports (seeded, repeatable)")
    sample.add_argument("--out", type=Path, default=SAMPLE_DATA_DIR, help="folder to write (default: sample_data/)")
    sample.add_argument("--seed", type=int, help="random seed (default: the one the committed files use)")
    sample.set_defaults(handler=run_sample)
    return parser


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    default = warehouse.DEFAULT_DB_PATH.relative_to(warehouse.PROJECT_ROOT)
    parser.add_argument("--db", help=f"warehouse file (default: $CXKPI_DB, else {default})")


def _add_view_options(parser: argparse.ArgumentParser) -> None:
    """The view a command computes: --db, the period (--start/--end or --range), --filter and --registry."""
    _add_db_option(parser)
    parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: last full quarter)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day, inclusive, YYYY-MM-DD")
    parser.add_argument("--range", choices=QUICK_RANGES,
                        help="a period relative to the latest data, as the app's quick ranges (instead of --start "
                             "and --end): what a scheduled run wants")
    parser.add_argument(
        "--filter", action="append", default=[], metavar="NAME=VALUE",
        help="region=..., segment=... or channel=...; repeat to allow several values",
    )
    parser.add_argument("--registry", type=Path, default=registry.DEFAULT_REGISTRY_PATH, help="metrics.toml to use")
    _add_lang_option(parser, "; JSON is the same in every language")


def _add_lang_option(parser: argparse.ArgumentParser, also: str = "") -> None:
    parser.add_argument("--lang", choices=i18n.LANGUAGES,
                        help="the language people read: en, fa (Persian) or ru (default: metrics.toml's language, "
                             f"else en){also}")


def _language(args: argparse.Namespace) -> str:
    """--lang, else the [settings] language of --registry (else of the metrics.toml in use), else English."""
    if args.lang:
        return i18n.choose(args.lang)
    return i18n.choose(registry.load_settings(getattr(args, "registry", None) or registry.registry_path()).language)


def _lines_language(args: argparse.Namespace) -> str:
    """The language of a loading or roles command's lines: as _language, but English when metrics.toml
    cannot be read (the load then says why, in its own words)."""
    try:
        return _language(args)
    except (registry.RegistryError, OSError, ValueError):
        return i18n.DEFAULT_LANGUAGE


def _add_load_options(parser: argparse.ArgumentParser) -> None:
    _add_db_option(parser)
    parser.add_argument(
        "--archive", type=Path, help="archive folder (default: $CXKPI_ARCHIVE, else archive/ beside the warehouse)"
    )
    parser.add_argument(
        "--mapping", type=Path, help="mapping file for other exports (default: $CXKPI_MAPPINGS, else mappings.toml)"
    )


def run_ingest(args: argparse.Namespace) -> int:
    """Exit 0: every row of every file loaded (or was loaded before); 1: a file was refused; 2: the
    mapping or the quarantine limit cannot be used; 3: every file loaded, but some rows were
    quarantined (cxkpi/verdict.py)."""
    from cxkpi import archive, export_formats, ingest, reasons
    from cxkpi.inbox import Outcome
    from cxkpi.outcomes import outcome_text

    db_path = warehouse.resolve_db_path(args.db)
    try:
        limit = verdict.quarantine_limit(args.quarantine_limit)
        export_formats.load_formats(args.mapping)
    except ValueError as error:  # a bad limit, or a mapping file that cannot be used (MappingError)
        print(f"error: {error}", file=sys.stderr)
        return verdict.EXIT_SETUP
    if args.if_empty and db_path.exists() and not warehouse.is_empty(db_path):
        with i18n.use(_lines_language(args)):
            print(i18n.gettext("{db} already holds data; nothing loaded", db=db_path))
        return verdict.EXIT_LOADED
    if not args.paths:
        return _run_inbox(args, db_path, limit)
    full = None
    try:
        results, refusals = ingest.ingest_paths(db_path, args.paths, mapping=args.mapping, archive=args.archive,
                                                quarantine_limit=limit)
    except archive.DiskFullError as error:
        full, results, refusals = error, error.results, error.refusals
    with i18n.use(_lines_language(args)):
        for result in results:
            print(outcome_text(Outcome(result.path.name, result=result)))
        for refusal in refusals:
            print(i18n.gettext("refused: {reason}", reason=reasons.translated(str(refusal))), file=sys.stderr)
        if full is not None:
            print(f"error: {full}", file=sys.stderr)
            return verdict.EXIT_TRY_AGAIN
        if not results and not refusals:
            print(i18n.gettext("no .csv files found in {paths}", paths=", ".join(str(path) for path in args.paths)),
                  file=sys.stderr)
            return verdict.EXIT_REFUSED
    return verdict.exit_code([result.verdict for result in results] + ["refused"] * len(refusals))


def _run_inbox(args: argparse.Namespace, db_path: Path, limit: float) -> int:
    from cxkpi import export_formats, inbox
    from cxkpi.outcomes import outcome_text

    folder = args.inbox or inbox.default_inbox(db_path)
    try:
        outcomes = inbox.process_inbox(db_path, folder, archive_dir=args.archive, mapping=args.mapping,
                                       quarantine_limit=limit)
    except export_formats.MappingError as error:
        print(f"error: {error}", file=sys.stderr)
        return verdict.EXIT_SETUP
    with i18n.use(_lines_language(args)):
        if not outcomes:
            print(i18n.gettext("the inbox {folder} holds no files ready to load", folder=folder))
            return verdict.EXIT_LOADED
        for outcome in outcomes:
            print(outcome_text(outcome), file=sys.stderr if outcome.failed else sys.stdout)
    return verdict.exit_code(outcome.verdict for outcome in outcomes)


def run_rebuild(args: argparse.Namespace) -> int:
    from cxkpi import archive, inbox, ingest
    from cxkpi.outcomes import outcome_text

    db_path = warehouse.resolve_db_path(args.db)
    try:
        outcomes = inbox.rebuild(db_path, archive_dir=args.archive, mapping=args.mapping)
    except ingest.IngestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except archive.DiskFullError as error:
        print(f"error: rebuild abandoned, {db_path} is unchanged: {error}", file=sys.stderr)
        return verdict.EXIT_TRY_AGAIN
    with i18n.use(_lines_language(args)):
        for outcome in outcomes:
            print(outcome_text(outcome), file=sys.stderr if outcome.refusal else sys.stdout)
        if any(outcome.refusal for outcome in outcomes):
            print(i18n.gettext("rebuild abandoned: {db} is unchanged", db=db_path), file=sys.stderr)
            return 1
        # One English form for any count, as this line always read (scripts match it); Russian's three.
        print(i18n.ngettext("rebuilt {db} from {n} archived files", "rebuilt {db} from {n} archived files",
                            len(outcomes), db=db_path))
    return 0


def run_kpis(args: argparse.Namespace) -> int:
    from cxkpi import kpis

    if args.engine == "spark":
        return _run_kpis_on_spark(args)
    try:
        db_path, kpi_list, filters, period, settings = _view(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if period is None:
        print(f"error: {no_data(db_path)}", file=sys.stderr)
        return 1
    with warehouse.reading(db_path) as connection:
        reports = kpis.overview(connection, kpi_list, period, filters, settings)
    return _print_reports(args, period, filters, reports)


def _run_kpis_on_spark(args: argparse.Namespace) -> int:
    """As run_kpis, on Spark over the tables as Parquet; the warehouse, when there is one, gives the
    owners and targets changed in the app (a company's own tables may come without one)."""
    from cxkpi import kpis, ownership, spark

    db_path = warehouse.resolve_db_path(args.db)
    try:
        _check_period_options(args)
        kpi_list = registry.load_registry(args.registry)
        settings = registry.load_settings(args.registry)
        filters = parse_filters(args.filter)
        if db_path.exists():
            with warehouse.reading(db_path) as connection:
                if (problem := warehouse.clock_problem(connection, settings.timezone)) is not None:
                    raise ValueError(problem)
                kpi_list = ownership.effective(connection, kpi_list, settings.today())
        tables = spark.tables_location(db_path if db_path.exists() else None)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with spark.connected(tables) as connection:
        period = _period_from(args, connection, settings)
        if period is None:
            print(f"error: {no_data(tables)}", file=sys.stderr)
            return 1
        # One worker: Spark runs each query on all its cores itself.
        reports = kpis.overview(connection, kpi_list, period, filters, settings, 1)
    return _print_reports(args, period, filters, reports)


def _print_reports(
    args: argparse.Namespace, period: Period, filters: kpis.Filters, reports: list[kpis.KpiReport]
) -> int:
    document = {
        "period": _period_dict(period),
        "previous_period": _period_dict(period.previous()),
        "filters": {name: list(values) for name, values in filters.as_dict().items()},
        "kpis": [report_as_dict(report) for report in reports],
    }
    if args.json:
        print(json.dumps(document, default=_json_default, indent=2))
        return 0
    language = _language(args)
    with i18n.use(language):
        print(format_table(period, filters, [report.kpi.in_language(language) for report in reports], reports))
    return 0


def run_parquet(args: argparse.Namespace) -> int:
    from cxkpi import spark

    db_path = warehouse.resolve_db_path(args.db)
    if not db_path.exists():
        print(f"error: {db_path} does not exist; load data with: python -m cxkpi ingest PATH", file=sys.stderr)
        return 1
    out_dir = args.out or spark.parquet_copy_of(db_path)
    for table, rows in spark.write_parquet(db_path, out_dir).items():
        print(f"wrote {out_dir / table} ({rows:,} rows, one folder per month)")
    return 0


def run_users(args: argparse.Namespace) -> int:
    """The roles table from the server's command line, which acts as an admin (it can write the file anyway)."""
    db_path = warehouse.resolve_db_path(args.db)
    actor = access.command_line_identity()
    try:
        # The change is made unbound, so that a refusal's `error:` line is English as the others.
        if args.action == "set":
            role = access.parse_role(args.role)
            old = access.set_role(db_path, actor, args.user, role)
        elif args.action == "remove":
            old = access.remove_role(db_path, actor, args.user)
        with i18n.use(_lines_language(args)):
            if args.action == "set":
                print(i18n.gettext("{user}: {old} → {new}", user=access.normalise_user_id(args.user),
                                   old=access.role_words(old) if old else i18n.gettext("not in the table"),
                                   new=access.role_words(role)))
            elif args.action == "remove":
                print(i18n.gettext("{user}: {old} → decided by their groups (viewer without one)",
                                   user=access.normalise_user_id(args.user), old=access.role_words(old)))
            else:
                _print_roles(db_path)
    except (ValueError, access.AccessDeniedError, access.AccessConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _print_roles(db_path: Path) -> None:
    grants = access.list_grants(db_path)
    if not grants:
        print(i18n.gettext("the roles table is empty"))
    tr = i18n.active()
    for grant in grants:
        print(f"{grant.user_id:<40} {access.role_words(grant.role):<8} " + i18n.gettext(
            "given by {person} on {day} {time}", person=grant.granted_by,
            day=tr.digits(f"{grant.granted_at:%Y-%m-%d}"), time=tr.time(grant.granted_at)))
    settings = access.load_settings()
    for group, role in sorted(settings.group_roles.items()):
        print(i18n.gettext("group {group} (claim {claim}) → {role}", group=repr(group),
                           claim=repr(settings.groups_claim), role=access.role_words(role))
              + f"  [{access.access_path()}]")
    print(i18n.gettext("everyone else who signs in is a viewer; with no sign-in configured, the person at the server "
                       "is the admin"))


def run_sample(args: argparse.Namespace) -> int:
    from cxkpi import sample_data

    seed = sample_data.DEFAULT_SEED if args.seed is None else args.seed
    for table, path in sample_data.generate(args.out, seed=seed).items():
        print(f"wrote {path} ({table})")
    return 0


def parse_filters(specs: list[str]) -> kpis.Filters:
    from cxkpi import kpis

    values: dict[str, list[str]] = {name: [] for name in kpis.FILTER_DIMENSIONS}
    for spec in specs:
        name, separator, value = spec.partition("=")
        if not separator or name.strip() not in values or not value.strip():
            raise ValueError(f"--filter {spec!r}: use NAME=VALUE with NAME one of {', '.join(values)}")
        values[name.strip()].append(value.strip())
    return kpis.Filters(**{name: tuple(chosen) for name, chosen in values.items()})


def _check_period_options(args: argparse.Namespace) -> None:
    """A period is --range, or --start with --end, or neither (the last full quarter); never half of one,
    which would be completed from the default quarter into a view nobody asked for."""
    if args.range and (args.start or args.end):
        raise ValueError("give --range or --start/--end, not both")
    if bool(args.start) != bool(args.end):
        raise ValueError("give both --start and --end (or --range, or neither for the last full quarter)")


def _period_from(args: argparse.Namespace, connection: Any, settings: registry.Settings) -> Period | None:
    """The period the options ask for, in the calendar of metrics.toml's settings (quick ranges and the
    default quarter are Jalali with calendar = "persian"); --start and --end are ISO Gregorian dates."""
    from cxkpi import kpis

    calendar = settings.calendar_for(None)
    if args.range:
        latest = kpis.latest_day(connection)
        return None if latest is None else quick_range(args.range, latest, calendar)
    if args.start and args.end:
        return Period(args.start, args.end, calendar)
    return kpis.default_period(connection, calendar=calendar)


def _scope(args: argparse.Namespace, filters: kpis.Filters) -> str:
    """What the alerts watch: a quick range follows the data ('last_quarter', the default), dates stay."""
    when = f"{args.start}..{args.end}" if args.start else args.range or "last_quarter"
    return f"{when}|{filters.describe()}"


def no_data(place: object) -> str:
    """What a command says of a warehouse (or Spark tables) with nothing in it, and how to fill it."""
    return f"{place} holds no data; load some with: python -m cxkpi ingest PATH"


def _view(args: argparse.Namespace) -> tuple[Path, list[registry.Kpi], kpis.Filters, Period | None, registry.Settings]:
    """The warehouse, the registry in effect (the app's owner and target changes applied), the filters and
    the period the command's options ask for (None when the warehouse holds no data)."""
    from cxkpi import ownership

    _check_period_options(args)
    kpi_list = registry.load_registry(args.registry)
    settings = registry.load_settings(args.registry)
    filters = parse_filters(args.filter)
    db_path = warehouse.resolve_db_path(args.db)
    with warehouse.reading(db_path) as connection:
        if (problem := warehouse.clock_problem(connection, settings.timezone)) is not None:
            raise ValueError(problem)
        kpi_list = ownership.effective(connection, kpi_list, settings.today())
        period = _period_from(args, connection, settings)
    return db_path, kpi_list, filters, period, settings


@dataclass(frozen=True)
class _Sending:
    """What digest and alerts work on: the view (_view) and where messages go."""

    db_path: Path
    kpis: list[registry.Kpi]
    filters: kpis.Filters
    period: Period
    settings: registry.Settings
    smtp: delivery.SmtpSettings | None
    webhooks: list[delivery.Webhook]


def _sending(args: argparse.Namespace) -> _Sending | int:
    """The view and the delivery settings; or, when they cannot be used, the exit code (said on stderr)."""
    from cxkpi import delivery

    try:
        db_path, kpi_list, filters, period, settings = _view(args)
        smtp, webhooks = delivery.smtp_settings(), delivery.load_webhooks()
    except (ValueError, delivery.DeliveryConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if period is None:
        print(f"error: {no_data(db_path)}", file=sys.stderr)
        return 1
    return _Sending(db_path, kpi_list, filters, period, settings, smtp, webhooks)


def _refused(messages: list[delivery.Outgoing], sending: _Sending) -> bool:
    """True (said on stderr) when some of the messages could reach nobody: then nothing is recorded."""
    from cxkpi import delivery

    with i18n.use(i18n.DEFAULT_LANGUAGE):  # an error line, in English as the others
        problems = delivery.unreachable(messages, sending.smtp, sending.webhooks)
    if problems:
        print("error: not sent, nothing recorded:\n  " + "\n  ".join(problems), file=sys.stderr)
    return bool(problems)


def run_digest(args: argparse.Namespace) -> int:
    """Exit 0: printed, or every message sent; 1: a delivery failed (kept, retried next run); 2: the options
    or the delivery settings cannot be used (nothing recorded)."""
    from cxkpi import delivery, digest, links

    sending = _sending(args)
    if isinstance(sending, int):
        return sending
    language = _language(args)
    now = access.utc_now()

    def link_for(reader: str) -> str:
        # The link opens the view in the reader's language (English: the reader's default, as before).
        return links.view_url(sending.period, sending.filters, "" if reader == i18n.DEFAULT_LANGUAGE else reader)

    with warehouse.reading(sending.db_path) as connection:
        # Each owner in their language ([settings.owner_languages]), else the run's.
        messages = digest.per_recipient(connection, sending.kpis, sending.period, sending.filters, sending.settings,
                                        language, link_for, now)
    with i18n.use(language):  # the command's own lines in the run's language
        if not args.send:
            for message in messages:
                print(_preview(message, sending))
            return 0
        if _refused(messages, sending):
            return 2
        with warehouse.writing(sending.db_path) as connection:
            connection.begin()
            queued = delivery.enqueue(connection, messages, sending.smtp, sending.webhooks)
            connection.commit()
        if not queued:
            print(i18n.gettext("this week's digests ({week}) were queued before: nothing new to send",
                               week=digest.iso_week(sending.settings.today(now))))
        return _deliver(sending)


def run_alerts(args: argparse.Namespace) -> int:
    """Exit codes as digest's."""
    from cxkpi import alerts, links

    sending = _sending(args)
    if isinstance(sending, int):
        return sending
    language = _language(args)
    scope = _scope(args, sending.filters)

    def compose(found: alerts.Observation, event_key: str) -> delivery.Outgoing:
        # Each owner's alert in their language ([settings.owner_languages]), else the run's, with a link
        # that opens the view in it (English: the reader's default, as before).
        return alerts.for_owner(found, event_key, sending.settings, language, lambda reader: links.view_url(
            sending.period, sending.filters, "" if reader == i18n.DEFAULT_LANGUAGE else reader))

    with warehouse.reading(sending.db_path) as connection:
        observations = alerts.observe(connection, sending.kpis, sending.period, sending.filters, sending.settings)
        fresh = alerts.news(observations, alerts.last_states(connection, scope))
    if not args.send:
        with i18n.use(language):
            for found in fresh:
                print(_preview(compose(found, ""), sending))
            if not fresh:
                print(i18n.gettext("no new event since the last alerts ({scope}): nothing to send",
                                   scope=_scope_text(scope)))
        return 0
    with i18n.use(language):
        if _refused([compose(found, "") for found in fresh], sending):
            return 2
        sent = alerts.record(sending.db_path, scope, observations, compose, sending.smtp, sending.webhooks)
        print(i18n.ngettext("{n} new event in {scope}", "{n} new events in {scope}", len(sent),
                            scope=_scope_text(scope)) + "".join(
            f"\n  {alert.message.subject} → {alert.message.owner_name}" for alert in sent))
        return _deliver(sending)


def _scope_text(scope: str) -> str:
    """'last month, all customers and channels'."""
    when, _, filters = scope.partition("|")
    return f"{when.replace('_', ' ')}, {filters}"


def _deliver(sending: _Sending) -> int:
    """Deliver everything queued and not yet sent (this run's and what failed before); report each."""
    from cxkpi import delivery

    outcomes = delivery.deliver(sending.db_path, sending.smtp)
    for outcome in outcomes:
        where = f"{outcome.message.channel} {outcome.message.shown_address}"
        said = {"subject": outcome.message.subject, "recipient": outcome.message.recipient, "where": where}
        if outcome.sent:
            print(i18n.gettext("sent: {subject} → {recipient} ({where})", **said))
        else:
            print(i18n.gettext("NOT SENT (kept, retried on the next run): {subject} → {recipient} ({where}): {error}",
                               error=outcome.error, **said), file=sys.stderr)
    return 1 if any(not outcome.sent for outcome in outcomes) else 0


def _preview(message: delivery.Outgoing, sending: _Sending) -> str:
    """A message as `--send` would send it: to whom, how, its subject, attachment and plain text."""
    from cxkpi import delivery

    ways = [i18n.gettext("email {address}", address=address) if channel == "email" else
            i18n.gettext("webhook {address}", address=delivery.Webhook(address).shown)
            for channel, address in delivery.addressed(message, sending.smtp, sending.webhooks)]
    if not ways:
        ways = [i18n.gettext("nowhere yet: {why}",
                             why=" ".join(delivery.unreachable([message], sending.smtp, sending.webhooks)))]
    to = message.owner_name + (f" <{message.owner_email}>" if message.owner_email else "")
    lines = [i18n.gettext("To: {to}", to=to), i18n.gettext("Via: {ways}", ways="; ".join(ways)),
             i18n.gettext("Subject: {subject}", subject=message.subject)]
    if message.attachment:
        lines.append(i18n.gettext("Attachment: {file} ({size} KB)", file=message.attachment_name,
                                  size=i18n.active().integer(round(len(message.attachment) / 1024))))
    return "\n".join(["=" * 100, *lines, "", message.text.rstrip()]) + "\n"


def report_as_dict(report: kpis.KpiReport) -> dict[str, Any]:
    """One KPI as `kpis --json` prints it: its one status (cxkpi.status) and its one change,
    value − previous_value, with the test of that same change in vs_previous."""
    kpi = report.kpi
    return {
        "id": kpi.id,
        "title": kpi.title,
        "owner": kpi.owner.name,
        "owner_role": kpi.owner.role,
        "unit": kpi.unit,
        "period": _period_dict(report.period),
        "value": report.current.value,
        "n": report.current.n,
        "target": kpi.target,
        "direction": kpi.direction,
        "status": report.status.value,
        "previous_period": _period_dict(report.period.previous()),
        "previous_value": report.previous.value,
        "previous_n": report.previous.n,
        "change": report.change,
        **report.current.details,
        **_statistics_as_dict(report),
        "data_through": report.data_through,
        "last_loaded_at": report.last_loaded_at,
    }


def _period_dict(period: Period) -> dict[str, date | str]:
    """ISO Gregorian dates, and what people call the period in its calendar ('Q3 2026', 'Q1 1405')."""
    from ui import formatting as fmt

    return {"start": period.start, "end": period.end, "label": fmt.period_name(period)}


def _statistics_as_dict(report: kpis.KpiReport) -> dict[str, Any]:
    found = report.assessment
    if found is None:
        return {}

    def test(change: Any, reading: Any) -> dict[str, Any] | None:
        if change is None:
            return None
        return {"p_value": change.p_value, "significant": change.is_significant(), "method": change.method,
                "reading": reading.value}

    last_year = report.last_year
    return {
        "interval_95": None if found.interval is None else [found.interval.low, found.interval.high],
        "vs_previous": test(report.vs_previous, report.change_reading),
        "last_year_value": None if last_year is None else last_year.value,
        "last_year_n": None if last_year is None else last_year.n,
        "change_vs_last_year": report.last_year_change,
        "vs_last_year": test(report.vs_last_year, report.last_year_reading),
        "months_off_target": report.months_off_target,
    }


def format_table(period: Period, filters: kpis.Filters, titled: list[registry.Kpi],
                 reports: list[kpis.KpiReport]) -> str:
    """The people's table, in the bound language (cxkpi.i18n.use), in the words and numbers of the app's
    cards (ui.formatting): the period and filters, then per KPI its title, value, n, the change against the
    previous period, target, status and owner. `titled`: each report's KPI with its words in that language."""
    from ui import formatting as fmt  # no Streamlit in it; the digest and alerts share it too

    translator = i18n.active()
    lines = [translator.gettext("{start} to {end} ({name}), compared with {previous}",
                                start=translator.digits(period.start.isoformat()),
                                end=translator.digits(period.end.isoformat()), name=fmt.period_name(period),
                                previous=fmt.period(period.previous())) + f" · {fmt.filters(filters)}"]
    width = max(len(kpi.title) for kpi in titled) if titled else 0
    for kpi, report in zip(titled, reports, strict=True):
        value = fmt.value(kpi, report.current.value)
        change = fmt.previous_phrase(report) if report.current.value is not None else ""
        moved = f" · {fmt.matured_note(report)}" if report.moved_from else ""
        lines.append(
            f"{kpi.title:<{width}}  {value:>14}  {fmt.count(kpi, report.current.n)}  {change}  "
            f"{fmt.target_phrase(kpi)}: {fmt.status_reading(report)}  "
            f"{i18n.gettext('Owner: {owner}', owner=f'{kpi.owner.name}, {kpi.owner.role}')}{moved}"
        )
    return "\n".join(lines)


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
