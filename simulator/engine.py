"""The engine: households through the SimPy calendar, every instrument, many replications.

:func:`simulate` cuts the registry into blocks of households. For each block, one SimPy
environment runs the calendar with the shock, baseline-income and instrument processes over
arrays of shape (replications, households); each instrument's effect on every household is
recorded separately. Packages are then put together per household: given its shocks, a
household's counted income under a package is its baseline plus the contribution of each
instrument in the package (instruments share the household's shocks and labour, so a package
difference is exactly the contribution of the instruments that differ — common random numbers by
construction). What is not additive — the county's assistance (the dibao top-up and 防返贫 help,
:mod:`simulator.assistance`), the line, exit and stability — is computed per package afterwards.

Blocks are reduced as they finish (yearly per-household figures, never monthly paths), may run in
worker processes, and give identical results whatever the block size or number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from simulator import cache as run_cache
from simulator.accounting import (
    NO_YEAR,
    PATTERN_YEARS_MAX,
    above_line,
    exit_outcome_fields,
    household_net_income,
    judged_by_safety_net,
    lines_by_household,
    outcome_fields_of_pattern,
    pattern_above_line,
    per_capita,
)
from simulator.assistance import FIELDS as ASSISTANCE_FIELDS
from simulator.assistance import KEPT, AssistanceRules, Assisted, assist
from simulator.assistance import TOTALS as ASSISTANCE_TOTALS
from simulator.assistance import records as assistance_records
from simulator.baseline import OWNER as BASELINE
from simulator.baseline import baseline_income
from simulator.calendar import FLOAT, Block, Households, by_household
from simulator.interventions import BY_KEY, INSTRUMENTS
from simulator.interventions.base import Variant
from simulator.packages import Package, Plan, plan_from_rule
from simulator.parallel import in_order
from simulator.population import population_of
from simulator.randomness import RNG_CHUNK_HOUSEHOLDS, Streams, county_entity_key
from simulator.registry import Registry
from simulator.results import SimulationResult, joined_fields
from simulator.scenario.model import Scenario
from simulator.shocks import illness_and_disability
from simulator.vocabulary import (
    INCOME_CATEGORIES,
    INCOME_CATEGORY,
    REGISTERED_CATEGORIES,
    REGISTRY_INCOME_COLUMNS,
)

OUTCOME_DTYPES = {"exit_year": np.int8, "return_year": np.int8, "stable": bool}
"""The exit outcome a block keeps for each package, and how: year indices (or NO_YEAR) fit in
int8. Returns and unconfirmed exits follow from the two years
(:meth:`~simulator.results.SimulationResult.outcome`); stable exits are kept because the
optimiser reads them at every step."""

HOUSEHOLD_REPS_PER_BLOCK = 100_000
"""Household × replication cells per block when the scenario leaves the block size to tuopin:
big enough to amortise Python's per-operation cost, small enough that a block of Ruyuan's 46
candidate packages needs about 300 MB while it runs (a candidate run at 200 replications peaks
at 0.73 GB with one 512-household chunk per block, 1.05 GB with two, and is no slower)."""


def default_block_households(reps: int) -> int:
    """Households per block for ``reps`` replications: about :data:`HOUSEHOLD_REPS_PER_BLOCK`
    cells, in whole random-number chunks. A block draws every chunk it touches whole and keeps
    its slice, so a block edge inside a chunk makes two blocks draw that chunk (with 1,000
    households a block, a third of all draws were made twice)."""
    chunks = round(HOUSEHOLD_REPS_PER_BLOCK / (reps * RNG_CHUNK_HOUSEHOLDS))
    return RNG_CHUNK_HOUSEHOLDS * max(1, chunks)


Progress = Callable[[int, int], None]
"""Callback ``progress(households_done, households_total)``."""


@dataclass
class _BlockInput:
    scenario: Scenario
    households: Households
    reps: int
    seed: int
    variants: tuple[Variant, ...]
    weights: np.ndarray
    """(packages, households, variants): 1 where the package gives the variant and the
    household is eligible for it."""
    eligible: np.ndarray
    """(households, variants)."""
    registered: np.ndarray
    """(households,) on the official registry (edge households are watched, not registered)."""
    keep_income: bool = True


@dataclass
class _BlockOutput:
    per_capita: np.ndarray | None
    exit_year: np.ndarray
    return_year: np.ndarray
    stable: np.ndarray
    stable_without_support: np.ndarray
    exit_year_without_support: np.ndarray
    outlays: dict[tuple[str, str], np.ndarray]
    recoveries: dict[tuple[str, str], np.ndarray]
    medical: np.ndarray
    inpatient_episodes: np.ndarray
    """(reps, years) episodes summed over the block's registered households."""
    income_by_category: np.ndarray | None
    """(reps, years, 4) the plan's income of registered households by statistical component,
    summed over the block (plan runs)."""
    assistance: np.ndarray | None = None
    """(packages, households, years, fields) the county's assistance per household, means over
    replications (:data:`simulator.assistance.FIELDS`)."""
    assistance_totals: np.ndarray | None = None
    """(packages, reps, years, totals) the same summed over the block's households
    (:data:`simulator.assistance.TOTALS`)."""
    kept_by_assistance: np.ndarray | None = None
    """(packages, households, 2) chance of a stable exit only assistance makes
    (:data:`simulator.assistance.KEPT`)."""
    kept_by_assistance_totals: np.ndarray | None = None
    """(packages, reps, 2) the same summed over the block's households."""
    exited_by_with_help: np.ndarray | None = None
    """(packages, households, years) chance of having exited by each year with 防返贫 help too
    (None without help)."""
    people_exited_totals: np.ndarray | None = None
    """(packages, reps, years) registered people of the block whose household has exited by the
    end of each year, with 防返贫 help where the run simulates it (plan runs only)."""


def run_block(block: Block, scenario: Scenario, variants: Sequence[Variant]) -> None:
    """Run every process of one block through the horizon (in phase order within months)."""
    env = block.env
    env.process(illness_and_disability(block, scenario))
    env.process(baseline_income(block, scenario))
    for variant in variants:
        module = BY_KEY[variant.key]
        start = scenario.horizon.start_month_of(variant.start_year)
        env.process(module.process(block, variant.name, start, scenario))
    env.process(block.calendar())  # last, so every process already waits on month 0's phases
    env.run()


def _simulate_block(task: _BlockInput) -> _BlockOutput:
    scenario = task.scenario
    households = task.households
    block = Block(simpy.Environment(), households, task.reps, scenario.horizon.years,
                  Streams(task.seed, scenario.county))
    run_block(block, scenario, task.variants)
    return _reduce(block, task)


class UndeclaredError(RuntimeError):
    """An instrument paid an income source, or booked a budget line, that its module does not
    declare: a bug in the instrument module (its income would count for nothing, its money
    would be missing from every report)."""


def _check_declared(block: Block, variants: Sequence[Variant]) -> None:
    """Stop when an instrument's process used a source, line or recovery its module does not
    declare (``INCOME_SOURCES``, ``LINES``, ``RECOVERIES``)."""
    modules = {v.name: BY_KEY[v.key] for v in variants}
    for store, declared in ((block.income, "INCOME_SOURCES"), (block.outlays, "LINES"),
                            (block.recoveries, "RECOVERIES")):
        for owner, name in store:
            module = modules.get(owner)
            if module is not None and name not in getattr(module, declared):
                raise UndeclaredError(f"instrument {module.KEY!r} used {name!r}, which its "
                                      f"module does not list in {declared}")


def _owner_income(block: Block, owner: str, sources: Sequence[str], counted: set[str],
                  zeros: np.ndarray) -> np.ndarray:
    """(reps, households, years) counted net income one owner recorded [yuan/year]."""
    components = {source: block.income[(owner, source)] for source in sources
                  if (owner, source) in block.income}
    # Summed in the instrument's own order of sources (``counted`` is a set, whose order can
    # differ between worker processes): float32 sums must not depend on the number of workers.
    in_order = [source for source in sources if source in counted]
    return by_household(household_net_income(components, block.expenses.get(owner, zeros),
                                              in_order))


def assistance_rules(block: Block, task: _BlockInput) -> AssistanceRules:
    """The block's inputs to the county's assistance (:mod:`simulator.assistance`)."""
    scenario = task.scenario
    households = task.households
    counted = set(scenario.exit_rule.counted_sources)
    members = households.size
    with_labour = households.laborers > 0
    by_safety_net = judged_by_safety_net(households.laborers, scenario.exit_rule.safety_net_exit)
    lines = lines_by_household(by_safety_net, scenario.lines_yuan_per_capita,
                               scenario.safety_net_lines_yuan_per_capita).astype(FLOAT)
    covered = np.ones(households.n, dtype=bool) \
        if scenario.safety_net.covers == "every_eligible" else ~with_labour
    standard = (scenario.dibao_standards_yuan_per_capita[None, :]
                * members[:, None]).astype(FLOAT)
    prevention = scenario.prevention
    first = prevention.active_from(scenario.calendar_years)
    remaining = prevention.remaining_poor_from(scenario.calendar_years)
    helped_from = min((y for y in (first, remaining) if y is not None), default=None)
    draws = None
    if helped_from is not None:
        draws = np.zeros((block.reps, households.n, block.years), dtype=FLOAT)
        for year in range(helped_from, block.years):
            draws[..., year] = block.streams.household_uniforms(
                "prevention_detection", year, block.reps, households.start, households.stop)[..., 0]
    rigid = by_household(block.extra["medical_out_of_pocket"]) \
        if "medical_out_of_pocket" in block.extra else np.zeros((*block.shape, block.years), FLOAT)
    return AssistanceRules(
        members=members, with_labour=with_labour, registered=task.registered,
        judged_by_income=~by_safety_net,
        top_up_covered=covered, standard=standard, lines=lines,
        count_top_up="dibao_topup" in counted, count_help="prevention_help" in counted,
        first_year=first, remaining_from=remaining, detection_draws=draws,
        rigid_spending=rigid,
        detection_probability=prevention.detection_probability_per_year,
        at_risk_multiple=scenario.poverty_line.at_risk_multiple,
        rigid_multiple=scenario.watch.rigid_spending_multiple,
        drop_share=scenario.watch.income_drop_share,
        help_target_multiple=prevention.help_target_multiple,
        max_help_yuan_per_person=prevention.max_help_yuan_per_person_year)


def _reduce(block: Block, task: _BlockInput) -> _BlockOutput:
    """Put packages together and apply the accounting; keep yearly per-household figures.

    Each package's counted income is the baseline plus the contribution of each instrument it
    gives; the county's assistance follows (the dibao top-up, then 防返贫 help:
    :mod:`simulator.assistance`). A package's exits are judged — against each household's line,
    the safety-net line under the safety-net exit rule — on its income *before* 防返贫 help,
    which the county gives whatever the plan: the stable exits only the help keeps are counted
    apart, and the per-capita incomes kept (what households have) include it. The same
    accounting without any instrument gives every household's outcome without support, on the
    same random numbers, so a plan's *added* stable exits are a paired difference.
    """
    _check_declared(block, task.variants)
    scenario = task.scenario
    households = task.households
    counted = set(scenario.exit_rule.counted_sources)
    zeros = np.zeros((block.years, *block.shape), dtype=FLOAT)
    base = _owner_income(block, BASELINE, REGISTRY_INCOME_COLUMNS, counted, zeros)
    contributions = [_owner_income(block, v.name, BY_KEY[v.key].INCOME_SOURCES, counted, zeros)
                     for v in task.variants]

    members = households.size
    rules = assistance_rules(block, task)
    lines = rules.lines
    window = scenario.exit_rule.monitoring_years
    find_made_by_top_up = rules.top_up_can_make_exits
    by_income = ~judged_by_safety_net(households.laborers, scenario.exit_rule.safety_net_exit)

    def counted_total(weights: np.ndarray) -> np.ndarray:
        """Counted household income under the instrument variants ``weights`` (households,
        variants) give, before the county's assistance."""
        total = base.copy()
        for j, contribution in enumerate(contributions):
            weight = weights[:, j]
            if weight.any():
                total += weight[None, :, None] * contribution
        return total

    def stable_on(income: np.ndarray, which: np.ndarray | slice = slice(None)) -> np.ndarray:
        """(R, H) stable exits on counted incomes (R, H, Y) of households ``which``."""
        return exit_outcome_fields(above_line(per_capita(income, members[which]), lines[which]),
                                   window, ("stable",))["stable"]

    short_horizon = block.years <= PATTERN_YEARS_MAX

    def outcomes(years_above: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        if short_horizon:
            return outcome_fields_of_pattern(years_above, block.years, window, names)
        return exit_outcome_fields(years_above, window, names)

    def with_help(assisted: Assisted, years_above: np.ndarray, stable: np.ndarray,
                  exit_year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R, H) stable exits only 防返贫 help keeps, and exit years with the help, from the
        years at or above the line before it (a pattern on short horizons), the stable exits
        and the exit
        years then: help only raises incomes, so only households it ever lifted to their line
        can differ, and only in years it lifted them."""
        kept = np.zeros_like(stable)
        exit_with = exit_year.copy()
        if assisted.watched_lifted is None:
            return kept, exit_with
        first = rules.help_from
        lifted = assisted.watched_lifted[first:]  # (years, R, W)
        ever = lifted.any(axis=(0, 1))
        if not ever.any():
            return kept, exit_with
        columns = rules.watched[ever]
        after = years_above[:, columns].copy()
        for offset, year_lifted in enumerate(lifted[:, :, ever]):
            if short_horizon:
                after |= year_lifted.astype(after.dtype) << (first + offset)
            else:
                after[..., first + offset] |= year_lifted
        outcome = outcomes(after, ("stable", "exit_year"))
        kept[:, columns] = outcome["stable"] & ~stable[:, columns]
        exit_with[:, columns] = outcome["exit_year"]
        return kept, exit_with

    def made_by_top_up(stable: np.ndarray, total: np.ndarray) -> np.ndarray:
        """(R, H) stable exits, before help, of households judged by income that are not
        stable on their own income before the top-up."""
        return stable & by_income[None] & ~stable_on(total) if find_made_by_top_up \
            else np.zeros_like(stable)

    n_packages = task.weights.shape[0]
    # One package at a time: every package's income at once would be (packages × reps ×
    # households × years) floats per block — about 0.5 GB for Ruyuan's 48 candidate packages —
    # and its line test and outcomes as many again. It is kept only for plan runs' charts.
    income = np.empty((n_packages, *block.shape, block.years), dtype=FLOAT) \
        if task.keep_income else None
    # Each package's outcomes go straight into (packages, reps, households) arrays, years as
    # int8 indices: a list of every package's outcomes would hold them all again, in int64.
    outcome = {name: np.empty((n_packages, *block.shape), dtype=dtype)
               for name, dtype in OUTCOME_DTYPES.items()}
    # the chance of having exited by each year with the help too: the county's exits, which
    # its yearly targets count (chances per household: a whole (packages, reps, households)
    # array of exit years was 27 MB a candidate run on ruyuan-2016, and nothing else reads it)
    exited_by_with_help = np.empty((n_packages, households.n, block.years), dtype=FLOAT) \
        if rules.help_from is not None else None
    assistance_mean = np.zeros((n_packages, households.n, block.years, len(ASSISTANCE_FIELDS)),
                               dtype=FLOAT)
    # per replication only for a plan (candidate runs keep each package's expected figures
    # per household, which give any allocation's)
    assistance_total = np.zeros((n_packages, block.reps, block.years, len(ASSISTANCE_TOTALS))) \
        if n_packages == 1 else None
    kept_mean = np.zeros((n_packages, households.n, len(KEPT)), dtype=FLOAT)
    kept_total = np.zeros((n_packages, block.reps, len(KEPT)))
    # per replication, the people a plan's yearly exit targets count (what "met at the
    # confidence level" is read from)
    people = np.where(task.registered, members, 0).astype(np.float64)
    people_exited = np.zeros((n_packages, block.reps, block.years)) if n_packages == 1 else None
    for p in range(n_packages):
        total = counted_total(task.weights[p])
        assisted = assist(total, rules)
        # the plan is judged on its households' own income, its instruments and the dibao
        # top-up: 防返贫 help, which the county gives whatever the plan, is reported apart
        judged_on = per_capita(assisted.before_help, members,
                               out=None if income is None else income[p])
        pattern = pattern_above_line(judged_on, lines) if short_horizon \
            else above_line(judged_on, lines)
        one = outcomes(pattern, tuple(outcome))
        for name, kept in outcome.items():
            kept[p] = one[name]
        if income is not None and assisted.watched_help is not None and assisted.help_counts:
            # what households have: the help added in place (judged_on is not read again)
            first, watched = rules.help_from, rules.watched
            judged_on[:, watched, first:] += np.moveaxis(
                assisted.watched_help[first:], 0, -1) / members[watched, None]
        _keep_records(assistance_mean[p], None if assistance_total is None
                      else assistance_total[p], assisted, task.registered, rules.help_from)
        kept_by_help = np.zeros_like(one["stable"])
        exit_with = one["exit_year"]
        if exited_by_with_help is not None:
            kept_by_help, exit_with = with_help(assisted, pattern, one["stable"],
                                                one["exit_year"])
        if exited_by_with_help is not None or people_exited is not None:
            exited = exit_with != NO_YEAR
            for y in range(block.years):
                by_then = exited & (exit_with <= y)  # (R, H), once for both uses
                if exited_by_with_help is not None:
                    exited_by_with_help[p, :, y] = by_then.mean(axis=0)
                if people_exited is not None:
                    people_exited[p, :, y] = by_then @ people
        kept_by = {"stable_kept_by_help": kept_by_help,
                   "stable_made_by_top_up": made_by_top_up(one["stable"], total)}
        for i, name in enumerate(KEPT):
            kept_mean[p, :, i] = kept_by[name].mean(axis=0)
            kept_total[p, :, i] = kept_by[name].sum(axis=1)
    without = exit_outcome_fields(
        above_line(per_capita(assist(base, rules).before_help, members), lines), window,
        ("stable", "exit_year"))

    def where_eligible(store: dict[tuple[str, str], np.ndarray]) -> dict:
        # (reps, eligible households, years): only the variant's eligible households are kept
        # (results.EligibleAmounts); nobody else can receive or return its money.
        kept = {}
        for j, variant in enumerate(task.variants):
            for (owner, line), amount in store.items():
                if owner == variant.name:
                    kept[(owner, line)] = same_in_every_replication(
                        by_household(amount)[:, task.eligible[:, j]])
        return kept

    registered = task.registered
    episodes = block.extra.get("inpatient_episodes", zeros)
    income_by_category = None
    if task.keep_income and n_packages == 1:
        income_by_category = _income_by_category(block, task, task.weights[0],
                                                 assist(counted_total(task.weights[0]), rules))
    return _BlockOutput(
        per_capita=income,
        **outcome,
        stable_without_support=without["stable"],
        exit_year_without_support=without["exit_year"].astype(np.int8),
        outlays=where_eligible(block.outlays),
        recoveries=where_eligible(block.recoveries),
        medical=np.ascontiguousarray(by_household(block.extra.get("medical_out_of_pocket",
                                                                  zeros))),
        inpatient_episodes=np.einsum("yrh,h->ry", episodes, registered.astype(FLOAT),
                                     dtype=np.float64),
        income_by_category=income_by_category,
        assistance=assistance_mean, assistance_totals=assistance_total,
        kept_by_assistance=kept_mean, kept_by_assistance_totals=kept_total,
        exited_by_with_help=exited_by_with_help,
        people_exited_totals=people_exited,
    )


def _keep_records(mean: np.ndarray, total: np.ndarray | None, assisted: Assisted,
                  registered: np.ndarray, first_year: int | None) -> None:
    """Write one package's assistance records: means over replications per household (H, Y,
    fields) and sums over households per replication (R, Y, totals).

    Sums over households are matrix products (a third of the time of a sum along the middle
    axis, for every package of a candidate run), and exact — counts in float32, float32 yuan in
    float64 — so the totals do not depend on how the households were cut into blocks."""
    reps = assisted.top_up.shape[0]
    watched = assisted.rules.watched
    for name, record in assistance_records(assisted, registered, first_year,
                                           total is not None).items():
        figure, years = record.figure, record.years
        counts = figure.dtype == bool
        if record.watched_only:  # (years, R, W)
            if name in ASSISTANCE_FIELDS:
                summed = figure.view(np.uint8).sum(axis=1, dtype=np.int32) if counts \
                    else figure.sum(axis=1)  # (years, W)
                mean[watched, years, ASSISTANCE_FIELDS.index(name)] = summed.T / FLOAT(reps)
            if total is not None:
                ones = np.ones(figure.shape[-1], dtype=FLOAT if counts else np.float64)
                total[:, years, ASSISTANCE_TOTALS.index(name)] = np.matmul(
                    figure.astype(ones.dtype), ones).T
            continue
        if name in ASSISTANCE_FIELDS:
            summed = figure.view(np.uint8).sum(axis=0, dtype=np.int32) if counts \
                else figure.sum(axis=0)
            mean[:, years, ASSISTANCE_FIELDS.index(name)] = summed / FLOAT(reps)
        if total is not None:
            ones = np.ones(figure.shape[1], dtype=FLOAT if counts else np.float64)
            total[:, years, ASSISTANCE_TOTALS.index(name)] = np.matmul(
                ones, figure.astype(ones.dtype))


def same_in_every_replication(amount: np.ndarray) -> np.ndarray:
    """``amount`` (reps, households, years), or its first replication alone (1, households,
    years) when every replication is the same — fixed outlays such as PV construction or equity
    principal — which :func:`simulator.results.joined_fields` broadcasts back: about a third of a
    candidate run's outlay arrays on ruyuan-2016, 130 MB of memory."""
    if len(amount) > 1 and (amount == amount[:1]).all():
        return amount[:1].copy()
    return amount


def _income_by_category(block: Block, task: _BlockInput, weights: np.ndarray,
                        assisted: Assisted) -> np.ndarray:
    """(reps, years, 4) the plan's income of registered households by statistical component
    (wages, net business, property, transfers), summed over the block [yuan/year].

    Every recorded source counts here, whether or not the exit rule counts it: this is the
    household's income as a statistician would record it. The dibao top-up is a transfer,
    防返贫 help a wage (public-welfare posts). ``weights`` (households, variants) are the plan's
    instrument variants and ``assisted`` its incomes after the county's assistance.
    """
    owners = {BASELINE: np.ones(task.households.n, dtype=FLOAT)}
    owners.update({v.name: weights[:, j] for j, v in enumerate(task.variants)})
    registered = task.registered.astype(FLOAT)
    out = np.zeros((block.reps, block.years, len(INCOME_CATEGORIES)))
    column = {c: i for i, c in enumerate(INCOME_CATEGORIES)}

    def add(category: str, amount: np.ndarray, weight: np.ndarray, sign: float = 1.0) -> None:
        out[:, :, column[category]] += sign * np.einsum("yrh,h->ry", amount, weight * registered,
                                                        dtype=np.float64)

    for (owner, source), amount in block.income.items():
        if owner in owners:
            add(INCOME_CATEGORY[source], amount, owners[owner])
    for owner, amount in block.expenses.items():
        if owner in owners:
            add("business", amount, owners[owner], -1.0)
    for source, amount in (("dibao_topup", assisted.top_up), ("prevention_help", assisted.help)):
        out[:, :, column[INCOME_CATEGORY[source]]] += np.einsum("rhy,h->ry", amount, registered,
                                                                dtype=np.float64)
    return out


# ---------------------------------------------------------------------------------------------
# household facts shared by every block


def village_index(registry: Registry, county: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Each household's village as an index into the registry's villages, and each village's
    random-number key (by county, township and village name: its disasters do not depend on
    which other villages or households the registry holds)."""
    keys = np.char.add(np.char.add(registry.township.astype(str), "\x1f"),
                       registry.village.astype(str))
    _names, first, index = np.unique(keys, return_index=True, return_inverse=True)
    village_keys = np.array([county_entity_key(county, "village", str(registry.township[h]),
                                               str(registry.village[h])) for h in first],
                            dtype=np.uint64)
    return index.astype(np.int64), village_keys


def prepared_facts(registry: Registry, scenario: Scenario) -> dict[str, dict[str, np.ndarray]]:
    """The household facts every instrument prepares for itself once per run (its module's
    optional ``prepare(registry, scenario)``: which enterprise would hold a household's equity,
    for instance), by instrument key."""
    return {m.KEY: m.prepare(registry, scenario) for m in INSTRUMENTS if m.prepare is not None}


def _block_facts(facts: dict[str, dict[str, np.ndarray]], part: slice) -> dict:
    """The prepared per-household arrays cut to the block's households."""
    return {key: {name: value[part] for name, value in values.items()}
            for key, values in facts.items()}


def _households(registry: Registry, start: int, stop: int, villages: np.ndarray,
                village_keys: np.ndarray, facts: dict[str, dict[str, np.ndarray]]) -> Households:
    part = slice(start, stop)
    return Households(
        start=start,
        size=registry.size[part],
        laborers=registry.laborers[part],
        category=registry.category[part],
        chronically_ill=registry.chronically_ill[part],
        village=villages[part],
        base_income={c: getattr(registry, c)[part] for c in REGISTRY_INCOME_COLUMNS},
        base_expenses=registry.production_expenses[part],
        pv_site=registry.pv_site[part],
        village_keys=village_keys,
        facts=_block_facts(facts, part),
    )


# ---------------------------------------------------------------------------------------------
# the public entry point


def simulate(scenario: Scenario, plan: Plan | None = None, *, registry: Registry | None = None,
             packages: Sequence[Package] | None = None, reps: int | None = None,
             seed: int | None = None, block_households: int | None = None, workers: int = 1,
             progress: Progress | None = None, keep_income: bool = True,
             ) -> SimulationResult:
    """Simulate household incomes, exits and fund outlays under a plan or candidate packages.

    Parameters
    ----------
    scenario : Scenario
    plan : Plan, optional
        One package per household. Default: the scenario's own ``[plan]`` rule.
    registry : Registry, optional
        Households; default the scenario's population (registry file or synthetic).
    packages : sequence of Package, optional
        Candidate packages to evaluate for *every* household (for the optimiser); when given,
        ``plan`` is ignored and results have one entry per package.
    reps : int, optional
        Monte Carlo replications; default ``scenario.simulation.replications``.
    seed : int, optional
        Root seed of every random stream; default ``scenario.simulation.seed``.
    block_households : int, optional
        Households per block (memory vs speed); results do not depend on it.
    workers : int
        Worker processes running blocks in parallel; results do not depend on it.
    progress : callable, optional
        Called with (households done, households total) as blocks finish.
    keep_income : bool
        Keep per-capita income by household and year (False saves memory when only exits and
        outlays are needed, as in the optimiser).
    Returns
    -------
    SimulationResult
    """
    registry = population_of(scenario) if registry is None else registry
    reps = scenario.simulation.replications if reps is None else int(reps)
    seed = scenario.simulation.seed if seed is None else int(seed)
    block_households = (block_households or scenario.simulation.block_households
                        or default_block_households(reps))
    n = registry.n_households
    if packages is not None:
        package_list = list(packages)
        plan = None
    else:
        plan = plan_from_rule(scenario, registry) if plan is None else plan
        package_list = list(plan.packages)
    variants = tuple(sorted({v for p in package_list for v in p.variants},
                            key=lambda v: (list(BY_KEY).index(v.key), v.start_year)))
    eligible = np.stack([BY_KEY[v.key].eligible(registry, scenario) for v in variants], axis=1) \
        if variants else np.zeros((n, 0), dtype=bool)
    gives = np.array([[v in p.variants for v in variants] for p in package_list],
                     dtype=bool).reshape(len(package_list), len(variants))
    if plan is not None:
        weights = (gives[plan.assignment] & eligible)[None].astype(FLOAT)
    else:
        weights = (gives[:, None, :] & eligible[None]).astype(FLOAT)
    kept = run_cache.active()
    key = None if kept is None else run_cache.run_key(
        scenario, registry, packages=package_list,
        assignment=None if plan is None else plan.assignment, reps=reps, seed=seed,
        keep_income=keep_income)
    fields = None if kept is None else kept.load(key)
    if fields is None:
        villages, village_keys = village_index(registry, scenario.county)
        facts = prepared_facts(registry, scenario)
        registered = np.isin(registry.category, REGISTERED_CATEGORIES)
        tasks = []
        for start in range(0, n, block_households):
            stop = min(start + block_households, n)
            tasks.append(_BlockInput(
                scenario=scenario,
                households=_households(registry, start, stop, villages, village_keys, facts),
                reps=reps, seed=seed, variants=variants,
                weights=weights[:, start:stop], eligible=eligible[start:stop],
                registered=registered[start:stop], keep_income=keep_income))
        fields = joined_fields(n, reps, variants, eligible,
                               _run_tasks(tasks, workers, progress, n))
        if kept is not None:
            kept.store(key, fields)
    elif progress:
        progress(n, n)
    return SimulationResult(scenario=scenario, registry=registry, plan=plan,
                            packages=package_list, variants=variants, weights=weights,
                            eligible=eligible, reps=reps, seed=seed, **fields)


def _run_tasks(tasks: list[_BlockInput], workers: int, progress: Progress | None,
               total: int) -> Iterator[_BlockOutput]:
    """Each block's output as it is done, in household order (reporting progress)."""
    done = 0
    for task, output in zip(tasks, in_order(_simulate_block, tasks, workers), strict=True):
        done += task.households.n
        if progress:
            progress(done, total)
        yield output
        del output  # not held while the next block is simulated
