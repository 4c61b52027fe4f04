"""What is done for one county, where its data lives (this process, or a Dask worker).

A county's candidate outcomes — every household under every package in every replication — are
built once (:func:`build_county`) and stay where they were built, on that machine's local disk:
the province's Lagrangian method only sends each county its row prices and gets back two small
things, the sum of its households' best priced values and its rows' activity there
(:func:`respond`). When the prices have settled, each county solves its own allocation within
the budget the province gives it and evaluates it on fresh replications (:func:`solve_county`),
returning its summary, its allocation table and the per-replication figures the province adds
up; then its files are removed (:func:`release_county`).

Memory per process is bounded by the largest county, not by the province: a process holds one
county's data at a time and reads the next from its disk (a county of 15,000 households: 42 MB
of priced rows read at each pricing, 175 MB of candidates read once to solve). Kept in memory
instead, a worker holding 33 such counties needed 8 GB.

Every task takes integer seeds, never generator objects: a task gives the same result in any
process.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.optimizer.candidates import CandidateSet, build_candidates
from simulator.optimizer.lagrangian import _Dual, _site_cap_rows, minimise_dual
from simulator.optimizer.rows import coupling_rows
from simulator.optimizer.solve import allocation_packages, judge_allocation
from simulator.optimizer.strategies import solve_allocation
from simulator.population import population_of
from simulator.province.model import County

PROVINCE_BUDGET_RULE = "expected"
"""The province splits *expected* outlays among counties: the Lagrangian bound it is measured
against prices expected outlays, and a county's confidence rule (outlays within budget in 95 %
of replications) is a tail constraint over replications that does not split by county."""

PROVINCE_MIP_GAP = 0.0005
"""Gap each county's allocation is solved to: half the province's target of 0.1 % of the bound,
leaving the other half to the split (a county's own default, 0.01 %, costs its MILP seconds per
solve on small counties for nothing the province total can show)."""

PROVINCE_OBJECTIVE = "expected"
"""Expected stable exits, summed over counties (the CVaR of a sum is not a sum of CVaRs)."""


@dataclass(frozen=True, eq=False)
class CountyTask:
    """What a process needs to build one county: its scenario and registry file, integer seeds."""

    index: int
    county: County
    reps: int
    seed: int
    """Seed of the in-sample candidate run."""
    evaluation_seed: int
    """Seed of the fresh replications the plan is judged on."""
    run: str = "run"
    """Name of this province run in the county's scratch folder (removed at the end by
    :func:`release_run`, whatever happened)."""


@dataclass(frozen=True, eq=False)
class CountyModel:
    """Where one county's candidate outcomes and priced rows are kept: a folder on the local
    disk of the process that built them (a Dask worker's machine, or this one)."""

    task: CountyTask
    folder: str

    def rows(self) -> _Dual:
        """The county's priced rows (its L as a function of its row prices), without the
        candidates."""
        return _read(Path(self.folder) / ROWS_FILE)

    def candidates(self) -> CandidateSet:
        """Every household's outcomes under every package (in-sample)."""
        return _read(Path(self.folder) / CANDIDATES_FILE)


ROWS_FILE = "rows.pickle"
CANDIDATES_FILE = "candidates.pickle"


def _write(path: Path, value: Any) -> None:
    with path.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _read(path: Path) -> Any:
    """A county file written by :func:`build_county` in this same run (never a user's file)."""
    with path.open("rb") as handle:
        return pickle.load(handle)


@dataclass(frozen=True, eq=False)
class CountyOutcome:
    """A county's solved and evaluated allocation, as the province reports it."""

    name: str
    budgets: np.ndarray
    """(P,) the budget the province gave the county [yuan]."""
    objective: float
    """Expected stable exits of the allocation in-sample."""
    bound: float | None
    status: str
    summary: dict[str, Any]
    """The county's own summary (what ``tuopin run`` reports for a county), fresh replications."""
    table: dict[str, list[Any]]
    """The county's allocation table (one row per household)."""
    stable: np.ndarray
    """(R,) stable exits with the plan in each fresh replication."""
    without_support: np.ndarray
    """(R,) stable exits with no support, on the same replications."""
    outlays: np.ndarray
    """(R, P) outlays, charged to plan years, PV sites included [yuan]."""
    net_cost: np.ndarray
    """(R,) gross outlays less what the county keeps or recovers [yuan]."""
    baselines: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    """name → (stable exits (R,), gross outlays (R,), net cost (R,)) of each simple rule."""


def build_county(task: CountyTask) -> CountyModel:
    """Simulate every candidate package for the county's households (in-sample) and price-ready
    rows: its own budget ceiling, capacities and policy rules."""
    scenario = task.county.scenario
    registry = task.county.registry()
    registry = population_of(scenario) if registry is None else registry
    cands = build_candidates(scenario, registry, reps=task.reps, seed=task.seed,
                             packages=allocation_packages(scenario, registry))
    rows = coupling_rows(cands, scenario.budget.yearly_yuan) + _site_cap_rows(cands)
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{task.run}-{task.index:04d}-"))
    _write(folder / ROWS_FILE, _Dual(cands, rows).without_candidates())
    _write(folder / CANDIDATES_FILE, cands)
    return CountyModel(task=task, folder=str(folder))


SCRATCH_PREFIX = "tuopin-county-"
"""Start of the name of a county's scratch folder in the temporary directory."""


def release_run(run: str) -> None:
    """Remove every county folder of province run ``run`` from this machine's temporary
    directory (called on every worker at the end of a run, also a failed one)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{run}-*"):
        shutil.rmtree(folder, ignore_errors=True)


COUNTY_TOLERANCE = 1e-4
"""A county's minimum stops when its cutting-plane model predicts less than this relative
decrease: any prices give a valid bound, and the province's method needs each county's answer
only as exactly as its own target (0.1 %). Measured on the example province (one run): at 1e-5,
7,569 county evaluations, Lagrangian 61 s, gap 0.072 %; at 1e-4, 3,046, 33 s, gap 0.063 %
(at 1e-7, as for one county alone, four counties of Ruyuan's make-up took 216 evaluations each
per province step, and the bound was no closer)."""


@dataclass(frozen=True)
class CountyResponse:
    """A county's answer to the province's prices on its spending."""

    bound: float
    """min over the county's own row prices of its L, at the province's prices [stable exits]."""
    spend: np.ndarray
    """(P,) the share of the fund it takes in each plan year at those prices: what its
    households spend, and money it would hold where an earmark pays for it [万元]."""
    centre: np.ndarray
    """The county's own row prices (scaled) at that minimum: the next call starts there."""
    step: float
    """The box the minimum ended with: the next call starts with it."""
    cuts: list[tuple[np.ndarray, float, np.ndarray, np.ndarray]]
    """The cuts of the county's L found so far (point, value, subgradient, spend), at ``extra``:
    the next call shifts them to its own prices and starts its model with them."""
    extra: np.ndarray
    evaluations: int


def respond(model: CountyModel, extra: np.ndarray, previous: CountyResponse | None,
            tolerance: float = COUNTY_TOLERANCE) -> CountyResponse:
    """The county's best answer to ``extra`` (P,), a price on each plan year's share of the
    fund that the province rows put on it [stable exits per 万元]: its own rows priced to the
    minimum of its L (box-step cutting planes from the previous call's centre and box, its
    cuts shifted to these prices), and the share it takes there.

    A share is what the households spend plus, where the price of money is negative (an
    earmark paying more for a county's share than the fund charges), money held unspent up to
    the county's ceiling: an earmark counts the money given to its counties, which a county
    need not spend (Qinghai's 70 % is of the funds sent to deep-poverty areas). Leaving that
    out bounded a narrower problem than the one solved — the counties' stable exits came out
    above the bound.

    Only the province's few prices travel: each county minimises over its own rows where its
    data lives (a method over every county's rows at once converges far more slowly — measured
    on four counties: 2,000 evaluations and the bound still 0.35 % above the allocation)."""
    dual = model.rows()
    budget_rows = list(dual.budget_index)
    ceiling = dual.rhs[budget_rows]  # the most the county may take in each plan year [万元]

    def evaluate(variables: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        price = dual.signed_prices(variables)
        charged = price.copy()
        charged[budget_rows] += extra
        best, activity, _priced, _choice = dual.respond(charged)
        rate = charged[budget_rows]
        unspent = np.where(rate < 0, ceiling, 0.0)  # held only where holding it pays
        activity[budget_rows] += unspent
        value = float(best - rate @ unspent + price @ dual.rhs)
        return value, dual.sign * (dual.rhs - activity) / dual.scale, activity[budget_rows]

    low, high = dual.bounds()
    centre, step, cuts = dual.start(), None, []
    if previous is not None:
        # A cut is the L of one choice of packages, an affine function of the county's prices;
        # at other province prices the same choice costs (extra − old extra)·spend more.
        centre, step = previous.centre, previous.step
        change = extra - previous.extra
        cuts = [(point, value - float(change @ spent), gradient, spent)
                for point, value, gradient, spent in previous.cuts]
    centre, value, spend, evaluations, step = minimise_dual(
        evaluate, centre, low, high, step=step, tolerance=tolerance, cuts=cuts)
    return CountyResponse(bound=value, spend=spend, centre=centre, step=step, cuts=cuts,
                          extra=np.array(extra, dtype=float), evaluations=evaluations)


def solve_county(model: CountyModel, budgets: np.ndarray) -> CountyOutcome:
    """The county's allocation within ``budgets`` (P,) [yuan], judged on fresh replications
    against the simple rules with the same money."""
    cands = model.candidates()
    budgets = np.asarray(budgets, dtype=float)
    solution, _model = solve_allocation(cands, budgets, objective=PROVINCE_OBJECTIVE,
                                        budget_rule=PROVINCE_BUDGET_RULE,
                                        mip_gap=PROVINCE_MIP_GAP)
    result = judge_allocation(cands, budgets, solution, objective=PROVINCE_OBJECTIVE,
                              solver=cands.scenario.optimizer.solver,
                              evaluation_seed=model.task.evaluation_seed)
    optimised = result.optimised
    return CountyOutcome(
        name=model.task.county.name, budgets=budgets, objective=solution.objective,
        bound=solution.bound, status=solution.status, summary=result.summary(),
        table=result.allocation_table(), stable=optimised.stable_exits,
        without_support=np.asarray(result.evaluation_set.result.stable_exits_without_support(),
                                   dtype=float),
        outlays=optimised.outlays, net_cost=result.net_cost(optimised),
        baselines={name: (b.stable_exits, b.outlays.sum(axis=1), result.net_cost(b))
                   for name, b in result.baselines.items()})
