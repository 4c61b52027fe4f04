"""Packages and plans: what each household gets.

A **package** is a set of instruments, each taken up in a plan year (``"equity+pv"``,
``"pv@2"`` for PV from the second plan year, ``"none"``). A **plan** gives every household one
package. The engine evaluates either one plan, or many candidate packages for every household at
once (what the optimiser needs), with the same random numbers for every package.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from simulator import labels
from simulator.errors import Problem, RegistryError, did_you_mean
from simulator.interventions import BY_KEY, INSTRUMENTS, OFFERED_BY_DEFAULT
from simulator.interventions.base import Variant
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.vocabulary import REGISTERED_CATEGORIES

NONE_NAME = "none"


@dataclass(frozen=True)
class Package:
    """A set of instrument variants given to one household."""

    variants: tuple[Variant, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", tuple(sorted(set(self.variants),
                                                          key=_instrument_order)))

    @property
    def name(self) -> str:
        """``"none"``, or the variants joined by ``+`` in instrument order."""
        return "+".join(v.name for v in self.variants) or NONE_NAME

    @property
    def keys(self) -> tuple[str, ...]:
        """Instrument keys in the package."""
        return tuple(v.key for v in self.variants)

    @classmethod
    def parse(cls, text: str) -> Package:
        """Read ``"equity+pv@2"``, or the same in the words of a Chinese proposal
        (``股权分红 + 光伏收益（第2年起）``, ``不安排``); raise ValueError naming an unknown
        instrument."""
        text = text.strip()
        if text in ("", NONE_NAME, "无", labels.NO_SUPPORT["zh"], labels.SAFETY_NET_MEASURE["zh"],
                    labels.SAFETY_NET_MEASURE["en"]):
            return cls()
        variants = []
        for part in text.split("+"):
            key, _, year = _from_words(part.strip()).partition("@")
            if key not in BY_KEY:
                raise ValueError(f"unknown instrument {key!r}{did_you_mean(key, BY_KEY)}; "
                                 f"known: {', '.join(BY_KEY)}")
            if year and (not year.isdigit() or int(year) < 1):
                raise ValueError(f"expected a plan year ≥ 1 after '@', found {year!r}")
            if any(v.key == key for v in variants):
                raise ValueError(f"instrument {key!r} appears twice in {text!r}; a household "
                                 "takes each instrument once")
            variants.append(Variant(key, int(year) - 1 if year else 0))
        return cls(tuple(variants))

    def __str__(self) -> str:
        return self.name


_YEAR_WORDS = re.compile(r"^(.+?)（第(\d+)年起）$")
"""A Chinese package part with a later start, e.g. 光伏收益（第2年起）."""


def _from_words(part: str) -> str:
    """``光伏收益（第2年起）`` → ``pv@2``; a part in codes is returned as it is."""
    match = _YEAR_WORDS.match(part)
    name, year = (match.group(1), match.group(2)) if match else (part, "")
    for key in BY_KEY:
        if labels.INSTRUMENTS.get(key, {}).get("zh") == name:
            return f"{key}@{year}" if year else key
    return part


def _instrument_order(variant: Variant) -> tuple[int, int]:
    keys = [m.KEY for m in INSTRUMENTS]
    return (keys.index(variant.key), variant.start_year)


def default_packages(keys: Iterable[str] | None = None, max_size: int = 2,
                     start_years: Iterable[int] = (0,)) -> list[Package]:
    """'none', then every combination of up to ``max_size`` instruments starting in each of
    ``start_years`` (0 = the first plan year): 16 packages for 5 instruments in pairs."""
    keys = list(keys) if keys is not None else list(OFFERED_BY_DEFAULT)
    starts = list(start_years)
    packages = [Package()]
    for size in range(1, max_size + 1):
        for combo in combinations(keys, size):
            for start in starts:
                packages.append(Package(tuple(Variant(k, start) for k in combo)))
    return packages


@dataclass(frozen=True)
class Plan:
    """One package per household."""

    packages: tuple[Package, ...]
    """The distinct packages used."""
    assignment: np.ndarray
    """Index into ``packages`` for each household (registry order)."""
    source: str = ""

    @classmethod
    def from_choice(cls, packages: Sequence[Package], choice: np.ndarray,
                    source: str = "") -> Plan:
        """The plan in which household h gets ``packages[choice[h]]`` (only the packages used
        are kept)."""
        used = sorted(set(np.asarray(choice).tolist()))
        index = {k: i for i, k in enumerate(used)}
        return cls(tuple(packages[k] for k in used),
                   np.array([index[k] for k in np.asarray(choice).tolist()], dtype=np.int64),
                   source)

    @classmethod
    def everyone(cls, package: Package | str, households: int) -> Plan:
        """The same package for every household (``Plan.everyone("none", n)``: no support)."""
        chosen = Package.parse(package) if isinstance(package, str) else package
        return cls((chosen,), np.zeros(households, dtype=np.int64), f"everyone: {chosen.name}")

    def supported(self) -> np.ndarray:
        """(H,) whether the household gets any instrument."""
        return np.array([bool(p.variants) for p in self.packages])[self.assignment]

    def uses(self, key: str) -> np.ndarray:
        """(H,) whether the household's package includes instrument ``key``."""
        return np.array([key in p.keys for p in self.packages])[self.assignment]

    def coverage_by_township(self, registry: Registry) -> dict[str, tuple[int, int]]:
        """Township → (registered poor households, how many of them get any support)."""
        registered = np.isin(registry.category, REGISTERED_CATEGORIES)
        supported = self.supported()
        out = {}
        for town in sorted(set(registry.township.tolist())):
            members = registered & (registry.township == town)
            out[town] = (int(members.sum()), int((members & supported).sum()))
        return out

    def counts(self) -> dict[str, int]:
        """Households per package name."""
        numbers = np.bincount(self.assignment, minlength=len(self.packages))
        return {p.name: int(n) for p, n in zip(self.packages, numbers, strict=True)}


def plan_from_rule(scenario: Scenario, registry: Registry) -> Plan:
    """The county's own rule (``[plan]``): one package for households with labour, one without."""
    rule = scenario.plan
    with_labour = Package(tuple(Variant(k) for k in rule.with_labour))
    without_labour = Package(tuple(Variant(k) for k in rule.without_labour))
    assignment = np.where(registry.laborers > 0, 0, 1)
    return Plan((with_labour, without_labour), assignment, source="scenario [plan] rule")


def plan_from_packages(names: Sequence[str], registry: Registry, source: str = "") -> Plan:
    """A plan from one package name per household (registry order)."""
    parsed: dict[str, Package] = {}
    index: dict[Package, int] = {}
    packages: list[Package] = []
    assignment = np.empty(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        package = parsed.get(name) or Package.parse(name)
        parsed[name] = package
        if package not in index:
            index[package] = len(packages)
            packages.append(package)
        assignment[i] = index[package]
    return Plan(tuple(packages), assignment, source)


PLAN_COLUMN_WORDS = {"户编号": "household_id", "扶持方案": "package"}
"""Column titles of a Chinese proposal's household list that a plan file may use instead of
``household_id`` and ``package`` (so a county's edited allocation.csv reads back as a plan)."""


def load_plan(path: str | Path, registry: Registry, scenario: Scenario | None = None) -> Plan:
    """Read an allocation file: columns ``household_id`` and ``package`` (CSV, UTF-8/GB18030).

    Every household of the registry must appear exactly once, with a package (``none`` for no
    support); with ``scenario``, every package must start within its plan years and give only
    instruments the household is eligible for. Problems name file, row, column.
    """
    path = Path(path)
    label = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read the plan: {exc.strerror}", label) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030", errors="strict")
        except UnicodeDecodeError as exc:
            raise RegistryError("expected text in UTF-8 or GB18030, found bytes that are "
                                f"neither (byte {exc.start}); re-save the plan as CSV UTF-8",
                                label) from exc
    try:
        rows = [(number, r) for number, r in enumerate(csv.reader(io.StringIO(text)), start=1)
                if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise RegistryError(f"not a readable CSV file: {exc}", label) from exc
    if not rows:
        raise RegistryError("the plan file is empty; expected columns household_id, package",
                            label)
    header = [PLAN_COLUMN_WORDS.get(h.strip().lstrip("\ufeff"), h.strip().lstrip("\ufeff"))
              for h in rows[0][1]]
    problems = [Problem("header", f"missing column {name} ({words})", label)
                for name, words in (("household_id", "户编号"), ("package", "扶持方案"))
                if name not in header]
    if problems:
        raise RegistryError(problems)
    id_col, package_col = header.index("household_id"), header.index("package")
    position = {hid: i for i, hid in enumerate(registry.household_id.tolist())}
    names: list[str | None] = [None] * registry.n_households
    eligible = {}
    if scenario is not None:
        eligible = {key: module.eligible(registry, scenario) for key, module in BY_KEY.items()}
    for row_number, row in rows[1:]:
        hid = row[id_col].strip() if id_col < len(row) else ""
        name = row[package_col].strip() if package_col < len(row) else ""
        where = f"row {row_number}"
        if hid not in position:
            problems.append(Problem(f"{where}, column household_id",
                                    f"household {hid!r} is not in the registry", label))
            continue
        if names[position[hid]] is not None:
            problems.append(Problem(f"{where}, column household_id",
                                    f"household {hid!r} appears twice", label))
            continue
        if not name:
            problems.append(Problem(f"{where}, column package", "empty cell; expected a "
                                    f"package such as equity+pv, or {NONE_NAME} for no support",
                                    label))
            continue
        try:
            package = Package.parse(name)
        except ValueError as exc:
            problems.append(Problem(f"{where}, column package", str(exc), label))
            continue
        if scenario is not None:
            problems.extend(Problem(f"{where}, column package", message, label) for message in
                            _package_problems(package, position[hid], hid, scenario, eligible))
        names[position[hid]] = name
    missing = [str(registry.household_id[i]) for i, n in enumerate(names) if n is None]
    if missing and not problems:
        problems.append(Problem("", f"{len(missing)} registry households have no package, "
                                f"e.g. {missing[0]!r}", label))
    if problems:
        raise RegistryError(problems[:50])
    return plan_from_packages([n or NONE_NAME for n in names], registry, label)


def _package_problems(package: Package, household: int, household_id: str, scenario: Scenario,
                      eligible: dict[str, np.ndarray]) -> list[str]:
    """Why a package cannot be given to a household: it starts after the plan years, or gives
    an instrument the household is not eligible for (the engine would silently drop it)."""
    problems = []
    plan_years = scenario.horizon.plan_years
    for variant in package.variants:
        if variant.start_year >= plan_years:
            problems.append(f"{variant.name} starts in plan year {variant.start_year + 1}, but "
                            f"the plan has {plan_years} plan years")
        if not eligible[variant.key][household]:
            rule = (BY_KEY[variant.key].eligible.__doc__ or "").strip().split("\n")[0]
            problems.append(f"household {household_id!r} is not eligible for {variant.key}"
                            + (f" ({rule.rstrip('.')})" if rule else ""))
    return problems
