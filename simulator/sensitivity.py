"""One-at-a-time sensitivity of a plan's stable exits: the tornado chart of a budget proposal.

Each parameter that matters most for the instruments' returns and risks is set to a low and a
high value (published ranges, cited from the bibliography), the
plan is simulated again with the same random numbers, and the change in the stable exits it adds
over no support, against the central case, is reported with its paired 95 % interval. The
allocation stays fixed: the question is how far the plan's promise rests on each assumption, not
what the optimiser would do instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.engine import simulate
from simulator.packages import Plan
from simulator.progress import Progress
from simulator.registry import Registry
from simulator.scenario.model import Scenario
from simulator.statistics import paired


@dataclass(frozen=True)
class Assumption:
    """A parameter varied in the sensitivity analysis."""

    path: str
    """Dotted path in the scenario (``instruments.pv.tariff_yuan_per_kwh``)."""
    label_zh: str
    label_en: str
    low: float
    high: float
    relative: bool
    """True: ``low`` and ``high`` multiply the scenario's value; False: they replace it."""
    source: str
    source_zh: str
    """The source in Chinese, citing the same bibliography entries."""

    def values(self, scenario: Scenario) -> tuple[float, float]:
        """The low and high values for this scenario, in the parameter's own unit."""
        if self.relative:
            central = float(value_at(scenario, self.path))
            return central * self.low, central * self.high
        return self.low, self.high

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def source_text(self, lang: str) -> str:
        return self.source_zh if lang == "zh" else self.source


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("instruments.pv.tariff_yuan_per_kwh", "光伏上网电价", "PV tariff", 0.867, 1.1, True,
               "[Tariff2017]: low 0.85/0.98, the 2017+ zone III tariff against 2016's; "
               "high: guess, +10 %",
               "[Tariff2017]：低值为0.85/0.98，即2017年起三类资源区电价与2016年电价之比；"
               "高值为估计，上浮10 %"),
    Assumption("instruments.pv.specific_yield_kwh_per_kwp", "光伏年发电量", "PV specific yield",
               0.85, 1.15, True, "[EnergyPortal2015]: specific yield ±15 %",
               "[EnergyPortal2015]：各地年发电量相差约±15 %"),
    Assumption("instruments.equity.dividend_rate", "入股分红率", "equity dividend rate",
               0.05, 0.12, False,
               "[SichuanCoop], [Hubei2017], [Dongguo]: dividends promised 5–12 %/yr",
               "[SichuanCoop]、[Hubei2017]、[Dongguo]：承诺分红率每年5–12 %"),
    Assumption("instruments.equity.failure_probability_over_term", "企业经营失败概率",
               "enterprise failure", 0.02, 0.10, False,
               "guess: 2–10 % lose principal over the term [Boullenois2020]",
               "估计：期内2–10 %的企业损失本金[Boullenois2020]"),
    Assumption("instruments.employment.separation_probability_per_year", "就业岗位流失率",
               "job separation (retention)", 0.25, 0.50, False,
               "[CaoZhao]: job separation 25–50 %/yr",
               "[CaoZhao]：每年离职率25–50 %"),
    Assumption("shocks.illness_probability_per_person_year", "疾病住院风险", "illness hazard",
               0.5, 1.5, True, "guess: half to one and a half times 20.8 %/yr [Liu2023]",
               "估计：每年20.8 %住院率的0.5至1.5倍[Liu2023]"),
    Assumption("instruments.employment.replaced_income_share", "务工挤占的原有收入比例",
               "income a job replaces", 0.0, 1.0, False,
               "guess: the exit schedule does not pin it down, so it is not fitted; from none "
               "of the worker's own income given up to all of it",
               "估计：脱贫进度数字无法确定此值，故不作校准；从务工不挤占原有收入到全部挤占"),
    Assumption("instruments.loans.project_failure_probability_over_term", "贷款项目失败概率",
               "loan project failure", 0.005, 0.35, False,
               "[Kashgar2020]: microcredit loss up to 37 % (stress case in weak counties)",
               "[Kashgar2020]：小额信贷损失最高达37 %（薄弱县的压力情形）"),
)
"""The parameters of the tornado chart (PV tariff and yield, dividend rate,
enterprise failure, job retention, illness hazard, loan project failure)."""


def value_at(scenario: Scenario, path: str) -> Any:
    """The value at a dotted path of a scenario."""
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def with_value(scenario: Scenario, path: str, value: Any) -> Scenario:
    """A copy of ``scenario`` with the field at ``path`` replaced (frozen dataclasses)."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(scenario, **{head: value})
    return dataclasses.replace(scenario, **{head: with_value(getattr(scenario, head), rest,
                                                              value)})


@dataclass(frozen=True)
class Sensitivity:
    """Stable exits of a plan when one assumption takes its low or high value."""

    assumption: Assumption
    low_value: float
    high_value: float
    low: dict[str, Any]
    """Paired change in added stable exits at the low value: mean, ci95, se."""
    high: dict[str, Any]

    @property
    def swing(self) -> float:
        """Width of the bar: largest minus smallest mean change."""
        means = (self.low["mean"], self.high["mean"], 0.0)
        return max(means) - min(means)


def sensitivity(scenario: Scenario, plan: Plan, registry: Registry, *, reps: int, seed: int,
                assumptions: Sequence[Assumption] = ASSUMPTIONS,
                central: np.ndarray | None = None,
                progress: Progress | None = None) -> tuple[np.ndarray, list[Sensitivity]]:
    """Stable exits the plan adds over no support, per replication, in the central case, and
    each assumption's low/high change, sorted from the widest swing. All runs share the random
    numbers of ``seed``. Added exits, not all stable exits: an assumption such as the illness
    hazard moves what happens without support too, and the plan is answerable only for what it
    adds.

    ``central`` — the central case's (reps,) added stable exits, when the caller has simulated
    the plan with this seed and number of replications already. ``progress(done, total)``
    counts the simulations (two per assumption).
    """
    def stable(variant: Scenario) -> np.ndarray:
        result = simulate(variant, plan, registry=registry, reps=reps, seed=seed,
                          keep_income=False)
        return result.added_stable_exits(0).astype(float)

    central = stable(scenario) if central is None else np.asarray(central, dtype=float)
    rows = []
    for done, assumption in enumerate(assumptions):
        if progress is not None:
            progress(2 * done, 2 * len(assumptions))
        low_value, high_value = assumption.values(scenario)
        low = stable(with_value(scenario, assumption.path, low_value))
        high = stable(with_value(scenario, assumption.path, high_value))
        rows.append(Sensitivity(assumption, low_value, high_value, paired(low, central),
                                paired(high, central)))
    if progress is not None:
        progress(2 * len(assumptions), 2 * len(assumptions))
    rows.sort(key=lambda row: -row.swing)
    return central, rows


def sweep(scenario: Scenario, path: str, values: Sequence[Any], *, plan: Plan | None = None,
          registry: Registry | None = None, reps: int | None = None,
          seed: int | None = None) -> list[tuple[Any, Any]]:
    """Simulate a plan at each of ``values`` of the field at ``path``, on the same random
    numbers, so the runs differ only by that value.

    Parameters
    ----------
    scenario : Scenario
    path : str
        Dotted path of a scenario field, e.g. ``"instruments.pv.tariff_yuan_per_kwh"``.
    values : sequence
        Values to try, in the field's own unit.
    plan : Plan, optional
        The plan (default: the scenario's own ``[plan]`` rule, for each value's scenario).
    registry, reps, seed : optional
        As for :func:`simulator.simulate`.

    Returns
    -------
    list of (value, SimulationResult)
    """
    from simulator.population import population_of

    registry = population_of(scenario) if registry is None else registry
    return [(value, simulate(with_value(scenario, path, value), plan, registry=registry,
                             reps=reps, seed=seed)) for value in values]
