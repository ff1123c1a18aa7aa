"""The KPI registry (metrics.toml): definitions, targets and exactly one named owner per KPI."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxkpi.schema import TABLES
from cxkpi.warehouse import FACT_TABLES, PROJECT_ROOT, QUERIES_DIR

DEFAULT_REGISTRY_PATH = PROJECT_ROOT / "metrics.toml"
DIRECTIONS = ("higher", "lower")
# How a KPI's uncertainty is measured: an NPS (adjusted Wald), a share in % (Wilson), a median
# (order statistics) or none (e.g. a rate per 1,000 orders). Default: "proportion" for unit "%".
STATISTICS = ("nps", "proportion", "median", "none")


class RegistryError(ValueError):
    """The registry cannot be used; the message names every KPI at fault and why."""


@dataclass(frozen=True)
class Owner:
    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"  # 'Amara Okafor, Chief Customer Officer'


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

    @property
    def query_path(self) -> Path:
        return QUERIES_DIR / f"{self.id}.sql"


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
    problems: list[str] = []
    kpis: list[Kpi] = []
    seen_ids: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"KPI '{entry.get('id')}'" if entry.get("id") else f"KPI #{position} (no id)"
        entry_problems = _problems_with(entry, label)
        if entry.get("id") in seen_ids:
            entry_problems.append(f"{label} is defined twice")
        seen_ids.add(entry.get("id"))
        if entry_problems:
            problems.extend(entry_problems)
            continue
        kpis.append(_kpi_from(entry))
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return kpis


def _problems_with(entry: dict[str, Any], label: str) -> list[str]:
    problems = []
    for field in ("id", "title", "unit", "description"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            problems.append(f"{label} has no {field}")
    if entry.get("direction") not in DIRECTIONS:
        problems.append(f"{label} has direction {entry.get('direction')!r}; use 'higher' or 'lower'")
    target = entry.get("target")
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        problems.append(f"{label} has no target; set target = <number in {entry.get('unit', 'its unit')}>")
    if entry.get("source") not in TABLES:
        problems.append(f"{label} has source {entry.get('source')!r}; use one of {', '.join(TABLES)}")
    problems.extend(_owner_problems(entry, label))
    if entry.get("statistic", "none") not in STATISTICS:
        problems.append(f"{label} has statistic {entry.get('statistic')!r}; use one of {', '.join(STATISTICS)}")
    near = entry.get("near", 0)
    if not isinstance(near, (int, float)) or isinstance(near, bool) or near < 0:
        problems.append(f"{label} has near = {near!r}; use a number >= 0 in the KPI's unit")
    parameters = entry.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        isinstance(value, (int, float)) and not isinstance(value, bool) for value in parameters.values()
    ):
        problems.append(f"{label} has parameters that are not numbers; write parameters = {{ name = 1.5 }}")
    if entry.get("reads") not in FACT_TABLES:
        problems.append(f"{label} has reads = {entry.get('reads')!r}; use one of {', '.join(FACT_TABLES)}")
    if not isinstance(entry.get("additive", False), bool):
        problems.append(f"{label} has additive = {entry.get('additive')!r}; use true or false")
    if isinstance(entry.get("id"), str) and not (QUERIES_DIR / f"{entry['id']}.sql").exists():
        problems.append(f"{label} has no query file queries/{entry['id']}.sql")
    return problems


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
    return []


def _kpi_from(entry: dict[str, Any]) -> Kpi:
    owner = entry["owner"][0] if isinstance(entry["owner"], list) else entry["owner"]
    return Kpi(
        id=entry["id"],
        title=entry["title"],
        unit=entry["unit"],
        direction=entry["direction"],
        target=float(entry["target"]),
        source=entry["source"],
        description=entry["description"],
        owner=Owner(name=owner["name"].strip(), role=owner["role"].strip()),
        parameters=tuple((name, float(value)) for name, value in sorted(entry.get("parameters", {}).items())),
        statistic=entry.get("statistic", "proportion" if entry["unit"] == "%" else "none"),
        # Default: within 10 % of the target counts as near.
        near=float(entry.get("near", abs(float(entry["target"])) * 0.1)),
        reads=entry["reads"],
        additive=entry.get("additive", False),
    )


@dataclass(frozen=True)
class Settings:
    """When a number is too uncertain to act on ([settings] in metrics.toml)."""

    min_sample: int = 30
    max_half_width: float = 15.0  # points (NPS) or percentage points (shares)


def load_settings(path: Path = DEFAULT_REGISTRY_PATH) -> Settings:
    document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    values = document.get("settings", {})
    defaults = Settings()
    return Settings(
        min_sample=int(values.get("min_sample", defaults.min_sample)),
        max_half_width=float(values.get("max_half_width", defaults.max_half_width)),
    )
