"""The instrument contract, checked: :func:`check_instrument` runs every check on one module and
says, for each mistake, what to add or change (scikit-learn's ``check_estimator`` is the model).

A contributor adding an instrument runs ``check_instrument(module)`` (the test suite runs it on
every registered module, and :func:`unlisted_modules` on the package's folder). Each check
catches a mistake that would otherwise pass silently:

* **declarations** — the names :mod:`simulator.interventions.base` lists, of the right kinds;
* **Chinese texts** — the instrument's name, every budget line and every parameter (and
  capacity) has its Chinese text, which documents print;
* **names** — its key, income sources and budget lines are its own: a line key another
  instrument uses with other words would merge the two instruments' outlays under one label;
* **random sources** — the names of the random numbers its process draws are used by no other
  instrument nor by the shared shocks (a shared name would make two shocks one);
* **sensitivity** — every ``SENSITIVITY`` path is a scenario field (a typo would stop
  ``tuopin propose`` after the whole optimisation);
* **capacities** — every field it adds to ``[capacities]`` puts a row in the allocation model
  when set;
* **start month** — a package starting in a later plan year earns and costs nothing before it;
* **zero effect** — under its ``ZERO_EFFECT`` settings it changes nothing;
* **support after exit** — every income it introduces that counts towards exit is still paid in
  the horizon's last year (摘帽不摘政策、不摘帮扶, [FourNots2019]): support does not stop when a
  household exits unless a scenario says so (``instruments.equity.dividend_share_after_term``).

The checks simulate the :data:`CONTRACT_SCENARIO` (60 households, four years) with two
replications: a whole check of one module takes about a second.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from simulator.interventions.base import Assumption, Line, Source

CONTRACT_SCENARIO = """
name = "tiny"
county = "测试县"

[horizon]
start_year = 2016
years = 4
plan_years = 2

[budget]
yearly_yuan = [1_000_000, 1_000_000]

[policy]
exit_targets_share_of_people = [0.5, 0.5]

[optimizer]
frontier_budget_factors = [0.5, 1.0, 2.0]  # three levels keep the many tiny proposals quick

[population.synthetic]
id_prefix = "T"
disabled_households = 10
people_in_disabled_households = 30
ill_households = 20
ill_people = 25
housing_renovation_households = 15

[[population.synthetic.strata]]
category = "general"
with_labour = true
households = 40
people = 150

[[population.synthetic.strata]]
category = "dibao"
with_labour = false
households = 20
people = 35

[[population.synthetic.townships]]
name = "甲镇"
villages = 3
poor_villages = 1

[[population.synthetic.townships]]
name = "乙镇"
villages = 2
poor_villages = 0
"""
"""A small scenario (60 households in five villages of two townships, two plan years of four)
every instrument is checked on; the test suite's tiny scenario is the same."""

REQUIRED = ("KEY", "LABEL", "LABEL_ZH", "Parameters", "INCOME_SOURCES", "SOURCES", "LINES",
            "BRINGS_IN_BY_ORGANISATION", "ZERO_EFFECT", "SENSITIVITY", "parameters", "eligible",
            "capacity_rows", "process")
"""Declarations every instrument module makes (:mod:`simulator.interventions.base`)."""

SHARED_SOURCES_OWNER = "the shared shocks and baseline incomes"
REPS = 2
SEED = 11


@dataclasses.dataclass(frozen=True)
class ContractProblem:
    """One broken rule of the contract: which check, and what to do about it."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


class ContractError(AssertionError):
    """An instrument module breaks its contract; the message lists every problem and its fix."""


def check_instrument(module: ModuleType, registered: Sequence[ModuleType] | None = None
                     ) -> list[ContractProblem]:
    """Every problem of ``module`` against the contract (empty when it keeps it).

    ``registered`` are the instruments it must get along with (default: every registered
    one); the module itself is recognised among them by its key.
    """
    from simulator.interventions import INSTRUMENTS

    others = [m for m in (INSTRUMENTS if registered is None else registered)
              if getattr(m, "KEY", None) != getattr(module, "KEY", None)]
    problems = _declarations(module)
    if problems:  # the other checks read these declarations
        return problems
    problems += _chinese_texts(module)
    problems += _names(module, others)
    problems += _sensitivity(module)
    problems += _capacity_costs(module)
    for check in (_random_sources, _start_month, _zero_effect, _capacities,
                  _support_after_exit):
        try:
            problems += check(module, others)
        except Exception as error:  # a module that breaks the engine is reported, not raised
            problems.append(ContractProblem(
                check.__name__.strip("_").replace("_", " "),
                f"{module.KEY}: simulating it failed: {type(error).__name__}: {error}"))
    return problems


def assert_keeps_contract(module: ModuleType) -> None:
    """Raise :class:`ContractError` listing every problem of ``module``, if any."""
    problems = check_instrument(module)
    if problems:
        raise ContractError(f"instrument module {module.__name__} breaks its contract:\n"
                            + "\n".join(f"  {p}" for p in problems))


def unlisted_modules(folder: Path | None = None, listed: Sequence[ModuleType] | None = None
                     ) -> list[ContractProblem]:
    """Instrument modules written in ``folder`` (default this package's) but not registered:
    a file that declares a top-level ``KEY`` whose key is not in :data:`INSTRUMENTS`."""
    from simulator.interventions import INSTRUMENTS

    folder = Path(__file__).parent if folder is None else folder
    keys = {m.KEY for m in (INSTRUMENTS if listed is None else listed)}
    problems = []
    for path in sorted(folder.glob("*.py")):
        key = _declared_key(path)
        if key is not None and key not in keys:
            problems.append(ContractProblem(
                "registered", f"{path.name} declares instrument {key!r} but is not listed: add "
                f"{path.stem} to INSTRUMENTS in simulator/interventions/__init__.py (and to "
                f"OFFERED_BY_DEFAULT only if existing scenarios should start offering it)"))
    return problems


def _declared_key(path: Path) -> str | None:
    """The string a module assigns to ``KEY`` at its top level, or None."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "KEY"
                                                for t in node.targets) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return None


# ---------------------------------------------------------------------------------------------
# the checks


def _declarations(module: ModuleType) -> list[ContractProblem]:
    from simulator.interventions.base import complete
    from simulator.vocabulary import INCOME_SOURCES

    complete(module)
    problems = [ContractProblem("declarations", f"{module.__name__} does not declare {name}: "
                                "see simulator/interventions/base.py for what it means")
                for name in REQUIRED if not hasattr(module, name)]
    if problems:
        return problems
    key = module.KEY
    kinds = (("SOURCES", Source), ("LINES", Line), ("RECOVERIES", Line))
    for name, kind in kinds:
        for entry, value in getattr(module, name).items():
            if not isinstance(value, kind):
                problems.append(ContractProblem(
                    "declarations", f"{key}: {name}[{entry!r}] must be a {kind.__name__}(…)"))
    for source in module.SOURCES:
        if source not in module.INCOME_SOURCES:
            problems.append(ContractProblem(
                "declarations", f"{key}: it introduces income source {source!r} (SOURCES) but "
                "does not list it in INCOME_SOURCES"))
    for source in module.INCOME_SOURCES:
        if source not in INCOME_SOURCES:
            problems.append(ContractProblem(
                "declarations", f"{key}: INCOME_SOURCES names {source!r}, which is neither a "
                "registry source nor declared in any instrument's SOURCES"))
    for assumption in module.SENSITIVITY:
        if not isinstance(assumption, Assumption):
            problems.append(ContractProblem(
                "declarations", f"{key}: SENSITIVITY entries must be Assumption(…)"))
    return problems


def _chinese_texts(module: ModuleType) -> list[ContractProblem]:
    key = module.KEY
    problems = []
    if not (module.LABEL_ZH or "").strip():
        problems.append(ContractProblem("chinese", f"{key}: LABEL_ZH is empty: give the "
                                        "instrument's name in Chinese (documents print it)"))
    for name, line in {**module.LINES, **module.RECOVERIES}.items():
        for lang in ("zh", "en"):
            if not (getattr(line, lang) or "").strip():
                problems.append(ContractProblem(
                    "chinese", f"{key}: budget line {name!r} has no {lang} name: fill "
                    f"Line({lang}=…)"))
    for path, doc in _own_fields(module):
        # fields of an array of tables (an enterprise's name) share the array's text
        texted = path in _chinese_file_texts() or path.partition("[]")[0] in _chinese_file_texts()
        if doc.zh is None and not texted:
            problems.append(ContractProblem(
                "chinese", f"{path} has no Chinese text: add zh=dict(name=…, unit=…, "
                "meaning=…, source=…) to its param(…) (or an entry in "
                "simulator/data/parameters_zh.toml)"))
        elif doc.zh is not None:
            missing = [k for k in ("name", "unit", "meaning", "source") if k not in doc.zh]
            if missing:
                problems.append(ContractProblem(
                    "chinese", f"{path}: its Chinese text lacks {', '.join(missing)}"))
    return problems


def _own_fields(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """(dotted path, field documentation) of every parameter and capacity the module adds."""
    from simulator.schema import field_doc, walk

    if module.Parameters is not None:
        for entry in walk(module.Parameters, f"instruments.{module.KEY}"):
            yield entry.path, entry.doc
    for name, (_kind, spec) in module.CAPACITIES.items():
        probe = dataclasses.make_dataclass("Probe", [(name, Any, spec)])
        yield f"capacities.{name}", field_doc(dataclasses.fields(probe)[0])
    for name, (_kind, spec, _limit) in module.CAPACITY_COSTS.items():
        probe = dataclasses.make_dataclass("Probe", [(name, Any, spec)])
        yield f"capacity_costs.{name}", field_doc(dataclasses.fields(probe)[0])


@cache
def _chinese_file_texts() -> frozenset[str]:
    """Paths with a Chinese text in ``data/parameters_zh.toml``."""
    import tomllib
    from importlib import resources

    text = resources.files("simulator").joinpath("data/parameters_zh.toml").read_text("utf-8")
    return frozenset(tomllib.loads(text))


def _names(module: ModuleType, others: Sequence[ModuleType]) -> list[ContractProblem]:
    key = module.KEY
    problems = []
    for other in others:
        for source in set(module.SOURCES) & set(other.SOURCES):
            problems.append(ContractProblem(
                "names", f"{key}: income source {source!r} is also introduced by {other.KEY}: "
                f"name it after the instrument (e.g. '{key}_{source}')"))
        own = {**module.LINES, **module.RECOVERIES}
        theirs = {**other.LINES, **other.RECOVERIES}
        for line in set(own) & set(theirs):
            if (own[line].zh, own[line].en) != (theirs[line].zh, theirs[line].en):
                problems.append(ContractProblem(
                    "names", f"{key}: budget line {line!r} is also {other.KEY}'s, named "
                    f"{theirs[line].zh}: the outlays would merge under one label; give it a "
                    f"key of its own (e.g. '{key}_{line}')"))
    return problems


def _sensitivity(module: ModuleType) -> list[ContractProblem]:
    from simulator.errors import did_you_mean
    from simulator.scenario.model import Scenario
    from simulator.schema import walk

    fields = [e.path for e in walk(Scenario) if "[]" not in e.path]
    problems = []
    for assumption in module.SENSITIVITY:
        if assumption.path not in fields:
            problems.append(ContractProblem(
                "sensitivity", f"{module.KEY}: SENSITIVITY path {assumption.path!r} is not a "
                "scenario field" + did_you_mean(assumption.path, fields)))
        elif assumption.low > assumption.high:
            problems.append(ContractProblem(
                "sensitivity", f"{module.KEY}: {assumption.path}: low {assumption.low:g} is "
                f"above high {assumption.high:g}"))
    return problems


# -- checks that simulate ----------------------------------------------------------------------


@contextmanager
def _installed(module: ModuleType) -> Iterator[None]:
    """The engine runs ``module`` for its key while the check runs (a module being checked
    may not be the registered object, e.g. a copy)."""
    from simulator.interventions import BY_KEY

    before = BY_KEY.get(module.KEY)
    BY_KEY[module.KEY] = module
    try:
        yield
    finally:
        if before is None:
            del BY_KEY[module.KEY]
        else:
            BY_KEY[module.KEY] = before


def contract_scenario(overrides: Sequence[str] = ()) -> Any:
    """The :data:`CONTRACT_SCENARIO` with ``overrides`` (``path=value``)."""
    from simulator.scenario import load_scenario

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contract.toml"
        path.write_text(CONTRACT_SCENARIO, encoding="utf-8")
        return load_scenario(path, list(overrides))


@cache
def _contract_registry() -> Any:
    from simulator.population import generate_population

    return generate_population(contract_scenario(), seed=7)


def _simulate(module: ModuleType, overrides: Sequence[str], packages: Sequence[str]) -> Any:
    from simulator.engine import simulate
    from simulator.packages import Package

    scenario = contract_scenario([*module.ACTIVE, *overrides])
    with _installed(module):
        return simulate(scenario, registry=_contract_registry(),
                        packages=[Package.parse(p) for p in packages], reps=REPS, seed=SEED)


def drawn_sources(module: ModuleType) -> tuple[set[str], dict[str, set[str]]]:
    """Names of the random sources ``module``'s process draws (simulated on the contract
    scenario, found by the module whose code asks for them), and those every other module
    asking for random numbers in the same run draws, by module name."""
    from simulator.randomness import Streams

    seen: dict[str, set[str]] = {}
    originals = {name: getattr(Streams, name) for name in ("household_uniforms",
                                                           "shared_uniforms")}

    def recording(name: str):
        original = originals[name]

        def draw(self: Streams, source: str, *args: Any, **kwargs: Any) -> Any:
            seen.setdefault(_asking_module(), set()).add(source)
            return original(self, source, *args, **kwargs)
        return draw

    try:
        for name in originals:
            setattr(Streams, name, recording(name))
        _simulate(module, (), ["none", module.KEY])
    finally:
        for name, original in originals.items():
            setattr(Streams, name, original)
    return seen.get(module.__name__, set()), {
        owner: names for owner, names in seen.items() if owner != module.__name__}


_PASS_THROUGH = ("simulator.calendar", "simulator.randomness", "simulator.interventions.contract")
"""Modules that draw on another's behalf: the asker is further up the stack."""


def _asking_module() -> str:
    """Name of the module whose code asked for the random numbers being drawn."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("simulator.") and name not in _PASS_THROUGH:
            return name
        frame = frame.f_back
    return "?"


def _random_sources(module: ModuleType, others: Sequence[ModuleType]) -> list[ContractProblem]:
    own, shared = drawn_sources(module)
    users: dict[str, str] = {}
    for names in shared.values():  # the shocks and baseline incomes drawn on every run
        users.update(dict.fromkeys(names, SHARED_SOURCES_OWNER))
    for other in others:
        if other.process is module.process:
            continue
        for name in drawn_sources(other)[0]:
            users.setdefault(name, other.KEY)
    return [ContractProblem(
        "random sources", f"{module.KEY}: its process draws random source {name!r}, which "
        f"{users[name]} also draw(s): the two would share the same numbers (correlated "
        f"shocks); name it after the instrument (e.g. '{module.KEY}_{name}')")
        for name in sorted(own) if name in users]


def _start_month(module: ModuleType, _others: object = None) -> list[ContractProblem]:
    """A package starting in the second plan year: nothing before January of that year."""
    result = _simulate(module, (), ["none", f"{module.KEY}@2"])
    problems = []
    if not np.array_equal(result.per_capita[1][..., 0], result.per_capita[0][..., 0]):
        problems.append(ContractProblem(
            "start month", f"{module.KEY}: a package starting in the second plan year changes "
            "incomes in the first: its process must wait for its start month "
            "(`yield from block.at(start_month, \"instruments\")`) before paying anything"))
    for (variant, line), amount in result.outlays.items():
        if amount.full()[..., 0].any():
            problems.append(ContractProblem(
                "start month", f"{module.KEY}: {variant} books {line!r} in the first plan year "
                "although it starts in the second: wait for start_month before block.pay"))
    return problems


def _zero_effect(module: ModuleType, _others: object = None) -> list[ContractProblem]:
    result = _simulate(module, module.ZERO_EFFECT, ["none", module.KEY])
    changed = not np.allclose(result.per_capita[1], result.per_capita[0], atol=1e-3)
    spent = np.abs(result.household_outlays(1)).max() > 0
    if changed or spent:
        return [ContractProblem(
            "zero effect", f"{module.KEY}: under its ZERO_EFFECT settings "
            f"({', '.join(module.ZERO_EFFECT) or 'none given'}) it still "
            f"{'changes incomes' if changed else 'spends money'}: list every setting that "
            "switches it off")]
    return []


def _support_after_exit(module: ModuleType, _others: object = None) -> list[ContractProblem]:
    """Every counted income the instrument introduces is still paid in the last year."""
    import simpy

    from simulator.calendar import Block
    from simulator.engine import _households, prepared_facts, run_block, village_index
    from simulator.interventions.base import Variant
    from simulator.randomness import Streams

    scenario = contract_scenario(module.ACTIVE)
    registry = _contract_registry()
    villages, keys = village_index(registry, scenario.county)
    with _installed(module):
        households = _households(registry, 0, registry.n_households, villages, keys,
                                 prepared_facts(registry, scenario))
        block = Block(simpy.Environment(), households, REPS, scenario.horizon.years,
                      Streams(SEED, scenario.county))
        run_block(block, scenario, (Variant(module.KEY, 0),))
    problems = []
    for name, source in module.SOURCES.items():
        paid = block.income.get((module.KEY, name))
        if source.counted_by_default and (paid is None or not paid[-1].any()):
            problems.append(ContractProblem(
                "support after exit", f"{module.KEY}: its income {name!r} is no longer paid "
                "in the horizon's last year: support continues after a household exits "
                "(四个不摘) unless a scenario says otherwise — keep paying it, or make its end a "
                "parameter"))
    return problems


def _capacity_costs(module: ModuleType) -> list[ContractProblem]:
    """Each cost prices a limit of the module's own: one of its capacities, or one of its
    parameters (an enterprise's absorption)."""
    own = {f"capacities.{name}" for name in module.CAPACITIES}
    return [ContractProblem(
        "capacity costs", f"{module.KEY}: capacity_costs.{name} prices {limit!r}, which is "
        f"neither one of its capacities nor one of its parameters (instruments.{module.KEY}.…)")
        for name, (_kind, _spec, limit) in module.CAPACITY_COSTS.items()
        if limit not in own and not limit.startswith(f"instruments.{module.KEY}.")]


def _capacities(module: ModuleType, _others: object = None) -> list[ContractProblem]:
    """Each capacity, set to a small value, adds at least one row to the allocation model."""
    if not module.CAPACITIES:
        return []
    from simulator.optimizer.candidates import build_candidates
    from simulator.optimizer.model import AllocationModel, _Settings
    from simulator.packages import Package

    settings = _Settings(budgets=np.array([1e6, 1e6]), objective="expected", solver="highs",
                         time_limit=10, mip_gap=1e-4)
    packages = [Package(), Package.parse(module.KEY), Package.parse(f"{module.KEY}@2")]

    def rows(overrides: Sequence[str]) -> set[str]:
        scenario = contract_scenario([*module.ACTIVE, *overrides])
        with _installed(module), _capacity_rows_of(module):
            cands = build_candidates(scenario, _contract_registry(), reps=REPS, seed=SEED,
                                     packages=packages)
            return {c.name for c in AllocationModel(cands, settings).prob.constraints()}

    unset = rows(())
    problems = []
    for name, (kind, _spec) in module.CAPACITIES.items():
        small = "1.0" if float in _types(kind) else "1"
        if rows([f"capacities.{name}={small}"]) <= unset:
            problems.append(ContractProblem(
                "capacities", f"{module.KEY}: capacities.{name} is declared but setting it "
                "adds no row to the allocation model: return its row from capacity_rows "
                "(or drop the declaration)"))
    return problems


def _types(kind: Any) -> tuple[Any, ...]:
    import typing

    return typing.get_args(kind) or (kind,)


@contextmanager
def _capacity_rows_of(module: ModuleType) -> Iterator[None]:
    """The allocation model reads this module's capacity rows (not the registered one's)."""
    import simulator.optimizer.rows as rows

    before = rows.INSTRUMENTS
    rows.INSTRUMENTS = tuple(module if m.KEY == module.KEY else m for m in before)
    try:
        yield
    finally:
        rows.INSTRUMENTS = before
