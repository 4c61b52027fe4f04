"""optimize_province(): the province fund split among counties, each county's allocation.

1. Every county simulates every candidate package for its households (in-sample), where it
   will be priced (:func:`simulator.province.counties.build_county`).
2. **Prices** (Lagrangian decomposition, as :mod:`simulator.optimizer.lagrangian` does for one
   county): every county row (its budget ceiling, capacities, policy rules) and every province
   row (the province fund of each plan year, earmarks) gets a multiplier. A province row's price
   falls on the budget rows of the counties it covers, so each county prices its own households
   alone; the method sends each county its prices and gets back two small things per
   evaluation — a map-reduce. ``L`` at any prices bounds the expected stable exits of every
   allocation of the province.
3. **Split**: each county's budget is the share it takes at the best prices found — the
   counties' answers mixed by their weights in the method's last model, which keeps the
   province rows where no single answer does — cut to its own ceiling and to the province fund
   (money no county takes up goes to counties with room, in proportion to it); earmarks are
   then met by scaling the other counties down.
4. Each county **solves** its allocation within its budget with the single-county optimiser and
   evaluates it, and the simple rules with the same money, on fresh replications.

The gap is the distance of the counties' allocations (in-sample expected stable exits, summed)
to the province bound of step 2.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.optimizer.lagrangian import BUNDLE_EVALUATIONS, minimise_dual
from simulator.optimizer.rows import MONEY_UNIT
from simulator.optimizer.strategies import relative_gap
from simulator.province.counties import (
    CountyOutcome,
    CountyTask,
    build_county,
    release_run,
    respond,
    solve_county,
)
from simulator.province.model import Province
from simulator.province.runners import runner_for
from simulator.statistics import headline, paired, spread, two_decimals

PROVINCE_EVALUATIONS = BUNDLE_EVALUATIONS
"""Most evaluations of the province's L (each one map-reduce over the counties)."""


@dataclass(frozen=True)
class ProvinceRow:
    """A row coupling counties: Σ_c Σ_y coefficient[c, y] · spend[c, y] (sense) rhs [万元]."""

    name: str
    sense: str
    rhs: float
    coefficient: np.ndarray
    """(C, P) weight of each county's spending in each plan year."""
    scale: float

    def activity(self, spend: np.ndarray) -> float:
        """The row's left-hand side for (C, P) county spending [万元]."""
        return float((self.coefficient * spend).sum())


@dataclass(frozen=True, eq=False)
class ProvinceResult:
    """The province's split, its counties' allocations and their honest evaluation."""

    province: Province
    budgets: np.ndarray
    """(C, P) the budget each county gets in each plan year [yuan]."""
    counties: list[CountyOutcome]
    rows: list[ProvinceRow]
    row_duals: np.ndarray
    """Price of each province row [expected stable exits per 万元 of the row]."""
    row_activity: np.ndarray
    """Each province row's left-hand side under the split [万元]."""
    bound: float
    """Upper bound on expected stable exits (in-sample), from the province's L."""
    evaluations: int
    reps: int
    seed: int
    """Replications and seed of the in-sample runs (the evaluation's seed is offset per county
    scenario's ``optimizer.evaluation_seed_offset``)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage (they vary from run to run: the manifest's, not summary.json's)."""
    runner: str = ""

    @property
    def objective(self) -> float:
        """Expected stable exits of the counties' allocations (in-sample), summed."""
        return float(sum(c.objective for c in self.counties))

    @property
    def gap(self) -> float:
        return relative_gap(self.bound, self.objective)

    def _total(self, what: str) -> np.ndarray:
        return np.sum([getattr(c, what) for c in self.counties], axis=0)

    def summary(self) -> dict[str, Any]:
        """Everything the province's summary.json reports (fresh replications unless marked
        in-sample)."""
        province = self.province
        years = [str(y) for y in province.calendar_years]
        stable, without = self._total("stable"), self._total("without_support")
        outlays = self._total("outlays")
        net = self._total("net_cost")
        summary: dict[str, Any] = {
            "province": province.name,
            "province_zh": province.name_zh,
            "counties": len(self.counties),
            "households": int(sum(c.summary["households"] for c in self.counties)),
            "people": int(sum(c.summary["people"] for c in self.counties)),
            "objective": "expected",
            "budgets_yuan": None if province.budget_yuan is None else
            {y: float(b) for y, b in zip(years, province.budget_yuan, strict=True)},
            "in_sample": {"seed": self.seed, "replications": self.reps,
                          "objective": round(self.objective, 3), "bound": round(self.bound, 3),
                          "gap": self.gap, "evaluations": self.evaluations},
            **headline(stable, without, outlays.sum(axis=1), net),
            "stable_exits": spread(stable),
            **self._county_sums(),
            "outlays_by_year": {y: spread(v) for y, v in zip(years, outlays.T, strict=True)},
            "province_rows": {row.name: self._row_figures(row, dual, activity)
                              for row, dual, activity in zip(self.rows, self.row_duals,
                                                             self.row_activity, strict=True)},
            "by_county": self._by_county(years),
            "baselines": {},
        }
        for name in self.counties[0].baselines:
            b_stable, b_outlays, b_net = np.sum([c.baselines[name] for c in self.counties],
                                                axis=0)
            summary["baselines"][name] = {**headline(b_stable, without, b_outlays, b_net),
                                          "stable_exits": spread(b_stable),
                                          "optimised_gain": paired(stable, b_stable)}
        return summary

    def _county_sums(self) -> dict[str, Any]:
        """Expected figures that add up over counties (a province mean is the sum of the
        counties' means: each replication's province figure is the sum of theirs)."""
        own = [c.summary for c in self.counties]

        def added(*path: str) -> float:
            """Σ over counties of the figure at ``path`` in their summaries (0 where absent)."""
            total = 0.0
            for figures in own:
                for key in path:
                    figures = figures.get(key, {})
                total += figures or 0.0
            return two_decimals(total)

        first = own[0]
        return {
            "stable_exits_by_income": {"mean": added("stable_exits_by_income", "mean")},
            "stable_exits_by_safety_net": {"mean": added("stable_exits_by_safety_net", "mean")},
            "exits_by_year": {y: {"mean": added("exits_by_year", y, "mean")}
                              for y in first["exits_by_year"]},
            "outlays_by_instrument": {
                key: {y: added("outlays_by_instrument", key, y) for y in first["outlays_by_year"]}
                for key in sorted({k for s in own for k in s["outlays_by_instrument"]})},
            "households_supported": int(sum(s["households"] - s["packages"].get("none", 0)
                                            for s in own)),
        }

    def _row_figures(self, row: ProvinceRow, dual: float, activity: float) -> dict[str, Any]:
        """A province row's right-hand side, its value under the split and its price; an
        earmark's also as shares of the money split."""
        figures: dict[str, Any] = {
            "sense": row.sense, "rhs_yuan": two_decimals(row.rhs * MONEY_UNIT),
            "planned_yuan": two_decimals(activity * MONEY_UNIT),
            "dual_stable_exits_per_10000_yuan": round(float(dual), 4)}
        earmark = next((e for e in self.province.earmarks if row.name == f"earmark_{e.name}"),
                       None)
        if earmark is not None:
            member = self.province.in_group(earmark.group)
            total = float(self.budgets.sum())
            figures.update(group=earmark.group, min_share=earmark.min_share,
                           planned_share=round(float(self.budgets[member].sum()) / total, 4)
                           if total > 0 else None)
        return figures

    def _by_county(self, years: list[str]) -> dict[str, dict[str, Any]]:
        """Each county's budget from the province and its own figures (fresh replications)."""
        county_tags = {c.name: c.tags for c in self.province.counties}

        def figures(county: CountyOutcome, budgets: np.ndarray) -> dict[str, Any]:
            own = county.summary
            return {
                "households": own["households"], "people": own["people"],
                "tags": list(county_tags[county.name]),
                "budget_yuan": {y: two_decimals(b) for y, b in zip(years, budgets, strict=True)},
                **{key: own[key] for key in (
                    "shadow_price_stable_exits_per_10000_yuan", "added_stable_exits",
                    "cost_per_added_stable_exit_yuan", "net_cost_per_added_stable_exit_yuan",
                    "stable_exits_without_support", "outlays_total")},
                "in_sample_expected_stable_exits": round(county.objective, 3),
                "packages": own["packages"]}

        return {county.name: figures(county, budgets)
                for county, budgets in zip(self.counties, self.budgets, strict=True)}

    def allocation_table(self) -> dict[str, list[Any]]:
        """Every household of every county: the county, then its county table's columns."""
        table: dict[str, list[Any]] = {"county": []}
        for county in self.counties:
            n = len(next(iter(county.table.values())))
            table["county"] += [county.name] * n
            for column, values in county.table.items():
                table.setdefault(column, []).extend(values)
        return table

    def county_table(self) -> dict[str, list[Any]]:
        """One row per county: budget by year, shadow price, added stable exits and cost."""
        years = [str(y) for y in self.province.calendar_years]
        summary = self._by_county(years)
        table: dict[str, list[Any]] = {"county": list(summary)}
        rows = list(summary.values())
        for key in ("households", "people"):
            table[key] = [r[key] for r in rows]
        for y in years:
            table[f"budget_{y}"] = [r["budget_yuan"][y] for r in rows]
        for y in years:
            table[f"shadow_price_{y}"] = [
                r["shadow_price_stable_exits_per_10000_yuan"][y] for r in rows]
        table["added_stable_exits"] = [r["added_stable_exits"]["mean"] for r in rows]
        table["cost_per_added_stable_exit_yuan"] = [r["cost_per_added_stable_exit_yuan"]
                                                    for r in rows]
        table["tags"] = [" ".join(c.tags) for c in self.province.counties]
        return table


def county_ceilings(province: Province) -> np.ndarray:
    """(C, P) each county's own budget: the most it can spend in each plan year [yuan]."""
    return np.array([c.scenario.budget.yearly_yuan for c in province.counties], dtype=float)


def province_rows(province: Province) -> list[ProvinceRow]:
    """The rows that couple counties: the province fund of each plan year, and earmarks."""
    counties, years = len(province.counties), province.plan_years
    rows = []
    ceiling_total = float(county_ceilings(province).sum()) / MONEY_UNIT
    if province.budget_yuan is not None:
        for y, budget in enumerate(province.budget_yuan):
            coefficient = np.zeros((counties, years))
            coefficient[:, y] = 1.0
            rhs = float(budget) / MONEY_UNIT
            rows.append(ProvinceRow(f"province_budget_{province.calendar_years[y]}", "<=", rhs,
                                    coefficient, max(rhs, 1.0)))
    for earmark in province.earmarks:
        member = province.in_group(earmark.group).astype(float)
        coefficient = np.repeat((member - earmark.min_share)[:, None], years, axis=1)
        total = float(province.budget_yuan.sum()) / MONEY_UNIT \
            if province.budget_yuan is not None else ceiling_total
        rows.append(ProvinceRow(f"earmark_{earmark.name}", ">=", 0.0, coefficient,
                                max(total, 1.0)))
    return rows


class _ProvinceDual:
    """The province's L as a function of the province rows' prices alone: each county
    minimises its own L over its own rows (:func:`~simulator.province.counties.respond`), so
    the method here prices only the few province rows — a map-reduce per evaluation."""

    def __init__(self, rows: list[ProvinceRow], runner: Any, models: list[Any]) -> None:
        self.rows, self.runner, self.models = rows, runner, models
        self.sign = np.array([1.0 if r.sense == "<=" else -1.0 for r in rows])
        self.scale = np.array([r.scale for r in rows])
        self.rhs = np.array([r.rhs for r in rows])
        self.coefficients = np.array([r.coefficient for r in rows])  # (rows, C, P)
        self.previous: list[Any] = [None] * len(models)
        self.county_evaluations = 0

    @property
    def size(self) -> int:
        return len(self.rows)

    def evaluate(self, variables: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """L, a subgradient in the scaled variables, and (C, P) every county's spending."""
        price = self.sign * variables / self.scale
        # the price the province rows put on each county's spending in each plan year
        extra = np.einsum("i,icp->cp", price, self.coefficients)
        responses = self.runner.each(respond, self.models, list(extra), self.previous)
        # each county starts its next minimum from this one, with its cuts: a few evaluations
        # instead of many
        self.previous = responses
        self.county_evaluations += sum(r.evaluations for r in responses)
        spend = np.array([r.spend for r in responses])
        value = float(sum(r.bound for r in responses)) + float(price @ self.rhs)
        activity = np.array([row.activity(spend) for row in self.rows])
        return value, self.sign * (self.rhs - activity) / self.scale, spend


def split_budgets(province: Province, spend_yuan: np.ndarray) -> np.ndarray:
    """(C, P) each county's budget [yuan] from what its households spend at the prices:
    within its ceiling, within the province fund (unspent money to counties with room, in
    proportion to their room), then earmarks met by scaling the other counties down."""
    ceilings = county_ceilings(province)
    budgets = np.minimum(np.maximum(spend_yuan, 0.0), ceilings)
    if province.budget_yuan is not None:
        for y, fund in enumerate(province.budget_yuan):
            total = budgets[:, y].sum()
            if total > fund:
                budgets[:, y] *= fund / total
            else:
                room = ceilings[:, y] - budgets[:, y]
                if room.sum() > 0:
                    budgets[:, y] += room * min(1.0, (fund - total) / room.sum())
    for earmark in province.earmarks:
        member = province.in_group(earmark.group)
        inside, outside = budgets[member].sum(), budgets[~member].sum()
        share = earmark.min_share
        if outside > 0 and inside < share * (inside + outside):
            budgets[~member] *= inside * (1 - share) / (share * outside) if share < 1 else 0.0
    return budgets


def optimize_province(province: Province, *, cluster: str | None = None,
                      reps: int | None = None, seed: int | None = None,
                      progress: Any = None) -> ProvinceResult:
    """Split the province fund among counties and allocate within each, maximising expected
    stable exits; evaluate on fresh replications.

    Parameters
    ----------
    province : Province
    cluster : str, optional
        None (this process), ``"local"``/``"local:N"`` (a Dask LocalCluster) or a Dask
        scheduler address. Results are identical whichever is used.
    reps, seed : int, optional
        Replications and seed of the in-sample runs (default: the province file's); the
        evaluation uses ``seed + optimizer.evaluation_seed_offset`` of each county.
    progress : callable, optional
        ``progress(stage)`` with the name of each stage as it starts.
    """
    reps = province.replications if reps is None else int(reps)
    seed = province.seed if seed is None else int(seed)
    say = progress or (lambda _stage: None)
    run = secrets.token_hex(6)  # names the counties' scratch folders only
    tasks = [CountyTask(index=i, county=county, reps=reps, seed=seed,
                        evaluation_seed=seed + county.scenario.optimizer.evaluation_seed_offset,
                        run=run)
             for i, county in enumerate(province.counties)]
    with runner_for(cluster) as runner:
        try:
            return _optimize(province, runner, tasks, reps, seed, say)
        finally:
            runner.everywhere(release_run, run)


def _optimize(province: Province, runner: Any, tasks: list[CountyTask], reps: int, seed: int,
              say: Any) -> ProvinceResult:
    """The province run's stages with its counties' data on ``runner``."""
    timings: dict[str, float] = {}
    say("simulating every package in every county (in-sample)")
    started = time.perf_counter()
    models = runner.build(build_county, tasks)
    timings["candidate_seconds"] = time.perf_counter() - started
    say("pricing the province's rows")
    started = time.perf_counter()
    rows = province_rows(province)
    dual = _ProvinceDual(rows, runner, models)
    centre, bound, spend, evaluations, _step = minimise_dual(
        dual.evaluate, np.zeros(dual.size), np.zeros(dual.size),
        np.full(dual.size, np.inf), cap=PROVINCE_EVALUATIONS, primal=True)
    timings["lagrangian_seconds"] = time.perf_counter() - started
    timings["county_evaluations"] = dual.county_evaluations
    budgets = split_budgets(province, spend * MONEY_UNIT)
    say("solving and evaluating each county")
    started = time.perf_counter()
    outcomes = runner.each(solve_county, models, list(budgets))
    timings["county_solve_seconds"] = time.perf_counter() - started
    description = runner.description
    activity = np.array([row.activity(budgets / MONEY_UNIT) for row in rows])
    duals = centre / dual.scale  # λ ≥ 0 per 万元 of each province row
    return ProvinceResult(province=province, budgets=budgets, counties=outcomes, rows=rows,
                          row_duals=duals, row_activity=activity, bound=float(bound),
                          evaluations=evaluations, reps=reps, seed=seed,
                          timings={k: round(v, 2) for k, v in timings.items()},
                          runner=description)
