"""The KPI registry (metrics.toml): definitions, targets and exactly one named owner per KPI."""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxkpi.business_hours import EXAMPLE as BUSINESS_HOURS_EXAMPLE
from cxkpi.business_hours import Schedule, schedule_from
from cxkpi.calendars import CALENDARS, WEEKDAYS, Calendar, calendar_for
from cxkpi.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext, use, written_number
from cxkpi.schema import TABLES
from cxkpi.warehouse import FACT_TABLES, PROJECT_ROOT, QUERIES_DIR

DEFAULT_REGISTRY_PATH = PROJECT_ROOT / "metrics.toml"
REGISTRY_ENV = "CXKPI_REGISTRY"
DIRECTIONS = ("higher", "lower")
# How a KPI's uncertainty is measured: an NPS (adjusted Wald), a share in % (Wilson), a median
# (order statistics), a rate of events per `rate_per` units of n (Poisson), a difference of two shares
# (`difference_of` names their columns) or none. Default: "proportion" for unit "%".
STATISTICS = ("nps", "proportion", "median", "rate", "difference", "none")
# What [kpi.i18n.<lang>] may translate: what people read of a KPI.
TRANSLATED_FIELDS = ("title", "description", "unit", "page_title")
# Words that join two people in one name ("A and B", "A; B"), in the languages of cxkpi's users: an
# owner is one person. A comma is allowed ("Raman, Priya" is one person).
SECOND_PERSON = re.compile(r"[;&/+|\n]|\s(?:and|und|et|и|و)\s", re.IGNORECASE)
# An address someone signs in with and receives mail at: one @, something on each side, a dot after it.
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
# What a KPI's page and card show, by name (the registry says which; ui/ draws them, and a test holds ui's
# maps to these names): its icon in the navigation, the detail lines under the card's headline (ui/kpi_details.py)
# and the drill-downs under its page's breakdown (ui/drilldowns.py).
ICON = re.compile(r"^:material/[a-z0-9_]+:$")
# An id names its SQL file and stands in links (/KPI?kpi=<id>), widget keys and CSS classes: kept plain.
KPI_ID = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_ICON = ":material/insights:"
DEFAULT_COUNTS = ("record", "records")
# The units the code knows, in words (Kpi.unit_name); any other is the registry's own words.
UNIT_NAMES = {"points": N_("points"), "hours": N_("hours"), "%": "%"}
DETAIL_LINES = (
    "nps_mix", "response_time_tail", "repeat_buyers", "trusting_answers", "satisfied_answers",
    "complaints_raised", "sla_outcomes", "cohort_return", "recovery_groups",
)
DRILLDOWNS = (
    "slice_impact", "detractor_comments", "response_by_channel_and_category", "open_backlog",
    "time_to_resolution", "cohort_maturity", "recovery_comparison",
)


class RegistryError(ValueError):
    """The registry cannot be used; the message names every KPI at fault and why."""


@dataclass(frozen=True)
class Owner:
    name: str
    role: str
    # How the owner signs in (their sign-in's email claim) and where their alerts and digest go; '' when
    # metrics.toml gives none: then only admins write the KPI's notes and nothing is mailed to the owner.
    email: str = ""

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"  # 'Amara Okafor, Chief Customer Officer'

    @property
    def user_id(self) -> str:
        """The owner's sign-in name as cxkpi.access compares it (an email in lower case); '' without one."""
        return self.email.strip().lower()

    def recorded(self) -> str:
        """As the audit trail records it: 'Amara Okafor, Chief Customer Officer <amara@example.com>'."""
        return f"{self} <{self.email}>" if self.email else str(self)


# Why someone cannot be a KPI's owner, as whole sentences about a subject (the KPI's title on the Owners
# page, "kpi 'nps'" in metrics.toml's problems), so each reads in the reader's language (cxkpi.ownership).
OWNER_UNNAMED = N_("{subject} needs exactly one owner: give the new owner's name and role")
OWNER_NAMES_TWO = N_("{subject} needs exactly one owner, and {name} names more than one person: one person is "
                     "accountable, so name just one")
OWNER_EMAIL_NOT_ONE = N_("{subject} needs the owner's email to be one address like name@example.com, not {email}")


def owner_problem(owner: Owner, subject: str) -> str | None:
    """Why this cannot be the owner of `subject` (no name, no role, two people in one name, an email that
    is not one), in the bound language, or None."""
    if not owner.name.strip() or not owner.role.strip():
        return gettext(OWNER_UNNAMED, subject=subject)
    if SECOND_PERSON.search(owner.name):
        return gettext(OWNER_NAMES_TWO, subject=subject, name=repr(owner.name.strip()))
    if not one_address(owner.email):
        return gettext(OWNER_EMAIL_NOT_ONE, subject=subject, email=repr(owner.email.strip()))
    return None


def one_address(email: str) -> bool:
    """Whether `email` is one address (not two joined by a comma, say); '' is no email, allowed."""
    return not email.strip() or bool(EMAIL.match(email.strip()))


def email_problem(email: str, what: str) -> str | None:
    """Why `email` is not one address, or None: in English, for the settings' and the mail server's
    problems (error lines, like every other)."""
    if not one_address(email):
        return f"needs {what} to be one address like name@example.com, not {email.strip()!r}"
    return None


@dataclass(frozen=True)
class TargetRange:
    """The values a KPI (and so its target) can take, in its unit: a share is 0-100, an NPS −100..100,
    hours and rates above 0. Bounds are inclusive (minimum, maximum) or exclusive (above)."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None

    def allows(self, value: float) -> bool:
        return math.isfinite(value) and not (
            (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum)
            or (self.above is not None and value <= self.above))

    def describe(self) -> str:
        """'from 0 to 100', 'above 0', 'any number': in the bound language, its numbers in the reader's digits."""
        low = None if self.above is None and self.minimum is None else written_number(
            self.above if self.above is not None else self.minimum)
        high = None if self.maximum is None else written_number(self.maximum)
        if low is not None:
            if self.above is not None:
                return gettext(RANGE_ABOVE_TO if high else RANGE_ABOVE, low=low, high=high)
            return gettext(RANGE_FROM_TO if high else RANGE_FROM, low=low, high=high)
        return gettext(RANGE_TO, high=high) if high else gettext(RANGE_ANY)


# A target range in words (TargetRange.describe), inside "The target of ... must be ...".
RANGE_ABOVE_TO = N_("above {low} to {high}")
RANGE_ABOVE = N_("above {low}")
RANGE_FROM_TO = N_("from {low} to {high}")
RANGE_FROM = N_("from {low}")
RANGE_TO = N_("to {high}")
RANGE_ANY = N_("any number")


@dataclass(frozen=True)
class Kpi:
    id: str
    title: str
    unit: str
    direction: str
    target: float
    source: str
    description: str
    owner: Owner
    # Settings bound into the KPI's SQL by name, e.g. (("sla_hours", 72.0),); a tuple so Kpi stays hashable.
    parameters: tuple[tuple[str, float], ...] = ()
    statistic: str = "none"
    # How far on the wrong side of the target still counts as "near target", in the KPI's unit.
    near: float = 0.0
    # The fact table its SQL reads through the view rule (queries/_view.sql; warehouse.FACT_TABLES).
    reads: str = ""
    # Its n and its counts add up over slices and buckets (a sum of daily counts, say): a slice's n
    # is part of the total's, so the slices' n sum to the total's n.
    additive: bool = False
    target_range: TargetRange = dataclass_field(default_factory=TargetRange)
    rate_per: float = 1000.0  # statistic "rate": value = rate_per × events / n
    # statistic "difference": the (share column, n column) of the two groups, value = share 1 − share 2.
    difference_of: tuple[tuple[str, str], ...] = ()
    # A KPI whose records need time to count (a repeat within 90 days): a period is final once this many
    # days have passed after it in the `maturity_table`'s data; 0 = final at once.
    maturity_days: int = 0
    maturity_table: str = ""
    # Every target the KPI has had, oldest first: (first day in force, target), the first from date.min
    # (metrics.toml's), the later ones set on the Owners page (cxkpi.ownership.effective). Empty: `target`
    # always. `target` is the one in force on the day this Kpi is seen as of (as_of).
    target_history: tuple[tuple[date, float], ...] = ()
    # business_hours = true: its SQL counts time in the company's working week ([business_hours]).
    schedule: Schedule | None = None
    # How the app shows it: the navigation's Material icon, what n counts (singular, plural), the page's
    # browser-tab title, the card's detail lines and the page's drill-downs by name (DETAIL_LINES, DRILLDOWNS).
    icon: str = DEFAULT_ICON
    counts: tuple[str, str] = DEFAULT_COUNTS
    page_title: str = ""
    details: tuple[str, ...] = ()
    drilldowns: tuple[str, ...] = ()
    # Where its SQL is: queries/ beside the registry file when it holds <id>.sql, else the project's.
    queries_dir: Path = QUERIES_DIR
    # A free-text unit ("per 1,000 orders") as shown; `unit` itself stays the registry's, which the code
    # reads ("points", "%", "hours" are shown through the message catalog instead).
    unit_words: str = ""
    # The KPI's words in other languages ([kpi.i18n.<lang>] in metrics.toml): ((lang, ((field, text), ...)), ...),
    # fields among TRANSLATED_FIELDS; a tuple so Kpi stays hashable. in_language() applies them.
    translations: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def unit_name(self) -> str:
        """The unit in words, in the bound language: 'points', 'hours', '%', 'per 1,000 orders'."""
        return gettext(UNIT_NAMES[self.unit]) if self.unit in UNIT_NAMES else self.unit_words or self.unit

    def in_language(self, language: str) -> Kpi:
        """This KPI with its title, description and unit words in `language` (unchanged where metrics.toml
        gives none: the registry's own words are the fallback)."""
        words = dict(dict(self.translations).get(language, ()))
        if not words:
            return self
        # The browser tab's title: its own translation, else the translated title (an English short name
        # in a Persian or Russian tab would be the one English word there).
        page_title = words.get("page_title") or words.get("title") or self.page_title
        return replace(self, title=words.get("title", self.title), description=words.get("description",
                       self.description), unit_words=words.get("unit", self.unit_words), page_title=page_title)

    @property
    def query_path(self) -> Path:
        return self.queries_dir / f"{self.id}.sql"

    def target_on(self, day: date) -> float:
        """The target in force on `day`: a changed target keeps the old one for the days before it."""
        found = self.target
        for first_day, target in self.target_history:
            if first_day > day:
                break
            found = target
        return found

    def as_of(self, day: date) -> Kpi:
        """This KPI with the target in force on `day` (a period's last day: the period is judged by it)."""
        return self if not self.target_history else replace(self, target=self.target_on(day))

    def target_changes(self, start: date, end: date) -> list[tuple[date, float]]:
        """The targets that started after `start` and on or before `end` (the steps a trend draws)."""
        return [(first_day, target) for first_day, target in self.target_history if start < first_day <= end]


def load_registry(path: Path = DEFAULT_REGISTRY_PATH) -> list[Kpi]:
    """Read and validate the registry; raise RegistryError listing every problem found."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{path}: not valid TOML: {error}") from None

    entries = document.get("kpi", [])
    if not entries:
        raise RegistryError(f"{path}: defines no KPI; add [[kpi]] tables")
    schedule, problems = schedule_from(document)
    kpis: list[Kpi] = []
    seen_ids: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"KPI '{entry.get('id')}'" if entry.get("id") else f"KPI #{position} (no id)"
        entry_problems = _problems_with(entry, label, Path(path))
        if entry.get("business_hours", False) not in (True, False):
            entry_problems.append(f"{label} has business_hours = {entry['business_hours']!r}; use true or false")
        elif entry.get("business_hours") and "business_hours" not in document:
            entry_problems.append(f"{label} counts business hours, but the registry has no working week; add\n"
                                  f"{BUSINESS_HOURS_EXAMPLE}")
        if entry.get("id") in seen_ids:
            entry_problems.append(f"{label} is defined twice")
        seen_ids.add(entry.get("id"))
        if entry_problems:
            problems.extend(entry_problems)
            continue
        kpis.append(_kpi_from(entry, Path(path), schedule if entry.get("business_hours") else None))
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return kpis


def queries_dir_of(registry_path: Path, kpi_id: str) -> Path:
    """Where a KPI's SQL is looked up: the queries/ folder beside the registry file when it holds
    <id>.sql (a company's own KPIs kept with their metrics.toml), else the project's queries/."""
    beside = Path(registry_path).resolve().parent / "queries"
    if beside == QUERIES_DIR.resolve() or not (beside / f"{kpi_id}.sql").is_file():
        return QUERIES_DIR
    return beside


def _problems_with(entry: dict[str, Any], label: str, registry_path: Path) -> list[str]:
    problems = []
    for field in ("id", "title", "unit", "description"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            problems.append(f"{label} has no {field}")
    if isinstance(entry.get("id"), str) and entry["id"].strip() and not KPI_ID.match(entry["id"]):
        problems.append(f"{label} has an id that is not lower-case letters, digits and _ (starting with a letter); "
                        "name it like complaints_answered_within_a_day, and its SQL file after it")
    if entry.get("direction") not in DIRECTIONS:
        problems.append(f"{label} has direction {entry.get('direction')!r}; use 'higher' or 'lower'")
    target = entry.get("target")
    if not _number(target):
        problems.append(f"{label} has no target; set target = <number in {entry.get('unit', 'its unit')}>")
    if entry.get("source") not in TABLES:
        problems.append(f"{label} has source {entry.get('source')!r}; use one of {', '.join(TABLES)}")
    problems.extend(_owner_problems(entry, label))
    if entry.get("statistic", "none") not in STATISTICS:
        problems.append(f"{label} has statistic {entry.get('statistic')!r}; use one of {', '.join(STATISTICS)}")
    near = entry.get("near", 0)
    if not _number(near) or near < 0:
        problems.append(f"{label} has near = {near!r}; use a number >= 0 in the KPI's unit")
    parameters = entry.get("parameters", {})
    if not isinstance(parameters, dict) or not all(_number(value) for value in parameters.values()):
        problems.append(f"{label} has parameters that are not numbers; write parameters = {{ name = 1.5 }}")
        parameters = {}
    if entry.get("reads") not in FACT_TABLES:
        problems.append(f"{label} has reads = {entry.get('reads')!r}; use one of {', '.join(FACT_TABLES)}")
    if not isinstance(entry.get("additive", False), bool):
        problems.append(f"{label} has additive = {entry.get('additive')!r}; use true or false")
    problems.extend(_range_problems(entry, label))
    problems.extend(_statistic_problems(entry, label))
    problems.extend(_maturity_problems(entry, label, parameters))
    problems.extend(_presentation_problems(entry, label))
    problems.extend(_translation_problems(entry, label))
    if isinstance(entry.get("id"), str) and not (queries_dir_of(registry_path, entry["id"]) / f"{entry['id']}.sql"
                                                 ).exists():
        beside = Path(registry_path).resolve().parent / "queries"
        problems.append(f"{label} has no query file queries/{entry['id']}.sql (looked in {beside} and {QUERIES_DIR})")
    return problems


def _presentation_problems(entry: dict[str, Any], label: str) -> list[str]:
    """icon, counts, page_title, details and drilldowns: each named so that the entry can be fixed."""
    problems = []
    icon = entry.get("icon", DEFAULT_ICON)
    if not isinstance(icon, str) or not ICON.match(icon):
        problems.append(f"{label} has icon = {icon!r}; write a Material icon as icon = \":material/campaign:\" "
                        "(names at https://fonts.google.com/icons)")
    counts = entry.get("counts", list(DEFAULT_COUNTS))
    if not (isinstance(counts, list) and len(counts) == 2
            and all(isinstance(noun, str) and noun.strip() for noun in counts)):
        problems.append(f"{label} has counts = {counts!r}; say what n counts, singular then plural: "
                        'counts = ["response", "responses"]')
    page_title = entry.get("page_title", "")
    if "page_title" in entry and not (isinstance(page_title, str) and page_title.strip()):
        problems.append(f"{label} has page_title = {page_title!r}; give the browser tab's title, or leave it out "
                        "to use the title")
    for field, known in (("details", DETAIL_LINES), ("drilldowns", DRILLDOWNS)):
        names = entry.get(field, [])
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            problems.append(f'{label} has {field} = {names!r}; write a list of names, e.g. {field} = ["{known[0]}"]')
            continue
        unknown = [name for name in names if name not in known]
        if unknown:
            problems.append(f"{label} has unknown {field} {', '.join(map(repr, unknown))}; "
                            f"the {field} there are: {', '.join(known)}")
    if "slice_impact" in (entry.get("drilldowns") or []) and entry.get("additive") is not True:
        problems.append(f'{label} has the drill-down "slice_impact", which needs additive = true (slices whose n '
                        "add up to the total's)")
    return problems


def _translation_problems(entry: dict[str, Any], label: str) -> list[str]:
    """[kpi.i18n.<lang>]: a language cxkpi speaks, fields it knows, each a non-empty text."""
    translations = entry.get("i18n", {})
    if not isinstance(translations, dict):
        return [f"{label} has i18n = {translations!r}; write [kpi.i18n.fa] tables with title = \"...\""]
    problems = []
    for language, words in translations.items():
        if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
            others = ", ".join(sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE}))
            problems.append(f"{label} has [kpi.i18n.{language}]; languages: {others}")
        elif not isinstance(words, dict) or not all(isinstance(text, str) and text.strip() for text in words.values()):
            problems.append(f"{label} has [kpi.i18n.{language}] with an empty or non-text value")
        elif unknown := sorted(set(words) - set(TRANSLATED_FIELDS)):
            problems.append(f"{label} has [kpi.i18n.{language}] {', '.join(unknown)}; "
                            f"translatable: {', '.join(TRANSLATED_FIELDS)}")
    return problems


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _range_problems(entry: dict[str, Any], label: str) -> list[str]:
    found = entry.get("target_range", {})
    if not isinstance(found, dict) or set(found) - {"min", "max", "above"} or not all(
        _number(value) for value in found.values()
    ) or ("min" in found and "above" in found):
        return [f"{label} has target_range = {found!r}; write {{ min = 0, max = 100 }} or {{ above = 0 }}"]
    target, possible = entry.get("target"), _target_range(entry)
    if _number(target) and not possible.allows(float(target)):
        with use(DEFAULT_LANGUAGE):  # metrics.toml's problems are English, whoever's session loads it
            return [f"{label} has target {target:g}, which it cannot reach: it must be {possible.describe()}"]
    return []


def _statistic_problems(entry: dict[str, Any], label: str) -> list[str]:
    statistic = entry.get("statistic")
    if "rate_per" in entry and (not _number(entry["rate_per"]) or entry["rate_per"] <= 0):
        return [f"{label} has rate_per = {entry['rate_per']!r}; use a number above 0 (1000 for per 1,000)"]
    pairs = entry.get("difference_of")
    if statistic == "difference" and not (
        isinstance(pairs, list) and len(pairs) == 2
        and all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(name, str) for name in pair)
                for pair in pairs)
    ):
        return [f'{label} has statistic "difference" without difference_of = [["share_a", "n_a"], ["share_b", '
                '"n_b"]], the columns of its two groups']
    return []


def _maturity_problems(entry: dict[str, Any], label: str, parameters: dict[str, Any]) -> list[str]:
    maturity = entry.get("maturity")
    if maturity is None:
        return []
    if not isinstance(maturity, dict) or set(maturity) != {"parameter", "table"} \
            or maturity["parameter"] not in parameters or maturity["table"] not in TABLES:
        return [f"{label} has maturity = {maturity!r}; write maturity = {{ parameter = \"window_days\", table = "
                f"\"orders\" }}, naming one of its parameters (in days) and the table whose latest record "
                "says how much time has passed"]
    return []


def _target_range(entry: dict[str, Any]) -> TargetRange:
    found = entry.get("target_range")
    if found is None:
        return TargetRange(0.0, 100.0) if entry.get("unit") == "%" else TargetRange()
    return TargetRange(*(None if found.get(key) is None else float(found[key]) for key in ("min", "max", "above")))


def _owner_problems(entry: dict[str, Any], label: str) -> list[str]:
    owner = entry.get("owner")
    if "owners" in entry or (isinstance(owner, list) and len(owner) > 1):
        return [f"{label} has two or more owners; name exactly one owner (one person is accountable)"]
    if isinstance(owner, list) and len(owner) == 1:
        owner = owner[0]
    if not isinstance(owner, dict) or not str(owner.get("name", "")).strip():
        return [f"{label} has no owner; add owner = {{ name = \"...\", role = \"...\" }}"]
    if not str(owner.get("role", "")).strip():
        return [f"{label} owner {owner['name']!r} has no role"]
    if not isinstance(owner.get("email", ""), str):
        return [f"{label} owner {owner['name']!r} has email = {owner['email']!r}; write email = \"name@example.com\""]
    with use(DEFAULT_LANGUAGE):  # metrics.toml's problems are English, like every error line
        problem = owner_problem(Owner(str(owner["name"]), str(owner["role"]), owner.get("email", "")), label)
    return [problem] if problem else []


def _kpi_from(entry: dict[str, Any], registry_path: Path, schedule: Schedule | None = None) -> Kpi:
    parameters = entry.get("parameters", {})
    owner = entry["owner"][0] if isinstance(entry["owner"], list) else entry["owner"]
    return Kpi(
        id=entry["id"],
        title=entry["title"],
        unit=entry["unit"],
        direction=entry["direction"],
        target=float(entry["target"]),
        source=entry["source"],
        description=entry["description"],
        owner=Owner(name=owner["name"].strip(), role=owner["role"].strip(), email=owner.get("email", "").strip()),
        parameters=tuple((name, float(value)) for name, value in sorted(entry.get("parameters", {}).items())),
        statistic=entry.get("statistic", "proportion" if entry["unit"] == "%" else "none"),
        # Default: within 10 % of the target counts as near.
        near=float(entry.get("near", abs(float(entry["target"])) * 0.1)),
        reads=entry["reads"],
        additive=entry.get("additive", False),
        target_range=_target_range(entry),
        rate_per=float(entry.get("rate_per", 1000)),
        difference_of=tuple(tuple(pair) for pair in entry.get("difference_of", ())),
        maturity_days=int(parameters[maturity["parameter"]]) if (maturity := entry.get("maturity")) else 0,
        maturity_table=maturity["table"] if maturity else "",
        icon=entry.get("icon", DEFAULT_ICON),
        counts=tuple(noun.strip() for noun in entry.get("counts", DEFAULT_COUNTS)),  # type: ignore[arg-type]
        page_title=entry.get("page_title", entry["title"]).strip(),
        details=tuple(entry.get("details", ())),
        drilldowns=tuple(entry.get("drilldowns", ())),
        queries_dir=queries_dir_of(registry_path, entry["id"]),
        schedule=schedule,
        translations=tuple(sorted((language, tuple(sorted(words.items())))
                                  for language, words in entry.get("i18n", {}).items())),
    )


@dataclass(frozen=True)
class Settings:
    """[settings] in metrics.toml: when a number is too uncertain to act on, and the company's calendar
    and clock (README, "Calendar and time zone")."""

    min_sample: int = 30
    max_half_width: float = 15.0  # points (NPS) or percentage points (shares)
    calendar: str | None = None  # 'gregorian' | 'persian'; None = from the person's language (calendar_for)
    week_start: str | None = None  # 'monday' ... 'sunday'; None = from the language (Saturday for Persian)
    timezone: str = "UTC"  # IANA name: the zone whose days, weeks and months the KPIs count in
    language: str = ""  # the app's language when a link names none ("" = the browser's, else English)
    # [settings.owner_languages]: the language each owner reads their digest in, by their email (lower
    # case), as (email, language) pairs; an owner not listed gets the run's language (--lang, else language).
    owner_languages: tuple[tuple[str, str], ...] = ()

    def owner_language(self, owner: Owner) -> str:
        """The language `owner` reads in by [settings.owner_languages], '' when it names none for them."""
        return dict(self.owner_languages).get(owner.user_id, "")

    def calendar_for(self, language: str | None = None) -> Calendar:
        """The calendar and first day of the week a person reading in `language` ('fa', 'ru', 'en' or
        None for not known) sees: these settings where set, else their language's custom."""
        return calendar_for(self.calendar, self.week_start, language)

    def today(self, now: datetime | None = None) -> date:
        """The company's date at `now` (default: this instant) on its clock: what is due or overdue, the
        target in force and a digest's week turn over at the company's midnight, not the server's."""
        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.timezone)).date()


def registry_path() -> Path:
    """The metrics.toml in use: $CXKPI_REGISTRY (tests and trials point the app at another), else the project's."""
    return Path(os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY_PATH)


def configured_timezone() -> str:
    """The business's time zone as the metrics.toml in use sets it (RegistryError when it is not valid)."""
    return load_settings(registry_path()).timezone


def load_settings(path: Path = DEFAULT_REGISTRY_PATH) -> Settings:
    document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    values = document.get("settings", {})
    defaults = Settings()
    problems = settings_problems(values)
    if problems:
        raise RegistryError(f"{path}: [settings] " + "; ".join(problems))
    return Settings(
        min_sample=int(values.get("min_sample", defaults.min_sample)),
        max_half_width=float(values.get("max_half_width", defaults.max_half_width)),
        calendar=values.get("calendar") or None,
        week_start=values.get("week_start") or None,
        timezone=values.get("timezone", defaults.timezone),
        language=str(values.get("language", defaults.language)),
        owner_languages=tuple(sorted((email.strip().lower(), language)
                                     for email, language in values.get("owner_languages", {}).items())),
    )


def settings_problems(values: dict[str, Any]) -> list[str]:
    """What is wrong with the calendar, week_start and timezone of [settings], each with its fix."""
    problems = []
    for name, allowed in (("calendar", CALENDARS), ("week_start", WEEKDAYS)):
        if name in values and values[name] not in allowed:
            problems.append(f"{name} = {values[name]!r} is not one of {', '.join(map(repr, allowed))}; "
                            f"use one of them, or leave {name} out to follow each person's language")
    if "timezone" in values and (zone_problem := timezone_problem(values["timezone"])):
        problems.append(zone_problem)
    owner_languages = values.get("owner_languages", {})
    if not isinstance(owner_languages, dict):
        problems.append('owner_languages is a table of owners\' emails and languages: [settings.owner_languages] '
                        'then a line like "amara@example.com" = "fa"')
        owner_languages = {}
    for email, language in owner_languages.items():
        if language not in LANGUAGES:
            problems.append(f"owner_languages: {email} = {language!r} is not one of {', '.join(map(repr, LANGUAGES))}; "
                            "use one of them, or leave the line out for the run's language")
        if problem := email_problem(email, "owner_languages' key"):
            problems.append(f"owner_languages: {problem}")
    return problems


def timezone_problem(name: Any) -> str | None:
    """Why `name` is not an IANA time zone name, with the fix; None when it is one."""
    if isinstance(name, str) and name and name == name.strip() and not name.startswith(("/", ".")):
        try:
            ZoneInfo(name)
            return None
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return (f"timezone = {name!r} is not a time zone name; use an IANA name such as 'Asia/Tehran', "
            "'Europe/Moscow' or 'UTC' (the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)")
