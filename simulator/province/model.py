"""A province: its counties, the fund it splits among them, and the rows that couple them.

A province file (TOML) lists its counties — each a county scenario (bundled or a path), with
an optional registry, ``--set``-style overrides and, for synthetic counties, a size — and the
province-level rows: the province fund for each plan year, shared by every county, and
earmarks such as "at least 70 % of the money to deep-poverty counties". Every county keeps its
own rows (its budget ceiling, capacities, policy rules); only the province rows couple them.

Each county's scenario gets the county's name as its ``county`` field: random numbers are
addressed by county (:mod:`simulator.randomness`), so adding a county, or households to one,
changes no other county's numbers.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import Problem, ScenarioError, did_you_mean
from simulator.randomness import entity_key
from simulator.registry import Registry, load_registry
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.loader import read_toml, resolve_scenario_path

SEED_RANGE = 2**31
"""Synthetic registries of counties get seeds below this (the generator's seed range)."""


@dataclass(frozen=True)
class Earmark:
    """At least ``min_share`` of the province fund split among counties (every plan year
    together) goes to the counties tagged ``group`` (Qinghai: ≥ 70 % of new funds to
    deep-poverty areas). It counts the money given; a county need not spend all of it."""

    name: str
    group: str
    min_share: float
    source: str = ""


@dataclass(frozen=True, eq=False)
class County:
    """One county of a province."""

    name: str
    scenario: Scenario
    registry_path: Path | None = None
    tags: tuple[str, ...] = ()

    def registry(self) -> Registry | None:
        """The county's registry file, loaded (None: its scenario's population)."""
        return None if self.registry_path is None else load_registry(self.registry_path)


@dataclass(frozen=True, eq=False)
class Province:
    """A province plan: counties, the province fund and its coupling rows."""

    name: str
    name_zh: str
    counties: tuple[County, ...]
    budget_yuan: np.ndarray | None
    """(P,) the province fund for each plan year, split among counties [yuan]; None: each
    county spends up to its own budget and nothing couples them but the earmarks."""
    seed: int
    replications: int
    earmarks: tuple[Earmark, ...] = ()
    path: Path | None = None

    @property
    def plan_years(self) -> int:
        return self.counties[0].scenario.horizon.plan_years

    @property
    def calendar_years(self) -> list[int]:
        """Calendar year of each plan year."""
        return [int(y) for y in self.counties[0].scenario.calendar_years[:self.plan_years]]

    def in_group(self, group: str) -> np.ndarray:
        """(C,) whether each county carries the tag ``group``."""
        return np.array([group in c.tags for c in self.counties])


PROVINCE_REPLICATIONS = 16
"""Replications of a province run unless its file says otherwise: a province is many counties
of thousands of households, where 16 replications already give narrow intervals on province
totals (the scale the province benchmark is set at)."""

KEYS = {"name", "name_zh", "seed", "replications", "budget", "earmarks", "counties"}
COUNTY_KEYS = {"name", "scenario", "registry", "set", "tags", "households"}
EARMARK_KEYS = {"name", "group", "min_share", "source"}
BUDGET_KEYS = {"yearly_yuan"}


def load_province(path: str | Path) -> Province:
    """Read and check a province file; every problem names the file and the field."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ScenarioError(f"province file not found: {path}", source)
    data = read_toml(path)
    problems: list[Problem] = []

    def problem(where: str, message: str) -> None:
        problems.append(Problem(where, message, source))

    def unknown(table: dict[str, Any], known: set[str], prefix: str) -> None:
        for key in table:
            if key not in known:
                problem(f"{prefix}{key}", f"unknown key{did_you_mean(key, known)}")

    def tables(key: str, known: set[str]) -> list[tuple[str, dict[str, Any]]]:
        """The ``[[key]]`` tables, each with its place (``counties[2]``), unknown keys
        reported."""
        entries = data.get(key, [])
        if not isinstance(entries, list):
            problem(key, f"expected [[{key}]] tables, found {entries!r}")
            return []
        out = []
        for i, entry in enumerate(entries):
            where = f"{key}[{i}]"
            if not isinstance(entry, dict):
                problem(where, f"expected a table, found {entry!r}")
                continue
            unknown(entry, known, f"{where}.")
            out.append((where, entry))
        return out

    unknown(data, KEYS, "")
    counties: list[County] = []
    entries = tables("counties", COUNTY_KEYS)
    if not data.get("counties"):
        problem("counties", "expected at least one [[counties]] table, found none")
    for where, entry in entries:
        county = _county(entry, where, path, problem)
        if county is None:
            continue
        if any(c.name == county.name for c in counties):
            problem(f"{where}.name", f"expected a name no other county has, found "
                    f"{county.name!r} twice")
        elif counties and _horizon(county) != _horizon(counties[0]):
            problem(f"{where}.scenario", "expected the same horizon as the first county "
                    f"(start year, plan years, years: {_horizon(counties[0])}), found "
                    f"{_horizon(county)}")
        counties.append(county)
    budget = _budget(data.get("budget", {}), counties, problem, unknown)
    earmarks = _earmarks(tables("earmarks", EARMARK_KEYS), counties, problem)
    seed = _integer(data.get("seed", counties[0].scenario.simulation.seed if counties else 0),
                    "seed", 0, problem)
    reps = _integer(data.get("replications", PROVINCE_REPLICATIONS), "replications", 2, problem)
    if problems:
        raise ScenarioError(problems)
    return Province(name=str(data.get("name", path.stem)),
                    name_zh=str(data.get("name_zh", data.get("name", path.stem))),
                    counties=tuple(counties), budget_yuan=budget, earmarks=earmarks,
                    seed=seed, replications=reps, path=path)


def _horizon(county: County) -> tuple[int, int, int]:
    horizon = county.scenario.horizon
    return horizon.start_year, horizon.plan_years, horizon.years


def _integer(value: Any, where: str, low: int, problem) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        problem(where, f"expected a whole number ≥ {low}, found {value!r}")
        return low
    return value


def _county(entry: dict[str, Any], where: str, path: Path, problem) -> County | None:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problem(f"{where}.name", f"expected the county's name, found {name!r}")
        return None
    scenario_name = entry.get("scenario")
    if not isinstance(scenario_name, str):
        problem(f"{where}.scenario", f"expected a scenario file or bundled name, found "
                f"{scenario_name!r}")
        return None
    overrides = entry.get("set", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        problem(f"{where}.set", f"expected a list of 'path=value' strings, found {overrides!r}")
        return None
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problem(f"{where}.tags", f"expected a list of words, found {tags!r}")
        return None
    households = entry.get("households")
    if households is not None and (isinstance(households, bool)
                                   or not isinstance(households, int) or households < 1):
        problem(f"{where}.households", f"expected a whole number of households ≥ 1, found "
                f"{households!r}")
        return None
    registry_path = None
    if entry.get("registry") is not None:
        registry_path = (path.parent / str(entry["registry"])).resolve()
        if not registry_path.is_file():
            problem(f"{where}.registry", f"registry file not found: {registry_path}")
            return None
    # The county's name keys its random numbers and, for a synthetic registry, its seed:
    # two counties built from one scenario get different households.
    own = [f"county={json.dumps(name, ensure_ascii=False)}"]  # a JSON string is a TOML one
    if not any(o.split("=", 1)[0].strip() == "population.synthetic.seed" for o in overrides):
        own.append(f"population.synthetic.seed={entity_key('population', name) % SEED_RANGE}")
    try:
        scenario_path = resolve_scenario_path(scenario_name, path.parent)
        scenario = load_scenario(scenario_path, [*own, *overrides])
    except ScenarioError as error:
        for p in error.problems:
            problem(f"{where}: {p.where}" if p.where else where,
                    f"{p.message} (in {p.source})" if p.source else p.message)
        return None
    if households is not None:
        if registry_path is not None or scenario.population.registry is not None:
            problem(f"{where}.households", "expected no size for a county with a registry "
                    "file (its households are the registry's)")
            return None
        sets_budget = any(o.split("=", 1)[0].strip() == "budget.yearly_yuan" for o in overrides)
        scenario = scaled_scenario(scenario, households, scale_budget=not sets_budget)
    return County(name=name, scenario=scenario, registry_path=registry_path,
                  tags=tuple(tags))


def _budget(table: Any, counties: list[County], problem, unknown) -> np.ndarray | None:
    if not isinstance(table, dict):
        problem("budget", f"expected a table, found {table!r}")
        return None
    unknown(table, BUDGET_KEYS, "budget.")
    if "yearly_yuan" not in table:
        return None
    values = table["yearly_yuan"]
    plan_years = counties[0].scenario.horizon.plan_years if counties else None
    if not isinstance(values, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            and v >= 0 for v in values):
        problem("budget.yearly_yuan", f"expected amounts in yuan ≥ 0, found {values!r}")
        return None
    if plan_years is not None and len(values) != plan_years:
        problem("budget.yearly_yuan", f"expected one amount per plan year ({plan_years}), "
                f"found {len(values)}")
        return None
    return np.array(values, dtype=float)


def _earmarks(entries: list[tuple[str, dict[str, Any]]], counties: list[County],
              problem) -> tuple[Earmark, ...]:
    tags = {t for c in counties for t in c.tags}
    out = []
    for where, entry in entries:
        group = entry.get("group")
        share = entry.get("min_share")
        if not isinstance(group, str) or group not in tags:
            problem(f"{where}.group", f"expected a tag some county carries "
                    f"({', '.join(sorted(tags)) or 'none are tagged'}), found {group!r}"
                    + (did_you_mean(group, tags) if isinstance(group, str) else ""))
            continue
        if isinstance(share, bool) or not isinstance(share, int | float) \
                or not 0 <= share <= 1:
            problem(f"{where}.min_share", f"expected a share between 0 and 1, found {share!r}")
            continue
        out.append(Earmark(name=str(entry.get("name", group)), group=group,
                           min_share=float(share), source=str(entry.get("source", ""))))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# synthetic counties of any size


def scaled_scenario(scenario: Scenario, households: int, scale_budget: bool = True) -> Scenario:
    """The scenario with its synthetic registry scaled to about ``households`` households
    (every published count — strata, disabled, ill, badly housed households — times the same
    factor, each group keeping at least one household) and, with ``scale_budget``, its budget
    and capacities with it: a county of the same make-up and a different size."""
    spec = scenario.population.synthetic
    total = sum(s.households for s in spec.strata)
    if total <= 0:
        raise ScenarioError([Problem("population.synthetic.strata", "expected households to "
                                     "scale, found none", str(scenario.origin.path
                                                              if scenario.origin else ""))])
    factor = households / total

    def times(value: int | None, least: int = 0) -> int | None:
        return None if value is None else max(least, round(value * factor))

    strata = []
    for stratum in spec.strata:
        count = times(stratum.households, 1 if stratum.households else 0)
        people = max(count, round(stratum.people * factor))
        strata.append(dataclasses.replace(stratum, households=count, people=people))
    n = sum(s.households for s in strata)
    people = sum(s.people for s in strata)

    def bounded(value: int | None, limit: int) -> int | None:
        return None if value is None else min(times(value), limit)

    disabled = bounded(spec.disabled_households, n)
    ill = bounded(spec.ill_households, n)
    synthetic = dataclasses.replace(
        spec, strata=tuple(strata), disabled_households=disabled,
        people_in_disabled_households=None if spec.people_in_disabled_households is None
        else max(disabled, min(times(spec.people_in_disabled_households), people)),
        ill_households=ill,
        ill_people=None if spec.ill_people is None else max(ill, times(spec.ill_people)),
        housing_renovation_households=bounded(spec.housing_renovation_households, n))
    out = dataclasses.replace(scenario, population=dataclasses.replace(
        scenario.population, synthetic=synthetic))
    if scale_budget:
        budget = scenario.budget
        out = dataclasses.replace(out, budget=dataclasses.replace(
            budget, yearly_yuan=tuple(round(b * factor, 2) for b in budget.yearly_yuan)))
        out = dataclasses.replace(out, capacities=_scaled_capacities(scenario, factor))
    return out


def _scaled_capacities(scenario: Scenario, factor: float) -> Any:
    """County-wide capacities (PV land, job slots, loan risk fund …) times ``factor``; limits
    per township stay (a bigger county of the same make-up has more people per township)."""
    capacities = scenario.capacities
    changes = {}
    for f in dataclasses.fields(capacities):
        value = getattr(capacities, f.name)
        if "per_township" not in f.name and isinstance(value, int | float) \
                and not isinstance(value, bool) and math.isfinite(value):
            changes[f.name] = type(value)(round(value * factor)) if isinstance(value, int) \
                else round(value * factor, 2)
    return dataclasses.replace(capacities, **changes)
